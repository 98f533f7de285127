// ACL (https://redis.io/commands/acl/) over AIO's one identity model (src/auth): WHOAMI, CAT,
// GENPASS, and USERS / LIST / GETUSER showing AIO's users in Redis's rule syntax as far as they
// map (Cache::acl_users()). Users, roles and permissions are managed through AIO's auth API, so
// SETUSER / DELUSER / SAVE / LOAD answer an error naming it.
#include <random>

#include "cache/cache.h"
#include "cache/families.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

// Redis 7.0's ACL categories, in ACL CAT's order.
constexpr std::string_view kCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

constexpr std::string_view kManagedByAio =
    "ERR users are managed through AIO's auth API (/api/auth/users and /api/auth/roles, or the "
    "aio.v1 gRPC auth service), not ACL {}";

// The users ACL USERS / LIST / GETUSER show: AIO's, or without authentication Redis's open
// "default" user. Replies the error and returns nullopt when the directory fails.
std::optional<std::vector<AclUser>> Users(CommandContext& ctx) {
  if (!ctx.cache.acl_users()) {
    return std::vector<AclUser>{AclUser{.name = "default", .admin = true}};
  }
  absl::StatusOr<std::vector<AclUser>> users = ctx.cache.acl_users()();
  if (!users.ok()) {
    ctx.rb.Error(fmt::format("ERR cannot list users: {}", std::string(users.status().message())));
    return std::nullopt;
  }
  return std::move(*users);
}

std::string CommandRules(const AclUser& user) {
  return user.admin ? "+@all" : "+@all -@admin -@dangerous";
}

// "~a:* %R~ro:* %W~wo:*" (Redis 7 key selectors); "~*" for an admin.
std::string KeyRules(const AclUser& user) {
  if (user.admin) return "~*";
  std::string rules;
  for (const AclUser::KeyPattern& k : user.keys) {
    if (!k.read && !k.write) continue;
    if (!rules.empty()) rules += ' ';
    rules += k.read && k.write ? "~" : (k.read ? "%R~" : "%W~");
    rules += k.pattern;
  }
  return rules;
}

// Without authentication the one user needs no password.
bool NoPass(CommandContext& ctx) { return !ctx.cache.acl_users(); }

// ACL LIST's line: "user alice on ~app:* &* +@all -@admin -@dangerous".
std::string Describe(CommandContext& ctx, const AclUser& user) {
  std::string line = fmt::format("user {} {}", user.name, user.enabled ? "on" : "off");
  if (NoPass(ctx)) line += " nopass";
  const std::string keys = KeyRules(user);
  if (!keys.empty()) line += " " + keys;
  return line + " &* " + CommandRules(user);
}

void GetUser(CommandContext& ctx, const AclUser& user) {
  ctx.rb.Map(6);
  ctx.rb.Bulk("flags");
  ctx.rb.Set(NoPass(ctx) ? 2 : 1);
  ctx.rb.Bulk(user.enabled ? "on" : "off");
  if (NoPass(ctx)) ctx.rb.Bulk("nopass");
  ctx.rb.Bulk("passwords");  // AIO keeps Argon2id hashes, not Redis's SHA-256
  ctx.rb.Array(0);
  ctx.rb.Bulk("commands");
  ctx.rb.Bulk(CommandRules(user));
  ctx.rb.Bulk("keys");
  ctx.rb.Bulk(KeyRules(user));
  ctx.rb.Bulk("channels");
  ctx.rb.Bulk("&*");
  ctx.rb.Bulk("selectors");
  ctx.rb.Array(0);
}

// ACL subcommands that show or change users need an administrator, as Redis's @admin ones.
bool RequireAdmin(CommandContext& ctx, std::string_view sub) {
  const Client& c = ctx.client;
  if (!ctx.cache.auth_required() || !c.identity.has_value() || c.identity->admin) return true;
  ctx.rb.Error(fmt::format("NOPERM User {} has no permissions to run the 'acl|{}' command",
                           c.identity->user, sub));
  return false;
}

void Cat(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    ctx.rb.Array(std::size(kCategories));
    for (std::string_view c : kCategories) ctx.rb.Bulk(c);
    return;
  }
  const std::string category = ToLower(ctx.arg(2));
  if (std::find(std::begin(kCategories), std::end(kCategories), category) ==
      std::end(kCategories)) {
    ctx.rb.Error(fmt::format("ERR Unknown category '{}'", ctx.arg(2)));
    return;
  }
  const std::string tag = "@" + category;
  std::vector<const char*> names;
  for (const CommandSpec& spec : CommandTable()) {
    std::string_view cats = spec.categories;
    for (size_t at = cats.find(tag); at != std::string_view::npos; at = cats.find(tag, at + 1)) {
      const size_t end = at + tag.size();
      if (end == cats.size() || cats[end] == ' ') {
        names.push_back(spec.name);
        break;
      }
    }
  }
  ctx.rb.Array(static_cast<int64_t>(names.size()));
  for (const char* name : names) ctx.rb.Bulk(name);
}

void GenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argc() == 3) {
    if (!ctx.IntArg(2, &bits)) return;
    if (bits <= 0 || bits > 4096) {
      ctx.rb.Error(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
      return;
    }
  }
  thread_local std::random_device random;
  std::string hex;
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  while (hex.size() < chars) hex += fmt::format("{:08x}", random());
  hex.resize(chars);
  ctx.rb.Bulk(hex);
}

}  // namespace

void ServerFamily::Acl(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  // Each subcommand's arity, as Redis's acl|<sub> entries.
  auto arity = [&](size_t min, size_t max) {
    if (ctx.argc() >= min && ctx.argc() <= max) return true;
    ctx.rb.Error(ArityError("acl|" + sub));
    return false;
  };
  if (sub == "whoami") {
    if (arity(2, 2)) ctx.rb.Bulk(ctx.client.user());
  } else if (sub == "cat") {
    if (ctx.argc() > 3) {
      ctx.rb.Error("ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.");
      return;
    }
    Cat(ctx);
  } else if (sub == "genpass") {
    if (arity(2, 3)) GenPass(ctx);
  } else if (sub == "users" || sub == "list") {
    if (!arity(2, 2) || !RequireAdmin(ctx, sub)) return;
    std::optional<std::vector<AclUser>> users = Users(ctx);
    if (!users) return;
    ctx.rb.Array(static_cast<int64_t>(users->size()));
    for (const AclUser& user : *users) {
      ctx.rb.Bulk(sub == "users" ? user.name : Describe(ctx, user));
    }
  } else if (sub == "getuser") {
    if (!arity(3, 3) || !RequireAdmin(ctx, sub)) return;
    std::optional<std::vector<AclUser>> users = Users(ctx);
    if (!users) return;
    for (const AclUser& user : *users) {
      if (user.name == ctx.arg(2)) {
        GetUser(ctx, user);
        return;
      }
    }
    ctx.rb.Null();
  } else if (sub == "setuser" || sub == "deluser") {
    if (arity(3, SIZE_MAX) && RequireAdmin(ctx, sub))
      ctx.rb.Error(fmt::format(kManagedByAio, ToUpper(sub)));
  } else if (sub == "save" || sub == "load") {
    if (arity(2, 2) && RequireAdmin(ctx, sub))
      ctx.rb.Error(fmt::format(kManagedByAio, ToUpper(sub)));
  } else {
    ctx.rb.Error(UnknownSubcommand("acl", ctx.arg(1)));
  }
}

}  // namespace aio::cache
