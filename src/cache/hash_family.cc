// Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HGETALL HKEYS HVALS HINCRBY
// HINCRBYFLOAT HSTRLEN HSCAN HRANDFIELD.
#include <cmath>
#include <random>

#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

constexpr int64_t kFieldOverhead = 32;

int64_t FieldBytes(std::string_view field, std::string_view value) {
  return kFieldOverhead + static_cast<int64_t>(field.size() + value.size());
}

Object* ReadHash(CommandContext& ctx, bool* wrong) {
  return ctx.ReadTyped(ctx.arg(1), Type::kHash, wrong);
}

// Sets field to value; returns true when the field is new.
bool SetField(CommandContext& ctx, std::string_view key, Object* object, std::string_view field,
              std::string_view value) {
  HashValue& hash = object->hash();
  auto [it, inserted] = hash.try_emplace(std::string(field));
  const int64_t before = inserted ? 0 : FieldBytes(field, it->second);
  it->second.assign(value);
  ctx.Charge(key, object, FieldBytes(field, value) - before);
  return inserted;
}

}  // namespace

void HashFamily::HSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.rb.Error(ArityError(ctx.spec->name));
    return;
  }
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.LookupOrCreate<HashValue>(key, Type::kHash);
  if (object == nullptr) return;
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2)
    added += SetField(ctx, key, object, ctx.arg(i), ctx.arg(i + 1));
  ctx.Notify(kNotifyHash, "hset", key);
  if (ctx.spec->name[1] == 'm') {
    ctx.rb.Ok();
  } else {
    ctx.rb.Int(added);
  }
}

void HashFamily::HSetNx(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kHash, &wrong);
  if (wrong) return;
  if (object != nullptr && object->hash().contains(ctx.arg(2))) {
    ctx.rb.Int(0);
    return;
  }
  object = ctx.LookupOrCreate<HashValue>(key, Type::kHash);
  SetField(ctx, key, object, ctx.arg(2), ctx.arg(3));
  ctx.Notify(kNotifyHash, "hset", key);
  ctx.rb.Int(1);
}

void HashFamily::HGet(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  if (object != nullptr) {
    auto it = object->hash().find(ctx.arg(2));
    if (it != object->hash().end()) {
      ctx.rb.Bulk(it->second);
      return;
    }
  }
  ctx.rb.Null();
}

void HashFamily::HMGet(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (object != nullptr) {
      auto it = object->hash().find(ctx.arg(i));
      if (it != object->hash().end()) {
        ctx.rb.Bulk(it->second);
        continue;
      }
    }
    ctx.rb.Null();
  }
}

void HashFamily::HDel(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kHash, &wrong);
  if (wrong) return;
  int64_t deleted = 0;
  if (object != nullptr) {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      auto it = object->hash().find(ctx.arg(i));
      if (it == object->hash().end()) continue;
      ctx.Charge(key, object, -FieldBytes(it->first, it->second));
      object->hash().erase(it);
      ++deleted;
    }
    if (deleted > 0) ctx.Notify(kNotifyHash, "hdel", key);
    ctx.DeleteIfEmpty(key, object);
  }
  ctx.rb.Int(deleted);
}

void HashFamily::HExists(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (!wrong) ctx.rb.Int(object != nullptr && object->hash().contains(ctx.arg(2)) ? 1 : 0);
}

void HashFamily::HLen(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : static_cast<int64_t>(object->hash().size()));
}

void HashFamily::HGetAll(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  const std::string_view name = ctx.spec->name;
  if (object == nullptr) {
    if (name == "hgetall")
      ctx.rb.Map(0);
    else
      ctx.rb.Array(0);
    return;
  }
  const HashValue& hash = object->hash();
  if (name == "hgetall") {
    ctx.rb.Map(static_cast<int64_t>(hash.size()));
    for (const auto& [f, v] : hash) {
      ctx.rb.Bulk(f);
      ctx.rb.Bulk(v);
    }
    return;
  }
  ctx.rb.Array(static_cast<int64_t>(hash.size()));
  for (const auto& [f, v] : hash) ctx.rb.Bulk(name == "hkeys" ? f : v);
}

void HashFamily::HKeys(CommandContext& ctx) { HGetAll(ctx); }
void HashFamily::HVals(CommandContext& ctx) { HGetAll(ctx); }

