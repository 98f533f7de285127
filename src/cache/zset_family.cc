// Sorted-set commands: ZADD ZREM ZSCORE ZMSCORE ZINCRBY ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK
// ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES) and its legacy forms, ZREMRANGEBY*, ZPOPMIN ZPOPMAX
// BZPOPMIN BZPOPMAX ZMPOP BZMPOP ZRANGESTORE ZUNIONSTORE ZINTERSTORE ZSCAN ZRANDMEMBER.
#include <cmath>
#include <random>

#include "cache/cache.h"
#include "cache/families.h"
#include "cache/zset_range.h"

namespace aio::cache {
namespace {

void ReplyScore(CommandContext& ctx, double score) { ctx.rb.Double(score); }

// How many of the members with ranks in `r` LIMIT's offset/count (count < 0: all) keeps.
int64_t LimitedSize(RankRange r, int64_t offset, int64_t count) {
  int64_t n = r.size();
  if (offset < 0 || offset >= n) return 0;
  n -= offset;
  return count >= 0 && count < n ? count : n;
}

// Calls fn(entry) for `n` members with ranks in `r` from `offset` on (walking down when `rev`).
template <typename Fn>
void WalkRange(const ZSetValue& z, RankRange r, bool rev, int64_t offset, int64_t n, Fn fn) {
  if (n == 0) return;
  auto it = z.tree.find_by_order(static_cast<size_t>(rev ? r.hi - offset : r.lo + offset));
  for (int64_t i = 0; i < n; ++i) {
    fn(*it);
    if (rev)
      --it;
    else
      ++it;
  }
}

// Replies the members with ranks in `r` (walking down when `rev`), after LIMIT's offset/count.
void ReplyRange(CommandContext& ctx, const ZSetValue& z, RankRange r, bool rev, bool withscores,
                int64_t offset, int64_t count) {
  const int64_t n = LimitedSize(r, offset, count);
  const bool pairs = withscores && ctx.rb.resp3();
  ctx.rb.Array(withscores && !pairs ? n * 2 : n);
  WalkRange(z, r, rev, offset, n, [&](const ZSetValue::Entry& entry) {
    if (pairs) ctx.rb.Array(2);
    ctx.rb.Bulk(entry.second);
    if (withscores) ReplyScore(ctx, entry.first);
  });
}

// ZRANGESTORE's end: replaces `dst` with the members ReplyRange would reply and replies their
// count (an empty result deletes `dst`).
void StoreRange(CommandContext& ctx, std::string_view dst, const ZSetValue* z, RankRange r,
                bool rev, int64_t offset, int64_t count) {
  std::vector<ZSetValue::Entry> entries;
  if (z != nullptr) {
    const int64_t n = LimitedSize(r, offset, count);
    entries.reserve(static_cast<size_t>(n));
    WalkRange(*z, r, rev, offset, n,
              [&](const ZSetValue::Entry& entry) { entries.push_back(entry); });
  }
  ctx.ks.Delete(ctx.db(), dst);
  if (!entries.empty()) {
    Object* target = ctx.LookupOrCreate<ZSetValue>(dst, Type::kZSet);
    for (const auto& [score, member] : entries) {
      target->zset().Insert(member, score);
      ctx.Charge(dst, target, ZSetMemberBytes(member));
    }
  }
  FinishStore(ctx, dst, kNotifyZSet, "zrangestore", static_cast<int64_t>(entries.size()));
}

void EraseRanks(CommandContext& ctx, std::string_view key, Object* object, RankRange r) {
  ZSetValue& z = object->zset();
  std::vector<std::string> members;
  auto it = z.tree.find_by_order(static_cast<size_t>(r.lo));
  for (int64_t i = 0; i < r.size(); ++i, ++it) members.push_back(it->second);
  for (const std::string& m : members) {
    z.Erase(m);
    ctx.Charge(key, object, -ZSetMemberBytes(m));
  }
}

// How PopEnd replies: ZPOPMIN k -> [member, score]; ZPOPMIN k n -> the same flat under RESP2,
// [[member, score], ...] under RESP3; BZPOPMIN -> [key, member, score]; ZMPOP's element list ->
// [[member, score], ...] under both protocols.
enum class PopShape { kFlat, kPairsInResp3, kWithKey, kPairs };

// Pops `count` from the low (min) or high end and replies them in `shape`.
void PopEnd(CommandContext& ctx, std::string_view key, Object* object, bool max, int64_t count,
            PopShape shape) {
  ZSetValue& z = object->zset();
  const int64_t n = std::min<int64_t>(count, static_cast<int64_t>(z.size()));
  const bool pairs =
      shape == PopShape::kPairs || (shape == PopShape::kPairsInResp3 && ctx.rb.resp3());
  if (shape == PopShape::kWithKey) {
    ctx.rb.Array(3);
    ctx.rb.Bulk(key);
  } else {
    ctx.rb.Array(pairs ? n : n * 2);
  }
  for (int64_t i = 0; i < n; ++i) {
    auto it = max ? z.tree.find_by_order(z.size() - 1) : z.tree.begin();
    const std::string member = it->second;
    const double score = it->first;
    if (pairs) ctx.rb.Array(2);
    ctx.rb.Bulk(member);
    ReplyScore(ctx, score);
    z.Erase(member);
    ctx.Charge(key, object, -ZSetMemberBytes(member));
  }
  ctx.Notify(kNotifyZSet, max ? "zpopmax" : "zpopmin", key);
  ctx.DeleteIfEmpty(key, object);
}

}  // namespace

void ZSetFamily::ZAdd(CommandContext& ctx) {
  UpdateConditions conditions;
  bool ch = false, incr = false;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (conditions.Parse(opt)) continue;
    if (EqualsIgnoreCase(opt, "ch"))
      ch = true;
    else if (EqualsIgnoreCase(opt, "incr"))
      incr = true;
    else
      break;
  }
  const auto [nx, xx, gt, lt] = conditions;
  const size_t pairs = ctx.argc() - i;
  if (pairs == 0 || pairs % 2 != 0) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  if (nx && xx) {
    ctx.rb.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.rb.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && pairs > 2) {
    ctx.rb.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores;
  for (size_t j = i; j < ctx.argc(); j += 2) {
    double score = 0;
    if (!ParseDouble(ctx.arg(j), &score)) {
      ctx.rb.Error(errors::kNotFloat);
      return;
    }
    scores.push_back(score);
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kZSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    if (xx) {
      if (incr)
        ctx.rb.Null();
      else
        ctx.rb.Int(0);
      return;
    }
    object = ctx.LookupOrCreate<ZSetValue>(key, Type::kZSet);
  }
  ZSetValue& z = object->zset();
  int64_t added = 0, changed = 0;
  double result = 0;
  bool aborted = false;
  for (size_t j = i, k = 0; j < ctx.argc(); j += 2, ++k) {
    const std::string_view member = ctx.arg(j + 1);
    double score = scores[k];
    auto it = z.dict.find(member);
    if (it == z.dict.end()) {
      if (xx) {
        aborted = true;
        continue;
      }
      z.Insert(member, score);
      ctx.Charge(key, object, ZSetMemberBytes(member));
      ++added;
      result = score;
      continue;
    }
    if (nx) {
      aborted = true;
      continue;
    }
    const double current = it->second;
    if (incr) {
      score += current;
      if (std::isnan(score)) {
        ctx.rb.Error("ERR resulting score is not a number (NaN)");
        return;
      }
    }
    if ((gt && score <= current) || (lt && score >= current)) {
      aborted = true;
      continue;
    }
    result = score;
    if (score != current) {
      z.Insert(member, score);
      ++changed;
    }
  }
  if (added + changed > 0) ctx.Notify(kNotifyZSet, incr ? "zincr" : "zadd", key);
  ctx.DeleteIfEmpty(key, object);
  if (incr) {
    if (aborted)
      ctx.rb.Null();
    else
      ReplyScore(ctx, result);
    return;
  }
  ctx.rb.Int(ch ? added + changed : added);
}

void ZSetFamily::ZRem(CommandContext& ctx) {
  RemoveElements(ctx, Type::kZSet, kNotifyZSet, "zrem",
                 [](Object* object, std::string_view member) -> int64_t {
                   return object->zset().Erase(member) ? ZSetMemberBytes(member) : 0;
                 });
}

void ZSetFamily::ZScore(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  if (object != nullptr) {
    auto it = object->zset().dict.find(ctx.arg(2));
    if (it != object->zset().dict.end()) {
      ReplyScore(ctx, it->second);
      return;
    }
  }
  ctx.rb.Null();
}

void ZSetFamily::ZMScore(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (object != nullptr) {
      auto it = object->zset().dict.find(ctx.arg(i));
      if (it != object->zset().dict.end()) {
        ReplyScore(ctx, it->second);
        continue;
      }
    }
    ctx.rb.Null();
  }
}

