// Keyspace commands: DEL UNLINK EXISTS TYPE KEYS SCAN RENAME RENAMENX COPY MOVE EXPIRE* TTL PTTL
// EXPIRETIME PEXPIRETIME PERSIST RANDOMKEY TOUCH OBJECT.
#include "cache/cache.h"
#include "cache/families.h"
#include "cache/scan.h"
#include "fmt/format.h"

namespace aio::cache {

void GenericFamily::Del(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.Lookup(ctx.arg(i)) != nullptr && ctx.ks.Delete(ctx.db(), ctx.arg(i))) {
      ++deleted;
      ctx.Notify(kNotifyGeneric, "del", ctx.arg(i));
    }
  }
  ctx.rb.Int(deleted);
}

void GenericFamily::Exists(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) found += ctx.Lookup(ctx.arg(i)) != nullptr;
  ctx.rb.Int(found);
}

void GenericFamily::TypeCmd(CommandContext& ctx) {
  Object* object = ctx.Lookup(ctx.arg(1));
  ctx.rb.Simple(object == nullptr ? "none" : TypeName(object->type()));
}

void GenericFamily::Keys(CommandContext& ctx) {
  std::vector<std::string> keys;
  const std::string_view pattern = ctx.arg(1);
  const bool all = pattern == "*";
  uint64_t cursor = 0;
  do {
    cursor = ctx.ks.Scan(ctx.db(), cursor, 1 << 20, ctx.now_ms, [&](std::string_view key, Object&) {
      if (all || GlobMatch(pattern, key)) keys.emplace_back(key);
    });
  } while (cursor != 0);
  ctx.rb.Array(static_cast<int64_t>(keys.size()));
  for (const std::string& key : keys) ctx.rb.Bulk(key);
}

void GenericFamily::Scan(CommandContext& ctx) {
  uint64_t cursor = 0;
  {
    std::string_view text = ctx.arg(1);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), cursor);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      ctx.rb.Error("ERR invalid cursor");
      return;
    }
  }
  ScanArgs scan;
  if (!ParseScanArgs(ctx, 2, {.type = true}, &scan)) return;
  std::vector<std::string> keys;
  const uint64_t next =
      ctx.ks.Scan(ctx.db(), cursor, static_cast<size_t>(scan.count), ctx.now_ms,
                  [&](std::string_view key, Object& object) {
                    if (!scan.Matches(key)) return;
                    if (!scan.type.empty() && !EqualsIgnoreCase(scan.type, TypeName(object.type())))
                      return;
                    keys.emplace_back(key);
                  });
  ReplyScanHead(ctx, std::to_string(next), keys.size());
  for (const std::string& key : keys) ctx.rb.Bulk(key);
}

