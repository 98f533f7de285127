// The interfaces every protocol front-end uses to authenticate callers and check permissions, so
// AIO has one identity model for etcd, HTTP, the Redis-protocol cache and the NATS message queue.
// Implemented in src/auth (users, roles, client credentials and JWTs kept in store::KvStore).
//
// Thread-safe. Checking a request verifies a token or looks up a cached identity; it never hashes
// a password (only Authenticate* with a password does, at login).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aio::auth {

// Who a request runs as.
struct Identity {
  std::string user;  // a user name, or a client credential's client_key
  std::vector<std::string> roles;
  bool admin = false;  // holds the `admin` resource
};

// Errors: Unauthenticated (wrong password, unknown or disabled user, bad or expired token) and
// PermissionDenied. Front-ends map them to their protocol's texts (Redis WRONGPASS / NOPERM, NATS
// "Authorization Violation" / "Permissions Violation", etcd "etcdserver: permission denied").
class Authenticator {
 public:
  virtual ~Authenticator() = default;

  // Whether callers must authenticate at all (auth.enabled).
  virtual bool enabled() const = 0;
  // A user name and password (or a JWT given as the password). `source` is the peer address,
  // for login throttling and the audit log.
  virtual absl::StatusOr<Identity> AuthenticatePassword(std::string_view user,
                                                        std::string_view password,
                                                        std::string_view source) = 0;
  // A bearer token (JWT).
  virtual absl::StatusOr<Identity> AuthenticateToken(std::string_view token,
                                                     std::string_view source) = 0;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;

  // Cache (Redis ACL model): `command` in lower case, its ACL `categories` (e.g. "read",
  // "write", "keyspace"), and the keys it touches; channels for pub/sub commands.
  virtual absl::Status CheckCacheCommand(const Identity& who, std::string_view command,
                                         const std::vector<std::string_view>& categories,
                                         const std::vector<std::string_view>& keys) = 0;
  virtual absl::Status CheckCacheChannel(const Identity& who, std::string_view channel) = 0;
  // Message queue: subjects may hold NATS wildcards (`*`, `>`) on subscribe.
  virtual absl::Status CheckPublish(const Identity& who, std::string_view subject) = 0;
  virtual absl::Status CheckSubscribe(const Identity& who, std::string_view subject) = 0;
};

}  // namespace aio::auth
