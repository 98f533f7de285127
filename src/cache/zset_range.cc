#include "cache/zset_range.h"

#include <cmath>
#include <limits>

#include "cache/command.h"

namespace aio::cache {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t Rank(const ZSetValue& z, double score, std::string_view member) {
  return static_cast<int64_t>(z.tree.order_of_key(ZSetValue::Entry(score, std::string(member))));
}

}  // namespace

bool ParseScoreBound(std::string_view text, ScoreBound* bound) {
  bound->exclusive = !text.empty() && text[0] == '(';
  if (bound->exclusive) text.remove_prefix(1);
  return ParseDouble(text, &bound->value);
}

bool ParseLexBound(std::string_view text, LexBound* bound) {
  if (text == "-") {
    bound->infinite = -1;
    return true;
  }
  if (text == "+") {
    bound->infinite = 1;
    return true;
  }
  if (text.empty() || (text[0] != '[' && text[0] != '(')) return false;
  bound->exclusive = text[0] == '(';
  bound->value = std::string(text.substr(1));
  return true;
}

RankRange ScoreRanks(const ZSetValue& z, const ScoreBound& min, const ScoreBound& max) {
  const int64_t size = static_cast<int64_t>(z.size());
  RankRange r;
  if (min.value == -kInf && !min.exclusive) {
    r.lo = 0;
  } else {
    r.lo = min.exclusive ? Rank(z, std::nextafter(min.value, kInf), "") : Rank(z, min.value, "");
    if (min.exclusive && min.value == kInf) r.lo = size;
  }
  if (max.value == kInf && !max.exclusive) {
    r.hi = size - 1;
  } else {
    r.hi =
        (max.exclusive ? Rank(z, max.value, "") : Rank(z, std::nextafter(max.value, kInf), "")) - 1;
  }
  return r;
}

RankRange LexRanks(const ZSetValue& z, const LexBound& min, const LexBound& max) {
  RankRange r;
  const int64_t size = static_cast<int64_t>(z.size());
  if (size == 0) return r;
  const double score = z.tree.begin()->first;
  auto has = [&](const std::string& m) {
    auto it = z.dict.find(m);
    return it != z.dict.end() && it->second == score;
  };
  if (min.infinite < 0) {
    r.lo = 0;
  } else if (min.infinite > 0) {
    r.lo = size;
  } else {
    r.lo = Rank(z, score, min.value) + (min.exclusive && has(min.value) ? 1 : 0);
  }
  if (max.infinite > 0) {
    r.hi = size - 1;
  } else if (max.infinite < 0) {
    r.hi = -1;
  } else {
    r.hi = Rank(z, score, max.value) + (!max.exclusive && has(max.value) ? 1 : 0) - 1;
  }
  return r;
}

RankRange IndexRanks(const ZSetValue& z, int64_t start, int64_t stop) {
  const int64_t size = static_cast<int64_t>(z.size());
  if (start < 0) start = size + start;
  if (stop < 0) stop = size + stop;
  if (start < 0) start = 0;
  RankRange r;
  if (start > stop || start >= size) return r;
  if (stop >= size) stop = size - 1;
  r.lo = start;
  r.hi = stop;
  return r;
}

}  // namespace aio::cache
