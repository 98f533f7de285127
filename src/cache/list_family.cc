// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM LINSERT
// LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
#include <cmath>

#include "cache/cache.h"
#include "cache/families.h"

namespace aio::cache {
namespace {

std::string PopFrom(CommandContext& ctx, std::string_view key, Object* object, bool left) {
  ListValue& list = object->list();
  std::string value = std::move(left ? list.front() : list.back());
  if (left)
    list.pop_front();
  else
    list.pop_back();
  ctx.Charge(key, object, -ListElementBytes(value));
  return value;
}

void PushTo(CommandContext& ctx, std::string_view key, Object* object, std::string value,
            bool left) {
  ctx.Charge(key, object, ListElementBytes(value));
  if (left)
    object->list().push_front(std::move(value));
  else
    object->list().push_back(std::move(value));
}

bool WhereArg(CommandContext& ctx, size_t i, bool* left) {
  if (EqualsIgnoreCase(ctx.arg(i), "left")) {
    *left = true;
  } else if (EqualsIgnoreCase(ctx.arg(i), "right")) {
    *left = false;
  } else {
    ctx.rb.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// LMOVE's work once the source is known to be a non-empty list. Replies with the element.
bool MoveElement(CommandContext& ctx, std::string_view src, std::string_view dst, bool from_left,
                 bool to_left) {
  bool wrong = false;
  Object* source = ctx.LookupTyped(src, Type::kList, &wrong);
  if (wrong) return true;
  if (source == nullptr) return false;
  Object* target = ctx.LookupTyped(dst, Type::kList, &wrong);
  if (wrong) return true;
  std::string value = PopFrom(ctx, src, source, from_left);
  ctx.Notify(kNotifyList, from_left ? "lpop" : "rpop", src);
  ctx.rb.Bulk(value);
  if (src != dst) ctx.DeleteIfEmpty(src, source);
  if (target == nullptr) target = ctx.LookupOrCreate<ListValue>(dst, Type::kList);
  PushTo(ctx, dst, target, std::move(value), to_left);
  ctx.Notify(kNotifyList, to_left ? "lpush" : "rpush", dst);
  return true;
}

}  // namespace

void ListFamily::Push(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  const bool left = name[0] == 'l';
  const bool exists_only = name.back() == 'x';
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    if (exists_only) {
      ctx.rb.Int(0);
      return;
    }
    object = ctx.LookupOrCreate<ListValue>(key, Type::kList);
  }
  for (size_t i = 2; i < ctx.argc(); ++i) PushTo(ctx, key, object, std::string(ctx.arg(i)), left);
  ctx.Notify(kNotifyList, left ? "lpush" : "rpush", key);
  ctx.rb.Int(static_cast<int64_t>(object->list().size()));
}

void ListFamily::Pop(CommandContext& ctx) {
  const bool left = ctx.spec->name[0] == 'l';
  const std::string_view key = ctx.arg(1);
  int64_t count = -1;
  if (!ParsePopCount(ctx, ArityError(ctx.spec->name), &count)) return;
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    if (count >= 0)
      ctx.rb.NullArray();
    else
      ctx.rb.Null();
    return;
  }
  if (count < 0) {
    ctx.rb.Bulk(PopFrom(ctx, key, object, left));
  } else {
    const int64_t n = std::min<int64_t>(count, static_cast<int64_t>(object->list().size()));
    ctx.rb.Array(n);
    for (int64_t i = 0; i < n; ++i) ctx.rb.Bulk(PopFrom(ctx, key, object, left));
  }
  ctx.Notify(kNotifyList, left ? "lpop" : "rpop", key);
  ctx.DeleteIfEmpty(key, object);
}

void ListFamily::LLen(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kList, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : static_cast<int64_t>(object->list().size()));
}

void ListFamily::LRange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &end)) return;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Array(0);
    return;
  }
  const ListValue& list = object->list();
  const int64_t len = static_cast<int64_t>(list.size());
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (end < 0) end = len + end;
  if (end >= len) end = len - 1;
  if (start > end || start >= len) {
    ctx.rb.Array(0);
    return;
  }
  ctx.rb.Array(end - start + 1);
  for (auto it = list.begin() + start, last = list.begin() + end + 1; it != last; ++it) {
    ctx.rb.Bulk(*it);
  }
}

