// Connection and server commands: PING ECHO QUIT SELECT AUTH HELLO RESET CLIENT DBSIZE
// FLUSHDB FLUSHALL SWAPDB TIME CONFIG MONITOR, and MULTI DISCARD WATCH UNWATCH (EXEC runs in the
// dispatcher, which holds every shard for it).
#include "cache/cache.h"
#include "cache/families.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

// Authenticates `user` (empty = "default") with `password`; replies an error and returns false.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  auth::Authenticator* authenticator = ctx.cache.authenticator();
  if (!ctx.cache.auth_required()) {
    if (user.empty()) {
      ctx.rb.Error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
      return false;
    }
    if (user != "default") {
      ctx.rb.Error(kWrongPass);
      return false;
    }
    ctx.client.authenticated = true;
    return true;
  }
  const std::string_view name = user.empty() ? "default" : user;
  // The front-end normally checked the password already, off its I/O thread.
  std::optional<PasswordCheck>& checked = ctx.client.password_check;
  absl::StatusOr<auth::Identity> identity =
      checked.has_value() && checked->user == name && checked->password == password
          ? std::move(checked->result)
          : authenticator->AuthenticatePassword(name, password, ctx.client.addr);
  checked.reset();
  if (!identity.ok()) {
    ctx.rb.Error(kWrongPass);
    return false;
  }
  ctx.client.set_user(identity->user);
  ctx.client.identity = std::move(*identity);
  ctx.client.authenticated = true;
  return true;
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
// (https://redis.io/commands/client-tracking/), with Redis's option errors.
void ClientTracking(CommandContext& ctx) {
  Client& c = ctx.client;
  if (EqualsIgnoreCase(ctx.arg(2), "off")) {
    ctx.cache.EnableTracking(c, false);
    c.tracking_bcast = false;
    c.tracking_opt = Client::TrackingOpt::kAll;
    c.caching_flag = false;
    c.tracking_prefixes.clear();
    ctx.rb.Ok();
    return;
  }
  if (!EqualsIgnoreCase(ctx.arg(2), "on")) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  bool bcast = false;
  bool noloop = false;
  bool optin = false;
  bool optout = false;
  uint64_t redirect = 0;
  std::vector<std::string> prefixes;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "bcast")) {
      bcast = true;
    } else if (EqualsIgnoreCase(opt, "noloop")) {
      noloop = true;
    } else if (EqualsIgnoreCase(opt, "redirect") && i + 1 < ctx.argc()) {
      int64_t id = 0;
      if (!ctx.IntArg(++i, &id)) return;
      redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(opt, "prefix") && i + 1 < ctx.argc()) {
      prefixes.emplace_back(ctx.arg(++i));
    } else if (EqualsIgnoreCase(opt, "optin")) {
      optin = true;
    } else if (EqualsIgnoreCase(opt, "optout")) {
      optout = true;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  if (!prefixes.empty() && !bcast) {
    ctx.rb.Error("ERR PREFIX option requires BCAST mode to be enabled");
    return;
  }
  if (optin && optout) {
    ctx.rb.Error("ERR You can't use both OPTIN and OPTOUT options");
    return;
  }
  if (bcast && (optin || optout)) {
    ctx.rb.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return;
  }
  const auto opt = optin    ? Client::TrackingOpt::kOptIn
                   : optout ? Client::TrackingOpt::kOptOut
                            : Client::TrackingOpt::kAll;
  if (c.tracking && c.tracking_bcast != bcast) {
    ctx.rb.Error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (c.tracking && c.tracking_opt != opt) {
    ctx.rb.Error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  ctx.cache.EnableTracking(c, false);
  c.tracking_opt = opt;
  c.tracking_bcast = bcast;
  c.tracking_noloop = noloop;
  c.tracking_redirect = redirect;
  c.tracking_prefixes = std::move(prefixes);
  ctx.cache.EnableTracking(c, true);
  ctx.rb.Ok();
}

void ClientKill(CommandContext& ctx) {
  if (ctx.argc() == 3) {  // CLIENT KILL addr:port
    if (ctx.cache.KillClients("addr", ctx.arg(2)) == 0) {
      ctx.rb.Error("ERR No such client");
    } else {
      ctx.rb.Ok();
    }
    return;
  }
  if (ctx.argc() % 2 != 0) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  int killed = 0;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    const std::string filter = ToLower(ctx.arg(i));
    if (filter == "skipme") continue;
    if (filter != "id" && filter != "addr" && filter != "laddr" && filter != "user") {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    killed += ctx.cache.KillClients(filter, ctx.arg(i + 1));
  }
  ctx.rb.Int(killed);
}

}  // namespace

void ServerFamily::Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.rb.Error(ArityError("ping"));
    return;
  }
  if (ctx.client.resp == 2 && ctx.client.subscribed()) {
    ctx.rb.Array(2);
    ctx.rb.Bulk("pong");
    ctx.rb.Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2) {
    ctx.rb.Bulk(ctx.arg(1));
  } else {
    ctx.rb.Simple("PONG");
  }
}

