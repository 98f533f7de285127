#include "protocol/grpc/etcd_lock_service.h"

#include <utility>

#include "protocol/grpc/etcd_auth.h"
#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {

absl::Status AuthorizeQueue(const EtcdServiceContext& context,
                            const ::grpc::ServerContextBase& call, const std::string& prefix,
                            uint32_t action) {
  if (!EtcdAuthActive(context.auth())) return absl::OkStatus();
  const std::string end = store::PrefixEnd(prefix);
  return AuthorizeKv(context.auth(), TokenOf(call),
                     {KvAccess{.key = prefix, .range_end = end, .action = action}});
}

::grpc::ServerUnaryReactor* EtcdLockService::Lock(::grpc::CallbackServerContext* call,
                                                  const v3lockpb::LockRequest* request,
                                                  v3lockpb::LockResponse* response) {
  const std::string name = request->name();
  if (absl::Status allowed = AuthorizeQueue(*context_, *call, name + "/"); !allowed.ok()) {
    ::grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  return new TicketReactor<coord::QueueTurn>(
      [this, name, lease = request->lease()](auto done) {
        return locker_->Lock(name, lease, std::move(done));
      },
      [this, response](absl::StatusOr<coord::QueueTurn> turn) {
        if (!turn.ok()) return ToGrpcStatus(turn.status());
        context_->FillHeader(response->mutable_header(), turn->revision);
        response->set_key(turn->key);
        return ::grpc::Status::OK;
      });
}

::grpc::Status EtcdLockService::Unlock(::grpc::ServerContext* call,
                                       const v3lockpb::UnlockRequest* request,
                                       v3lockpb::UnlockResponse* response) {
  if (EtcdAuthActive(context_->auth())) {
    absl::Status allowed =
        AuthorizeKv(context_->auth(), TokenOf(*call),
                    {KvAccess{.key = request->key(), .range_end = "", .action = auth::kWrite}});
    if (!allowed.ok()) return ToGrpcStatus(allowed);
  }
  absl::StatusOr<int64_t> revision = locker_->Unlock(request->key());
  if (!revision.ok()) return ToGrpcStatus(revision.status());
  context_->FillHeader(response->mutable_header(), *revision);
  return ::grpc::Status::OK;
}

}  // namespace aio::protocol::grpc
