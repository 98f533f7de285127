// etcd's Auth service (`etcdctl user|role|auth`, clientv3's Authenticate) as a thin adapter over
// auth::AuthService, and etcd's rule for the KV API: open until AuthEnable, then every request
// needs a token (gRPC metadata `token`) whose user's kv permissions cover the keys it touches.
// Error texts and gRPC codes are etcd v3.4's (api/v3rpc/rpctypes/error.go).
//
// Mapping onto AIO's one identity model (README "Auth"):
//  - etcd users and roles are AIO users and roles; an etcd Permission is a `kv` permission with
//    the same key / range_end. The built-in roles `root` and `admin` grant everything.
//  - AuthEnable follows etcd: a user `root` must exist ("etcdserver: root user does not exist");
//    it is given the role `root` if it lacks it (etcdctl would add and grant it).
//  - While auth.enabled is true, the management RPCs (users, roles, AuthEnable/Disable) need the
//    token of an AIO administrator even before AuthEnable: unlike etcd, these users reach every
//    AIO protocol. Authenticate therefore answers before AuthEnable too. With auth.enabled false
//    everything is open and AuthEnable is refused.
//
// Thread-safe; the sync API runs each call on a thread of the server's pool (Authenticate hashes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "auth/auth_service.h"
#include "etcd/rpc.pb.h"
#include "etcd/rpc_auth.grpc.pb.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace aio::protocol::grpc {

class EtcdServiceContext;

// One key range a request reads or writes (etcd range_end semantics); views into the request.
struct KvAccess {
  std::string_view key;
  std::string_view range_end;
  uint32_t action = 0;  // auth::kRead or auth::kWrite
};

// What each KV request touches, as etcd checks it (prev_kv also reads; a Txn checks its compares
// as reads and every op of both branches, nested Txns included).
std::vector<KvAccess> AccessesOf(const etcdserverpb::RangeRequest& request);
std::vector<KvAccess> AccessesOf(const etcdserverpb::PutRequest& request);
std::vector<KvAccess> AccessesOf(const etcdserverpb::DeleteRangeRequest& request);
std::vector<KvAccess> AccessesOf(const etcdserverpb::TxnRequest& request);

// The `token` metadata of a call ("" when absent).
std::string TokenOf(const ::grpc::ServerContextBase& call);

// Whether etcd auth is on: `auth` is set, auth.enabled is true and AuthEnable ran.
bool EtcdAuthActive(auth::AuthService* auth);

// OK while etcd auth is off. Otherwise etcd's errors: no token "etcdserver: user name is empty",
// a bad or expired one "etcdserver: invalid auth token", an access not covered by the user's roles
// "etcdserver: permission denied".
absl::Status AuthorizeKv(auth::AuthService* auth, std::string_view token,
                         const std::vector<KvAccess>& accesses);
// As AuthorizeKv, for what etcd reserves to root once auth is on (Compact).
absl::Status AuthorizeAdmin(auth::AuthService* auth, std::string_view token);

class EtcdAuthService final : public etcdserverpb::Auth::Service {
 public:
  // `auth` must outlive the service.
  EtcdAuthService(EtcdServiceContext* context, auth::AuthService* auth)
      : context_(context), auth_(auth) {}

  ::grpc::Status AuthEnable(::grpc::ServerContext* call, const etcdserverpb::AuthEnableRequest*,
                            etcdserverpb::AuthEnableResponse* response) override;
  ::grpc::Status AuthDisable(::grpc::ServerContext* call, const etcdserverpb::AuthDisableRequest*,
                             etcdserverpb::AuthDisableResponse* response) override;
  ::grpc::Status AuthStatus(::grpc::ServerContext* call, const etcdserverpb::AuthStatusRequest*,
                            etcdserverpb::AuthStatusResponse* response) override;
  ::grpc::Status Authenticate(::grpc::ServerContext* call,
                              const etcdserverpb::AuthenticateRequest* request,
                              etcdserverpb::AuthenticateResponse* response) override;
  ::grpc::Status UserAdd(::grpc::ServerContext* call,
                         const etcdserverpb::AuthUserAddRequest* request,
                         etcdserverpb::AuthUserAddResponse* response) override;
  ::grpc::Status UserGet(::grpc::ServerContext* call,
                         const etcdserverpb::AuthUserGetRequest* request,
                         etcdserverpb::AuthUserGetResponse* response) override;
  ::grpc::Status UserList(::grpc::ServerContext* call, const etcdserverpb::AuthUserListRequest*,
                          etcdserverpb::AuthUserListResponse* response) override;
  ::grpc::Status UserDelete(::grpc::ServerContext* call,
                            const etcdserverpb::AuthUserDeleteRequest* request,
                            etcdserverpb::AuthUserDeleteResponse* response) override;
  ::grpc::Status UserChangePassword(
      ::grpc::ServerContext* call, const etcdserverpb::AuthUserChangePasswordRequest* request,
      etcdserverpb::AuthUserChangePasswordResponse* response) override;
  ::grpc::Status UserGrantRole(::grpc::ServerContext* call,
                               const etcdserverpb::AuthUserGrantRoleRequest* request,
                               etcdserverpb::AuthUserGrantRoleResponse* response) override;
  ::grpc::Status UserRevokeRole(::grpc::ServerContext* call,
                                const etcdserverpb::AuthUserRevokeRoleRequest* request,
                                etcdserverpb::AuthUserRevokeRoleResponse* response) override;
  ::grpc::Status RoleAdd(::grpc::ServerContext* call,
                         const etcdserverpb::AuthRoleAddRequest* request,
                         etcdserverpb::AuthRoleAddResponse* response) override;
  ::grpc::Status RoleGet(::grpc::ServerContext* call,
                         const etcdserverpb::AuthRoleGetRequest* request,
                         etcdserverpb::AuthRoleGetResponse* response) override;
  ::grpc::Status RoleList(::grpc::ServerContext* call, const etcdserverpb::AuthRoleListRequest*,
                          etcdserverpb::AuthRoleListResponse* response) override;
  ::grpc::Status RoleDelete(::grpc::ServerContext* call,
                            const etcdserverpb::AuthRoleDeleteRequest* request,
                            etcdserverpb::AuthRoleDeleteResponse* response) override;
  ::grpc::Status RoleGrantPermission(
      ::grpc::ServerContext* call, const etcdserverpb::AuthRoleGrantPermissionRequest* request,
      etcdserverpb::AuthRoleGrantPermissionResponse* response) override;
  ::grpc::Status RoleRevokePermission(
      ::grpc::ServerContext* call, const etcdserverpb::AuthRoleRevokePermissionRequest* request,
      etcdserverpb::AuthRoleRevokePermissionResponse* response) override;

 private:
  // The caller of a management RPC: everyone while auth.enabled is false, else the holder of a
  // valid token. Fills `caller` for the audit log.
  absl::StatusOr<auth::Identity> Manager(const ::grpc::ServerContext& call, auth::Caller* caller);
  // Manager() that must be an administrator.
  absl::Status RequireAdmin(const ::grpc::ServerContext& call, auth::Caller* caller);
  ::grpc::Status Done(const absl::Status& status, etcdserverpb::ResponseHeader* header);

  EtcdServiceContext* const context_;
  auth::AuthService* const auth_;
};

}  // namespace aio::protocol::grpc