void ServerFamily::Echo(CommandContext& ctx) { ctx.rb.Bulk(ctx.arg(1)); }

void ServerFamily::Quit(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  ctx.rb.Ok();
}

void ServerFamily::Select(CommandContext& ctx) {
  int64_t index = 0;
  if (!ctx.IntArg(1, &index)) return;
  if (index < 0 || index >= ctx.ks.databases()) {
    ctx.rb.Error(errors::kDbIndex);
    return;
  }
  ctx.client.db = static_cast<int>(index);
  ctx.client.info_db = static_cast<int>(index);
  ctx.rb.Ok();
}

std::optional<PasswordRequest> PasswordRequestOf(std::span<const std::string_view> args) {
  if (args.empty()) return std::nullopt;
  if (EqualsIgnoreCase(args[0], "auth")) {
    if (args.size() == 2) return PasswordRequest{"default", args[1]};
    if (args.size() == 3) return PasswordRequest{args[1], args[2]};
    return std::nullopt;
  }
  if (!EqualsIgnoreCase(args[0], "hello")) return std::nullopt;
  // HELLO [protover [AUTH username password] [SETNAME clientname]], read as Hello() does.
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "auth") && i + 2 < args.size()) {
      return PasswordRequest{args[i + 1], args[i + 2]};
    }
    if (!EqualsIgnoreCase(args[i], "setname") || i + 1 >= args.size()) break;
    ++i;
  }
  return std::nullopt;
}

void ServerFamily::Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  const bool with_user = ctx.argc() == 3;
  if (Authenticate(ctx, with_user ? ctx.arg(1) : "", ctx.arg(with_user ? 2 : 1))) ctx.rb.Ok();
}

void ServerFamily::Hello(CommandContext& ctx) {
  int64_t version = ctx.client.resp;
  size_t i = 1;
  if (ctx.argc() > 1) {
    if (!ParseInt(ctx.arg(1), &version)) {
      ctx.rb.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      ctx.rb.Error("NOPROTO unsupported protocol version");
      return;
    }
    i = 2;
  }
  std::string_view setname;
  bool has_setname = false;
  for (; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "auth") && i + 2 < ctx.argc()) {
      if (!Authenticate(ctx, ctx.arg(i + 1), ctx.arg(i + 2))) return;
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "setname") && i + 1 < ctx.argc()) {
      setname = ctx.arg(++i);
      has_setname = true;
    } else {
      ctx.rb.Error(fmt::format("ERR Syntax error in HELLO option '{}'", ctx.arg(i)));
      return;
    }
  }
  if (!ctx.client.authenticated) {
    ctx.rb.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise "
        "the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the "
        "client and select the RESP protocol version at the same time");
    return;
  }
  if (has_setname) ctx.client.set_name(std::string(setname));
  ctx.client.resp = static_cast<int>(version);
  ctx.rb.set_resp3(version == 3);
  ctx.rb.Map(7);
  ctx.rb.Bulk("server");
  ctx.rb.Bulk("redis");
  ctx.rb.Bulk("version");
  ctx.rb.Bulk("7.0.15");
  ctx.rb.Bulk("proto");
  ctx.rb.Int(version);
  ctx.rb.Bulk("id");
  ctx.rb.Int(static_cast<int64_t>(ctx.client.id));
  ctx.rb.Bulk("mode");
  ctx.rb.Bulk("standalone");
  ctx.rb.Bulk("role");
  ctx.rb.Bulk("master");
  ctx.rb.Bulk("modules");
  ctx.rb.Array(0);
}

void ServerFamily::Reset(CommandContext& ctx) {
  Client& c = ctx.client;
  c.in_multi = false;
  c.multi_error = false;
  c.queued.clear();
  ctx.cache.Unwatch(c);
  for (PubSubKind kind : {PubSubKind::kChannel, PubSubKind::kPattern, PubSubKind::kShard}) {
    const StringSet& own = c.subscriptions(kind);
    for (const std::string& ch : std::vector<std::string>(own.begin(), own.end())) {
      ctx.cache.Unsubscribe(c, ch, kind);
    }
  }
  ctx.cache.EnableTracking(c, false);
  c.db = 0;
  c.info_db = 0;
  c.resp = 2;
  ctx.rb.set_resp3(false);
  c.set_name("");
  c.no_evict = false;
  if (ctx.cache.auth_required()) {
    c.authenticated = false;
    c.identity.reset();
    c.set_user("default");
  }
  ctx.rb.Simple("RESET");
}

