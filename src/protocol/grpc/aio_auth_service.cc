#include "protocol/grpc/aio_auth_service.h"

#include <string>
#include <utility>
#include <vector>

#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = ::aio::v1;

constexpr char kTokenType[] = "Bearer";

absl::Status AuthDisabled() {
  return absl::FailedPreconditionError(
      "auth is disabled (auth.enabled: false): there are no tokens");
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return {field.begin(), field.end()};
}

void ToProto(const auth::IssuedToken& token, pb::TokenResponse* out) {
  out->set_access_token(token.token);
  out->set_expires_at(token.expires_at);
  out->set_token_type(kTokenType);
}

void ToProto(const auth::User& user, pb::User* out) {
  out->set_name(user.name);
  for (const std::string& role : user.roles) out->add_roles(role);
  out->set_disabled(user.disabled);
  out->set_created_ms(user.created_ms);
  out->set_updated_ms(user.updated_ms);
  out->set_has_password(!user.password_hash.empty());
}

void ToProto(const auth::Role& role, pb::Role* out) {
  out->set_name(role.name);
  for (const auth::Permission& p : role.permissions) {
    pb::Permission* permission = out->add_permissions();
    permission->set_resource(std::string(auth::ResourceName(p.resource)));
    permission->set_pattern(auth::PermissionPattern(p));
    for (const std::string& action : auth::ActionNames(p.actions)) permission->add_actions(action);
  }
}

void ToProto(const auth::ClientCredential& client, pb::Client* out) {
  out->set_client_key(client.client_key);
  for (const std::string& role : client.roles) out->add_roles(role);
  out->set_description(client.description);
  out->set_disabled(client.disabled);
  out->set_expires_at_ms(client.expires_ms);
  out->set_created_ms(client.created_ms);
}

absl::StatusOr<auth::Permission> FromProto(const pb::Permission& permission) {
  return auth::MakePermission(permission.resource(), permission.pattern(),
                              Strings(permission.actions()));
}

}  // namespace

// --- ClientAuthService -----------------------------------------------------------------------

::grpc::Status AioClientAuthService::AuthenticateClient(
    ::grpc::ServerContext* call, const pb::AuthenticateClientRequest* request,
    pb::TokenResponse* response) {
  if (!guard_.auth()->enabled()) return ToGrpcStatus(AuthDisabled());
  if (request->client_key().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("client_key is required"));
  }
  absl::StatusOr<auth::IssuedToken> token = guard_.auth()->AuthenticateClient(
      request->client_key(), request->client_secret(),
      {.actor = request->client_key(), .protocol = "grpc", .source = PeerHost(*call)});
  if (!token.ok()) return ToGrpcStatus(token.status());
  ToProto(*token, response);
  return ::grpc::Status::OK;
}

::grpc::Status AioClientAuthService::RenewToken(::grpc::ServerContext* call,
                                                const pb::RenewTokenRequest*,
                                                pb::TokenResponse* response) {
  absl::StatusOr<auth::Identity> who =
      guard_.Authenticate(*call, "aio.v1.ClientAuthService/RenewToken");
  if (!who.ok()) return ToGrpcStatus(who.status());
  if (!guard_.auth()->enabled()) return ToGrpcStatus(AuthDisabled());
  absl::StatusOr<auth::IssuedToken> token = guard_.auth()->RenewToken(
      BearerToken(*call), {.actor = who->user, .protocol = "grpc", .source = PeerHost(*call)});
  if (!token.ok()) return ToGrpcStatus(token.status());
  ToProto(*token, response);
  return ::grpc::Status::OK;
}

// --- AuthService: tokens ---------------------------------------------------------------------

::grpc::Status AioAuthService::Login(::grpc::ServerContext* call, const pb::LoginRequest* request,
                                     pb::LoginResponse* response) {
  if (!guard_.auth()->enabled()) return ToGrpcStatus(AuthDisabled());
  if (request->username().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("username is required"));
  }
  absl::StatusOr<auth::IssuedToken> token = guard_.auth()->Login(
      request->username(), request->password(),
      {.actor = request->username(), .protocol = "grpc", .source = PeerHost(*call)});
  if (!token.ok()) return ToGrpcStatus(token.status());
  response->set_access_token(token->token);
  response->set_expires_at(token->expires_at);
  response->set_token_type(kTokenType);
  response->set_user(token->identity.user);
  for (const std::string& role : token->identity.roles) response->add_roles(role);
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::Logout(::grpc::ServerContext* call, const pb::LogoutRequest*,
                                      pb::LogoutResponse*) {
  absl::StatusOr<auth::Identity> who = guard_.Authenticate(*call, "aio.v1.AuthService/Logout");
  if (!who.ok()) return ToGrpcStatus(who.status());
  if (!guard_.auth()->enabled()) return ToGrpcStatus(AuthDisabled());
  return ToGrpcStatus(guard_.auth()->Logout(
      BearerToken(*call), {.actor = who->user, .protocol = "grpc", .source = PeerHost(*call)}));
}

