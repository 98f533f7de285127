// ZUNIONSTORE ZINTERSTORE ZSCAN ZRANDMEMBER.
#include <cmath>
#include <random>

#include "cache/cache.h"
#include "cache/families.h"
#include "cache/sample.h"
#include "cache/scan.h"
#include "fmt/format.h"

namespace aio::cache {

void ZSetFamily::ZStore(CommandContext& ctx) {
  const bool inter = ctx.spec->name[1] == 'i';
  int64_t numkeys = 0;
  if (!ctx.IntArg(2, &numkeys)) return;
  if (numkeys <= 0) {
    ctx.rb.Error(
        fmt::format("ERR at least 1 input key is needed for '{}' command", ctx.spec->name));
    return;
  }
  if (static_cast<size_t>(numkeys) > ctx.argc() - 3) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  const size_t first = 3;
  const size_t rest = first + static_cast<size_t>(numkeys);
  std::vector<double> weights(static_cast<size_t>(numkeys), 1.0);
  enum { kSum, kMin, kMax } aggregate = kSum;
  for (size_t i = rest; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "weights") && i + static_cast<size_t>(numkeys) < ctx.argc()) {
      for (size_t w = 0; w < weights.size(); ++w) {
        if (!ParseDouble(ctx.arg(i + 1 + w), &weights[w])) {
          ctx.rb.Error("ERR weight value is not a float");
          return;
        }
      }
      i += weights.size();
    } else if (EqualsIgnoreCase(ctx.arg(i), "aggregate") && i + 1 < ctx.argc()) {
      std::string_view a = ctx.arg(++i);
      if (EqualsIgnoreCase(a, "sum"))
        aggregate = kSum;
      else if (EqualsIgnoreCase(a, "min"))
        aggregate = kMin;
      else if (EqualsIgnoreCase(a, "max"))
        aggregate = kMax;
      else {
        ctx.rb.Error(errors::kSyntax);
        return;
      }
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  // Inputs may be sets (score 1) or sorted sets.
  std::vector<std::vector<std::pair<std::string, double>>> inputs;
  for (size_t i = first; i < rest; ++i) {
    Object* object = ctx.Lookup(ctx.arg(i));
    std::vector<std::pair<std::string, double>> members;
    if (object != nullptr) {
      if (object->type() == Type::kZSet) {
        for (const auto& [m, s] : object->zset().dict) members.emplace_back(m, s);
      } else if (object->type() == Type::kSet) {
        for (const std::string& m : object->set()) members.emplace_back(m, 1.0);
      } else {
        ctx.rb.Error(errors::kWrongType);
        return;
      }
    }
    inputs.push_back(std::move(members));
  }
  auto combine = [&](double a, double b) {
    switch (aggregate) {
      case kMin:
        return std::min(a, b);
      case kMax:
        return std::max(a, b);
      default: {
        const double sum = a + b;
        return std::isnan(sum) ? 0.0 : sum;
      }
    }
  };
  StringMap<std::pair<double, size_t>> acc;  // score, inputs seen
  for (size_t k = 0; k < inputs.size(); ++k) {
    for (const auto& [m, s] : inputs[k]) {
      double weighted = s * weights[k];
      if (std::isnan(weighted)) weighted = 0;
      auto [it, inserted] = acc.try_emplace(m, weighted, 1);
      if (!inserted) {
        it->second.first = combine(it->second.first, weighted);
        ++it->second.second;
      }
    }
  }
  const std::string_view dst = ctx.arg(1);
  ctx.ks.Delete(ctx.db(), dst);
  int64_t stored = 0;
  Object* target = nullptr;
  for (const auto& [m, entry] : acc) {
    if (inter && entry.second != inputs.size()) continue;
    if (target == nullptr) target = ctx.LookupOrCreate<ZSetValue>(dst, Type::kZSet);
    target->zset().Insert(m, entry.first);
    ctx.Charge(dst, target, 64 + static_cast<int64_t>(m.size()));
    ++stored;
  }
  FinishStore(ctx, dst, kNotifyZSet, inter ? "zinterstore" : "zunionstore", stored);
}

void ZSetFamily::ZScan(CommandContext& ctx) {
  ScanArgs scan;
  if (!ParseScanArgs(ctx, 3, {}, &scan)) return;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  std::vector<std::pair<const std::string*, double>> out;
  if (object != nullptr) {
    for (const auto& [m, s] : object->zset().dict) {
      if (scan.Matches(m)) out.emplace_back(&m, s);
    }
  }
  ReplyScanHead(ctx, "0", out.size() * 2);
  for (const auto& [m, s] : out) {
    ctx.rb.Bulk(*m);
    ctx.rb.Bulk(protocol::resp::ReplyBuilder::FormatDouble(s));
  }
}

void ZSetFamily::ZRandMember(CommandContext& ctx) {
  SampleArgs args;
  if (!ParseSampleArgs(ctx, "withscores", &args)) return;
  const bool withscores = args.with;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kZSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ReplyEmptySample(ctx, args.has_count);
    return;
  }
  std::vector<std::pair<const std::string*, double>> all;
  for (const auto& [m, s] : object->zset().dict) all.emplace_back(&m, s);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  if (!args.has_count) {
    ctx.rb.Bulk(*all[rng() % all.size()].first);
    return;
  }
  const auto picked = Sample(std::move(all), args.count, rng);
  const bool pairs = withscores && ctx.rb.resp3();
  ctx.rb.Array(static_cast<int64_t>(picked.size() * (withscores && !pairs ? 2 : 1)));
  for (const auto& [m, s] : picked) {
    if (pairs) ctx.rb.Array(2);
    ctx.rb.Bulk(*m);
    if (withscores) ctx.rb.Double(s);
  }
}

}  // namespace aio::cache
