#include "protocol/grpc/etcd_auth.h"

#include <grpcpp/server_context.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "protocol/grpc/call_guard.h"
#include "protocol/grpc/etcd_services.h"
#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = etcdserverpb;

// etcd's texts and codes (rpctypes).
absl::Status ErrUserEmpty() { return absl::InvalidArgumentError("etcdserver: user name is empty"); }
absl::Status ErrRoleEmpty() { return absl::InvalidArgumentError("etcdserver: role name is empty"); }
absl::Status ErrInvalidAuthToken() {
  return absl::UnauthenticatedError("etcdserver: invalid auth token");
}
absl::Status ErrPermissionDenied() {
  return absl::PermissionDeniedError("etcdserver: permission denied");
}
absl::Status ErrAuthFailed() {
  return absl::InvalidArgumentError(
      "etcdserver: authentication failed, invalid user ID or password");
}
absl::Status ErrAuthNotEnabled() {
  return absl::FailedPreconditionError("etcdserver: authentication is not enabled");
}
absl::Status ErrRootUserNotExist() {
  return absl::FailedPreconditionError("etcdserver: root user does not exist");
}

constexpr std::string_view kRootUser = "root";

// The one mapping of auth::AuthService errors to etcd's texts. AuthService names the record in
// its messages (`user "x" not found`, `role "x" already exists`).
absl::Status ToEtcdError(const absl::Status& status) {
  if (status.ok()) return status;
  const absl::string_view message = status.message();
  const bool about_user = absl::StartsWith(message, "user ");
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return absl::FailedPreconditionError(about_user ? "etcdserver: user name not found"
                                                      : "etcdserver: role name not found");
    case absl::StatusCode::kAlreadyExists:
      return absl::FailedPreconditionError(about_user ? "etcdserver: user name already exists"
                                                      : "etcdserver: role name already exists");
    case absl::StatusCode::kFailedPrecondition:
      if (absl::StrContains(message, "is not granted to user")) {
        return absl::FailedPreconditionError("etcdserver: role is not granted to the user");
      }
      if (absl::StrContains(message, "permission is not granted")) {
        return absl::FailedPreconditionError("etcdserver: permission is not granted to the role");
      }
      return status;
    case absl::StatusCode::kPermissionDenied:
      return ErrPermissionDenied();
    case absl::StatusCode::kUnauthenticated:
      return ErrInvalidAuthToken();
    default:
      return status;
  }
}

authpb::Permission::Type ToPermType(uint32_t actions) {
  const bool read = (actions & auth::kRead) != 0;
  const bool write = (actions & auth::kWrite) != 0;
  if (read && write) return authpb::Permission::READWRITE;
  return write ? authpb::Permission::WRITE : authpb::Permission::READ;
}

uint32_t FromPermType(int type) {
  switch (type) {
    case authpb::Permission::WRITE:
      return auth::kWrite;
    case authpb::Permission::READWRITE:
      return auth::kRead | auth::kWrite;
    default:
      return auth::kRead;
  }
}

void AddTxnAccesses(const pb::TxnRequest& txn, std::vector<KvAccess>* out) {
  for (const pb::Compare& compare : txn.compare()) {
    out->push_back({compare.key(), compare.range_end(), auth::kRead});
  }
  for (const auto* ops : {&txn.success(), &txn.failure()}) {
    for (const pb::RequestOp& op : *ops) {
      std::vector<KvAccess> more;
      switch (op.request_case()) {
        case pb::RequestOp::kRequestRange:
          more = AccessesOf(op.request_range());
          break;
        case pb::RequestOp::kRequestPut:
          more = AccessesOf(op.request_put());
          break;
        case pb::RequestOp::kRequestDeleteRange:
          more = AccessesOf(op.request_delete_range());
          break;
        case pb::RequestOp::kRequestTxn:
          AddTxnAccesses(op.request_txn(), out);
          break;
        case pb::RequestOp::REQUEST_NOT_SET:
          break;
      }
      out->insert(out->end(), more.begin(), more.end());
    }
  }
}

}  // namespace

std::vector<KvAccess> AccessesOf(const pb::RangeRequest& request) {
  return {{request.key(), request.range_end(), auth::kRead}};
}

