// Rank, score and lexicographic ranges over a ZSetValue, resolved to rank intervals, shared by
// ZRANGE*, ZCOUNT, ZLEXCOUNT and ZREMRANGE*. Not thread-safe: under the key's shard lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cache/object.h"

namespace aio::cache {

struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};
// "1.5", "(1.5", "-inf", "+inf"; false when not a float.
bool ParseScoreBound(std::string_view text, ScoreBound* bound);

struct LexBound {
  std::string value;
  bool exclusive = false;
  int infinite = 0;  // -1 for "-", +1 for "+"
};
// "[a", "(a", "-", "+"; false otherwise.
bool ParseLexBound(std::string_view text, LexBound* bound);

// Inclusive rank interval [lo, hi]; empty when lo > hi.
struct RankRange {
  int64_t lo = 0;
  int64_t hi = -1;
  int64_t size() const { return hi >= lo ? hi - lo + 1 : 0; }
};

RankRange ScoreRanks(const ZSetValue& z, const ScoreBound& min, const ScoreBound& max);
RankRange LexRanks(const ZSetValue& z, const LexBound& min, const LexBound& max);
// Redis's start/stop normalization (negative from the end).
RankRange IndexRanks(const ZSetValue& z, int64_t start, int64_t stop);

}  // namespace aio::cache
