// Locker: etcd's distributed lock (clientv3/concurrency/mutex.go, served by etcd's v3lock).
//
// A lock `name` is the queue of keys `<name>/<lease hex>`, each bound to its holder's lease; the
// key with the lowest create_revision holds the lock, every other waits (on the Watcher's thread,
// no thread per waiter) for the deletion of the newest key created before its own. The holder's
// create_revision is the fencing token: it only grows from one holder to the next, so a resource
// can refuse writes carrying a smaller token than one it has seen. A lock is released by Unlock
// (deleting the key), by revoking the lease or by letting it expire.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coord/watcher.h"

namespace aio::coord {

// A key that reached the head of its queue.
struct QueueTurn {
  std::string key;
  int64_t create_revision = 0;  // the fencing token
  int64_t revision = 0;         // the store revision at which the turn was seen
};

// A place in a queue while it waits; Cancel() gives it up: the key is deleted and `done` gets
// Cancelled "coord: wait canceled". No-op once `done` ran.
class Ticket {
 public:
  void Cancel();

 private:
  friend std::shared_ptr<Ticket> JoinQueue(Watcher*, std::string, std::string, std::string, int64_t,
                                           std::function<void(absl::StatusOr<QueueTurn>)>);
  absl::Mutex mu_;
  bool canceled_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<QueueWait> wait_ ABSL_GUARDED_BY(mu_);
};

// Creates `key` (under `prefix`, bound to `lease`, holding `value`) unless it exists (an existing
// key keeps its place; its value is overwritten when different, as etcd's Campaign), then calls
// `done` once no key of `prefix` created before it is left. Errors through `done`: the store's
// (etcd "etcdserver: requested lease not found"), FailedPrecondition "mutex: session is expired"
// when the key itself vanished (its lease expired) while waiting, Cancelled. On any error the key
// is deleted if it is still this entry's. `done` may run before JoinQueue returns.
std::shared_ptr<Ticket> JoinQueue(Watcher* watcher, std::string prefix, std::string key,
                                  std::string value, int64_t lease,
                                  std::function<void(absl::StatusOr<QueueTurn>)> done);

// Deletes `key` if its create_revision is still `create_revision` (a newer entry of the same key
// is left alone). Returns the header revision.
absl::StatusOr<int64_t> LeaveQueue(store::KvStore* store, std::string_view key,
                                   int64_t create_revision);

// Runs `start` (Locker::Lock, Elector::Campaign) and gives its place up if the turn has not come
// within `timeout` (zero: at once, a try-lock): `done` then gets DeadlineExceeded
// `timeout_message`. Otherwise as `start`.
using TicketStart =
    std::function<std::shared_ptr<Ticket>(std::function<void(absl::StatusOr<QueueTurn>)>)>;
std::shared_ptr<Ticket> WithTimeout(Watcher* watcher, absl::Duration timeout,
                                    std::string timeout_message, const TicketStart& start,
                                    std::function<void(absl::StatusOr<QueueTurn>)> done);

// A turn held under a lease, as HoldWithLease hands it out.
struct Hold {
  QueueTurn turn;
  int64_t lease = 0;
};

struct HoldRequest {
  int64_t lease = 0;                              // an existing lease; 0 = grant one of ttl_s
  int64_t ttl_s = 0;                              // 2..86400 when lease is 0; 0 = 10
  absl::Duration timeout = absl::ZeroDuration();  // 0..600 s; zero = try once
};

// What front-ends (HTTP, aio.v1) offer: validates `request`, grants a lease when none is given,
// then runs `start(lease, done)` under WithTimeout. When the turn does not come, a lease it
// granted is revoked. Errors: InvalidArgument "coord: ttl must be between 2 and 86400 seconds",
// "coord: timeout must be between 0 and 600000 ms"; DeadlineExceeded "coord: <what> not
// acquired within <n> ms"; those of `start`.
std::shared_ptr<Ticket> HoldWithLease(
    Watcher* watcher, const HoldRequest& request, std::string_view what,
    const std::function<std::shared_ptr<Ticket>(
        int64_t lease, std::function<void(absl::StatusOr<QueueTurn>)>)>& start,
    std::function<void(absl::StatusOr<Hold>)> done);

// Where AIO's own locks and elections (HTTP, aio.v1) live in the store: lock `x` is the etcd lock
// `/aio/lock/x`, election `x` the etcd election `/aio/election/x`.
inline constexpr char kLockPrefix[] = "/aio/lock/";
inline constexpr char kElectionPrefix[] = "/aio/election/";

// Renews the lease `key` (a lock or leader key) is bound to; returns the renewed TTL in seconds.
// NotFound "coord: <key> is not held" when the key is gone (released, or its lease expired).
absl::StatusOr<int64_t> KeepAliveKey(store::KvStore* store, std::string_view key);

class Locker {
 public:
  // `watcher` must outlive the locker.
  explicit Locker(Watcher* watcher) : watcher_(watcher) {}

  // The key a lease holds (or waits for) in lock `name`: "<name>/<lease hex>".
  static std::string KeyOf(std::string_view name, int64_t lease);

  // Acquires lock `name` for `lease` (must exist); `done` gets the key and fencing token once held.
  // Errors: InvalidArgument "coord: lock name is empty", "coord: lease is required", and those of
  // JoinQueue.
  std::shared_ptr<Ticket> Lock(std::string_view name, int64_t lease,
                               std::function<void(absl::StatusOr<QueueTurn>)> done);
  // Deletes the lock's key (etcd v3lock Unlock: no error when it is already gone). Returns the
  // header revision.
  absl::StatusOr<int64_t> Unlock(std::string_view key);

  // AIO lock `name` (under kLockPrefix) with HoldWithLease. Errors: InvalidArgument "coord: lock
  // name is empty", those of HoldWithLease and Lock.
  std::shared_ptr<Ticket> Acquire(std::string_view name, const HoldRequest& request,
                                  std::function<void(absl::StatusOr<Hold>)> done);
  // Unlocks an AIO lock's `key`; with `revoke_lease` also revokes the lease it was bound to.
  // InvalidArgument "coord: not a lock key" for a key outside kLockPrefix.
  absl::Status Release(std::string_view key, bool revoke_lease);

 private:
  Watcher* const watcher_;
};

}  // namespace aio::coord
