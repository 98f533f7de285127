// etcd's Lock service (v3lockpb.Lock, etcd server/etcdserver/api/v3lock) over coord::Locker: Lock
// blocks until the named lock is held under the caller's lease and answers the ownership key;
// Unlock deletes it. A Lock that waits parks no thread (callback API; the wait runs on the
// coord::Watcher's thread), and a Lock whose client goes away (or whose deadline passes) gives
// up its place: its key is deleted. Once etcd auth is on, both need kv write permission on the
// lock's keys (`<name>/` and every key under it), as etcd checks its internal client's requests.
// Errors keep etcd's texts (e.g. "etcdserver: requested lease not found").
//
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "coord/lock.h"
#include "etcd/v3lock.grpc.pb.h"
#include "protocol/grpc/etcd_services.h"

namespace aio::protocol::grpc {

using EtcdLockServiceBase = v3lockpb::Lock::WithCallbackMethod_Lock<v3lockpb::Lock::Service>;

class EtcdLockService final : public EtcdLockServiceBase {
 public:
  // Both must outlive the service.
  EtcdLockService(EtcdServiceContext* context, coord::Locker* locker)
      : context_(context), locker_(locker) {}

  ::grpc::ServerUnaryReactor* Lock(::grpc::CallbackServerContext* call,
                                   const v3lockpb::LockRequest* request,
                                   v3lockpb::LockResponse* response) override;
  ::grpc::Status Unlock(::grpc::ServerContext* call, const v3lockpb::UnlockRequest* request,
                        v3lockpb::UnlockResponse* response) override;

 private:
  EtcdServiceContext* const context_;
  coord::Locker* const locker_;
};

// A unary call that waits for a coord::Ticket (lock or campaign) whose result is a `Result`
// (coord::QueueTurn, coord::Hold): OnCancel gives the ticket up; `finish` converts the result into
// the call's response and status. Used by the etcd and aio.v1 lock and election services.
template <class Result>
class TicketReactor final : public ::grpc::ServerUnaryReactor {
 public:
  using Done = std::function<void(absl::StatusOr<Result>)>;
  using Start = std::function<std::shared_ptr<coord::Ticket>(Done)>;
  using Finish = std::function<::grpc::Status(absl::StatusOr<Result>)>;

  // Runs `start` at once.
  TicketReactor(const Start& start, Finish finish) {
    // Only locals after start(): the result may arrive (and the reactor be deleted) before it
    // returns.
    std::shared_ptr<State> state = state_;
    std::shared_ptr<coord::Ticket> ticket =
        start([this, finish = std::move(finish)](absl::StatusOr<Result> result) {
          ::grpc::ServerUnaryReactor::Finish(finish(std::move(result)));
        });
    absl::MutexLock lock(&state->mu);
    state->ticket = ticket;
    if (state->canceled) ticket->Cancel();
  }

  void OnCancel() override {
    std::shared_ptr<coord::Ticket> ticket;
    {
      absl::MutexLock lock(&state_->mu);
      state_->canceled = true;
      ticket = state_->ticket;
    }
    if (ticket != nullptr) ticket->Cancel();
  }
  void OnDone() override { delete this; }

 private:
  struct State {
    absl::Mutex mu;
    bool canceled ABSL_GUARDED_BY(mu) = false;
    std::shared_ptr<coord::Ticket> ticket ABSL_GUARDED_BY(mu);
  };
  const std::shared_ptr<State> state_ = std::make_shared<State>();
};

// etcd kv permission for `action` (default write) on every key of the queue `prefix` (lock or
// election), once etcd auth is on.
absl::Status AuthorizeQueue(const EtcdServiceContext& context,
                            const ::grpc::ServerContextBase& call, const std::string& prefix,
                            uint32_t action = auth::kWrite);

}  // namespace aio::protocol::grpc
