// Sublist: the subscription index. A trie of subject tokens with `*` and `>` branches, as
// nats-server's sublist, plus a cache of match results keyed by literal subject.
//
// Match results are immutable snapshots (shared_ptr); Insert/Remove bump generation() and drop
// the cached results they change. MatchCache is a per-connection front cache that skips the lock
// while generation() is unchanged.
//
// Subjects that never repeat (request/reply and JetStream ack inboxes, `_INBOX.<id>.<n>`) stay
// cheap: both caches admit a subject only when it repeats (RepeatFilter), a match reaching a
// single trie node returns that node's own result and a match reaching none a shared empty one,
// so such a Match allocates nothing. Full caches drop entries down to a quarter, as nats-server's
// sublist cache (1024, swept to 256), rather than starting over.
//
// Thread-safe (one mutex; the hot path is MatchCache, which takes none).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "mq/subscription.h"

namespace aio::mq {

struct MatchResult {
  std::vector<SubscriptionPtr> plain;
  std::vector<std::vector<SubscriptionPtr>> queues;  // one vector per queue group
  bool empty() const { return plain.empty() && queues.empty(); }
};
using MatchResultPtr = std::shared_ptr<const MatchResult>;

// Cache admission ("doorkeeper", as in TinyLFU): remembers a hash of each of the last subjects it
// saw, one per slot, so a cache admits a subject only the second time it shows up within roughly
// the last kSlots distinct subjects. A hash collision only admits early. Not thread-safe.
template <size_t kSlots>
class RepeatFilter {
 public:
  // Records `subject`; true when it was seen before.
  bool Repeats(std::string_view subject) {
    const size_t hash = std::hash<std::string_view>{}(subject);
    const uint32_t tag = static_cast<uint32_t>(hash >> 32) | 1;  // never 0, the empty slot
    uint32_t& slot = slots_[hash % kSlots];
    if (slot == tag) return true;
    slot = tag;
    return false;
  }

 private:
  std::array<uint32_t, kSlots> slots_{};
};

class Sublist {
 public:
  Sublist();
  ~Sublist();

  // REQUIRES: sub->subject is a valid subscribe subject.
  void Insert(SubscriptionPtr sub);
  // Returns false when `sub` was not in the index.
  bool Remove(const SubscriptionPtr& sub);
  // Every subscription matching the literal `subject`.
  MatchResultPtr Match(std::string_view subject);

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  size_t count() const { return count_.load(std::memory_order_relaxed); }
  // Every subscription (for the HTTP API), in no particular order.
  std::vector<SubscriptionPtr> All() const;

  static constexpr size_t kMaxCacheEntries = 1024;
  // Number of cached results (for tests).
  size_t cache_size() const;

 private:
  struct Node;
  struct Level;

  MatchResultPtr MatchLocked(std::string_view subject) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InvalidateLocked(std::string_view filter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::unique_ptr<Level> root_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, MatchResultPtr> cache_ ABSL_GUARDED_BY(mu_);
  RepeatFilter<2 * kMaxCacheEntries> admission_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
  std::atomic<size_t> count_{0};
};

// A connection's own cache in front of a Sublist. Owned by one thread; not thread-safe.
class MatchCache {
 public:
  MatchResultPtr Match(Sublist& sublist, std::string_view subject);
  size_t size() const { return entries_.size(); }

  static constexpr size_t kMaxEntries = 256;

 private:
  uint64_t generation_ = 0;
  absl::flat_hash_map<std::string, MatchResultPtr> entries_;
  RepeatFilter<2 * kMaxEntries> admission_;
};

}  // namespace aio::mq
