// AuthService: start-up (signing keys, first admin), tokens, authentication and permission
// checks. User, role and client management is in auth_admin.cc.
#include "auth/auth_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

#include "base/logging.h"
#include "fmt/format.h"

namespace aio::auth {
namespace {

constexpr int64_t kCacheTtlMs = 1000;  // other nodes' changes are seen within this
constexpr char kInitialPasswordFile[] = "initial-admin-password";

absl::Status BadLogin() {
  return absl::UnauthenticatedError("authentication failed, invalid user ID or password");
}

bool LooksLikeJwt(std::string_view text) {
  return text.rfind("eyJ", 0) == 0 && std::count(text.begin(), text.end(), '.') == 2;
}

absl::Status WriteSecretFile(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(fmt::format("cannot create {}", path));
  ::fchmod(fd, 0600);
  const std::string text = content + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return absl::DataLossError(fmt::format("cannot write {}", path));
  return absl::OkStatus();
}

}  // namespace

AuthService::AuthService(store::KvStore* store, AuthOptions options)
    : store_(store),
      options_(std::move(options)),
      throttle_(options_.clock, options_.throttle),
      audit_(store, options_.wall_clock, options_.audit_retention_s) {}

absl::Status AuthService::Start() {
  absl::StatusOr<std::string> dummy = HashPassword(RandomToken(16), options_.argon2);
  if (!dummy.ok()) return dummy.status();
  dummy_hash_ = *std::move(dummy);
  if (absl::Status status = LoadSigningKeys(); !status.ok()) return status;
  return BootstrapAdmin();
}

// --- store helpers ---------------------------------------------------------------------------

absl::StatusOr<std::vector<store::KeyValue>> AuthService::ListPrefix(std::string_view prefix) {
  absl::StatusOr<store::RangeResponse> range =
      store_->Range({.key = std::string(prefix), .range_end = store::PrefixEnd(prefix)});
  if (!range.ok()) return range.status();
  return std::move(range->kvs);
}

absl::Status AuthService::CreateRecord(const std::string& key, std::string value,
                                       absl::Status exists) {
  store::TxnRequest txn;
  txn.compare.push_back({.result = store::Compare::Result::kEqual,
                         .target = store::Compare::Target::kVersion,
                         .key = key,
                         .number = 0});
  txn.success.push_back({store::PutRequest{.key = key, .value = std::move(value)}});
  absl::StatusOr<store::TxnResponse> result = store_->Txn(txn);
  if (!result.ok()) return result.status();
  if (!result->succeeded) return exists;
  Invalidate();
  return absl::OkStatus();
}

template <typename T>
absl::Status AuthService::UpdateRecord(const std::string& key, std::string_view what,
                                       absl::StatusOr<T> (*decode)(std::string_view),
                                       std::string (*encode)(const T&),
                                       const std::function<absl::Status(T&)>& change) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    absl::StatusOr<store::RangeResponse> range = store_->Range({.key = key});
    if (!range.ok()) return range.status();
    if (range->kvs.empty()) return absl::NotFoundError(fmt::format("{} not found", what));
    absl::StatusOr<T> record = decode(range->kvs[0].value);
    if (!record.ok()) return record.status();
    if (absl::Status status = change(*record); !status.ok()) return status;
    store::TxnRequest txn;
    txn.compare.push_back({.result = store::Compare::Result::kEqual,
                           .target = store::Compare::Target::kMod,
                           .key = key,
                           .number = range->kvs[0].mod_revision});
    txn.success.push_back({store::PutRequest{.key = key, .value = encode(*record)}});
    absl::StatusOr<store::TxnResponse> result = store_->Txn(txn);
    if (!result.ok()) return result.status();
    if (result->succeeded) {
      Invalidate();
      return absl::OkStatus();
    }
  }
  return absl::AbortedError(fmt::format("{} changed concurrently; try again", what));
}

