// Random sampling shared by HRANDFIELD, SRANDMEMBER and ZRANDMEMBER
// (https://redis.io/commands/hrandfield/): their [count [WITHVALUES|WITHSCORES]] arguments and
// Redis's rule for a count: non-negative picks distinct items, negative allows repeats.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/command.h"

namespace aio::cache {

struct SampleArgs {
  int64_t count = 1;
  bool has_count = false;
  bool with = false;  // WITHVALUES / WITHSCORES
};

// Parses HRANDFIELD / ZRANDMEMBER's `key [count [with_keyword]]`. Replies kNotInteger or kSyntax
// and returns false on bad arguments.
inline bool ParseSampleArgs(CommandContext& ctx, std::string_view with_keyword, SampleArgs* out) {
  out->has_count = ctx.argc() >= 3;
  if (out->has_count && !ctx.IntArg(2, &out->count)) return false;
  if (ctx.argc() == 4) {
    if (!EqualsIgnoreCase(ctx.arg(3), with_keyword)) {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
    out->with = true;
  } else if (ctx.argc() > 4) {
    ctx.rb.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// The reply for a missing key: an empty array when a count was given, else a null.
inline void ReplyEmptySample(CommandContext& ctx, bool has_count) {
  if (has_count)
    ctx.rb.Array(0);
  else
    ctx.rb.Null();
}

// `count` >= 0: up to `count` distinct items in random order; `count` < 0: -count items drawn with
// repeats. REQUIRES: !items.empty()
template <typename T>
std::vector<T> Sample(std::vector<T> items, int64_t count, std::mt19937_64& rng) {
  if (count >= 0) {
    std::shuffle(items.begin(), items.end(), rng);
    items.resize(std::min<size_t>(items.size(), static_cast<size_t>(count)));
    return items;
  }
  std::vector<T> picked;
  for (int64_t i = 0; i < -count; ++i) picked.push_back(items[rng() % items.size()]);
  return picked;
}

}  // namespace aio::cache
