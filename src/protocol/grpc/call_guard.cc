#include "protocol/grpc/call_guard.h"

#include "absl/strings/ascii.h"

namespace aio::protocol::grpc {
namespace {

constexpr std::string_view kBearer = "bearer ";

}  // namespace

std::string PeerHost(const ::grpc::ServerContextBase& call) {
  std::string peer = call.peer();
  const size_t scheme = peer.find(':');
  if (scheme != std::string::npos) peer = peer.substr(scheme + 1);
  const size_t port = peer.rfind(':');
  if (port != std::string::npos) peer = peer.substr(0, port);
  if (peer.size() >= 2 && peer.front() == '[' && peer.back() == ']') {
    peer = peer.substr(1, peer.size() - 2);
  }
  return peer;
}

std::string BearerToken(const ::grpc::ServerContextBase& call) {
  const auto& metadata = call.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  std::string_view value(it->second.data(), it->second.size());
  if (value.size() <= kBearer.size() ||
      absl::AsciiStrToLower(std::string(value.substr(0, kBearer.size()))) != kBearer) {
    return "";
  }
  return std::string(value.substr(kBearer.size()));
}

absl::StatusOr<auth::Identity> CallGuard::Authenticate(const ::grpc::ServerContextBase& call,
                                                       std::string_view method) const {
  if (!auth_->enabled()) return auth::Identity{.user = "anonymous", .admin = true};
  const std::string source = PeerHost(call);
  const std::string token = BearerToken(call);
  absl::StatusOr<auth::Identity> who =
      token.empty()
          ? absl::UnauthenticatedError(
                "authentication required: send `authorization: Bearer <token>` metadata "
                "(aio.v1.ClientAuthService/AuthenticateClient or aio.v1.AuthService/Login)")
          : auth_->AuthenticateToken(token, source);
  if (!who.ok()) {
    auth_->AuditDenied(auth::Caller{.protocol = "grpc", .source = source}, method, who.status());
  }
  return who;
}

absl::StatusOr<auth::Identity> CallGuard::Authorize(const ::grpc::ServerContextBase& call,
                                                    std::string_view method,
                                                    auth::Resource resource, std::string_view name,
                                                    uint32_t action) const {
  absl::StatusOr<auth::Identity> who = Authenticate(call, method);
  if (!who.ok() || !auth_->enabled()) return who;
  if (absl::Status denied = auth_->CheckResource(*who, resource, name, action); !denied.ok()) {
    auth_->AuditDenied(
        auth::Caller{.actor = who->user, .protocol = "grpc", .source = PeerHost(call)}, method,
        denied);
    return denied;
  }
  return who;
}

absl::StatusOr<auth::Identity> CallGuard::RequireAdmin(const ::grpc::ServerContextBase& call,
                                                       std::string_view method) const {
  absl::StatusOr<auth::Identity> who = Authenticate(call, method);
  if (!who.ok() || !auth_->enabled()) return who;
  if (absl::Status denied = auth_->RequireAdmin(*who); !denied.ok()) {
    auth_->AuditDenied(
        auth::Caller{.actor = who->user, .protocol = "grpc", .source = PeerHost(call)}, method,
        denied);
    return denied;
  }
  return who;
}

}  // namespace aio::protocol::grpc
