// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG
// (https://redis.io/commands/?group=hyperloglog) over string values in Redis's HLL format
// (hyperloglog.h), with Redis 7.0's replies and errors.
#include "cache/cache.h"
#include "cache/families.h"
#include "cache/hyperloglog.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupted = "INVALIDOBJ Corrupted HLL object detected";

// The HLL string under `key`, or nullptr when absent. Replies WRONGTYPE (a non-string, or a
// string that is not an HLL: Redis's isHLLObjectOrReply) and sets *failed.
Object* FindHll(CommandContext& ctx, std::string_view key, bool read, bool* failed) {
  Object* object = read ? ctx.ReadTyped(key, Type::kString, failed)
                        : ctx.LookupTyped(key, Type::kString, failed);
  if (*failed || object == nullptr) return nullptr;
  if (!hll::IsHll(object->str())) {
    ctx.rb.Error(kNotHll);
    *failed = true;
    return nullptr;
  }
  return object;
}

// Max-merges the HLLs at args[first..] into *regs; *dense is set when one of them is dense.
// Returns false after replying an error.
bool MergeKeys(CommandContext& ctx, size_t first, hll::Registers* regs, bool* dense) {
  for (size_t i = first; i < ctx.argc(); ++i) {
    bool failed = false;
    Object* object = FindHll(ctx, ctx.arg(i), /*read=*/true, &failed);
    if (failed) return false;
    if (object == nullptr) continue;
    if (hll::EncodingOf(object->str()) == hll::Encoding::kDense) *dense = true;
    if (!hll::MergeInto(object->str(), regs)) {
      ctx.rb.Error(kCorrupted);
      return false;
    }
  }
  return true;
}

// Replaces the value under `key`, keeping its TTL (Redis rewrites the HLL in place).
void StoreHll(CommandContext& ctx, std::string_view key, std::string_view value) {
  ctx.ks.SetString(ctx.db(), ctx.Hashed(key), value, /*keep_ttl=*/true);
}

}  // namespace

void HllFamily::PfAdd(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool failed = false;
  Object* object = FindHll(ctx, key, /*read=*/false, &failed);
  if (failed) return;
  std::vector<hll::Position> positions;
  positions.reserve(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) positions.push_back(hll::PositionOf(ctx.arg(i)));
  if (object != nullptr && hll::EncodingOf(object->str()) == hll::Encoding::kDense &&
      !hll::DenseGrows(object->str(), positions)) {
    ctx.rb.Int(0);
    return;
  }
  std::string value = object != nullptr ? std::string(object->str()) : hll::Empty();
  const int grew = hll::Add(&value, positions, ctx.cache.hll_sparse_max_bytes());
  if (grew < 0) {
    ctx.rb.Error(kCorrupted);
    return;
  }
  if (object != nullptr && grew == 0) {
    ctx.rb.Int(0);
    return;
  }
  StoreHll(ctx, key, value);
  ctx.Notify(kNotifyString, "pfadd", key);
  ctx.rb.Int(1);
}

void HllFamily::PfCount(CommandContext& ctx) {
  hll::Registers regs{};
  if (ctx.argc() > 2) {  // the union of several: counted from a merge, nothing cached
    bool dense = false;
    if (MergeKeys(ctx, 1, &regs, &dense)) ctx.rb.Int(static_cast<int64_t>(hll::Estimate(regs)));
    return;
  }
  const std::string_view key = ctx.arg(1);
  bool failed = false;
  Object* object = FindHll(ctx, key, /*read=*/true, &failed);
  if (failed) return;
  if (object == nullptr) {
    ctx.rb.Int(0);
    return;
  }
  if (std::optional<uint64_t> cached = hll::CachedCardinality(object->str())) {
    ctx.rb.Int(static_cast<int64_t>(*cached));
    return;
  }
  if (!hll::MergeInto(object->str(), &regs)) {
    ctx.rb.Error(kCorrupted);
    return;
  }
  const uint64_t cardinality = hll::Estimate(regs);
  // Redis caches the estimate in the header: the stored bytes change (WATCH sees a write).
  std::string value(object->str());
  hll::SetCachedCardinality(&value, cardinality);
  StoreHll(ctx, key, value);
  ctx.Modified(key);
  ctx.rb.Int(static_cast<int64_t>(cardinality));
}

void HllFamily::PfMerge(CommandContext& ctx) {
  hll::Registers regs{};
  bool dense = false;
  if (!MergeKeys(ctx, 1, &regs, &dense)) return;  // the destination is one of the inputs
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.Lookup(key);
  std::string value = object != nullptr ? std::string(object->str()) : hll::Empty();
  hll::Store(&value, regs, dense, ctx.cache.hll_sparse_max_bytes());
  StoreHll(ctx, key, value);
  ctx.Notify(kNotifyString, "pfadd", key);
  ctx.rb.Ok();
}

void HllFamily::PfDebug(CommandContext& ctx) {
  const std::string_view sub = ctx.arg(1);
  const std::string_view key = ctx.arg(2);
  if (ctx.Lookup(key) == nullptr) {
    ctx.rb.Error("ERR The specified key does not exist");
    return;
  }
  bool failed = false;
  Object* object = FindHll(ctx, key, /*read=*/false, &failed);
  if (failed) return;
  const bool sparse = hll::EncodingOf(object->str()) == hll::Encoding::kSparse;
  if (EqualsIgnoreCase(sub, "getreg") || EqualsIgnoreCase(sub, "todense")) {
    std::string value(object->str());
    if (sparse) {  // both store the dense form, as Redis
      if (!hll::ToDense(&value)) {
        ctx.rb.Error(kCorrupted);
        return;
      }
      StoreHll(ctx, key, value);
    }
    if (EqualsIgnoreCase(sub, "todense")) {
      ctx.rb.Int(sparse ? 1 : 0);
      return;
    }
    hll::Registers regs{};
    hll::MergeInto(value, &regs);
    ctx.rb.Array(hll::kRegisters);
    for (uint8_t v : regs) ctx.rb.Int(v);
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) {
      ctx.rb.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.rb.Bulk(hll::DescribeSparse(object->str()));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.rb.Simple(sparse ? "sparse" : "dense");
  } else {
    ctx.rb.Error(fmt::format("ERR Unknown PFDEBUG subcommand '{}'", sub));
  }
}

}  // namespace aio::cache