void ListFamily::LIndex(CommandContext& ctx) {
  int64_t index = 0;
  if (!ctx.IntArg(2, &index)) return;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Null();
    return;
  }
  const int64_t len = static_cast<int64_t>(object->list().size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    ctx.rb.Null();
    return;
  }
  ctx.rb.Bulk(object->list()[static_cast<size_t>(index)]);
}

void ListFamily::LSet(CommandContext& ctx) {
  int64_t index = 0;
  if (!ctx.IntArg(2, &index)) return;
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Error(errors::kNoSuchKey);
    return;
  }
  const int64_t len = static_cast<int64_t>(object->list().size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) {
    ctx.rb.Error(errors::kIndexRange);
    return;
  }
  std::string& slot = object->list()[static_cast<size_t>(index)];
  ctx.Charge(key, object,
             static_cast<int64_t>(ctx.arg(3).size()) - static_cast<int64_t>(slot.size()));
  slot.assign(ctx.arg(3));
  ctx.Notify(kNotifyList, "lset", key);
  ctx.rb.Ok();
}

void ListFamily::LRem(CommandContext& ctx) {
  int64_t count = 0;
  if (!ctx.IntArg(2, &count)) return;
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  ListValue& list = object->list();
  const std::string_view value = ctx.arg(3);
  int64_t removed = 0;
  const int64_t limit = count == 0 ? INT64_MAX : std::abs(count);
  if (count >= 0) {
    for (auto it = list.begin(); it != list.end() && removed < limit;) {
      if (*it == value) {
        it = list.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  } else {
    for (size_t i = list.size(); i-- > 0 && removed < limit;) {
      if (list[i] == value) {
        list.erase(list.begin() + static_cast<ptrdiff_t>(i));
        ++removed;
      }
    }
  }
  ctx.Charge(key, object, -removed * ListElementBytes(value));
  if (removed > 0) ctx.Notify(kNotifyList, "lrem", key);
  ctx.DeleteIfEmpty(key, object);
  ctx.rb.Int(removed);
}

void ListFamily::LTrim(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &end)) return;
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Ok();
    return;
  }
  ListValue& list = object->list();
  const int64_t len = static_cast<int64_t>(list.size());
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (end < 0) end = len + end;
  if (end >= len) end = len - 1;
  int64_t freed = 0;
  if (start > end || start >= len) {
    for (const std::string& v : list) freed += ListElementBytes(v);
    list.clear();
  } else {
    for (int64_t i = end + 1; i < len; ++i) freed += ListElementBytes(list[static_cast<size_t>(i)]);
    for (int64_t i = 0; i < start; ++i) freed += ListElementBytes(list[static_cast<size_t>(i)]);
    list.erase(list.begin() + end + 1, list.end());
    list.erase(list.begin(), list.begin() + start);
  }
  ctx.Charge(key, object, -freed);
  ctx.Notify(kNotifyList, "ltrim", key);
  ctx.DeleteIfEmpty(key, object);
  ctx.rb.Ok();
}

void ListFamily::LInsert(CommandContext& ctx) {
  bool before = false;
  if (EqualsIgnoreCase(ctx.arg(2), "before")) {
    before = true;
  } else if (!EqualsIgnoreCase(ctx.arg(2), "after")) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  ListValue& list = object->list();
  auto it = std::find(list.begin(), list.end(), ctx.arg(3));
  if (it == list.end()) {
    ctx.rb.Int(-1);
    return;
  }
  if (!before) ++it;
  list.insert(it, std::string(ctx.arg(4)));
  ctx.Charge(key, object, ListElementBytes(ctx.arg(4)));
  ctx.Notify(kNotifyList, "linsert", key);
  ctx.rb.Int(static_cast<int64_t>(list.size()));
}