template absl::Status AuthService::UpdateRecord<User>(const std::string&, std::string_view,
                                                      absl::StatusOr<User> (*)(std::string_view),
                                                      std::string (*)(const User&),
                                                      const std::function<absl::Status(User&)>&);
template absl::Status AuthService::UpdateRecord<Role>(const std::string&, std::string_view,
                                                      absl::StatusOr<Role> (*)(std::string_view),
                                                      std::string (*)(const Role&),
                                                      const std::function<absl::Status(Role&)>&);
template absl::Status AuthService::UpdateRecord<ClientCredential>(
    const std::string&, std::string_view, absl::StatusOr<ClientCredential> (*)(std::string_view),
    std::string (*)(const ClientCredential&),
    const std::function<absl::Status(ClientCredential&)>&);
template absl::Status AuthService::UpdateRecord<SigningKey>(
    const std::string&, std::string_view, absl::StatusOr<SigningKey> (*)(std::string_view),
    std::string (*)(const SigningKey&), const std::function<absl::Status(SigningKey&)>&);

void AuthService::Invalidate() {
  absl::MutexLock lock(&mu_);
  users_.clear();
  roles_.clear();
  etcd_enabled_fetched_ms_ = -1;
}

absl::StatusOr<std::optional<User>> AuthService::LoadUser(std::string_view name, bool fresh) {
  const int64_t now = options_.clock->NowMs();
  if (!fresh) {
    absl::MutexLock lock(&mu_);
    auto it = users_.find(std::string(name));
    if (it != users_.end() && now - it->second.fetched_ms < kCacheTtlMs) return it->second.value;
  }
  absl::StatusOr<store::RangeResponse> range =
      store_->Range({.key = fmt::format("{}{}", kUsersPrefix, name)});
  if (!range.ok()) return range.status();
  std::optional<User> user;
  if (!range->kvs.empty()) {
    absl::StatusOr<User> decoded = DecodeUser(range->kvs[0].value);
    if (!decoded.ok()) return decoded.status();
    user = *std::move(decoded);
  }
  absl::MutexLock lock(&mu_);
  users_[std::string(name)] = {user, now};
  return user;
}

absl::StatusOr<std::optional<Role>> AuthService::LoadRole(std::string_view name) {
  const int64_t now = options_.clock->NowMs();
  {
    absl::MutexLock lock(&mu_);
    auto it = roles_.find(std::string(name));
    if (it != roles_.end() && now - it->second.fetched_ms < kCacheTtlMs) return it->second.value;
  }
  absl::StatusOr<store::RangeResponse> range =
      store_->Range({.key = fmt::format("{}{}", kRolesPrefix, name)});
  if (!range.ok()) return range.status();
  std::optional<Role> role;
  if (!range->kvs.empty()) {
    absl::StatusOr<Role> decoded = DecodeRole(range->kvs[0].value);
    if (!decoded.ok()) return decoded.status();
    role = *std::move(decoded);
  }
  absl::MutexLock lock(&mu_);
  roles_[std::string(name)] = {role, now};
  return role;
}

void AuthService::Audit(const Caller& caller, std::string action, std::string target,
                        const absl::Status& result) {
  audit_.Record({.actor = caller.actor,
                 .action = std::move(action),
                 .target = std::move(target),
                 .protocol = caller.protocol,
                 .source = caller.source,
                 .result = result.ok() ? "ok" : std::string(result.message())});
}

void AuthService::AuditDenied(const Caller& caller, std::string_view target,
                              const absl::Status& why) {
  Audit(caller, "request.denied", std::string(target), why);
}

// --- start-up --------------------------------------------------------------------------------