void ZSetFamily::ZIncrBy(CommandContext& ctx) {
  double by = 0;
  if (!ctx.DoubleArg(2, &by)) return;
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.LookupOrCreate<ZSetValue>(key, Type::kZSet);
  if (object == nullptr) return;
  ZSetValue& z = object->zset();
  auto it = z.dict.find(ctx.arg(3));
  const double score = (it == z.dict.end() ? 0 : it->second) + by;
  if (std::isnan(score)) {
    ctx.rb.Error("ERR resulting score is not a number (NaN)");
    ctx.DeleteIfEmpty(key, object);
    return;
  }
  if (z.Insert(ctx.arg(3), score)) ctx.Charge(key, object, ZSetMemberBytes(ctx.arg(3)));
  ctx.Notify(kNotifyZSet, "zincr", key);
  ReplyScore(ctx, score);
}

void ZSetFamily::ZCard(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : static_cast<int64_t>(object->zset().size()));
}

void ZSetFamily::ZCount(CommandContext& ctx) {
  ScoreBound min, max;
  if (!ParseScoreBound(ctx.arg(2), &min) || !ParseScoreBound(ctx.arg(3), &max)) {
    ctx.rb.Error(errors::kMinMaxFloat);
    return;
  }
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : ScoreRanks(object->zset(), min, max).size());
}

