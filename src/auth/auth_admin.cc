// AuthService: management of users, roles, client credentials and etcd's auth switch. Every
// change is written with a compare on the record's revision and recorded in the audit log.
#include <algorithm>
#include <utility>

#include "auth/auth_service.h"
#include "fmt/format.h"

namespace aio::auth {
namespace {

std::string UserKey(std::string_view name) { return fmt::format("{}{}", kUsersPrefix, name); }
std::string RoleKey(std::string_view name) { return fmt::format("{}{}", kRolesPrefix, name); }
std::string ClientKey(std::string_view key) { return fmt::format("{}{}", kClientsPrefix, key); }
std::string UserWhat(std::string_view name) { return fmt::format("user \"{}\"", name); }
std::string RoleWhat(std::string_view name) { return fmt::format("role \"{}\"", name); }

}  // namespace

// --- users -----------------------------------------------------------------------------------

absl::Status AuthService::AddUser(const std::string& name, std::string_view password,
                                  const std::vector<std::string>& roles, const Caller& caller) {
  absl::Status status = ValidateName("user", name);
  for (const std::string& role : roles) {
    if (!status.ok()) break;
    if (IsSuperRole(role)) continue;
    absl::StatusOr<std::optional<Role>> found = LoadRole(role);
    if (!found.ok()) return found.status();
    if (!found->has_value()) status = absl::NotFoundError(RoleWhat(role) + " not found");
  }
  User user{.name = name,
            .roles = roles,
            .created_ms = options_.wall_clock->NowMs(),
            .updated_ms = options_.wall_clock->NowMs(),
            .tokens_not_before = NowS()};
  std::sort(user.roles.begin(), user.roles.end());
  user.roles.erase(std::unique(user.roles.begin(), user.roles.end()), user.roles.end());
  if (status.ok() && !password.empty()) {
    absl::StatusOr<std::string> hash = HashPassword(password, options_.argon2);
    if (hash.ok()) user.password_hash = *std::move(hash);
    status = hash.status();
  }
  if (status.ok()) {
    status = CreateRecord(UserKey(name), EncodeUser(user),
                          absl::AlreadyExistsError(UserWhat(name) + " already exists"));
  }
  Audit(caller, "user.add", name, status);
  return status;
}

absl::StatusOr<User> AuthService::GetUser(std::string_view name) {
  absl::StatusOr<std::optional<User>> user = LoadUser(name, /*fresh=*/true);
  if (!user.ok()) return user.status();
  if (!user->has_value()) return absl::NotFoundError(UserWhat(name) + " not found");
  return **user;
}

absl::StatusOr<std::vector<User>> AuthService::ListUsers() {
  absl::StatusOr<std::vector<store::KeyValue>> kvs = ListPrefix(kUsersPrefix);
  if (!kvs.ok()) return kvs.status();
  std::vector<User> users;
  for (const store::KeyValue& kv : *kvs) {
    absl::StatusOr<User> user = DecodeUser(kv.value);
    if (user.ok()) users.push_back(*std::move(user));
  }
  return users;
}

absl::Status AuthService::CheckLastAdmin(std::string_view removed_user,
                                         const std::vector<std::string>& remaining_roles) {
  if (std::any_of(remaining_roles.begin(), remaining_roles.end(), IsSuperRole)) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<User>> users = ListUsers();
  if (!users.ok()) return users.status();
  for (const User& user : *users) {
    if (user.name == removed_user || user.disabled) continue;
    if (std::any_of(user.roles.begin(), user.roles.end(), IsSuperRole)) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      fmt::format("{} is the last enabled administrator: it cannot be removed, disabled or lose "
                  "its admin role",
                  UserWhat(removed_user)));
}

absl::Status AuthService::DeleteUser(std::string_view name, const Caller& caller) {
  absl::Status status = CheckLastAdmin(name, {});
  if (status.ok()) {
    absl::StatusOr<store::DeleteRangeResponse> deleted =
        store_->DeleteRange({.key = UserKey(name)});
    status = deleted.status();
    if (deleted.ok() && deleted->deleted == 0) {
      status = absl::NotFoundError(UserWhat(name) + " not found");
    }
    Invalidate();
  }
  Audit(caller, "user.delete", std::string(name), status);
  return status;
}

absl::Status AuthService::ChangePassword(std::string_view name, std::string_view password,
                                         const Caller& caller) {
  absl::StatusOr<std::string> hash = HashPassword(password, options_.argon2);
  absl::Status status = hash.status();
  if (status.ok() && password.empty()) status = absl::InvalidArgumentError("password is empty");
  if (status.ok()) {
    status = UpdateRecord<User>(UserKey(name), UserWhat(name), &DecodeUser, &EncodeUser,
                                [&](User& user) {
                                  user.password_hash = *hash;
                                  user.updated_ms = options_.wall_clock->NowMs();
                                  user.tokens_not_before = NowS();
                                  return absl::OkStatus();
                                });
  }
  Audit(caller, "user.password", std::string(name), status);
  return status;
}

absl::Status AuthService::SetUserDisabled(std::string_view name, bool disabled,
                                          const Caller& caller) {
  absl::Status status = disabled ? CheckLastAdmin(name, {}) : absl::OkStatus();
  if (status.ok()) {
    status = UpdateRecord<User>(UserKey(name), UserWhat(name), &DecodeUser, &EncodeUser,
                                [&](User& user) {
                                  user.disabled = disabled;
                                  user.updated_ms = options_.wall_clock->NowMs();
                                  if (disabled) user.tokens_not_before = NowS() + 1;
                                  return absl::OkStatus();
                                });
  }
  Audit(caller, disabled ? "user.disable" : "user.enable", std::string(name), status);
  return status;
}

absl::Status AuthService::GrantRole(std::string_view name, const std::string& role,
                                    const Caller& caller) {
  absl::Status status = absl::OkStatus();
  if (!IsSuperRole(role)) {
    absl::StatusOr<std::optional<Role>> found = LoadRole(role);
    if (!found.ok()) return found.status();
    if (!found->has_value()) status = absl::NotFoundError(RoleWhat(role) + " not found");
  }
  if (status.ok()) {
    status = UpdateRecord<User>(
        UserKey(name), UserWhat(name), &DecodeUser, &EncodeUser, [&](User& user) {
          if (std::find(user.roles.begin(), user.roles.end(), role) != user.roles.end()) {
            return absl::OkStatus();  // etcd: granting twice is fine
          }
          user.roles.push_back(role);
          std::sort(user.roles.begin(), user.roles.end());
          user.updated_ms = options_.wall_clock->NowMs();
          return absl::OkStatus();
        });
  }
  Audit(caller, "user.grant_role", fmt::format("{} {}", name, role), status);
  return status;
}

absl::Status AuthService::RevokeRole(std::string_view name, std::string_view role,
                                     const Caller& caller) {
  absl::Status status = UpdateRecord<User>(
      UserKey(name), UserWhat(name), &DecodeUser, &EncodeUser, [&](User& user) -> absl::Status {
        auto it = std::find(user.roles.begin(), user.roles.end(), role);
        if (it == user.roles.end()) {
          return absl::FailedPreconditionError(
              fmt::format("role \"{}\" is not granted to {}", role, UserWhat(name)));
        }
        user.roles.erase(it);
        if (absl::Status last = CheckLastAdmin(name, user.roles); !last.ok()) return last;
        user.updated_ms = options_.wall_clock->NowMs();
        return absl::OkStatus();
      });
  Audit(caller, "user.revoke_role", fmt::format("{} {}", name, role), status);
  return status;
}

// --- roles -----------------------------------------------------------------------------------

absl::Status AuthService::AddRole(const std::string& name, const Caller& caller) {
  absl::Status status = ValidateName("role", name);
  if (status.ok() && IsSuperRole(name)) {
    status = absl::AlreadyExistsError(RoleWhat(name) + " already exists (built in)");
  }
  if (status.ok()) {
    status = CreateRecord(RoleKey(name), EncodeRole(Role{.name = name}),
                          absl::AlreadyExistsError(RoleWhat(name) + " already exists"));
  }
  Audit(caller, "role.add", name, status);
  return status;
}

absl::StatusOr<Role> AuthService::GetRole(std::string_view name) {
  if (IsSuperRole(name)) {
    return Role{.name = std::string(name),
                .permissions = {{.resource = Resource::kAdmin, .actions = kAllActions}}};
  }
  absl::StatusOr<std::optional<Role>> role = LoadRole(name);
  if (!role.ok()) return role.status();
  if (!role->has_value()) return absl::NotFoundError(RoleWhat(name) + " not found");
  return **role;
}

absl::StatusOr<std::vector<Role>> AuthService::ListRoles() {
  absl::StatusOr<std::vector<store::KeyValue>> kvs = ListPrefix(kRolesPrefix);
  if (!kvs.ok()) return kvs.status();
  std::vector<Role> roles;
  for (const store::KeyValue& kv : *kvs) {
    absl::StatusOr<Role> role = DecodeRole(kv.value);
    if (role.ok()) roles.push_back(*std::move(role));
  }
  return roles;
}

absl::Status AuthService::DeleteRole(std::string_view name, const Caller& caller) {
  absl::Status status = absl::OkStatus();
  if (IsSuperRole(name)) {
    status = absl::FailedPreconditionError(RoleWhat(name) + " is built in");
  } else {
    absl::StatusOr<store::DeleteRangeResponse> deleted =
        store_->DeleteRange({.key = RoleKey(name)});
    status = deleted.status();
    if (deleted.ok() && deleted->deleted == 0) {
      status = absl::NotFoundError(RoleWhat(name) + " not found");
    }
    // Users keep the name (as etcd 3.4 does not either): a missing role grants nothing.
    Invalidate();
  }
  Audit(caller, "role.delete", std::string(name), status);
  return status;
}

absl::Status AuthService::GrantPermission(std::string_view role, const Permission& permission,
                                          const Caller& caller) {
  absl::Status status =
      IsSuperRole(role)
          ? absl::FailedPreconditionError(RoleWhat(role) + " is built in")
          : UpdateRecord<Role>(
                RoleKey(role), RoleWhat(role), &DecodeRole, &EncodeRole, [&](Role& r) {
                  for (Permission& p : r.permissions) {
                    if (p.resource == permission.resource && p.key == permission.key &&
                        p.range_end == permission.range_end) {
                      p.actions = permission.actions;  // as etcd
                      return absl::OkStatus();
                    }
                  }
                  r.permissions.push_back(permission);
                  return absl::OkStatus();
                });
  Audit(caller, "role.grant",
        fmt::format("{} {} {}", role, ResourceName(permission.resource),
                    PermissionPattern(permission)),
        status);
  return status;
}

absl::Status AuthService::RevokePermission(std::string_view role, Resource resource,
                                           std::string_view key, std::string_view range_end,
                                           const Caller& caller) {
  absl::Status status = UpdateRecord<Role>(
      RoleKey(role), RoleWhat(role), &DecodeRole, &EncodeRole, [&](Role& r) -> absl::Status {
        auto it =
            std::find_if(r.permissions.begin(), r.permissions.end(), [&](const Permission& p) {
              return p.resource == resource && p.key == key && p.range_end == range_end;
            });
        if (it == r.permissions.end()) {
          return absl::FailedPreconditionError("permission is not granted to the role");
        }
        r.permissions.erase(it);
        return absl::OkStatus();
      });
  Audit(caller, "role.revoke", fmt::format("{} {} {}", role, ResourceName(resource), key), status);
  return status;
}

// --- client credentials ----------------------------------------------------------------------

absl::StatusOr<NewClient> AuthService::CreateClient(const std::vector<std::string>& roles,
                                                    std::string description, int64_t expires_ms,
                                                    const Caller& caller) {
  NewClient out{.client_key = "ck_" + RandomToken(12), .client_secret = RandomToken(24)};
  absl::Status status = absl::OkStatus();
  for (const std::string& role : roles) {
    if (IsSuperRole(role)) continue;
    absl::StatusOr<std::optional<Role>> found = LoadRole(role);
    if (!found.ok()) return found.status();
    if (!found->has_value()) status = absl::NotFoundError(RoleWhat(role) + " not found");
  }
  absl::StatusOr<std::string> hash = HashPassword(out.client_secret, options_.argon2);
  if (status.ok()) status = hash.status();
  if (status.ok()) {
    out.record = ClientCredential{.client_key = out.client_key,
                                  .secret_hash = *hash,
                                  .roles = roles,
                                  .expires_ms = expires_ms,
                                  .description = std::move(description),
                                  .created_ms = options_.wall_clock->NowMs(),
                                  .tokens_not_before = NowS()};
    status = CreateRecord(ClientKey(out.client_key), EncodeClient(out.record),
                          absl::AlreadyExistsError("client_key already exists"));
  }
  Audit(caller, "client.create", out.client_key, status);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<ClientCredential>> AuthService::ListClients() {
  absl::StatusOr<std::vector<store::KeyValue>> kvs = ListPrefix(kClientsPrefix);
  if (!kvs.ok()) return kvs.status();
  std::vector<ClientCredential> clients;
  for (const store::KeyValue& kv : *kvs) {
    absl::StatusOr<ClientCredential> client = DecodeClient(kv.value);
    if (client.ok()) clients.push_back(*std::move(client));
  }
  return clients;
}

absl::Status AuthService::DeleteClient(std::string_view client_key, const Caller& caller) {
  absl::StatusOr<store::DeleteRangeResponse> deleted =
      store_->DeleteRange({.key = ClientKey(client_key)});
  absl::Status status = deleted.status();
  if (deleted.ok() && deleted->deleted == 0) {
    status = absl::NotFoundError(fmt::format("client \"{}\" not found", client_key));
  }
  Audit(caller, "client.delete", std::string(client_key), status);
  return status;
}

absl::Status AuthService::SetClientDisabled(std::string_view client_key, bool disabled,
                                            const Caller& caller) {
  absl::Status status = UpdateRecord<ClientCredential>(
      ClientKey(client_key), fmt::format("client \"{}\"", client_key), &DecodeClient, &EncodeClient,
      [&](ClientCredential& client) {
        client.disabled = disabled;
        if (disabled) client.tokens_not_before = NowS() + 1;
        return absl::OkStatus();
      });
  Audit(caller, disabled ? "client.disable" : "client.enable", std::string(client_key), status);
  return status;
}

// --- etcd's auth switch ----------------------------------------------------------------------

bool AuthService::EtcdAuthEnabled() {
  const int64_t now = options_.clock->NowMs();
  const int64_t fetched = etcd_enabled_fetched_ms_.load(std::memory_order_acquire);
  if (fetched >= 0 && now - fetched < 1000) return etcd_enabled_.load(std::memory_order_relaxed);
  absl::StatusOr<store::RangeResponse> range =
      store_->Range({.key = std::string(kEtcdAuthEnabledKey)});
  // Fail closed: when the flag cannot be read, requests are checked.
  const bool enabled = !range.ok() || (!range->kvs.empty() && range->kvs[0].value == "1");
  etcd_enabled_.store(enabled, std::memory_order_relaxed);
  etcd_enabled_fetched_ms_.store(now, std::memory_order_release);
  return enabled;
}

absl::Status AuthService::SetEtcdAuthEnabled(bool enabled, const Caller& caller) {
  absl::Status status =
      store_->Put({.key = std::string(kEtcdAuthEnabledKey), .value = enabled ? "1" : "0"}).status();
  Invalidate();
  Audit(caller, enabled ? "etcd.auth_enable" : "etcd.auth_disable", "", status);
  return status;
}

}  // namespace aio::auth