void ServerFamily::ClientCmd(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  const size_t argc = ctx.argc();
  auto arity = [&](bool ok) {
    if (!ok) ctx.rb.Error(ArityError("client|" + sub));
    return ok;
  };
  if (sub == "id") {
    if (arity(argc == 2)) ctx.rb.Int(static_cast<int64_t>(ctx.client.id));
  } else if (sub == "setname") {
    if (!arity(argc == 3)) return;
    for (char c : ctx.arg(2)) {
      if (c < '!' || c > '~') {
        ctx.rb.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    }
    ctx.client.set_name(std::string(ctx.arg(2)));
    ctx.rb.Ok();
  } else if (sub == "getname") {
    if (!arity(argc == 2)) return;
    std::string name = ctx.client.name();
    if (name.empty()) {
      ctx.rb.Null();
    } else {
      ctx.rb.Bulk(name);
    }
  } else if (sub == "list") {
    std::string text;
    for (const std::string& line : ctx.cache.ClientList()) text += line + "\n";
    ctx.rb.Verbatim(text);
  } else if (sub == "info") {
    if (arity(argc == 2)) ctx.rb.Verbatim(ctx.cache.ClientInfo(ctx.client) + "\n");
  } else if (sub == "kill") {
    if (arity(argc >= 3)) ClientKill(ctx);
  } else if (sub == "setinfo") {
    if (!arity(argc == 4)) return;
    const std::string attr = ToLower(ctx.arg(2));
    if (attr == "lib-name") {
      ctx.client.set_lib(std::string(ctx.arg(3)), "");
    } else if (attr == "lib-ver") {
      ctx.client.set_lib("", std::string(ctx.arg(3)));
    } else {
      ctx.rb.Error(fmt::format("ERR Unrecognized option '{}'", ctx.arg(2)));
      return;
    }
    ctx.rb.Ok();
  } else if (sub == "no-evict") {
    if (!arity(argc == 3)) return;
    if (EqualsIgnoreCase(ctx.arg(2), "on") || EqualsIgnoreCase(ctx.arg(2), "off")) {
      ctx.client.no_evict = EqualsIgnoreCase(ctx.arg(2), "on");
      ctx.rb.Ok();
    } else {
      ctx.rb.Error(errors::kSyntax);
    }
  } else if (sub == "tracking") {
    if (arity(argc >= 3)) ClientTracking(ctx);
  } else if (sub == "caching") {
    if (!arity(argc == 3)) return;
    Client& c = ctx.client;
    if (!c.tracking || c.tracking_opt == Client::TrackingOpt::kAll) {
      return ctx.rb.Error(
          "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
          "or OPTOUT mode enabled");
    }
    if (EqualsIgnoreCase(ctx.arg(2), "yes")) {
      if (c.tracking_opt != Client::TrackingOpt::kOptIn) {
        return ctx.rb.Error(
            "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      }
    } else if (EqualsIgnoreCase(ctx.arg(2), "no")) {
      if (c.tracking_opt != Client::TrackingOpt::kOptOut) {
        return ctx.rb.Error(
            "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      }
    } else {
      return ctx.rb.Error(errors::kSyntax);
    }
    c.caching_flag = true;
    ctx.rb.Ok();
  } else if (sub == "getredir") {
    ctx.rb.Int(ctx.client.tracking ? static_cast<int64_t>(ctx.client.tracking_redirect) : -1);
  } else if (sub == "help") {
    ctx.rb.Array(1);
    ctx.rb.Simple(
        "CLIENT <subcommand>: ID SETNAME GETNAME LIST INFO KILL SETINFO NO-EVICT TRACKING CACHING "
        "GETREDIR");
  } else {
    ctx.rb.Error(UnknownSubcommand("client", ctx.arg(1)));
  }
}

void ServerFamily::DbSize(CommandContext& ctx) {
  ctx.rb.Int(static_cast<int64_t>(ctx.ks.DbSize(ctx.db())));
}

namespace {
bool FlushArgs(CommandContext& ctx) {
  if (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.arg(1), "async") &&
      !EqualsIgnoreCase(ctx.arg(1), "sync")) {
    ctx.rb.Error(errors::kSyntax);
    return false;
  }
  if (ctx.argc() > 2) {
    ctx.rb.Error(errors::kSyntax);
    return false;
  }
  return true;
}
}  // namespace

void ServerFamily::FlushDb(CommandContext& ctx) {
  if (!FlushArgs(ctx)) return;
  ctx.ks.FlushDb(ctx.db());
  ctx.cache.DbModified(ctx.db());
  ctx.rb.Ok();
}

void ServerFamily::FlushAll(CommandContext& ctx) {
  if (!FlushArgs(ctx)) return;
  for (int db = 0; db < ctx.ks.databases(); ++db) ctx.ks.FlushDb(db);
  ctx.cache.DbModified(-1);
  ctx.rb.Ok();
}

void ServerFamily::SwapDb(CommandContext& ctx) {
  int64_t a = 0;
  int64_t b = 0;
  if (!ctx.IntArg(1, &a, "ERR invalid first DB index") ||
      !ctx.IntArg(2, &b, "ERR invalid second DB index")) {
    return;
  }
  if (a < 0 || a >= ctx.ks.databases() || b < 0 || b >= ctx.ks.databases()) {
    ctx.rb.Error(errors::kDbIndex);
    return;
  }
  ctx.ks.SwapDb(static_cast<int>(a), static_cast<int>(b));
  ctx.cache.DbModified(static_cast<int>(a));
  ctx.cache.DbModified(static_cast<int>(b));
  ctx.rb.Ok();
}

void ServerFamily::Time(CommandContext& ctx) {
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  ctx.rb.Array(2);
  ctx.rb.Bulk(std::to_string(us / 1000000));
  ctx.rb.Bulk(std::to_string(us % 1000000));
}

// SAVE, BGSAVE [SCHEDULE], LASTSAVE (https://redis.io/commands/save/): the snapshot of
// cache/snapshot.h, refused while cache.persistence is off.
constexpr std::string_view kSaveInProgress = "ERR Background save already in progress";

void ServerFamily::Save(CommandContext& ctx) {
  if (ctx.cache.save_in_progress()) return ctx.rb.Error(kSaveInProgress);
  absl::Status status = ctx.cache.SaveSnapshot();
  if (!status.ok()) {
    const std::string message(status.message());
    return ctx.rb.Error(message.starts_with("ERR ") ? message : "ERR " + message);
  }
  ctx.rb.Ok();
}

void ServerFamily::BgSave(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.arg(1), "schedule"))) {
    return ctx.rb.Error(errors::kSyntax);
  }
  if (!ctx.cache.persistence_enabled()) {
    return ctx.rb.Error(
        "ERR persistence is disabled (set cache.persistence: true in the AIO config)");
  }
  if (!ctx.cache.RequestBackgroundSave()) return ctx.rb.Error(kSaveInProgress);
  ctx.rb.Simple("Background saving started");
}

void ServerFamily::LastSave(CommandContext& ctx) { ctx.rb.Int(ctx.cache.last_save_s()); }

void ServerFamily::Config(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  if (sub == "get") {
    if (ctx.argc() < 3) {
      ctx.rb.Error(ArityError("config|get"));
      return;
    }
    std::vector<std::pair<std::string, std::string>> found;
    for (size_t i = 2; i < ctx.argc(); ++i) {
      for (auto& entry : ctx.cache.ConfigGet(ctx.arg(i))) {
        bool dup = false;
        for (const auto& f : found) dup = dup || f.first == entry.first;
        if (!dup) found.push_back(std::move(entry));
      }
    }
    ctx.rb.Map(static_cast<int64_t>(found.size()));
    for (const auto& [name, value] : found) {
      ctx.rb.Bulk(name);
      ctx.rb.Bulk(value);
    }
  } else if (sub == "set") {
    if (ctx.argc() < 4 || ctx.argc() % 2 != 0) {
      ctx.rb.Error(ArityError("config|set"));
      return;
    }
    for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
      std::string error = ctx.cache.ConfigSet(ctx.arg(i), ctx.arg(i + 1));
      if (!error.empty()) {
        ctx.rb.Error(error);
        return;
      }
    }
    ctx.rb.Ok();
  } else if (sub == "resetstat") {
    ctx.cache.ResetStats();
    ctx.rb.Ok();
  } else if (sub == "rewrite") {
    ctx.rb.Error("ERR The server is running without a config file");
  } else {
    ctx.rb.Error(UnknownSubcommand("config", ctx.arg(1)));
  }
}

void ServerFamily::Monitor(CommandContext& ctx) {
  ctx.cache.SetMonitor(ctx.client);
  ctx.rb.Ok();
}

void ServerFamily::Multi(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.rb.Error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.client.in_multi = true;
  ctx.client.multi_error = false;
  ctx.client.queued.clear();
  ctx.rb.Ok();
}

void ServerFamily::Discard(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.rb.Error("ERR DISCARD without MULTI");
    return;
  }
  ctx.client.in_multi = false;
  ctx.client.multi_error = false;
  ctx.client.queued.clear();
  ctx.cache.Unwatch(ctx.client);
  ctx.rb.Ok();
}

void ServerFamily::Watch(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.rb.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const bool live = ctx.ks.Find(ctx.db(), ctx.arg(i), ctx.now_ms, false) != nullptr;
    ctx.cache.Watch(ctx.client, ctx.db(), ctx.arg(i), live);
  }
  ctx.rb.Ok();
}

void ServerFamily::Unwatch(CommandContext& ctx) {
  ctx.cache.Unwatch(ctx.client);
  ctx.rb.Ok();
}

}  // namespace aio::cache