void ZSetFamily::ZLexCount(CommandContext& ctx) {
  LexBound min, max;
  if (!ParseLexBound(ctx.arg(2), &min) || !ParseLexBound(ctx.arg(3), &max)) {
    ctx.rb.Error(errors::kMinMaxLex);
    return;
  }
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : LexRanks(object->zset(), min, max).size());
}

void ZSetFamily::ZRank(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  if (object != nullptr) {
    const ZSetValue& z = object->zset();
    auto it = z.dict.find(ctx.arg(2));
    if (it != z.dict.end()) {
      const int64_t rank = static_cast<int64_t>(z.tree.order_of_key({it->second, it->first}));
      const bool rev = std::string_view(ctx.spec->name) == "zrevrank";
      ctx.rb.Int(rev ? static_cast<int64_t>(z.size()) - 1 - rank : rank);
      return;
    }
  }
  ctx.rb.Null();
}

void ZSetFamily::ZRange(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  // ZRANGESTORE dst src min max ...: ZRANGE's options on args shifted by one, without WITHSCORES.
  const bool store = name == "zrangestore";
  const bool modern = store || name == "zrange";
  const size_t src = store ? 2 : 1;
  enum { kIndex, kScore, kLex } by = kIndex;
  bool rev = false, withscores = false, has_limit = false;
  int64_t offset = 0, count = -1;
  const size_t opts = src + 3;
  if (name == "zrevrange") {
    rev = true;
  } else if (name == "zrangebyscore" || name == "zrevrangebyscore") {
    by = kScore;
    rev = name.starts_with("zrev");
  } else if (name == "zrangebylex" || name == "zrevrangebylex") {
    by = kLex;
    rev = name.starts_with("zrev");
  }
  for (size_t i = opts; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "withscores") && by != kLex && !store) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && i + 2 < ctx.argc() && name != "zrevrange") {
      if (!ctx.IntArg(i + 1, &offset) || !ctx.IntArg(i + 2, &count)) return;
      has_limit = true;
      i += 2;
    } else if (modern && EqualsIgnoreCase(opt, "byscore")) {
      by = kScore;
    } else if (modern && EqualsIgnoreCase(opt, "bylex")) {
      by = kLex;
    } else if (modern && EqualsIgnoreCase(opt, "rev")) {
      rev = true;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  if (modern && withscores && by == kLex) {
    ctx.rb.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  if (has_limit && by == kIndex) {
    ctx.rb.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  // Under REV the bounds come max first (ZRANGE k max min BYSCORE REV, ZREVRANGEBYSCORE).
  std::string_view lo_arg = ctx.arg(src + 1), hi_arg = ctx.arg(src + 2);
  if (rev && by != kIndex) std::swap(lo_arg, hi_arg);
  ScoreBound smin, smax;
  LexBound lmin, lmax;
  int64_t start = 0, stop = 0;
  if (by == kScore && (!ParseScoreBound(lo_arg, &smin) || !ParseScoreBound(hi_arg, &smax))) {
    ctx.rb.Error(errors::kMinMaxFloat);
    return;
  }
  if (by == kLex && (!ParseLexBound(lo_arg, &lmin) || !ParseLexBound(hi_arg, &lmax))) {
    ctx.rb.Error(errors::kMinMaxLex);
    return;
  }
  if (by == kIndex && (!ctx.IntArg(src + 1, &start) || !ctx.IntArg(src + 2, &stop))) return;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(src), Type::kZSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    if (store)
      StoreRange(ctx, ctx.arg(1), nullptr, RankRange{}, rev, 0, -1);
    else
      ctx.rb.Array(0);
    return;
  }
  const ZSetValue& z = object->zset();
  RankRange r;
  if (by == kIndex) {
    if (rev) {
      // Indexes count from the top under REV.
      const int64_t size = static_cast<int64_t>(z.size());
      RankRange top = IndexRanks(z, start, stop);
      r.lo = size - 1 - top.hi;
      r.hi = size - 1 - top.lo;
      if (top.size() == 0) r = RankRange{};
    } else {
      r = IndexRanks(z, start, stop);
    }
  } else {
    r = by == kScore ? ScoreRanks(z, smin, smax) : LexRanks(z, lmin, lmax);
  }
  if (!has_limit) offset = 0, count = -1;
  if (store)
    StoreRange(ctx, ctx.arg(1), &z, r, rev, offset, count);
  else
    ReplyRange(ctx, z, r, rev, withscores, offset, count);
}

void ZSetFamily::ZRemRange(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  RankRange r;
  if (name == "zremrangebyrank") {
    int64_t start = 0, stop = 0;
    if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &stop)) return;
    Object* object = ctx.LookupTyped(key, Type::kZSet, &wrong);
    if (wrong) return;
    if (object != nullptr) r = IndexRanks(object->zset(), start, stop);
    if (object != nullptr) EraseRanks(ctx, key, object, r);
    if (r.size() > 0) ctx.Notify(kNotifyZSet, "zremrangebyrank", key);
    ctx.DeleteIfEmpty(key, object);
  } else if (name == "zremrangebyscore") {
    ScoreBound min, max;
    if (!ParseScoreBound(ctx.arg(2), &min) || !ParseScoreBound(ctx.arg(3), &max)) {
      ctx.rb.Error(errors::kMinMaxFloat);
      return;
    }
    Object* object = ctx.LookupTyped(key, Type::kZSet, &wrong);
    if (wrong) return;
    if (object != nullptr) r = ScoreRanks(object->zset(), min, max);
    if (object != nullptr) EraseRanks(ctx, key, object, r);
    if (r.size() > 0) ctx.Notify(kNotifyZSet, "zremrangebyscore", key);
    ctx.DeleteIfEmpty(key, object);
  } else {
    LexBound min, max;
    if (!ParseLexBound(ctx.arg(2), &min) || !ParseLexBound(ctx.arg(3), &max)) {
      ctx.rb.Error(errors::kMinMaxLex);
      return;
    }
    Object* object = ctx.LookupTyped(key, Type::kZSet, &wrong);
    if (wrong) return;
    if (object != nullptr) r = LexRanks(object->zset(), min, max);
    if (object != nullptr) EraseRanks(ctx, key, object, r);
    if (r.size() > 0) ctx.Notify(kNotifyZSet, "zremrangebylex", key);
    ctx.DeleteIfEmpty(key, object);
  }
  ctx.rb.Int(r.size());
}

