// String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX INCR* DECR*
// INCRBYFLOAT APPEND STRLEN GETRANGE SETRANGE SETBIT GETBIT BITCOUNT BITPOS.
#include <bit>
#include <cmath>

#include "cache/cache.h"
#include "cache/families.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

constexpr int64_t kMaxStringBytes = 512ll * 1024 * 1024;

// The string under `key`, or null; replies WRONGTYPE (and sets *wrong) for another type.
Object* ReadString(CommandContext& ctx, std::string_view key, bool* wrong) {
  return ctx.ReadTyped(key, Type::kString, wrong);
}

void StoreString(CommandContext& ctx, std::string_view key, std::string_view value,
                 bool keep_ttl = false) {
  ctx.ks.SetString(ctx.db(), ctx.Hashed(key), value, keep_ttl);
}

// INCR* / INCRBYFLOAT's start: *object is the string at args[1] (null when absent) and *value the
// number it holds (left as is when absent). Returns false after replying WRONGTYPE, or
// `not_a_number` when the string does not parse.
template <typename T>
bool ReadNumber(CommandContext& ctx, bool (*parse)(std::string_view, T*),
                std::string_view not_a_number, Object** object, T* value) {
  bool wrong = false;
  *object = ctx.LookupTyped(ctx.arg(1), Type::kString, &wrong);
  if (wrong) return false;
  if (*object != nullptr && !parse((*object)->str(), value)) {
    ctx.rb.Error(not_a_number);
    return false;
  }
  return true;
}

// SET / GETEX: true when `opt` is EX, PX, EXAT or PXAT (any case).
bool IsExpireOption(std::string_view opt) {
  return EqualsIgnoreCase(opt, "ex") || EqualsIgnoreCase(opt, "px") ||
         EqualsIgnoreCase(opt, "exat") || EqualsIgnoreCase(opt, "pxat");
}

// Parses the value at args[i] of the expire option `opt` (IsExpireOption) into *when_ms.
bool ParseExpireOptionValue(CommandContext& ctx, std::string_view opt, size_t i, int64_t* when_ms) {
  const bool seconds = std::tolower(static_cast<unsigned char>(opt[0])) == 'e';
  return ParseExpireOption(ctx, i, seconds ? 1000 : 1, opt.size() == 4, when_ms);
}

// Redis's index normalization for GETRANGE / BITCOUNT: returns false when the range is empty.
bool NormalizeRange(int64_t* start, int64_t* end, int64_t len) {
  if (*start < 0) *start = std::max<int64_t>(0, len + *start);
  if (*end < 0) *end = len + *end;
  if (*end >= len) *end = len - 1;
  return !(*start > *end || len == 0 || *end < 0);
}

// GET GETDEL GETEX: replies the string at args[1] (a null when absent) and returns it; nullptr
// when it is absent or after replying WRONGTYPE.
Object* ReplyString(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadString(ctx, ctx.arg(1), &wrong);
  if (wrong) return nullptr;
  if (object == nullptr) {
    ctx.rb.Null();
  } else {
    ctx.rb.Bulk(object->str());
  }
  return object;
}

}  // namespace

void StringFamily::Get(CommandContext& ctx) { ReplyString(ctx); }

void StringFamily::Set(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool nx = false, xx = false, keep_ttl = false, get = false;
  int64_t when = -1;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    const bool has_next = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "nx") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "get")) {
      get = true;
    } else if (EqualsIgnoreCase(opt, "keepttl") && when < 0) {
      keep_ttl = true;
    } else if (has_next && when < 0 && !keep_ttl && IsExpireOption(opt)) {
      if (!ParseExpireOptionValue(ctx, opt, ++i, &when)) return;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  Object* old = nullptr;
  if (get || nx || xx) {
    bool wrong = false;
    old = get ? ctx.ReadTyped(key, Type::kString, &wrong) : ctx.Lookup(key);
    if (wrong) return;
  }
  if ((nx && old != nullptr) || (xx && old == nullptr)) {
    if (get) {
      if (old == nullptr)
        ctx.rb.Null();
      else
        ctx.rb.Bulk(old->str());
    } else {
      ctx.rb.Null();
    }
    return;
  }
  if (get) {
    if (old == nullptr)
      ctx.rb.Null();
    else
      ctx.rb.Bulk(old->str());
  }
  StoreString(ctx, key, ctx.arg(2), keep_ttl);
  if (when >= 0) ctx.ks.SetExpire(ctx.db(), key, when);
  ctx.Notify(kNotifyString, "set", key);
  if (when >= 0) ctx.Notify(kNotifyGeneric, "expire", key);
  if (!get) ctx.rb.Ok();
}