namespace {

// RENAME / RENAMENX: returns false after replying an error.
void RenameImpl(CommandContext& ctx, bool nx) {
  const std::string_view src = ctx.arg(1);
  const std::string_view dst = ctx.arg(2);
  if (ctx.Lookup(src) == nullptr) {
    ctx.rb.Error(errors::kNoSuchKey);
    return;
  }
  if (src == dst) {
    if (nx) {
      ctx.rb.Int(0);
    } else {
      ctx.rb.Ok();
    }
    return;
  }
  if (nx && ctx.Lookup(dst) != nullptr) {
    ctx.rb.Int(0);
    return;
  }
  ObjectPtr object;
  int64_t expire = -1;
  ctx.ks.Take(ctx.db(), src, &object, &expire);
  ctx.ks.Put(ctx.db(), dst, std::move(object));
  if (expire >= 0) ctx.ks.SetExpire(ctx.db(), dst, expire);
  ctx.Notify(kNotifyGeneric, "rename_from", src);
  ctx.Notify(kNotifyGeneric, "rename_to", dst);
  if (nx) {
    ctx.rb.Int(1);
  } else {
    ctx.rb.Ok();
  }
}

// COPY's DB and MOVE's db at args[i]: replies kNotInteger or kDbIndex and returns false.
bool DbArg(CommandContext& ctx, size_t i, int64_t* db) {
  if (!ctx.IntArg(i, db)) return false;
  if (*db < 0 || *db >= ctx.ks.databases()) {
    ctx.rb.Error(errors::kDbIndex);
    return false;
  }
  return true;
}

// COPY / MOVE's last step: stores `object` as `key` in database `db` with `expire_ms` (< 0: none),
// keeps its memory charge and replies 1.
void PutInDb(CommandContext& ctx, int db, std::string_view key, ObjectPtr object,
             int64_t expire_ms) {
  ctx.ks.Put(db, key, std::move(object));
  if (expire_ms >= 0) ctx.ks.SetExpire(db, key, expire_ms);
  ctx.cache.KeyModified(db, key, &ctx.client);
  ctx.rb.Int(1);
}

// TTL / EXPIRETIME's common part: *when_ms is the absolute expiry (Unix ms) of the key at args[1].
// Replies -2 for a missing key, -1 for a key without TTL, and returns false.
bool ExpireOf(CommandContext& ctx, int64_t* when_ms) {
  const std::string_view key = ctx.arg(1);
  if (ctx.Lookup(key) == nullptr) {
    ctx.rb.Int(-2);
    return false;
  }
  *when_ms = ctx.ks.GetExpire(ctx.db(), key);
  if (*when_ms < 0) {
    ctx.rb.Int(-1);
    return false;
  }
  return true;
}

}  // namespace

void GenericFamily::Rename(CommandContext& ctx) { RenameImpl(ctx, false); }
void GenericFamily::RenameNx(CommandContext& ctx) { RenameImpl(ctx, true); }