std::vector<KvAccess> AccessesOf(const pb::PutRequest& request) {
  std::vector<KvAccess> out = {{request.key(), "", auth::kWrite}};
  if (request.prev_kv()) out.push_back({request.key(), "", auth::kRead});
  return out;
}

std::vector<KvAccess> AccessesOf(const pb::DeleteRangeRequest& request) {
  std::vector<KvAccess> out = {{request.key(), request.range_end(), auth::kWrite}};
  if (request.prev_kv()) out.push_back({request.key(), request.range_end(), auth::kRead});
  return out;
}

std::vector<KvAccess> AccessesOf(const pb::TxnRequest& request) {
  std::vector<KvAccess> out;
  AddTxnAccesses(request, &out);
  return out;
}

std::string TokenOf(const ::grpc::ServerContextBase& call) {
  const auto& metadata = call.client_metadata();
  auto it = metadata.find("token");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

bool EtcdAuthActive(auth::AuthService* auth) {
  return auth != nullptr && auth->enabled() && auth->EtcdAuthEnabled();
}

namespace {

absl::StatusOr<auth::Identity> TokenIdentity(auth::AuthService* auth, std::string_view token) {
  if (token.empty()) return ErrUserEmpty();
  absl::StatusOr<auth::Identity> who = auth->AuthenticateToken(token, "");
  if (!who.ok()) {
    return absl::IsUnauthenticated(who.status()) ? ErrInvalidAuthToken() : who.status();
  }
  return who;
}

}  // namespace

absl::Status AuthorizeKv(auth::AuthService* auth, std::string_view token,
                         const std::vector<KvAccess>& accesses) {
  if (!EtcdAuthActive(auth)) return absl::OkStatus();
  absl::StatusOr<auth::Identity> who = TokenIdentity(auth, token);
  if (!who.ok()) return who.status();
  for (const KvAccess& access : accesses) {
    if (!auth->CheckKv(*who, access.key, access.range_end, access.action).ok()) {
      return ErrPermissionDenied();
    }
  }
  return absl::OkStatus();
}

absl::Status AuthorizeAdmin(auth::AuthService* auth, std::string_view token) {
  if (!EtcdAuthActive(auth)) return absl::OkStatus();
  absl::StatusOr<auth::Identity> who = TokenIdentity(auth, token);
  if (!who.ok()) return who.status();
  return who->admin ? absl::OkStatus() : ErrPermissionDenied();
}

// --- EtcdAuthService -------------------------------------------------------------------------

absl::StatusOr<auth::Identity> EtcdAuthService::Manager(const ::grpc::ServerContext& call,
                                                        auth::Caller* caller) {
  *caller = auth::Caller{.protocol = "etcd", .source = PeerHost(call)};
  if (!auth_->enabled()) return auth::Identity{.admin = true};
  absl::StatusOr<auth::Identity> who = TokenIdentity(auth_, TokenOf(call));
  if (who.ok()) caller->actor = who->user;
  return who;
}

absl::Status EtcdAuthService::RequireAdmin(const ::grpc::ServerContext& call,
                                           auth::Caller* caller) {
  absl::StatusOr<auth::Identity> who = Manager(call, caller);
  if (!who.ok()) return who.status();
  if (!who->admin) {
    auth_->AuditDenied(*caller, "etcd auth", ErrPermissionDenied());
    return ErrPermissionDenied();
  }
  return absl::OkStatus();
}

::grpc::Status EtcdAuthService::Done(const absl::Status& status, pb::ResponseHeader* header) {
  if (!status.ok()) return ToGrpcStatus(ToEtcdError(status));
  context_->FillHeader(header, context_->store()->CurrentRevision());
  return ::grpc::Status::OK;
}

::grpc::Status EtcdAuthService::AuthEnable(::grpc::ServerContext* call,
                                           const pb::AuthEnableRequest*,
                                           pb::AuthEnableResponse* response) {
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok() && !auth_->enabled()) {
    status = absl::FailedPreconditionError(
        "aio: AIO auth is disabled (auth.enabled: false); etcd auth cannot be enabled");
  }
  if (status.ok()) {
    absl::StatusOr<auth::User> root = auth_->GetUser(kRootUser);
    if (absl::IsNotFound(root.status())) return ToGrpcStatus(ErrRootUserNotExist());
    status = root.status();
    if (status.ok() &&
        std::find(root->roles.begin(), root->roles.end(), auth::kRootRole) == root->roles.end()) {
      status = auth_->GrantRole(kRootUser, std::string(auth::kRootRole), caller);
    }
  }
  if (status.ok()) status = auth_->SetEtcdAuthEnabled(true, caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::AuthDisable(::grpc::ServerContext* call,
                                            const pb::AuthDisableRequest*,
                                            pb::AuthDisableResponse* response) {
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->SetEtcdAuthEnabled(false, caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::AuthStatus(::grpc::ServerContext*, const pb::AuthStatusRequest*,
                                           pb::AuthStatusResponse* response) {
  response->set_enabled(EtcdAuthActive(auth_));
  return Done(absl::OkStatus(), response->mutable_header());
}

::grpc::Status EtcdAuthService::Authenticate(::grpc::ServerContext* call,
                                             const pb::AuthenticateRequest* request,
                                             pb::AuthenticateResponse* response) {
  if (!auth_->enabled()) return ToGrpcStatus(ErrAuthNotEnabled());
  auth::Caller caller{.actor = request->name(), .protocol = "etcd", .source = PeerHost(*call)};
  absl::StatusOr<auth::IssuedToken> token =
      auth_->Login(request->name(), request->password(), caller);
  if (!token.ok()) {
    if (absl::IsResourceExhausted(token.status())) return ToGrpcStatus(token.status());
    return ToGrpcStatus(absl::IsUnauthenticated(token.status()) ||
                                absl::IsNotFound(token.status()) ||
                                absl::IsInvalidArgument(token.status())
                            ? ErrAuthFailed()
                            : token.status());
  }
  response->set_token(token->token);
  return Done(absl::OkStatus(), response->mutable_header());
}

::grpc::Status EtcdAuthService::UserAdd(::grpc::ServerContext* call,
                                        const pb::AuthUserAddRequest* request,
                                        pb::AuthUserAddResponse* response) {
  if (request->name().empty()) return ToGrpcStatus(ErrUserEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok() && request->password().empty() && !request->options().no_password()) {
    status = absl::InvalidArgumentError("etcdserver: password is empty");
  }
  if (status.ok()) status = auth_->AddUser(request->name(), request->password(), {}, caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::UserGet(::grpc::ServerContext* call,
                                        const pb::AuthUserGetRequest* request,
                                        pb::AuthUserGetResponse* response) {
  auth::Caller caller;
  absl::StatusOr<auth::Identity> who = Manager(*call, &caller);
  if (!who.ok()) return ToGrpcStatus(who.status());
  // etcd: a user may read itself.
  if (!who->admin && who->user != request->name()) return ToGrpcStatus(ErrPermissionDenied());
  absl::StatusOr<auth::User> user = auth_->GetUser(request->name());
  if (!user.ok()) return Done(user.status(), response->mutable_header());
  for (const std::string& role : user->roles) response->add_roles(role);
  return Done(absl::OkStatus(), response->mutable_header());
}

::grpc::Status EtcdAuthService::UserList(::grpc::ServerContext* call,
                                         const pb::AuthUserListRequest*,
                                         pb::AuthUserListResponse* response) {
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (!status.ok()) return Done(status, response->mutable_header());
  absl::StatusOr<std::vector<auth::User>> users = auth_->ListUsers();
  if (!users.ok()) return Done(users.status(), response->mutable_header());
  std::vector<std::string> names;
  for (const auth::User& user : *users) names.push_back(user.name);
  std::sort(names.begin(), names.end());
  for (std::string& name : names) response->add_users(std::move(name));
  return Done(absl::OkStatus(), response->mutable_header());
}

::grpc::Status EtcdAuthService::UserDelete(::grpc::ServerContext* call,
                                           const pb::AuthUserDeleteRequest* request,
                                           pb::AuthUserDeleteResponse* response) {
  if (request->name().empty()) return ToGrpcStatus(ErrUserEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->DeleteUser(request->name(), caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::UserChangePassword(::grpc::ServerContext* call,
                                                   const pb::AuthUserChangePasswordRequest* request,
                                                   pb::AuthUserChangePasswordResponse* response) {
  if (request->name().empty()) return ToGrpcStatus(ErrUserEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->ChangePassword(request->name(), request->password(), caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::UserGrantRole(::grpc::ServerContext* call,
                                              const pb::AuthUserGrantRoleRequest* request,
                                              pb::AuthUserGrantRoleResponse* response) {
  if (request->user().empty()) return ToGrpcStatus(ErrUserEmpty());
  if (request->role().empty()) return ToGrpcStatus(ErrRoleEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->GrantRole(request->user(), request->role(), caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::UserRevokeRole(::grpc::ServerContext* call,
                                               const pb::AuthUserRevokeRoleRequest* request,
                                               pb::AuthUserRevokeRoleResponse* response) {
  if (request->name().empty()) return ToGrpcStatus(ErrUserEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->RevokeRole(request->name(), request->role(), caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::RoleAdd(::grpc::ServerContext* call,
                                        const pb::AuthRoleAddRequest* request,
                                        pb::AuthRoleAddResponse* response) {
  if (request->name().empty()) return ToGrpcStatus(ErrRoleEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->AddRole(request->name(), caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::RoleGet(::grpc::ServerContext* call,
                                        const pb::AuthRoleGetRequest* request,
                                        pb::AuthRoleGetResponse* response) {
  auth::Caller caller;
  absl::StatusOr<auth::Identity> who = Manager(*call, &caller);
  if (!who.ok()) return ToGrpcStatus(who.status());
  // etcd: a user may read the roles it holds.
  if (!who->admin &&
      std::find(who->roles.begin(), who->roles.end(), request->role()) == who->roles.end()) {
    return ToGrpcStatus(ErrPermissionDenied());
  }
  absl::StatusOr<auth::Role> role = auth_->GetRole(request->role());
  if (!role.ok()) return Done(role.status(), response->mutable_header());
  for (const auth::Permission& permission : role->permissions) {
    if (permission.resource != auth::Resource::kKv) continue;
    authpb::Permission* out = response->add_perm();
    out->set_permtype(ToPermType(permission.actions));
    out->set_key(permission.key);
    out->set_range_end(permission.range_end);
  }
  return Done(absl::OkStatus(), response->mutable_header());
}

::grpc::Status EtcdAuthService::RoleList(::grpc::ServerContext* call,
                                         const pb::AuthRoleListRequest*,
                                         pb::AuthRoleListResponse* response) {
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (!status.ok()) return Done(status, response->mutable_header());
  absl::StatusOr<std::vector<auth::Role>> roles = auth_->ListRoles();
  if (!roles.ok()) return Done(roles.status(), response->mutable_header());
  // The built-in roles have no record but exist.
  std::vector<std::string> names = {std::string(auth::kAdminRole), std::string(auth::kRootRole)};
  for (const auth::Role& role : *roles) names.push_back(role.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (std::string& name : names) response->add_roles(std::move(name));
  return Done(absl::OkStatus(), response->mutable_header());
}

::grpc::Status EtcdAuthService::RoleDelete(::grpc::ServerContext* call,
                                           const pb::AuthRoleDeleteRequest* request,
                                           pb::AuthRoleDeleteResponse* response) {
  if (request->role().empty()) return ToGrpcStatus(ErrRoleEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) status = auth_->DeleteRole(request->role(), caller);
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::RoleGrantPermission(
    ::grpc::ServerContext* call, const pb::AuthRoleGrantPermissionRequest* request,
    pb::AuthRoleGrantPermissionResponse* response) {
  if (request->name().empty()) return ToGrpcStatus(ErrRoleEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) {
    const auth::Permission permission{.resource = auth::Resource::kKv,
                                      .key = request->perm().key(),
                                      .range_end = request->perm().range_end(),
                                      .actions = FromPermType(request->perm().permtype())};
    status = auth_->GrantPermission(request->name(), permission, caller);
  }
  return Done(status, response->mutable_header());
}

::grpc::Status EtcdAuthService::RoleRevokePermission(
    ::grpc::ServerContext* call, const pb::AuthRoleRevokePermissionRequest* request,
    pb::AuthRoleRevokePermissionResponse* response) {
  if (request->role().empty()) return ToGrpcStatus(ErrRoleEmpty());
  auth::Caller caller;
  absl::Status status = RequireAdmin(*call, &caller);
  if (status.ok()) {
    status = auth_->RevokePermission(request->role(), auth::Resource::kKv, request->key(),
                                     request->range_end(), caller);
  }
  return Done(status, response->mutable_header());
}

}  // namespace aio::protocol::grpc