absl::Status AuthService::LoadSigningKeys() {
  absl::StatusOr<std::vector<store::KeyValue>> kvs = ListPrefix(kKeysPrefix);
  if (!kvs.ok()) return kvs.status();
  std::vector<SigningKey> keys;
  for (const store::KeyValue& kv : *kvs) {
    absl::StatusOr<SigningKey> key = DecodeSigningKey(kv.value);
    if (key.ok()) keys.push_back(*std::move(key));
  }
  const bool has_current =
      std::any_of(keys.begin(), keys.end(), [](const SigningKey& k) { return k.retired_s == 0; });
  if (!has_current) {
    SigningKey key{.kid = RandomToken(9), .secret = RandomBytes(32), .created_s = NowS()};
    absl::Status created = CreateRecord(fmt::format("{}{}", kKeysPrefix, key.kid),
                                        EncodeSigningKey(key), absl::AlreadyExistsError("kid"));
    if (!created.ok()) return created;
    base::GetLogger("auth")->info("created signing key kid={}", key.kid);
    keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end(),
            [](const SigningKey& a, const SigningKey& b) { return a.created_s > b.created_s; });
  absl::MutexLock lock(&mu_);
  keys_ = std::move(keys);
  keys_loaded_ms_ = options_.clock->NowMs();
  return absl::OkStatus();
}

absl::Status AuthService::BootstrapAdmin() {
  auto log = base::GetLogger("auth");
  absl::StatusOr<std::vector<User>> users = ListUsers();
  if (!users.ok()) return users.status();
  for (const User& user : *users) {
    if (user.disabled) continue;
    if (std::any_of(user.roles.begin(), user.roles.end(), IsSuperRole)) return absl::OkStatus();
  }
  const Caller system{.actor = "aio", .protocol = "startup"};
  std::string password = options_.initial_admin_password;
  const bool generated = password.empty();
  if (generated) password = RandomToken(18);
  absl::Status status = AddUser("admin", password, {std::string(kAdminRole)}, system);
  if (absl::IsAlreadyExists(status)) {
    // An `admin` without the admin role (or disabled): restore it with the new password.
    status = GrantRole("admin", std::string(kAdminRole), system);
    if (status.ok() || absl::IsFailedPrecondition(status)) {
      status = SetUserDisabled("admin", false, system);
    }
    if (status.ok()) status = ChangePassword("admin", password, system);
  }
  if (!status.ok()) return status;
  if (!generated) {
    log->info("created user admin with the configured initial password");
    return absl::OkStatus();
  }
  generated_admin_password_ = password;
  const std::string path =
      (std::filesystem::path(options_.data_dir) / kInitialPasswordFile).string();
  if (absl::Status written = WriteSecretFile(path, password); !written.ok()) {
    log->warn("cannot write the initial admin password file: {}", std::string(written.message()));
  }
  log->warn(
      "created user admin with a random password (shown once): {} - also written to {} (mode "
      "0600); change it after the first login",
      password, path);
  return absl::OkStatus();
}

// --- tokens ----------------------------------------------------------------------------------

std::optional<std::string> AuthService::VerificationKey(std::string_view kid) {
  for (int pass = 0; pass < 2; ++pass) {
    {
      absl::MutexLock lock(&mu_);
      for (const SigningKey& key : keys_) {
        if (key.kid != kid) continue;
        if (key.retired_s != 0 && NowS() >= key.retired_s + options_.token_ttl_s) {
          return std::nullopt;
        }
        return key.secret;
      }
      // Another node may have rotated: reload, at most once per cache period.
      if (pass > 0 || options_.clock->NowMs() - keys_loaded_ms_ < kCacheTtlMs) return std::nullopt;
    }
    if (!LoadSigningKeys().ok()) return std::nullopt;
  }
  return std::nullopt;
}

