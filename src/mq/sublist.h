// Sublist: the subscription index. A trie of subject tokens with `*` and `>` branches, as
// nats-server's sublist, plus a cache of match results keyed by literal subject.
//
// Match results are immutable snapshots (shared_ptr); Insert/Remove bump generation() and drop
// the cached results they change. MatchCache is a per-connection front cache that skips the lock
// while generation() is unchanged.
//
// Thread-safe (one mutex; the hot path is MatchCache, which takes none).
#pragma once

#include <atomic>
#include <cstdint>
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

  static constexpr size_t kMaxCacheEntries = 4096;

 private:
  struct Node;
  struct Level;

  MatchResultPtr MatchLocked(std::string_view subject) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InvalidateLocked(std::string_view filter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::unique_ptr<Level> root_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, MatchResultPtr> cache_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
  std::atomic<size_t> count_{0};
};

// A connection's own cache in front of a Sublist. Owned by one thread; not thread-safe.
class MatchCache {
 public:
  MatchResultPtr Match(Sublist& sublist, std::string_view subject);

 private:
  static constexpr size_t kMaxEntries = 256;
  uint64_t generation_ = 0;
  absl::flat_hash_map<std::string, MatchResultPtr> entries_;
};

}  // namespace aio::mq
