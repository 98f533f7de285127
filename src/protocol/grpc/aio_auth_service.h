// AIO's own gRPC authentication services (proto/aio/v1/auth.proto) over auth::AuthService:
//  - ClientAuthService (seed 004): AuthenticateClient exchanges a client_key / client_secret for a
//    token {access_token, expires_at (Unix s), token_type "Bearer"}; RenewToken gives a fresh token
//    for the caller's bearer token.
//  - AuthService: Login, Logout, WhoAmI, and the administration of users, roles and client
//    credentials that /api/auth/* offers over HTTP (protocol/http/auth_api.h), admin role only.
// Every method except AuthenticateClient and Login starts with CallGuard (call_guard.h). Errors
// are AuthService's, passed through as gRPC statuses (UNAUTHENTICATED for bad credentials or
// tokens, PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION,
// RESOURCE_EXHAUSTED when a login is throttled). With auth.enabled false every call runs as an
// anonymous administrator and the token methods answer FAILED_PRECONDITION.
//
// Thread-safe; sync API: logins hash a password on a thread of the server's pool.
#pragma once

#include "aio/v1/auth.grpc.pb.h"
#include "auth/auth_service.h"
#include "protocol/grpc/call_guard.h"

namespace aio::protocol::grpc {

class AioClientAuthService final : public aio::v1::ClientAuthService::Service {
 public:
  // `auth` must outlive the service.
  explicit AioClientAuthService(auth::AuthService* auth) : guard_(auth) {}

  ::grpc::Status AuthenticateClient(::grpc::ServerContext* call,
                                    const aio::v1::AuthenticateClientRequest* request,
                                    aio::v1::TokenResponse* response) override;
  ::grpc::Status RenewToken(::grpc::ServerContext* call, const aio::v1::RenewTokenRequest* request,
                            aio::v1::TokenResponse* response) override;

 private:
  const CallGuard guard_;
};

class AioAuthService final : public aio::v1::AuthService::Service {
 public:
  // `auth` must outlive the service.
  explicit AioAuthService(auth::AuthService* auth) : guard_(auth) {}

  ::grpc::Status Login(::grpc::ServerContext* call, const aio::v1::LoginRequest* request,
                       aio::v1::LoginResponse* response) override;
  ::grpc::Status Logout(::grpc::ServerContext* call, const aio::v1::LogoutRequest* request,
                        aio::v1::LogoutResponse* response) override;
  ::grpc::Status WhoAmI(::grpc::ServerContext* call, const aio::v1::WhoAmIRequest* request,
                        aio::v1::WhoAmIResponse* response) override;

  ::grpc::Status ListUsers(::grpc::ServerContext* call, const aio::v1::ListUsersRequest* request,
                           aio::v1::ListUsersResponse* response) override;
  ::grpc::Status GetUser(::grpc::ServerContext* call, const aio::v1::GetUserRequest* request,
                         aio::v1::User* response) override;
  ::grpc::Status AddUser(::grpc::ServerContext* call, const aio::v1::AddUserRequest* request,
                         aio::v1::User* response) override;
  ::grpc::Status UpdateUser(::grpc::ServerContext* call, const aio::v1::UpdateUserRequest* request,
                            aio::v1::User* response) override;
  ::grpc::Status DeleteUser(::grpc::ServerContext* call, const aio::v1::DeleteUserRequest* request,
                            aio::v1::DeleteUserResponse* response) override;
  ::grpc::Status GrantUserRole(::grpc::ServerContext* call, const aio::v1::UserRoleRequest* request,
                               aio::v1::User* response) override;
  ::grpc::Status RevokeUserRole(::grpc::ServerContext* call,
                                const aio::v1::UserRoleRequest* request,
                                aio::v1::User* response) override;

  ::grpc::Status ListRoles(::grpc::ServerContext* call, const aio::v1::ListRolesRequest* request,
                           aio::v1::ListRolesResponse* response) override;
  ::grpc::Status GetRole(::grpc::ServerContext* call, const aio::v1::GetRoleRequest* request,
                         aio::v1::Role* response) override;
  ::grpc::Status AddRole(::grpc::ServerContext* call, const aio::v1::AddRoleRequest* request,
                         aio::v1::Role* response) override;
  ::grpc::Status DeleteRole(::grpc::ServerContext* call, const aio::v1::DeleteRoleRequest* request,
                            aio::v1::DeleteRoleResponse* response) override;
  ::grpc::Status GrantPermission(::grpc::ServerContext* call,
                                 const aio::v1::RolePermissionRequest* request,
                                 aio::v1::Role* response) override;
  ::grpc::Status RevokePermission(::grpc::ServerContext* call,
                                  const aio::v1::RolePermissionRequest* request,
                                  aio::v1::Role* response) override;

  ::grpc::Status ListClients(::grpc::ServerContext* call,
                             const aio::v1::ListClientsRequest* request,
                             aio::v1::ListClientsResponse* response) override;
  ::grpc::Status CreateClient(::grpc::ServerContext* call,
                              const aio::v1::CreateClientRequest* request,
                              aio::v1::CreateClientResponse* response) override;
  ::grpc::Status SetClientDisabled(::grpc::ServerContext* call,
                                   const aio::v1::SetClientDisabledRequest* request,
                                   aio::v1::Client* response) override;
  ::grpc::Status DeleteClient(::grpc::ServerContext* call,
                              const aio::v1::DeleteClientRequest* request,
                              aio::v1::DeleteClientResponse* response) override;

  ::grpc::Status RotateSigningKey(::grpc::ServerContext* call,
                                  const aio::v1::RotateSigningKeyRequest* request,
                                  aio::v1::RotateSigningKeyResponse* response) override;

 private:
  // CallGuard::RequireAdmin for `method`, with the audit-log caller filled.
  absl::Status Admin(const ::grpc::ServerContext& call, const char* method, auth::Caller* caller);
  ::grpc::Status ReplyUser(const absl::Status& status, std::string_view name,
                           aio::v1::User* response);
  ::grpc::Status ReplyRole(const absl::Status& status, std::string_view name,
                           aio::v1::Role* response);

  const CallGuard guard_;
};

}  // namespace aio::protocol::grpc