absl::StatusOr<IssuedToken> AuthService::Issue(std::string subject, std::string kind,
                                               std::vector<std::string> roles) {
  SigningKey key;
  {
    absl::MutexLock lock(&mu_);
    auto current = std::find_if(keys_.begin(), keys_.end(),
                                [](const SigningKey& k) { return k.retired_s == 0; });
    if (current == keys_.end()) return absl::UnavailableError("no current signing key");
    key = *current;
  }
  TokenClaims claims{.subject = std::move(subject),
                     .kind = std::move(kind),
                     .roles = std::move(roles),
                     .issued_at = NowS(),
                     .expires_at = NowS() + options_.token_ttl_s,
                     .jti = RandomToken(12)};
  absl::StatusOr<std::string> token = EncodeJwt(claims, key.kid, key.secret);
  if (!token.ok()) return token.status();
  absl::StatusOr<Identity> identity = IdentityOf(claims);
  if (!identity.ok()) return identity.status();
  return IssuedToken{
      .token = *std::move(token), .expires_at = claims.expires_at, .identity = *identity};
}

absl::StatusOr<Identity> AuthService::IdentityOf(const TokenClaims& claims) {
  Identity identity{.user = claims.subject};
  if (claims.kind == "client") {
    absl::StatusOr<store::RangeResponse> range =
        store_->Range({.key = fmt::format("{}{}", kClientsPrefix, claims.subject)});
    if (!range.ok()) return range.status();
    if (range->kvs.empty()) return absl::UnauthenticatedError("client credential no longer exists");
    absl::StatusOr<ClientCredential> client = DecodeClient(range->kvs[0].value);
    if (!client.ok()) return client.status();
    if (client->disabled) return absl::UnauthenticatedError("client credential is disabled");
    if (client->expires_ms != 0 && client->expires_ms <= options_.wall_clock->NowMs()) {
      return absl::UnauthenticatedError("client credential has expired");
    }
    if (claims.issued_at < client->tokens_not_before) {
      return absl::UnauthenticatedError("token was revoked");
    }
    identity.roles = client->roles;
  } else {
    absl::StatusOr<std::optional<User>> user = LoadUser(claims.subject, /*fresh=*/false);
    if (!user.ok()) return user.status();
    if (!user->has_value()) return absl::UnauthenticatedError("user no longer exists");
    if ((*user)->disabled) return absl::UnauthenticatedError("user is disabled");
    if (claims.issued_at < (*user)->tokens_not_before) {
      return absl::UnauthenticatedError("token was revoked");
    }
    identity.roles = (*user)->roles;
  }
  for (const Permission& p : PermissionsOf(identity.roles)) {
    if (p.resource == Resource::kAdmin) identity.admin = true;
  }
  return identity;
}

absl::StatusOr<Identity> AuthService::AuthenticateToken(std::string_view token,
                                                        std::string_view source) {
  absl::StatusOr<TokenClaims> claims = DecodeJwt(
      token, [this](std::string_view kid) { return VerificationKey(kid); }, NowS());
  if (!claims.ok()) return claims.status();
  absl::StatusOr<store::RangeResponse> revoked =
      store_->Range({.key = fmt::format("{}{}", kRevokedPrefix, claims->jti), .count_only = true});
  if (!revoked.ok()) return revoked.status();
  if (revoked->count > 0) return absl::UnauthenticatedError("token was revoked");
  return IdentityOf(*claims);
}

absl::StatusOr<Identity> AuthService::AuthenticatePassword(std::string_view user,
                                                           std::string_view password,
                                                           std::string_view source) {
  if (LooksLikeJwt(password)) return AuthenticateToken(password, source);
  absl::StatusOr<IssuedToken> issued =
      Login(user, password, Caller{.actor = std::string(user), .source = std::string(source)});
  if (!issued.ok()) return issued.status();
  return issued->identity;
}

absl::StatusOr<IssuedToken> AuthService::Login(std::string_view name, std::string_view password,
                                               const Caller& caller) {
  Caller who = caller;
  who.actor = std::string(name);
  if (absl::Status throttled = throttle_.Check(name, caller.source); !throttled.ok()) {
    Audit(who, "login.throttled", std::string(name), throttled);
    return throttled;
  }
  absl::StatusOr<std::optional<User>> user = LoadUser(name, /*fresh=*/true);
  if (!user.ok()) return user.status();
  bool ok = false;
  if (user->has_value() && !(*user)->password_hash.empty()) {
    ok = VerifyPassword(password, (*user)->password_hash) && !(*user)->disabled;
  } else {
    VerifyPassword(password, dummy_hash_);  // same cost as a wrong password
  }
  if (!ok) {
    throttle_.RecordFailure(name, caller.source);
    Audit(who, "login.failed", std::string(name), BadLogin());
    return BadLogin();
  }
  throttle_.RecordSuccess(name, caller.source);
  return Issue(std::string(name), "user", (*user)->roles);
}