void ListFamily::LPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    if (EqualsIgnoreCase(ctx.arg(i), "rank")) {
      if (!ctx.IntArg(i + 1, &rank)) return;
      if (rank == 0 || rank == INT64_MIN) {
        ctx.rb.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
    } else if (EqualsIgnoreCase(ctx.arg(i), "count")) {
      if (!ctx.IntArg(i + 1, &count)) return;
      if (count < 0) {
        ctx.rb.Error("ERR COUNT can't be negative");
        return;
      }
    } else if (EqualsIgnoreCase(ctx.arg(i), "maxlen")) {
      if (!ctx.IntArg(i + 1, &maxlen)) return;
      if (maxlen < 0) {
        ctx.rb.Error("ERR MAXLEN can't be negative");
        return;
      }
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kList, &wrong);
  if (wrong) return;
  std::vector<int64_t> found;
  if (object != nullptr) {
    const ListValue& list = object->list();
    const int64_t len = static_cast<int64_t>(list.size());
    const int64_t want = count < 0 ? 1 : (count == 0 ? INT64_MAX : count);
    int64_t skip = std::abs(rank) - 1;
    for (int64_t n = 0;
         n < len && (maxlen == 0 || n < maxlen) && static_cast<int64_t>(found.size()) < want; ++n) {
      const int64_t index = rank > 0 ? n : len - 1 - n;
      if (list[static_cast<size_t>(index)] != ctx.arg(2)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      found.push_back(index);
    }
  }
  if (count < 0) {
    if (found.empty())
      ctx.rb.Null();
    else
      ctx.rb.Int(found[0]);
    return;
  }
  ctx.rb.Array(static_cast<int64_t>(found.size()));
  for (int64_t index : found) ctx.rb.Int(index);
}

void ListFamily::LMove(CommandContext& ctx) {
  bool from_left = false, to_left = true;
  if (ctx.spec->name[0] == 'l') {  // LMOVE src dst LEFT|RIGHT LEFT|RIGHT
    if (!WhereArg(ctx, 3, &from_left) || !WhereArg(ctx, 4, &to_left)) return;
  }
  if (!MoveElement(ctx, ctx.arg(1), ctx.arg(2), from_left, to_left)) ctx.rb.Null();
}

void ListFamily::BPop(CommandContext& ctx) {
  int64_t timeout = 0;
  if (!ParseTimeoutArg(ctx, ctx.argc() - 1, &timeout)) return;
  const bool left = ctx.spec->name[1] == 'l';
  for (size_t i = 1; i + 1 < ctx.argc(); ++i) {
    const std::string_view key = ctx.arg(i);
    if (!ctx.MayServe(key)) continue;
    bool wrong = false;
    Object* object = ctx.LookupTyped(key, Type::kList, &wrong);
    if (wrong) return;
    if (object == nullptr) continue;
    ctx.rb.Array(2);
    ctx.rb.Bulk(key);
    ctx.rb.Bulk(PopFrom(ctx, key, object, left));
    ctx.Notify(kNotifyList, left ? "lpop" : "rpop", key);
    ctx.DeleteIfEmpty(key, object);
    return;
  }
  ctx.Block(ctx.args.subspan(1, ctx.argc() - 2), timeout);
}

void ListFamily::BLMove(CommandContext& ctx) {
  bool from_left = false, to_left = true;
  size_t timeout_arg = 3;
  if (ctx.spec->name[1] == 'l') {  // BLMOVE src dst LEFT|RIGHT LEFT|RIGHT timeout
    if (!WhereArg(ctx, 3, &from_left) || !WhereArg(ctx, 4, &to_left)) return;
    timeout_arg = 5;
  }
  int64_t timeout = 0;
  if (!ParseTimeoutArg(ctx, timeout_arg, &timeout)) return;
  if (ctx.MayServe(ctx.arg(1)) && MoveElement(ctx, ctx.arg(1), ctx.arg(2), from_left, to_left)) {
    return;
  }
  if (ctx.in_exec) {
    ctx.rb.Null();
    return;
  }
  ctx.Block(ctx.args.subspan(1, 1), timeout);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT n] and BLMPOP timeout numkeys ... (Redis 7):
// pops up to n elements from the first non-empty list and replies [key, [element, ...]]; a null
// array when every list is empty (BLMPOP: blocks, or times out with a null array; in MULTI it
// does not block).
void ListFamily::MPop(CommandContext& ctx) {
  MPopFirst(ctx, Type::kList, "left", "right",
            [&](std::string_view key, Object* object, const MPopArgs& mpop) {
              const int64_t n =
                  std::min<int64_t>(mpop.count, static_cast<int64_t>(object->list().size()));
              ctx.rb.Array(n);
              for (int64_t i = 0; i < n; ++i)
                ctx.rb.Bulk(PopFrom(ctx, key, object, mpop.first_end));
              ctx.Notify(kNotifyList, mpop.first_end ? "lpop" : "rpop", key);
              ctx.DeleteIfEmpty(key, object);
            });
}

}  // namespace aio::cache