::grpc::Status AioAuthService::WhoAmI(::grpc::ServerContext* call, const pb::WhoAmIRequest*,
                                      pb::WhoAmIResponse* response) {
  absl::StatusOr<auth::Identity> who = guard_.Authenticate(*call, "aio.v1.AuthService/WhoAmI");
  if (!who.ok()) return ToGrpcStatus(who.status());
  response->set_user(who->user);
  for (const std::string& role : who->roles) response->add_roles(role);
  response->set_admin(who->admin);
  return ::grpc::Status::OK;
}

// --- AuthService: administration -------------------------------------------------------------

absl::Status AioAuthService::Admin(const ::grpc::ServerContext& call, const char* method,
                                   auth::Caller* caller) {
  absl::StatusOr<auth::Identity> who = guard_.RequireAdmin(call, method);
  if (!who.ok()) return who.status();
  *caller = {.actor = who->user, .protocol = "grpc", .source = PeerHost(call)};
  return absl::OkStatus();
}

::grpc::Status AioAuthService::ReplyUser(const absl::Status& status, std::string_view name,
                                         pb::User* response) {
  if (!status.ok()) return ToGrpcStatus(status);
  absl::StatusOr<auth::User> user = guard_.auth()->GetUser(name);
  if (!user.ok()) return ToGrpcStatus(user.status());
  ToProto(*user, response);
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::ReplyRole(const absl::Status& status, std::string_view name,
                                         pb::Role* response) {
  if (!status.ok()) return ToGrpcStatus(status);
  absl::StatusOr<auth::Role> role = guard_.auth()->GetRole(name);
  if (!role.ok()) return ToGrpcStatus(role.status());
  ToProto(*role, response);
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::ListUsers(::grpc::ServerContext* call, const pb::ListUsersRequest*,
                                         pb::ListUsersResponse* response) {
  auth::Caller caller;
  if (absl::Status s = Admin(*call, "aio.v1.AuthService/ListUsers", &caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::vector<auth::User>> users = guard_.auth()->ListUsers();
  if (!users.ok()) return ToGrpcStatus(users.status());
  for (const auth::User& user : *users) ToProto(user, response->add_users());
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::GetUser(::grpc::ServerContext* call,
                                       const pb::GetUserRequest* request, pb::User* response) {
  auth::Caller caller;
  return ReplyUser(Admin(*call, "aio.v1.AuthService/GetUser", &caller), request->name(), response);
}

::grpc::Status AioAuthService::AddUser(::grpc::ServerContext* call,
                                       const pb::AddUserRequest* request, pb::User* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/AddUser", &caller);
  if (status.ok() && request->password().empty()) {
    status = absl::InvalidArgumentError("password is required");
  }
  if (status.ok()) {
    status = guard_.auth()->AddUser(request->name(), request->password(), Strings(request->roles()),
                                    caller);
  }
  return ReplyUser(status, request->name(), response);
}

::grpc::Status AioAuthService::UpdateUser(::grpc::ServerContext* call,
                                          const pb::UpdateUserRequest* request,
                                          pb::User* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/UpdateUser", &caller);
  if (status.ok()) status = guard_.auth()->GetUser(request->name()).status();
  if (status.ok() && request->has_password()) {
    status = request->password().empty()
                 ? absl::InvalidArgumentError("password must not be empty")
                 : guard_.auth()->ChangePassword(request->name(), request->password(), caller);
  }
  if (status.ok() && request->has_disabled()) {
    status = guard_.auth()->SetUserDisabled(request->name(), request->disabled(), caller);
  }
  return ReplyUser(status, request->name(), response);
}

::grpc::Status AioAuthService::DeleteUser(::grpc::ServerContext* call,
                                          const pb::DeleteUserRequest* request,
                                          pb::DeleteUserResponse*) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/DeleteUser", &caller);
  if (status.ok()) status = guard_.auth()->DeleteUser(request->name(), caller);
  return ToGrpcStatus(status);
}

::grpc::Status AioAuthService::GrantUserRole(::grpc::ServerContext* call,
                                             const pb::UserRoleRequest* request,
                                             pb::User* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/GrantUserRole", &caller);
  if (status.ok()) status = guard_.auth()->GrantRole(request->user(), request->role(), caller);
  return ReplyUser(status, request->user(), response);
}

::grpc::Status AioAuthService::RevokeUserRole(::grpc::ServerContext* call,
                                              const pb::UserRoleRequest* request,
                                              pb::User* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/RevokeUserRole", &caller);
  if (status.ok()) status = guard_.auth()->RevokeRole(request->user(), request->role(), caller);
  return ReplyUser(status, request->user(), response);
}

::grpc::Status AioAuthService::ListRoles(::grpc::ServerContext* call, const pb::ListRolesRequest*,
                                         pb::ListRolesResponse* response) {
  auth::Caller caller;
  if (absl::Status s = Admin(*call, "aio.v1.AuthService/ListRoles", &caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::vector<auth::Role>> roles = guard_.auth()->ListRoles();
  if (!roles.ok()) return ToGrpcStatus(roles.status());
  for (const auth::Role& role : *roles) ToProto(role, response->add_roles());
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::GetRole(::grpc::ServerContext* call,
                                       const pb::GetRoleRequest* request, pb::Role* response) {
  auth::Caller caller;
  return ReplyRole(Admin(*call, "aio.v1.AuthService/GetRole", &caller), request->name(), response);
}

::grpc::Status AioAuthService::AddRole(::grpc::ServerContext* call,
                                       const pb::AddRoleRequest* request, pb::Role* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/AddRole", &caller);
  // Every permission is validated before anything is stored.
  std::vector<auth::Permission> permissions;
  for (const pb::Permission& p : request->permissions()) {
    if (!status.ok()) break;
    absl::StatusOr<auth::Permission> permission = FromProto(p);
    status = permission.status();
    if (status.ok()) permissions.push_back(*std::move(permission));
  }
  if (status.ok()) status = guard_.auth()->AddRole(request->name(), caller);
  for (const auth::Permission& p : permissions) {
    if (status.ok()) status = guard_.auth()->GrantPermission(request->name(), p, caller);
  }
  return ReplyRole(status, request->name(), response);
}

::grpc::Status AioAuthService::DeleteRole(::grpc::ServerContext* call,
                                          const pb::DeleteRoleRequest* request,
                                          pb::DeleteRoleResponse*) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/DeleteRole", &caller);
  if (status.ok()) status = guard_.auth()->DeleteRole(request->name(), caller);
  return ToGrpcStatus(status);
}

::grpc::Status AioAuthService::GrantPermission(::grpc::ServerContext* call,
                                               const pb::RolePermissionRequest* request,
                                               pb::Role* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/GrantPermission", &caller);
  if (status.ok()) {
    absl::StatusOr<auth::Permission> permission = FromProto(request->permission());
    status = permission.ok() ? guard_.auth()->GrantPermission(request->role(), *permission, caller)
                             : permission.status();
  }
  return ReplyRole(status, request->role(), response);
}

::grpc::Status AioAuthService::RevokePermission(::grpc::ServerContext* call,
                                                const pb::RolePermissionRequest* request,
                                                pb::Role* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/RevokePermission", &caller);
  if (status.ok()) {
    // Only resource and pattern select the permission; "read" makes a valid placeholder.
    absl::StatusOr<auth::Permission> permission = auth::MakePermission(
        request->permission().resource(), request->permission().pattern(), {"read"});
    status = permission.ok()
                 ? guard_.auth()->RevokePermission(request->role(), permission->resource,
                                                   permission->key, permission->range_end, caller)
                 : permission.status();
  }
  return ReplyRole(status, request->role(), response);
}

::grpc::Status AioAuthService::ListClients(::grpc::ServerContext* call,
                                           const pb::ListClientsRequest*,
                                           pb::ListClientsResponse* response) {
  auth::Caller caller;
  if (absl::Status s = Admin(*call, "aio.v1.AuthService/ListClients", &caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::vector<auth::ClientCredential>> clients = guard_.auth()->ListClients();
  if (!clients.ok()) return ToGrpcStatus(clients.status());
  for (const auth::ClientCredential& c : *clients) ToProto(c, response->add_clients());
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::CreateClient(::grpc::ServerContext* call,
                                            const pb::CreateClientRequest* request,
                                            pb::CreateClientResponse* response) {
  auth::Caller caller;
  if (absl::Status s = Admin(*call, "aio.v1.AuthService/CreateClient", &caller); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<auth::NewClient> client = guard_.auth()->CreateClient(
      Strings(request->roles()), request->description(), request->expires_at_ms(), caller);
  if (!client.ok()) return ToGrpcStatus(client.status());
  ToProto(client->record, response->mutable_client());
  response->set_client_secret(client->client_secret);
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::SetClientDisabled(::grpc::ServerContext* call,
                                                 const pb::SetClientDisabledRequest* request,
                                                 pb::Client* response) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/SetClientDisabled", &caller);
  if (status.ok()) {
    status = guard_.auth()->SetClientDisabled(request->client_key(), request->disabled(), caller);
  }
  if (!status.ok()) return ToGrpcStatus(status);
  absl::StatusOr<std::vector<auth::ClientCredential>> clients = guard_.auth()->ListClients();
  if (!clients.ok()) return ToGrpcStatus(clients.status());
  for (const auth::ClientCredential& c : *clients) {
    if (c.client_key == request->client_key()) ToProto(c, response);
  }
  return ::grpc::Status::OK;
}

::grpc::Status AioAuthService::DeleteClient(::grpc::ServerContext* call,
                                            const pb::DeleteClientRequest* request,
                                            pb::DeleteClientResponse*) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/DeleteClient", &caller);
  if (status.ok()) status = guard_.auth()->DeleteClient(request->client_key(), caller);
  return ToGrpcStatus(status);
}

::grpc::Status AioAuthService::RotateSigningKey(::grpc::ServerContext* call,
                                                const pb::RotateSigningKeyRequest*,
                                                pb::RotateSigningKeyResponse*) {
  auth::Caller caller;
  absl::Status status = Admin(*call, "aio.v1.AuthService/RotateSigningKey", &caller);
  if (status.ok()) status = guard_.auth()->RotateSigningKey(caller);
  return ToGrpcStatus(status);
}

}  // namespace aio::protocol::grpc
