// The auth model's records and their one on-store format: users, roles, client credentials and
// signing keys, each a JSON value under the reserved prefix /aio/auth/ of a store::KvStore.
//
// Persisted: the key schema and the JSON field names below are read back after upgrades; never
// rename a field, only add optional ones.
//   /aio/auth/users/<name>          User
//   /aio/auth/roles/<name>          Role
//   /aio/auth/clients/<client_key>  ClientCredential
//   /aio/auth/keys/<kid>            SigningKey
//   /aio/auth/revoked/<jti>         revoked token (value: exp; attached to a lease ending at exp)
//   /aio/auth/audit/<ms>-<seq>      AuditRecord (attached to a retention lease)
//   /aio/auth/etcd_auth_enabled     "1" once `etcdctl auth enable` ran, "0" after disable
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/permission.h"

namespace aio::auth {

inline constexpr std::string_view kAuthPrefix = "/aio/auth/";
inline constexpr std::string_view kUsersPrefix = "/aio/auth/users/";
inline constexpr std::string_view kRolesPrefix = "/aio/auth/roles/";
inline constexpr std::string_view kClientsPrefix = "/aio/auth/clients/";
inline constexpr std::string_view kKeysPrefix = "/aio/auth/keys/";
inline constexpr std::string_view kRevokedPrefix = "/aio/auth/revoked/";
inline constexpr std::string_view kAuditPrefix = "/aio/auth/audit/";
inline constexpr std::string_view kEtcdAuthEnabledKey = "/aio/auth/etcd_auth_enabled";

// The built-in roles: `admin` (AIO) and `root` (etcd) grant every action on every resource and
// need no record.
inline constexpr std::string_view kAdminRole = "admin";
inline constexpr std::string_view kRootRole = "root";
bool IsSuperRole(std::string_view role);

struct User {
  std::string name;
  std::string password_hash;  // Argon2id encoded string; "" = no password login (etcd no_password)
  std::vector<std::string> roles;
  bool disabled = false;
  int64_t created_ms = 0;  // Unix time
  int64_t updated_ms = 0;
  // Tokens issued before this Unix second are refused (password change, disable, delete+re-add).
  int64_t tokens_not_before = 0;
};

struct Role {
  std::string name;
  std::vector<Permission> permissions;
};

struct ClientCredential {
  std::string client_key;
  std::string secret_hash;  // Argon2id of the client_secret, which is shown once at creation
  std::vector<std::string> roles;
  int64_t expires_ms = 0;  // Unix time; 0 = never
  std::string description;
  bool disabled = false;
  int64_t created_ms = 0;
  int64_t tokens_not_before = 0;
};

struct SigningKey {
  std::string kid;
  std::string secret;     // raw HMAC key bytes
  int64_t created_s = 0;  // Unix time
  int64_t retired_s = 0;  // 0 = current; else it only verifies tokens until retired_s + ttl
};

std::string EncodeUser(const User& user);
absl::StatusOr<User> DecodeUser(std::string_view json);
std::string EncodeRole(const Role& role);
absl::StatusOr<Role> DecodeRole(std::string_view json);
std::string EncodeClient(const ClientCredential& client);
absl::StatusOr<ClientCredential> DecodeClient(std::string_view json);
std::string EncodeSigningKey(const SigningKey& key);
absl::StatusOr<SigningKey> DecodeSigningKey(std::string_view json);

// Names of users, roles and client keys: 1-128 bytes, no '/' and no control characters.
absl::Status ValidateName(std::string_view what, std::string_view name);

}  // namespace aio::auth