void StringFamily::SetNx(CommandContext& ctx) {
  if (ctx.Lookup(ctx.arg(1)) != nullptr) {
    ctx.rb.Int(0);
    return;
  }
  StoreString(ctx, ctx.arg(1), ctx.arg(2));
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.rb.Int(1);
}

void StringFamily::SetEx(CommandContext& ctx) {
  int64_t when = 0;
  const bool seconds = ctx.spec->name[0] == 's';
  if (!ParseExpireOption(ctx, 2, seconds ? 1000 : 1, false, &when)) return;
  StoreString(ctx, ctx.arg(1), ctx.arg(3));
  ctx.ks.SetExpire(ctx.db(), ctx.arg(1), when);
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
  ctx.rb.Ok();
}

void StringFamily::GetSet(CommandContext& ctx) {
  bool wrong = false;
  Object* old = ReadString(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  if (old == nullptr)
    ctx.rb.Null();
  else
    ctx.rb.Bulk(old->str());
  StoreString(ctx, ctx.arg(1), ctx.arg(2));
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
}

void StringFamily::GetDel(CommandContext& ctx) {
  if (ReplyString(ctx) == nullptr) return;
  ctx.ks.Delete(ctx.db(), ctx.arg(1));
  ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
}

void StringFamily::GetEx(CommandContext& ctx) {
  int64_t when = -1;
  bool persist = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "persist") && when < 0 && !persist) {
      persist = true;
    } else if (i + 1 < ctx.argc() && when < 0 && !persist && IsExpireOption(opt)) {
      if (!ParseExpireOptionValue(ctx, opt, ++i, &when)) return;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  if (ReplyString(ctx) == nullptr) return;
  if (when >= 0) {
    ctx.ks.SetExpire(ctx.db(), ctx.arg(1), when);
    ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
  } else if (persist && ctx.ks.Persist(ctx.db(), ctx.arg(1))) {
    ctx.Notify(kNotifyGeneric, "persist", ctx.arg(1));
  }
}

void StringFamily::MGet(CommandContext& ctx) {
  ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 1));
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Object* object = ctx.Read(ctx.arg(i));
    if (object == nullptr || object->type() != Type::kString) {
      ctx.rb.Null();
    } else {
      ctx.rb.Bulk(object->str());
    }
  }
}

void StringFamily::MSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 1) {
    ctx.rb.Error(ArityError(ctx.spec->name));
    return;
  }
  const bool nx = ctx.spec->name[4] == 'n';
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (ctx.Lookup(ctx.arg(i)) != nullptr) {
        ctx.rb.Int(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    StoreString(ctx, ctx.arg(i), ctx.arg(i + 1));
    ctx.Notify(kNotifyString, "set", ctx.arg(i));
  }
  if (nx) {
    ctx.rb.Int(1);
  } else {
    ctx.rb.Ok();
  }
}

void StringFamily::MSetNx(CommandContext& ctx) { MSet(ctx); }

void StringFamily::Incr(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  int64_t by = 1;
  if (name == "incrby" || name == "decrby") {
    if (!ctx.IntArg(2, &by)) return;
  }
  if (name[0] == 'd') {
    if (by == INT64_MIN) {
      ctx.rb.Error("ERR decrement would overflow");
      return;
    }
    by = -by;
  }
  const std::string_view key = ctx.arg(1);
  Object* object = nullptr;
  int64_t value = 0;
  if (!ReadNumber(ctx, &ParseInt, errors::kNotInteger, &object, &value)) return;
  if (__builtin_add_overflow(value, by, &value)) {
    ctx.rb.Error(errors::kOverflow);
    return;
  }
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  StoreString(ctx, key, std::string_view(buf, end - buf), /*keep_ttl=*/true);
  ctx.Notify(kNotifyString, by >= 0 ? "incrby" : "decrby", key);
  ctx.rb.Int(value);
}