absl::StatusOr<IssuedToken> AuthService::AuthenticateClient(std::string_view client_key,
                                                            std::string_view client_secret,
                                                            const Caller& caller) {
  Caller who = caller;
  who.actor = std::string(client_key);
  const absl::Status bad = absl::UnauthenticatedError("invalid client_key or client_secret");
  if (absl::Status throttled = throttle_.Check(client_key, caller.source); !throttled.ok()) {
    Audit(who, "client.throttled", std::string(client_key), throttled);
    return throttled;
  }
  std::optional<ClientCredential> client;
  if (ValidateName("client", client_key).ok()) {
    absl::StatusOr<store::RangeResponse> range =
        store_->Range({.key = fmt::format("{}{}", kClientsPrefix, client_key)});
    if (!range.ok()) return range.status();
    if (!range->kvs.empty()) {
      absl::StatusOr<ClientCredential> decoded = DecodeClient(range->kvs[0].value);
      if (decoded.ok()) client = *std::move(decoded);
    }
  }
  bool ok = false;
  if (client) {
    ok = VerifyPassword(client_secret, client->secret_hash) && !client->disabled &&
         (client->expires_ms == 0 || client->expires_ms > options_.wall_clock->NowMs());
  } else {
    VerifyPassword(client_secret, dummy_hash_);
  }
  if (!ok) {
    throttle_.RecordFailure(client_key, caller.source);
    Audit(who, "client.auth_failed", std::string(client_key), bad);
    return bad;
  }
  throttle_.RecordSuccess(client_key, caller.source);
  return Issue(std::string(client_key), "client", client->roles);
}

absl::StatusOr<IssuedToken> AuthService::RenewToken(std::string_view token, const Caller& caller) {
  absl::StatusOr<Identity> identity = AuthenticateToken(token, caller.source);
  if (!identity.ok()) return identity.status();
  absl::StatusOr<TokenClaims> claims = DecodeJwt(
      token, [this](std::string_view kid) { return VerificationKey(kid); }, NowS());
  if (!claims.ok()) return claims.status();
  return Issue(claims->subject, claims->kind, identity->roles);
}

absl::Status AuthService::Logout(std::string_view token, const Caller& caller) {
  absl::StatusOr<TokenClaims> claims = DecodeJwt(
      token, [this](std::string_view kid) { return VerificationKey(kid); }, NowS());
  if (!claims.ok()) return claims.status();
  const int64_t ttl = std::max<int64_t>(claims->expires_at - NowS(), 1);
  absl::StatusOr<store::LeaseGrantResponse> lease = store_->LeaseGrant(0, ttl);
  if (!lease.ok()) return lease.status();
  absl::StatusOr<store::PutResponse> put =
      store_->Put({.key = fmt::format("{}{}", kRevokedPrefix, claims->jti),
                   .value = std::to_string(claims->expires_at),
                   .lease = lease->id});
  if (!put.ok()) return put.status();
  Audit(caller, "token.revoke", claims->subject, absl::OkStatus());
  return absl::OkStatus();
}

