// AuthService: AIO's one identity and access model, over a store::KvStore (records.h has the key
// schema), so every node of a cluster shares users, roles, client credentials, signing keys and
// revocations. Every front-end (HTTP, aio.v1 gRPC, etcd Auth + KV, Redis AUTH, NATS CONNECT) calls
// this one service.
//
//  - Passwords and client secrets: Argon2id, checked only at login; requests carry JWTs (HS256,
//    TTL auth.token_ttl) that are verified by HMAC, never by hashing a password.
//  - Signing keys: created at first start; RotateSigningKey() makes a new key sign while the old
//    ones keep verifying until the tokens they signed have expired.
//  - Revocation: Logout revokes one token (until its exp); disabling, deleting or changing the
//    password of a user refuses every token issued before.
//  - First start: when no user holds the admin role, `admin` is created with the configured
//    password, or a random one logged once and written to <data_dir>/initial-admin-password (0600).
//
// Errors: Unauthenticated, PermissionDenied, InvalidArgument, NotFound ("user \"x\" not found"),
// AlreadyExists, FailedPrecondition, ResourceExhausted (login throttled). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/audit_log.h"
#include "auth/authenticator.h"
#include "auth/jwt_codec.h"
#include "auth/login_throttle.h"
#include "auth/password_hash.h"
#include "auth/records.h"
#include "base/clock.h"
#include "store/kv_store.h"

namespace aio::auth {

struct AuthOptions {
  bool enabled = true;                    // auth.enabled
  int64_t token_ttl_s = 24 * 3600;        // auth.token_ttl
  std::string initial_admin_password;     // auth.initial_admin_password / AIO_ADMIN_PASSWORD
  std::string data_dir;                   // where initial-admin-password is written
  int64_t audit_retention_s = 7 * 86400;  // auth.audit_retention
  Argon2Params argon2;
  ThrottleOptions throttle;
  base::Clock* clock = base::SystemClock::Get();     // steady: throttling, caches
  base::Clock* wall_clock = base::WallClock::Get();  // Unix: token iat/exp, records, audit
};

// Who is asking, for the audit log and throttling.
struct Caller {
  std::string actor;     // the authenticated user or client_key ("" before login)
  std::string protocol;  // http, grpc, etcd, resp, nats
  std::string source;    // peer host (no port)
};

struct IssuedToken {
  std::string token;
  int64_t expires_at = 0;  // Unix seconds
  Identity identity;
};

struct NewClient {
  std::string client_key;
  std::string client_secret;  // shown once
  ClientCredential record;
};

class AuthService final : public Authenticator, public Authorizer {
 public:
  AuthService(store::KvStore* store, AuthOptions options);

  // Loads or creates the signing key and creates the first admin if needed. Call once.
  absl::Status Start();
  // The password generated for `admin` at this start ("" if none was generated).
  const std::string& generated_admin_password() const { return generated_admin_password_; }

  // Authenticator.
  bool enabled() const override { return options_.enabled; }
  absl::StatusOr<Identity> AuthenticatePassword(std::string_view user, std::string_view password,
                                                std::string_view source) override;
  absl::StatusOr<Identity> AuthenticateToken(std::string_view token,
                                             std::string_view source) override;
  // Authorizer.
  absl::Status CheckCacheCommand(const Identity& who, std::string_view command,
                                 const std::vector<std::string_view>& categories,
                                 const std::vector<std::string_view>& keys) override;
  absl::Status CheckCacheChannel(const Identity& who, std::string_view channel) override;
  absl::Status CheckPublish(const Identity& who, std::string_view subject) override;
  absl::Status CheckSubscribe(const Identity& who, std::string_view subject) override;

  // etcd KV: whether `who` may read/write [key, range_end) (etcd range semantics).
  absl::Status CheckKv(const Identity& who, std::string_view key, std::string_view range_end,
                       uint32_t action);
  absl::Status CheckResource(const Identity& who, Resource resource, std::string_view name,
                             uint32_t action);
  absl::Status RequireAdmin(const Identity& who);
  // Records a denied request in the audit log.
  void AuditDenied(const Caller& caller, std::string_view target, const absl::Status& why);

  // Tokens.
  absl::StatusOr<IssuedToken> Login(std::string_view user, std::string_view password,
                                    const Caller& caller);
  absl::StatusOr<IssuedToken> AuthenticateClient(std::string_view client_key,
                                                 std::string_view client_secret,
                                                 const Caller& caller);
  // A fresh token for the subject of a still valid `token`.
  absl::StatusOr<IssuedToken> RenewToken(std::string_view token, const Caller& caller);
  // Revokes `token` until it expires.
  absl::Status Logout(std::string_view token, const Caller& caller);
  absl::Status RotateSigningKey(const Caller& caller);