void HashFamily::HIncrBy(CommandContext& ctx) {
  int64_t by = 0;
  if (!ctx.IntArg(3, &by)) return;
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.LookupOrCreate<HashValue>(key, Type::kHash);
  if (object == nullptr) return;
  int64_t value = 0;
  auto it = object->hash().find(ctx.arg(2));
  if (it != object->hash().end() && !ParseInt(it->second, &value)) {
    ctx.rb.Error("ERR hash value is not an integer");
    ctx.DeleteIfEmpty(key, object);
    return;
  }
  if (__builtin_add_overflow(value, by, &value)) {
    ctx.rb.Error(errors::kOverflow);
    ctx.DeleteIfEmpty(key, object);
    return;
  }
  SetField(ctx, key, object, ctx.arg(2), std::to_string(value));
  ctx.Notify(kNotifyHash, "hincrby", key);
  ctx.rb.Int(value);
}

void HashFamily::HIncrByFloat(CommandContext& ctx) {
  double by = 0;
  if (!ctx.DoubleArg(3, &by)) return;
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.LookupOrCreate<HashValue>(key, Type::kHash);
  if (object == nullptr) return;
  double value = 0;
  auto it = object->hash().find(ctx.arg(2));
  if (it != object->hash().end() && !ParseDouble(it->second, &value)) {
    ctx.rb.Error("ERR hash value is not a float");
    ctx.DeleteIfEmpty(key, object);
    return;
  }
  value += by;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.rb.Error("ERR increment would produce NaN or Infinity");
    ctx.DeleteIfEmpty(key, object);
    return;
  }
  const std::string text = protocol::resp::ReplyBuilder::FormatDouble(value);
  SetField(ctx, key, object, ctx.arg(2), text);
  ctx.Notify(kNotifyHash, "hincrbyfloat", key);
  ctx.rb.Bulk(text);
}

void HashFamily::HStrLen(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  if (object != nullptr) {
    auto it = object->hash().find(ctx.arg(2));
    if (it != object->hash().end()) {
      ctx.rb.Int(static_cast<int64_t>(it->second.size()));
      return;
    }
  }
  ctx.rb.Int(0);
}

void HashFamily::HScan(CommandContext& ctx) {
  std::string_view pattern;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    int64_t count = 0;
    if (EqualsIgnoreCase(ctx.arg(i), "match")) {
      pattern = ctx.arg(i + 1);
    } else if (EqualsIgnoreCase(ctx.arg(i), "count")) {
      if (!ctx.IntArg(i + 1, &count)) return;
      if (count < 1) {
        ctx.rb.Error(errors::kSyntax);
        return;
      }
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  // One pass returns every field (cursor 0), as Redis does for small encodings.
  std::vector<const std::pair<const std::string, std::string>*> out;
  if (object != nullptr) {
    for (const auto& entry : object->hash()) {
      if (pattern.empty() || GlobMatch(pattern, entry.first)) out.push_back(&entry);
    }
  }
  ctx.rb.Array(2);
  ctx.rb.Bulk("0");
  ctx.rb.Array(static_cast<int64_t>(out.size() * 2));
  for (const auto* entry : out) {
    ctx.rb.Bulk(entry->first);
    ctx.rb.Bulk(entry->second);
  }
}

void HashFamily::HRandField(CommandContext& ctx) {
  int64_t count = 1;
  const bool has_count = ctx.argc() >= 3;
  bool with_values = false;
  if (has_count && !ctx.IntArg(2, &count)) return;
  if (ctx.argc() == 4) {
    if (!EqualsIgnoreCase(ctx.arg(3), "withvalues")) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    with_values = true;
  } else if (ctx.argc() > 4) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    if (has_count)
      ctx.rb.Array(0);
    else
      ctx.rb.Null();
    return;
  }
  std::vector<const std::pair<const std::string, std::string>*> entries;
  for (const auto& entry : object->hash()) entries.push_back(&entry);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  if (!has_count) {
    ctx.rb.Bulk(entries[rng() % entries.size()]->first);
    return;
  }
  std::vector<const std::pair<const std::string, std::string>*> picked;
  if (count >= 0) {
    std::shuffle(entries.begin(), entries.end(), rng);
    entries.resize(std::min<size_t>(entries.size(), static_cast<size_t>(count)));
    picked = std::move(entries);
  } else {
    for (int64_t i = 0; i < -count; ++i) picked.push_back(entries[rng() % entries.size()]);
  }
  if (with_values && ctx.rb.resp3()) {
    ctx.rb.Array(static_cast<int64_t>(picked.size()));
    for (const auto* e : picked) {
      ctx.rb.Array(2);
      ctx.rb.Bulk(e->first);
      ctx.rb.Bulk(e->second);
    }
    return;
  }
  ctx.rb.Array(static_cast<int64_t>(picked.size() * (with_values ? 2 : 1)));
  for (const auto* e : picked) {
    ctx.rb.Bulk(e->first);
    if (with_values) ctx.rb.Bulk(e->second);
  }
}

}  // namespace aio::cache
