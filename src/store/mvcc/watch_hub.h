// WatchHub: etcd's watchable store for the embedded engine. Watchers are grouped in streams; each
// stream has one bounded queue of responses that its front-end drains with Next().
//
// A watcher is *synced* when every event before its next revision has been queued and the hub
// hands it new events as they are published; it is *unsynced* when it must first catch up from
// history (a past start revision, or a full stream queue). One hub thread does both, so a
// watcher's events are queued in revision order, never twice and never skipped; writers only
// append to the hub's inbox and never wait for watchers.
//
// Thread-safe. The hub thread runs Publish()ed batches, catch-up and progress notifications.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "base/clock.h"
#include "store/kv_store.h"

namespace aio::store::mvcc {

struct Stats;

class WatchHub {
 public:
  // Reads committed history: appends to `out` the events with revision in [from, to], whole
  // revisions only, stopping once `max_events` is reached; prev_kv filled when `with_prev_kv`.
  // Returns the last revision read (to when all were read).
  using HistoryReader = std::function<absl::StatusOr<int64_t>(
      int64_t from, int64_t to, size_t max_events, bool with_prev_kv, std::vector<Event>* out)>;

  struct Options {
    int64_t queue_limit = 1024;                     // responses per stream
    int64_t progress_notify_interval_ms = 600'000;  // etcd's default 10 min
    size_t max_response_bytes = 1 << 20;            // split event batches at revision boundaries
  };

  WatchHub(Options options, base::Clock* clock, Stats* stats, HistoryReader history,
           std::function<int64_t()> compact_revision, int64_t current_revision);
  ~WatchHub();

  void Start();  // the hub thread; without it, tests call RunOnce()
  void Stop();

  // Hands over the events of committed revisions (up to `revision`), in revision order, with
  // prev_kv filled if `with_prev_kv`. Called by the store's writer after each group commit;
  // never blocks on watchers.
  void Publish(std::vector<Event> events, int64_t revision, bool with_prev_kv);

  std::unique_ptr<WatchStream> NewStream(std::function<void()> on_ready);

  // One round: dispatch published batches, catch up unsynced watchers, progress notifications.
  void RunOnce();

  // Whether some watcher asked for prev_kv (the writer then fills Event::prev_kv).
  bool wants_prev_kv() const { return prev_kv_watchers_.load() > 0; }

 private:
  class Stream;
  struct Watcher;
  struct Batch {
    std::vector<Event> events;
    int64_t revision;
    bool with_prev_kv;  // whether the writer filled prev_kv
  };

  void Dispatch(const Batch& batch);
  void CatchUp();
  void NotifyProgress();
  void Wake();
  // Adds the events of `events` that `w` wants to `out`. REQUIRES: mu_.
  static void Select(const Watcher& w, const std::vector<Event>& events, std::vector<Event>* out);
  // Queues events for `w` (split by size), moving next_rev to `through_rev` + 1. Returns false
  // (nothing queued) when the stream's queue is full. REQUIRES: mu_.
  bool Deliver(Watcher* w, std::vector<Event> events, int64_t through_rev);
  void RemoveWatcher(Watcher* w);  // REQUIRES: mu_

  const Options options_;
  base::Clock* const clock_;
  Stats* const stats_;
  const HistoryReader history_;
  const std::function<int64_t()> compact_revision_;

  // Guards the inbox and published_rev_: the only lock a writer takes.
  std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  std::deque<Batch> inbox_;
  int64_t published_rev_;
  bool wake_ = false;
  bool stopping_ = false;

  // Guards streams, watchers and dispatched_rev_.
  std::mutex mu_;
  int64_t dispatched_rev_;  // every batch up to here went to the synced watchers
  std::vector<Stream*> streams_;
  std::atomic<int64_t> prev_kv_watchers_{0};

  std::thread thread_;
};

}  // namespace aio::store::mvcc
