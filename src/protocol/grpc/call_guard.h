// CallGuard: authentication and permission checks for AIO's own gRPC services (aio.v1.*), the
// counterpart of AuthHttpApi::RequireToken for HTTP. Every aio.v1 handler except the token-issuing
// ones (ClientAuthService.AuthenticateClient, AuthService.Login) starts with Authorize(): the
// caller sends `authorization: Bearer <jwt>` metadata (seed 004's SDK interceptor does), the token
// is verified (never a password hash) and the caller's roles must grant `action` on `resource` /
// `name`. Denials are recorded in the audit log with protocol "grpc" and the peer address.
//
// Errors (gRPC status codes): UNAUTHENTICATED for a missing, malformed, expired or revoked token;
// PERMISSION_DENIED when the roles do not grant the action. With auth.enabled false every call
// runs as an anonymous administrator.
//
// Thread-safe.
#pragma once

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/auth_service.h"

namespace aio::protocol::grpc {

// The peer host of a call ("ipv4:127.0.0.1:5000" -> "127.0.0.1", "ipv6:[::1]:5000" -> "::1").
std::string PeerHost(const ::grpc::ServerContextBase& call);

// The token of an `authorization: Bearer <token>` metadata entry; "" when absent.
std::string BearerToken(const ::grpc::ServerContextBase& call);

class CallGuard {
 public:
  // `auth` must outlive the guard.
  explicit CallGuard(auth::AuthService* auth) : auth_(auth) {}

  // The caller's identity from its bearer token.
  absl::StatusOr<auth::Identity> Authenticate(const ::grpc::ServerContextBase& call,
                                              std::string_view method) const;
  // Authenticate, then require `action` (auth::kRead / kWrite / kManage) on `resource`/`name`;
  // `method` (e.g. "aio.v1.RegistryService/Register") names the call in the audit log.
  absl::StatusOr<auth::Identity> Authorize(const ::grpc::ServerContextBase& call,
                                           std::string_view method, auth::Resource resource,
                                           std::string_view name, uint32_t action) const;
  // Authenticate, then require the admin resource.
  absl::StatusOr<auth::Identity> RequireAdmin(const ::grpc::ServerContextBase& call,
                                              std::string_view method) const;

  auth::AuthService* auth() const { return auth_; }

 private:
  auth::AuthService* const auth_;
};

}  // namespace aio::protocol::grpc