void StringFamily::IncrByFloat(CommandContext& ctx) {
  double by = 0;
  if (!ctx.DoubleArg(2, &by)) return;
  const std::string_view key = ctx.arg(1);
  Object* object = nullptr;
  double value = 0;
  if (!ReadNumber(ctx, &ParseDouble, errors::kNotFloat, &object, &value)) return;
  value += by;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.rb.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  const std::string text = protocol::resp::ReplyBuilder::FormatDouble(value);
  StoreString(ctx, key, text, /*keep_ttl=*/true);
  ctx.Notify(kNotifyString, "incrbyfloat", key);
  ctx.rb.Bulk(text);
}

void StringFamily::Append(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kString, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    StoreString(ctx, key, ctx.arg(2));
    ctx.rb.Int(static_cast<int64_t>(ctx.arg(2).size()));
  } else {
    if (static_cast<int64_t>(object->str().size() + ctx.arg(2).size()) > kMaxStringBytes) {
      ctx.rb.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
      return;
    }
    const Object& appended = ctx.ks.AppendString(ctx.db(), *object, ctx.arg(2));
    ctx.rb.Int(static_cast<int64_t>(appended.str().size()));
  }
  ctx.Notify(kNotifyString, "append", key);
}

void StringFamily::StrLen(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ReadString(ctx, ctx.arg(1), &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : static_cast<int64_t>(object->str().size()));
}

void StringFamily::GetRange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &end)) return;
  bool wrong = false;
  Object* object = ReadString(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Bulk("");
    return;
  }
  const std::string_view s = object->str();
  if (start < 0 && end < 0 && start > end) {
    ctx.rb.Bulk("");
    return;
  }
  if (!NormalizeRange(&start, &end, static_cast<int64_t>(s.size()))) {
    ctx.rb.Bulk("");
    return;
  }
  ctx.rb.Bulk(s.substr(start, end - start + 1));
}

void StringFamily::SetRange(CommandContext& ctx) {
  int64_t offset = 0;
  if (!ctx.IntArg(2, &offset)) return;
  if (offset < 0) {
    ctx.rb.Error("ERR offset is out of range");
    return;
  }
  const std::string_view value = ctx.arg(3);
  if (offset + static_cast<int64_t>(value.size()) > kMaxStringBytes) {
    ctx.rb.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return;
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kString, &wrong);
  if (wrong) return;
  std::string s(object == nullptr ? std::string_view() : object->str());
  if (!value.empty()) {
    if (s.size() < offset + value.size()) s.resize(offset + value.size(), '\0');
    s.replace(offset, value.size(), value);
    StoreString(ctx, key, s, /*keep_ttl=*/true);
    ctx.Notify(kNotifyString, "setrange", key);
  }
  ctx.rb.Int(static_cast<int64_t>(s.size()));
}

void StringFamily::SetBit(CommandContext& ctx) {
  int64_t offset = 0, bit = 0;
  if (!ctx.IntArg(2, &offset, "ERR bit offset is not an integer or out of range")) return;
  if (offset < 0 || offset >= kMaxStringBytes * 8) {
    ctx.rb.Error("ERR bit offset is not an integer or out of range");
    return;
  }
  if (!ParseInt(ctx.arg(3), &bit) || (bit != 0 && bit != 1)) {
    ctx.rb.Error("ERR bit is not an integer or out of range");
    return;
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kString, &wrong);
  if (wrong) return;
  std::string s(object == nullptr ? std::string_view() : object->str());
  const size_t byte = static_cast<size_t>(offset >> 3);
  if (s.size() <= byte) s.resize(byte + 1, '\0');
  const int shift = 7 - static_cast<int>(offset & 7);
  const int old = (static_cast<unsigned char>(s[byte]) >> shift) & 1;
  s[byte] = static_cast<char>((static_cast<unsigned char>(s[byte]) & ~(1 << shift)) |
                              (static_cast<int>(bit) << shift));
  StoreString(ctx, key, s, /*keep_ttl=*/true);
  ctx.Notify(kNotifyString, "setbit", key);
  ctx.rb.Int(old);
}

