// Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HGETALL HKEYS HVALS HINCRBY
// HINCRBYFLOAT HSTRLEN HSCAN HRANDFIELD.
#include <cmath>
#include <random>

#include "cache/cache.h"
#include "cache/families.h"
#include "cache/sample.h"
#include "cache/scan.h"

namespace aio::cache {
namespace {

Object* ReadHash(CommandContext& ctx, bool* wrong) {
  return ctx.ReadTyped(ctx.arg(1), Type::kHash, wrong);
}

// The value of `field` in `object` (a hash, or null), or null.
const std::string* FindField(Object* object, std::string_view field) {
  if (object == nullptr) return nullptr;
  auto it = object->hash().find(field);
  return it == object->hash().end() ? nullptr : &it->second;
}

// Sets field to value; returns true when the field is new.
bool SetField(CommandContext& ctx, std::string_view key, Object* object, std::string_view field,
              std::string_view value) {
  HashValue& hash = object->hash();
  auto [it, inserted] = hash.try_emplace(std::string(field));
  const int64_t before = inserted ? 0 : HashFieldBytes(field, it->second);
  it->second.assign(value);
  ctx.Charge(key, object, HashFieldBytes(field, value) - before);
  return inserted;
}

// Fails HINCRBY / HINCRBYFLOAT: replies `error` and drops the hash if the command created it.
void FailIncr(CommandContext& ctx, std::string_view key, Object* object, std::string_view error) {
  ctx.rb.Error(error);
  ctx.DeleteIfEmpty(key, object);
}

// HINCRBY / HINCRBYFLOAT's target: the hash at args[1] (created when absent) with *value set to
// the number in field args[2] (left as is when the field is absent). nullptr after replying
// WRONGTYPE, or `not_a_number` when the field does not parse.
template <typename T>
Object* IncrTarget(CommandContext& ctx, bool (*parse)(std::string_view, T*),
                   std::string_view not_a_number, T* value) {
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.LookupOrCreate<HashValue>(key, Type::kHash);
  if (object == nullptr) return nullptr;
  auto it = object->hash().find(ctx.arg(2));
  if (it != object->hash().end() && !parse(it->second, value)) {
    FailIncr(ctx, key, object, not_a_number);
    return nullptr;
  }
  return object;
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
  if (const std::string* value = FindField(object, ctx.arg(2))) {
    ctx.rb.Bulk(*value);
  } else {
    ctx.rb.Null();
  }
}

void HashFamily::HMGet(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (const std::string* value = FindField(object, ctx.arg(i))) {
      ctx.rb.Bulk(*value);
    } else {
      ctx.rb.Null();
    }
  }
}

void HashFamily::HDel(CommandContext& ctx) {
  RemoveElements(ctx, Type::kHash, kNotifyHash, "hdel",
                 [](Object* object, std::string_view field) -> int64_t {
                   auto it = object->hash().find(field);
                   if (it == object->hash().end()) return 0;
                   const int64_t freed = HashFieldBytes(it->first, it->second);
                   object->hash().erase(it);
                   return freed;
                 });
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
  int64_t value = 0;
  Object* object = IncrTarget(ctx, &ParseInt, "ERR hash value is not an integer", &value);
  if (object == nullptr) return;
  if (__builtin_add_overflow(value, by, &value)) {
    FailIncr(ctx, key, object, errors::kOverflow);
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
  double value = 0;
  Object* object = IncrTarget(ctx, &ParseDouble, "ERR hash value is not a float", &value);
  if (object == nullptr) return;
  value += by;
  if (std::isnan(value) || std::isinf(value)) {
    FailIncr(ctx, key, object, "ERR increment would produce NaN or Infinity");
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
  const std::string* value = FindField(object, ctx.arg(2));
  ctx.rb.Int(value == nullptr ? 0 : static_cast<int64_t>(value->size()));
}

void HashFamily::HScan(CommandContext& ctx) {
  ScanArgs scan;
  if (!ParseScanArgs(ctx, 3, {}, &scan)) return;
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  // One pass returns every field (cursor 0), as Redis does for small encodings.
  std::vector<const std::pair<const std::string, std::string>*> out;
  if (object != nullptr) {
    for (const auto& entry : object->hash()) {
      if (scan.Matches(entry.first)) out.push_back(&entry);
    }
  }
  ReplyScanHead(ctx, "0", out.size() * 2);
  for (const auto* entry : out) {
    ctx.rb.Bulk(entry->first);
    ctx.rb.Bulk(entry->second);
  }
}

void HashFamily::HRandField(CommandContext& ctx) {
  SampleArgs args;
  if (!ParseSampleArgs(ctx, "withvalues", &args)) return;
  const bool with_values = args.with;
  bool wrong = false;
  Object* object = ReadHash(ctx, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ReplyEmptySample(ctx, args.has_count);
    return;
  }
  std::vector<const std::pair<const std::string, std::string>*> entries;
  for (const auto& entry : object->hash()) entries.push_back(&entry);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  if (!args.has_count) {
    ctx.rb.Bulk(entries[rng() % entries.size()]->first);
    return;
  }
  const auto picked = Sample(std::move(entries), args.count, rng);
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
