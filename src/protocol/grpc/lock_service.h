// aio.v1.LockService (proto/aio/v1/lock.proto) over coord::Locker: lock `name` is the etcd lock
// `/aio/lock/<name>` (keys `/aio/lock/<name>/<lease hex>`), so it interoperates with etcd clients
// locking that name. Lock waits without parking a thread (callback API) for at most timeout_ms
// and gives its place up when the client goes away; a lease it granted itself is revoked when the
// lock is not acquired. Every call starts with CallGuard::Authorize (kv write on the lock's keys).
//
// Thread-safe.
#pragma once

#include "aio/v1/lock.grpc.pb.h"
#include "coord/lock.h"
#include "protocol/grpc/call_guard.h"

namespace aio::protocol::grpc {

using LockServiceBase =
    aio::v1::LockService::WithCallbackMethod_Lock<aio::v1::LockService::Service>;

class LockService final : public LockServiceBase {
 public:
  // All must outlive the service.
  LockService(CallGuard* guard, coord::Locker* locker) : guard_(guard), locker_(locker) {}

  ::grpc::ServerUnaryReactor* Lock(::grpc::CallbackServerContext* call,
                                   const aio::v1::LockRequest* request,
                                   aio::v1::LockResponse* response) override;
  ::grpc::Status Unlock(::grpc::ServerContext* call, const aio::v1::UnlockRequest* request,
                        aio::v1::UnlockResponse* response) override;

 private:
  CallGuard* const guard_;
  coord::Locker* const locker_;
};

}  // namespace aio::protocol::grpc