void StringFamily::GetBit(CommandContext& ctx) {
  int64_t offset = 0;
  if (!ctx.IntArg(2, &offset, "ERR bit offset is not an integer or out of range")) return;
  if (offset < 0) {
    ctx.rb.Error("ERR bit offset is not an integer or out of range");
    return;
  }
  bool wrong = false;
  Object* object = ReadString(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  const size_t byte = static_cast<size_t>(offset >> 3);
  if (object == nullptr || object->str().size() <= byte) {
    ctx.rb.Int(0);
    return;
  }
  ctx.rb.Int((static_cast<unsigned char>(object->str()[byte]) >> (7 - (offset & 7))) & 1);
}

namespace {

// Parses [start end [BYTE|BIT]] at args[i..]; *bits is true for BIT.
bool RangeArgs(CommandContext& ctx, size_t i, int64_t* start, int64_t* end, bool* has_end,
               bool* bits) {
  *bits = false;
  *has_end = false;
  if (i < ctx.argc() && !ctx.IntArg(i, start)) return false;
  if (i + 1 < ctx.argc()) {
    if (!ctx.IntArg(i + 1, end)) return false;
    *has_end = true;
  }
  if (i + 2 < ctx.argc()) {
    if (EqualsIgnoreCase(ctx.arg(i + 2), "bit")) {
      *bits = true;
    } else if (!EqualsIgnoreCase(ctx.arg(i + 2), "byte") || i + 3 < ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// BITCOUNT / BITPOS's common start: parses [start end [BYTE|BIT]] at args[i..] as RangeArgs does,
// then reads the string at args[1] into *object (null when absent). Returns false after replying
// an error.
bool ReadBitRange(CommandContext& ctx, size_t i, int64_t* start, int64_t* end, bool* has_end,
                  bool* bits, Object** object) {
  if (!RangeArgs(ctx, i, start, end, has_end, bits)) return false;
  bool wrong = false;
  *object = ReadString(ctx, ctx.arg(1), &wrong);
  return !wrong;
}

bool BitAt(std::string_view s, int64_t bit) {
  return (static_cast<unsigned char>(s[static_cast<size_t>(bit >> 3)]) >> (7 - (bit & 7))) & 1;
}

}  // namespace

void StringFamily::BitCount(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  int64_t start = 0, end = -1;
  bool has_end = false, bits = false;
  Object* object = nullptr;
  if (!ReadBitRange(ctx, 2, &start, &end, &has_end, &bits, &object)) return;
  if (object == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  const std::string_view s = object->str();
  const int64_t len = static_cast<int64_t>(s.size()) * (bits ? 8 : 1);
  if (ctx.argc() == 2) {
    start = 0;
    end = len - 1;
  }
  if (!NormalizeRange(&start, &end, len)) {
    ctx.rb.Int(0);
    return;
  }
  int64_t count = 0;
  if (bits) {
    for (int64_t b = start; b <= end; ++b) count += BitAt(s, b);
  } else {
    for (int64_t i = start; i <= end; ++i) count += std::popcount(static_cast<unsigned char>(s[i]));
  }
  ctx.rb.Int(count);
}

void StringFamily::BitPos(CommandContext& ctx) {
  int64_t bit = 0;
  if (!ParseInt(ctx.arg(2), &bit) || (bit != 0 && bit != 1)) {
    ctx.rb.Error("ERR The bit argument must be 1 or 0.");
    return;
  }
  int64_t start = 0, end = -1;
  bool has_end = false, bits = false;
  Object* object = nullptr;
  if (!ReadBitRange(ctx, 3, &start, &end, &has_end, &bits, &object)) return;
  if (object == nullptr) {
    ctx.rb.Int(bit ? -1 : 0);
    return;
  }
  const std::string_view s = object->str();
  const int64_t bytes = static_cast<int64_t>(s.size());
  const int64_t len = bits ? bytes * 8 : bytes;
  if (!has_end) end = len - 1;
  if (!NormalizeRange(&start, &end, len)) {
    ctx.rb.Int(-1);
    return;
  }
  const int64_t first = bits ? start : start * 8;
  const int64_t last = bits ? end : end * 8 + 7;
  for (int64_t b = first; b <= last; ++b) {
    if (BitAt(s, b) == (bit == 1)) {
      ctx.rb.Int(b);
      return;
    }
  }
  // Looking for a clear bit with no explicit end: the string counts as padded with zeros.
  ctx.rb.Int(bit == 0 && !has_end ? last + 1 : -1);
}

}  // namespace aio::cache
