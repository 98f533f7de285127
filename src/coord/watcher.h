// Watcher: many watches over one store::WatchStream, served by one thread, so that waiting for a
// key's deletion (lock and election queues) parks no thread per waiter. Also the async
// "wait until every key of a queue created before me is gone" of etcd's concurrency package
// (clientv3/concurrency/key.go waitDeletes), on which Locker and Elector stand.
//
// Handlers run on the watcher's thread: they must not block (store reads and async writes are
// fine) and may call Watch/Cancel. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "store/kv_store.h"

namespace aio::coord {

class Watcher {
 public:
  using Handler = std::function<void(const store::WatchResponse&)>;

  // `store` must outlive the watcher.
  explicit Watcher(store::KvStore* store);
  ~Watcher();  // Stop()s

  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  store::KvStore* store() const { return store_; }

  // Starts a watch; `handler` gets every response of it (created, events, canceled) in order.
  // Errors: the store's (empty key), or Unavailable "coord: watcher stopped".
  absl::StatusOr<int64_t> Watch(const store::WatchRequest& request, Handler handler);
  // Stops delivering to the watch's handler (a response being delivered may still finish).
  void Cancel(int64_t watch_id);
  // Runs `fn` on the watcher's thread once `delay` has passed (dropped if the watcher stops
  // first). For the timeouts of waits; `fn` must not block.
  void After(absl::Duration delay, std::function<void()> fn);
  // Ends the thread; later Watch() calls fail. Idempotent.
  void Stop();

 private:
  void Run();

  store::KvStore* const store_;
  std::unique_ptr<store::WatchStream> stream_;
  // The stream's on_ready runs inside stream_->Watch (under mu_): it takes only ready_mu_.
  absl::Mutex ready_mu_;
  // The stream calls on_ready only after Next() came back empty once: start by draining.
  bool ready_ ABSL_GUARDED_BY(ready_mu_) = true;
  bool stopped_ ABSL_GUARDED_BY(ready_mu_) = false;
  std::multimap<absl::Time, std::function<void()>> timers_ ABSL_GUARDED_BY(ready_mu_);
  absl::Time waiting_until_ ABSL_GUARDED_BY(ready_mu_) = absl::InfiniteFuture();
  absl::Mutex mu_;
  absl::flat_hash_map<int64_t, std::shared_ptr<Handler>> handlers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// One wait of a queue (lock waiters, election candidates): done(OK) once no key under `prefix`
// with create_revision <= max_create_revision is left, i.e. every predecessor was deleted (or
// its lease expired). Cancel() ends the wait early with done(Cancelled "coord: wait canceled").
// `done` runs exactly once, on the watcher's thread or the caller's.
class QueueWait : public std::enable_shared_from_this<QueueWait> {
 public:
  static std::shared_ptr<QueueWait> Start(Watcher* watcher, std::string prefix,
                                          int64_t max_create_revision,
                                          std::function<void(absl::Status)> done);
  void Cancel();

 private:
  QueueWait(Watcher* watcher, std::string prefix, int64_t max_create_revision,
            std::function<void(absl::Status)> done);
  // Finds the newest predecessor and watches it for deletion; done(OK) when there is none.
  void Next();
  void Finish(absl::Status status);

  Watcher* const watcher_;
  const std::string prefix_;
  const int64_t max_create_revision_;
  absl::Mutex mu_;
  std::function<void(absl::Status)> done_ ABSL_GUARDED_BY(mu_);  // empty once called
  int64_t watch_id_ ABSL_GUARDED_BY(mu_) = -1;
};

// Lowercase hex of a lease ID, as etcd's concurrency keys (fmt "%x").
std::string LeaseHex(int64_t lease);

}  // namespace aio::coord