absl::Status AuthService::RotateSigningKey(const Caller& caller) {
  const int64_t now = NowS();
  SigningKey fresh{.kid = RandomToken(9), .secret = RandomBytes(32), .created_s = now};
  absl::Status status = CreateRecord(fmt::format("{}{}", kKeysPrefix, fresh.kid),
                                     EncodeSigningKey(fresh), absl::AlreadyExistsError("kid"));
  if (!status.ok()) return status;
  absl::StatusOr<std::vector<store::KeyValue>> kvs = ListPrefix(kKeysPrefix);
  if (!kvs.ok()) return kvs.status();
  for (const store::KeyValue& kv : *kvs) {
    absl::StatusOr<SigningKey> key = DecodeSigningKey(kv.value);
    if (!key.ok() || key->kid == fresh.kid) continue;
    if (key->retired_s != 0 && now >= key->retired_s + options_.token_ttl_s) {
      (void)store_->DeleteRange({.key = kv.key});  // verifies nothing any more
    } else if (key->retired_s == 0) {
      status = UpdateRecord<SigningKey>(kv.key, "signing key", &DecodeSigningKey, &EncodeSigningKey,
                                        [now](SigningKey& k) {
                                          k.retired_s = now;
                                          return absl::OkStatus();
                                        });
      if (!status.ok()) return status;
    }
  }
  Audit(caller, "key.rotate", fresh.kid, absl::OkStatus());
  return LoadSigningKeys();
}

// --- permission checks -----------------------------------------------------------------------

std::vector<Permission> AuthService::PermissionsOf(const std::vector<std::string>& roles) {
  std::vector<Permission> permissions;
  for (const std::string& name : roles) {
    if (IsSuperRole(name)) {
      permissions.push_back({.resource = Resource::kAdmin, .actions = kAllActions});
      continue;
    }
    absl::StatusOr<std::optional<Role>> role = LoadRole(name);
    if (!role.ok() || !role->has_value()) continue;
    for (const Permission& p : (*role)->permissions) permissions.push_back(p);
  }
  return permissions;
}

absl::Status AuthService::RequireAdmin(const Identity& who) {
  if (who.admin) return absl::OkStatus();
  return absl::PermissionDeniedError(
      fmt::format("permission denied: {} is not an administrator", who.user));
}

absl::Status AuthService::CheckKv(const Identity& who, std::string_view key,
                                  std::string_view range_end, uint32_t action) {
  if (who.admin || KvRangePermitted(PermissionsOf(who.roles), key, range_end, action)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError("permission denied");
}

absl::Status AuthService::CheckResource(const Identity& who, Resource resource,
                                        std::string_view name, uint32_t action) {
  if (who.admin || NamePermitted(PermissionsOf(who.roles), resource, name, action)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(fmt::format("permission denied: {} may not {} {} \"{}\"",
                                                 who.user, action == kRead ? "read" : "write",
                                                 ResourceName(resource), name));
}

absl::Status AuthService::CheckCacheCommand(const Identity& who, std::string_view command,
                                            const std::vector<std::string_view>& categories,
                                            const std::vector<std::string_view>& keys) {
  if (who.admin) return absl::OkStatus();
  uint32_t action = kRead;
  for (std::string_view category : categories) {
    if (category == "admin" || category == "dangerous") {
      return absl::PermissionDeniedError(
          fmt::format("permission denied: {} needs an administrator", command));
    }
    if (category == "write") action = kWrite;
  }
  const std::vector<Permission> permissions = PermissionsOf(who.roles);
  for (std::string_view key : keys) {
    if (!NamePermitted(permissions, Resource::kCache, key, action)) {
      return absl::PermissionDeniedError(fmt::format("permission denied: {} may not {} key \"{}\"",
                                                     who.user, action == kRead ? "read" : "write",
                                                     key));
    }
  }
  return absl::OkStatus();
}

absl::Status AuthService::CheckCacheChannel(const Identity& who, std::string_view channel) {
  return CheckResource(who, Resource::kCache, channel, kRead | kWrite);
}

absl::Status AuthService::CheckPublish(const Identity& who, std::string_view subject) {
  return CheckResource(who, Resource::kMq, subject, kWrite);
}

absl::Status AuthService::CheckSubscribe(const Identity& who, std::string_view subject) {
  return CheckResource(who, Resource::kMq, subject, kRead);
}

}  // namespace aio::auth