void ZSetFamily::ZPop(CommandContext& ctx) {
  const bool max = ctx.spec->name[5] == 'a';
  int64_t count = 1;
  if (!ParsePopCount(ctx, errors::kSyntax, &count)) return;
  bool wrong = false;
  Object* object = ctx.LookupTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Array(0);
    return;
  }
  PopEnd(ctx, ctx.arg(1), object, max, count,
         ctx.argc() == 3 ? PopShape::kPairsInResp3 : PopShape::kFlat);
}

void ZSetFamily::BZPop(CommandContext& ctx) {
  const bool max = ctx.spec->name[6] == 'a';
  int64_t timeout = 0;
  if (!ParseTimeoutArg(ctx, ctx.argc() - 1, &timeout)) return;
  for (size_t i = 1; i + 1 < ctx.argc(); ++i) {
    if (!ctx.MayServe(ctx.arg(i))) continue;
    bool wrong = false;
    Object* object = ctx.LookupTyped(ctx.arg(i), Type::kZSet, &wrong);
    if (wrong) return;
    if (object == nullptr) continue;
    PopEnd(ctx, ctx.arg(i), object, max, 1, PopShape::kWithKey);
    return;
  }
  ctx.Block(ctx.args.subspan(1, ctx.argc() - 2), timeout);
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT n] and BZMPOP timeout numkeys ... (Redis 7): pops
// up to n members from the first non-empty sorted set and replies [key, [[member, score], ...]]
// (RESP2 and RESP3); a null array when every set is empty (BZMPOP: blocks, or times out with a
// null array; in MULTI it does not block).
void ZSetFamily::ZMPop(CommandContext& ctx) {
  MPopFirst(ctx, Type::kZSet, "min", "max",
            [&](std::string_view key, Object* object, const MPopArgs& mpop) {
              PopEnd(ctx, key, object, !mpop.first_end, mpop.count, PopShape::kPairs);
            });
}

}  // namespace aio::cache