  // Users.
  absl::Status AddUser(const std::string& name, std::string_view password,
                       const std::vector<std::string>& roles, const Caller& caller);
  absl::StatusOr<User> GetUser(std::string_view name);
  absl::StatusOr<std::vector<User>> ListUsers();
  absl::Status DeleteUser(std::string_view name, const Caller& caller);
  absl::Status ChangePassword(std::string_view name, std::string_view password,
                              const Caller& caller);
  absl::Status SetUserDisabled(std::string_view name, bool disabled, const Caller& caller);
  absl::Status GrantRole(std::string_view user, const std::string& role, const Caller& caller);
  absl::Status RevokeRole(std::string_view user, std::string_view role, const Caller& caller);

  // Roles.
  absl::Status AddRole(const std::string& name, const Caller& caller);
  absl::StatusOr<Role> GetRole(std::string_view name);
  absl::StatusOr<std::vector<Role>> ListRoles();
  absl::Status DeleteRole(std::string_view name, const Caller& caller);
  absl::Status GrantPermission(std::string_view role, const Permission& permission,
                               const Caller& caller);
  // Removes the kv permission on exactly [key, range_end) (etcd RoleRevokePermission) or, for
  // other resources, the one with this resource and pattern.
  absl::Status RevokePermission(std::string_view role, Resource resource, std::string_view key,
                                std::string_view range_end, const Caller& caller);

  // Client credentials (seed 004).
  absl::StatusOr<NewClient> CreateClient(const std::vector<std::string>& roles,
                                         std::string description, int64_t expires_ms,
                                         const Caller& caller);
  absl::StatusOr<std::vector<ClientCredential>> ListClients();
  absl::Status DeleteClient(std::string_view client_key, const Caller& caller);
  absl::Status SetClientDisabled(std::string_view client_key, bool disabled, const Caller& caller);

  // etcd's auth switch (`etcdctl auth enable|disable`): while off the etcd KV API is open.
  bool EtcdAuthEnabled();
  absl::Status SetEtcdAuthEnabled(bool enabled, const Caller& caller);

  AuditLog& audit() { return audit_; }
  // The permissions of every role in `roles` (super roles grant everything).
  std::vector<Permission> PermissionsOf(const std::vector<std::string>& roles);

 private:
  template <typename T>
  struct Cached {
    std::optional<T> value;
    int64_t fetched_ms = 0;
  };

  int64_t NowS() const { return options_.wall_clock->NowMs() / 1000; }
  absl::Status LoadSigningKeys();
  absl::Status BootstrapAdmin();
  std::optional<std::string> VerificationKey(std::string_view kid);
  absl::StatusOr<IssuedToken> Issue(std::string subject, std::string kind,
                                    std::vector<std::string> roles);
  absl::StatusOr<Identity> IdentityOf(const TokenClaims& claims);
  absl::StatusOr<std::optional<User>> LoadUser(std::string_view name, bool fresh);
  absl::StatusOr<std::optional<Role>> LoadRole(std::string_view name);
  void Invalidate();
  void Audit(const Caller& caller, std::string action, std::string target,
             const absl::Status& result);
  absl::Status CheckLastAdmin(std::string_view removed_user, const std::vector<std::string>& roles);

  // Read-modify-write of one JSON record with a compare on its mod_revision (retried on races).
  template <typename T>
  absl::Status UpdateRecord(const std::string& key, std::string_view what,
                            absl::StatusOr<T> (*decode)(std::string_view),
                            std::string (*encode)(const T&),
                            const std::function<absl::Status(T&)>& change);
  absl::Status CreateRecord(const std::string& key, std::string value, absl::Status exists);
  absl::StatusOr<std::vector<store::KeyValue>> ListPrefix(std::string_view prefix);

  store::KvStore* const store_;
  const AuthOptions options_;
  LoginThrottle throttle_;
  AuditLog audit_;
  std::string generated_admin_password_;
  // A password hash to verify against when the user does not exist, so a login for an unknown
  // user costs the same as one with a wrong password.
  std::string dummy_hash_;

  absl::Mutex mu_;
  std::vector<SigningKey> keys_ ABSL_GUARDED_BY(mu_);
  int64_t keys_loaded_ms_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Cached<User>> users_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Cached<Role>> roles_ ABSL_GUARDED_BY(mu_);
  // Read on every etcd request: kept in atomics, not under mu_, so requests never contend on it.
  // etcd_enabled_fetched_ms_ < 0 means not cached.
  std::atomic<bool> etcd_enabled_{false};
  std::atomic<int64_t> etcd_enabled_fetched_ms_{-1};
};

}  // namespace aio::auth