void GenericFamily::Copy(CommandContext& ctx) {
  int64_t db = ctx.db();
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(i), "db") && i + 1 < ctx.argc()) {
      if (!DbArg(ctx, ++i, &db)) return;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  const std::string_view src = ctx.arg(1);
  const std::string_view dst = ctx.arg(2);
  if (src == dst && db == ctx.db()) {
    ctx.rb.Error("ERR source and destination objects are the same");
    return;
  }
  Object* object = ctx.Lookup(src);
  if (object == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  const int target = static_cast<int>(db);
  if (ctx.ks.Find(target, dst, ctx.now_ms, false) != nullptr && !replace) {
    ctx.rb.Int(0);
    return;
  }
  const int64_t expire = ctx.ks.GetExpire(ctx.db(), src);
  PutInDb(ctx, target, dst, object->Clone(), expire);
}

void GenericFamily::Move(CommandContext& ctx) {
  int64_t db = 0;
  if (!DbArg(ctx, 2, &db)) return;
  if (db == ctx.db()) {
    ctx.rb.Error("ERR source and destination objects are the same");
    return;
  }
  const std::string_view key = ctx.arg(1);
  const int target = static_cast<int>(db);
  if (ctx.Lookup(key) == nullptr || ctx.ks.Find(target, key, ctx.now_ms, false) != nullptr) {
    ctx.rb.Int(0);
    return;
  }
  ObjectPtr object;
  int64_t expire = -1;
  ctx.ks.Take(ctx.db(), key, &object, &expire);
  PutInDb(ctx, target, key, std::move(object), expire);
}

void GenericFamily::Expire(CommandContext& ctx) {
  const std::string name = ctx.spec->name;
  const int64_t unit = name[0] == 'p' ? 1 : 1000;
  const bool absolute = name.ends_with("at");
  UpdateConditions conditions;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!conditions.Parse(ctx.arg(i))) {
      ctx.rb.Error(fmt::format("ERR Unsupported option {}", ctx.arg(i)));
      return;
    }
  }
  const auto [nx, xx, gt, lt] = conditions;
  if (nx && (xx || gt || lt)) {
    ctx.rb.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    ctx.rb.Error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  int64_t value = 0;
  if (!ctx.IntArg(2, &value)) return;
  const std::string_view key = ctx.arg(1);
  int64_t when = 0;
  if ((unit > 1 && (value > INT64_MAX / unit || value < INT64_MIN / unit)) ||
      __builtin_mul_overflow(value, unit, &when) ||
      (!absolute && __builtin_add_overflow(when, ctx.now_ms, &when))) {
    ctx.rb.Error(fmt::format("ERR invalid expire time in '{}' command", name));
    return;
  }
  if (ctx.Lookup(key) == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  const int64_t current = ctx.ks.GetExpire(ctx.db(), key);
  // A key without TTL counts as an infinite TTL for GT and LT.
  if ((nx && current >= 0) || (xx && current < 0) || (gt && (current < 0 || when <= current)) ||
      (lt && current >= 0 && when >= current)) {
    ctx.rb.Int(0);
    return;
  }
  if (when <= ctx.now_ms) {
    ctx.ks.Delete(ctx.db(), key);
    ctx.Notify(kNotifyGeneric, "del", key);
  } else {
    ctx.ks.SetExpire(ctx.db(), key, when);
    ctx.Notify(kNotifyGeneric, "expire", key);
  }
  ctx.rb.Int(1);
}

void GenericFamily::Ttl(CommandContext& ctx) {
  int64_t when = 0;
  if (!ExpireOf(ctx, &when)) return;
  const int64_t left = std::max<int64_t>(0, when - ctx.now_ms);
  ctx.rb.Int(ctx.spec->name[0] == 'p' ? left : (left + 500) / 1000);
}

void GenericFamily::ExpireTime(CommandContext& ctx) {
  int64_t when = 0;
  if (!ExpireOf(ctx, &when)) return;
  ctx.rb.Int(ctx.spec->name[0] == 'p' ? when : when / 1000);
}

void GenericFamily::Persist(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  if (ctx.Lookup(key) == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  const bool removed = ctx.ks.Persist(ctx.db(), key);
  if (removed) ctx.Notify(kNotifyGeneric, "persist", key);
  ctx.rb.Int(removed ? 1 : 0);
}

void GenericFamily::RandomKey(CommandContext& ctx) {
  std::string key;
  if (ctx.ks.RandomKey(ctx.db(), ctx.now_ms, &key)) {
    ctx.rb.Bulk(key);
  } else {
    ctx.rb.Null();
  }
}

void GenericFamily::Touch(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) found += ctx.Lookup(ctx.arg(i)) != nullptr;
  ctx.rb.Int(found);
}

void GenericFamily::ObjectCmd(CommandContext& ctx) {
  const std::string sub = ToLower(ctx.arg(1));
  if (sub == "help") {
    ctx.rb.Array(1);
    ctx.rb.Simple("OBJECT <subcommand> <key>: ENCODING FREQ IDLETIME REFCOUNT");
    return;
  }
  if (sub != "encoding" && sub != "freq" && sub != "idletime" && sub != "refcount") {
    ctx.rb.Error(UnknownSubcommand("object", ctx.arg(1)));
    return;
  }
  if (ctx.argc() != 3) {
    ctx.rb.Error(ArityError("object|" + sub));
    return;
  }
  Object* object = ctx.ks.Find(ctx.db(), ctx.arg(2), ctx.now_ms, false);
  if (object == nullptr) {
    ctx.rb.Null();
    return;
  }
  const EvictionPolicy policy = ctx.cache.policy();
  const bool lfu = policy == EvictionPolicy::kAllKeysLfu || policy == EvictionPolicy::kVolatileLfu;
  if (sub == "encoding") {
    ctx.rb.Bulk(EncodingName(*object));
  } else if (sub == "refcount") {
    ctx.rb.Int(1);
  } else if (sub == "freq") {
    if (!lfu) {
      ctx.rb.Error(
          "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
          "note that when switching between policies at runtime LRU and LFU data will take some "
          "time to adjust.");
      return;
    }
    ctx.rb.Int(Keyspace::LfuCounter(*object));
  } else {
    if (lfu) {
      ctx.rb.Error(
          "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
          "switching between policies at runtime LRU and LFU data will take some time to "
          "adjust.");
      return;
    }
    ctx.rb.Int(Keyspace::IdleSeconds(*object));
  }
}

}  // namespace aio::cache
