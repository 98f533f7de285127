#include "protocol/grpc/lock_service.h"

#include <string>
#include <utility>

#include "protocol/grpc/etcd_lock_service.h"
#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {

::grpc::ServerUnaryReactor* LockService::Lock(::grpc::CallbackServerContext* call,
                                              const aio::v1::LockRequest* request,
                                              aio::v1::LockResponse* response) {
  auto who = guard_->Authorize(*call, "aio.v1.LockService/Lock", auth::Resource::kKv,
                               coord::kLockPrefix + request->name() + "/", auth::kWrite);
  if (!who.ok()) {
    ::grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(ToGrpcStatus(who.status()));
    return reactor;
  }
  const coord::HoldRequest hold{.lease = request->lease(),
                                .ttl_s = request->ttl_seconds(),
                                .timeout = absl::Milliseconds(request->timeout_ms())};
  return new TicketReactor<coord::Hold>(
      [this, name = request->name(), hold](auto done) {
        return locker_->Acquire(name, hold, std::move(done));
      },
      [response](absl::StatusOr<coord::Hold> held) {
        if (!held.ok()) return ToGrpcStatus(held.status());
        response->set_key(held->turn.key);
        response->set_fencing_token(held->turn.create_revision);
        response->set_lease(held->lease);
        return ::grpc::Status::OK;
      });
}

::grpc::Status LockService::Unlock(::grpc::ServerContext* call,
                                   const aio::v1::UnlockRequest* request,
                                   aio::v1::UnlockResponse*) {
  auto who = guard_->Authorize(*call, "aio.v1.LockService/Unlock", auth::Resource::kKv,
                               request->key(), auth::kWrite);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return ToGrpcStatus(locker_->Release(request->key(), request->revoke_lease()));
}

}  // namespace aio::protocol::grpc
