// Leadership: runs AIO's own singleton duties (the registry's offline sweep, the scheduler, alert
// evaluation) on exactly one node: campaigns in election `election_name` with value `node_id`
// under a lease of `ttl` that it keeps alive. When the lease is lost (store unreachable past the
// TTL) or the leader key disappears, IsLeader() turns false at once and it campaigns again with a
// new lease; another node takes over when this node's lease expires.
//
// Thread-safe. One background thread (keep-alive every ttl/3) plus its Watcher's.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "coord/election.h"
#include "coord/watcher.h"
#include "store/errors.h"
#include "store/kv_store.h"

namespace aio::coord {

class Leadership {
 public:
  // `store` must outlive this object. `ttl` is rounded to whole seconds (at least 2, etcd's
  // minimum).
  Leadership(store::KvStore* store, std::string election_name, std::string node_id,
             std::chrono::seconds ttl);
  ~Leadership();  // Stop()s

  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  void Start();
  // Whether this node leads now: one atomic load.
  bool IsLeader() const { return leader_.load(std::memory_order_acquire); }
  // Resigns (revokes the lease) and stops campaigning. Idempotent.
  void Stop();

 private:
  void Run();
  // One step: grant + campaign when there is no lease, else keep it alive and check the key.
  void Tick();
  void Drop();

  store::KvStore* const store_;
  const std::string election_name_;
  const std::string node_id_;
  const int64_t ttl_s_;
  Watcher watcher_;
  Elector elector_;
  std::atomic<bool> leader_{false};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t lease_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped per campaign; stale callbacks ignore
  LeaderKey key_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Ticket> ticket_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace aio::coord
