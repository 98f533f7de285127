// Set commands: SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP SRANDMEMBER SINTER SUNION SDIFF
// SINTERSTORE SUNIONSTORE SDIFFSTORE SINTERCARD SMOVE SSCAN.
#include <random>

#include "cache/cache.h"
#include "cache/families.h"
#include "cache/sample.h"
#include "cache/scan.h"

namespace aio::cache {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::vector<const std::string*> Members(Object* object) {
  std::vector<const std::string*> out;
  if (object == nullptr) return out;
  out.reserve(object->set().size());
  for (const std::string& m : object->set()) out.push_back(&m);
  return out;
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.rb.Set(static_cast<int64_t>(members.size()));
  for (const std::string& m : members) ctx.rb.Bulk(m);
}

}  // namespace

void SetFamily::SAdd(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  Object* object = ctx.LookupOrCreate<SetValue>(key, Type::kSet);
  if (object == nullptr) return;
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (object->set().emplace(ctx.arg(i)).second) {
      ++added;
      ctx.Charge(key, object, SetMemberBytes(ctx.arg(i)));
    }
  }
  if (added > 0) ctx.Notify(kNotifySet, "sadd", key);
  ctx.rb.Int(added);
}

void SetFamily::SRem(CommandContext& ctx) {
  RemoveElements(ctx, Type::kSet, kNotifySet, "srem",
                 [](Object* object, std::string_view member) -> int64_t {
                   return object->set().erase(member) > 0 ? SetMemberBytes(member) : 0;
                 });
}

void SetFamily::SIsMember(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kSet, &wrong);
  if (!wrong) ctx.rb.Int(object != nullptr && object->set().contains(ctx.arg(2)) ? 1 : 0);
}

void SetFamily::SMIsMember(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  ctx.rb.Array(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.rb.Int(object != nullptr && object->set().contains(ctx.arg(i)) ? 1 : 0);
  }
}

void SetFamily::SMembers(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Set(0);
    return;
  }
  ctx.rb.Set(static_cast<int64_t>(object->set().size()));
  for (const std::string& m : object->set()) ctx.rb.Bulk(m);
}

void SetFamily::SCard(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kSet, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : static_cast<int64_t>(object->set().size()));
}

void SetFamily::SPop(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  int64_t count = -1;
  if (!ParsePopCount(ctx, errors::kSyntax, &count)) return;
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    if (count >= 0)
      ctx.rb.Set(0);
    else
      ctx.rb.Null();
    return;
  }
  std::vector<const std::string*> members = Members(object);
  std::shuffle(members.begin(), members.end(), Rng());
  const size_t n = count < 0 ? 1 : std::min<size_t>(members.size(), static_cast<size_t>(count));
  std::vector<std::string> popped;
  for (size_t i = 0; i < n; ++i) popped.push_back(*members[i]);
  for (const std::string& m : popped) {
    object->set().erase(m);
    ctx.Charge(key, object, -SetMemberBytes(m));
  }
  if (count < 0) {
    ctx.rb.Bulk(popped[0]);
  } else {
    ReplyMembers(ctx, popped);
  }
  if (!popped.empty()) ctx.Notify(kNotifySet, "spop", key);
  ctx.DeleteIfEmpty(key, object);
}

void SetFamily::SRandMember(CommandContext& ctx) {
  int64_t count = 1;
  const bool has_count = ctx.argc() == 3;
  if (ctx.argc() > 3) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  if (has_count && !ctx.IntArg(2, &count)) return;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ReplyEmptySample(ctx, has_count);
    return;
  }
  std::vector<const std::string*> members = Members(object);
  if (!has_count) {
    ctx.rb.Bulk(*members[Rng()() % members.size()]);
    return;
  }
  const std::vector<const std::string*> picked = Sample(std::move(members), count, Rng());
  ctx.rb.Array(static_cast<int64_t>(picked.size()));
  for (const std::string* m : picked) ctx.rb.Bulk(*m);
}

void SetFamily::SetOp(CommandContext& ctx) {
  const std::string_view name = ctx.spec->name;
  const bool store = name.ends_with("store");
  const char op = name[1];  // i(nter), u(nion), d(iff)
  const size_t first = store ? 2 : 1;
  std::vector<Object*> sets;
  for (size_t i = first; i < ctx.argc(); ++i) {
    bool wrong = false;
    Object* object = store ? ctx.LookupTyped(ctx.arg(i), Type::kSet, &wrong)
                           : ctx.ReadTyped(ctx.arg(i), Type::kSet, &wrong);
    if (wrong) return;
    sets.push_back(object);
  }
  std::vector<std::string> result;
  if (op == 'u') {
    SetValue all;
    for (Object* s : sets) {
      if (s != nullptr) all.insert(s->set().begin(), s->set().end());
    }
    result.assign(all.begin(), all.end());
  } else if (op == 'i') {
    bool any_missing = false;
    for (Object* s : sets) any_missing = any_missing || s == nullptr;
    if (!any_missing) {
      Object* smallest = *std::min_element(sets.begin(), sets.end(), [](Object* a, Object* b) {
        return a->set().size() < b->set().size();
      });
      for (const std::string& m : smallest->set()) {
        bool in_all = true;
        for (Object* s : sets) in_all = in_all && (s == smallest || s->set().contains(m));
        if (in_all) result.push_back(m);
      }
    }
  } else if (sets[0] != nullptr) {
    for (const std::string& m : sets[0]->set()) {
      bool elsewhere = false;
      for (size_t i = 1; i < sets.size() && !elsewhere; ++i) {
        elsewhere = sets[i] != nullptr && sets[i]->set().contains(m);
      }
      if (!elsewhere) result.push_back(m);
    }
  }
  if (!store) {
    ReplyMembers(ctx, result);
    return;
  }
  const std::string_view dst = ctx.arg(1);
  ctx.ks.Delete(ctx.db(), dst);
  if (!result.empty()) {
    Object* target = ctx.LookupOrCreate<SetValue>(dst, Type::kSet);
    int64_t bytes = 0;
    for (std::string& m : result) {
      bytes += SetMemberBytes(m);
      target->set().insert(std::move(m));
    }
    ctx.Charge(dst, target, bytes);
  }
  FinishStore(ctx, dst, kNotifySet,
              op == 'u'   ? "sunionstore"
              : op == 'i' ? "sinterstore"
                          : "sdiffstore",
              static_cast<int64_t>(result.size()));
}

void SetFamily::SInterCard(CommandContext& ctx) {
  int64_t numkeys = 0;
  if (!ctx.IntArg(1, &numkeys)) return;
  if (numkeys <= 0) {
    ctx.rb.Error("ERR numkeys should be greater than 0");
    return;
  }
  if (static_cast<size_t>(numkeys) > ctx.argc() - 2) {
    ctx.rb.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  const size_t rest = 2 + static_cast<size_t>(numkeys);
  if (rest < ctx.argc()) {
    if (rest + 2 != ctx.argc() || !EqualsIgnoreCase(ctx.arg(rest), "limit")) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    if (!ctx.IntArg(rest + 1, &limit)) return;
    if (limit < 0) {
      ctx.rb.Error("ERR LIMIT can't be negative");
      return;
    }
  }
  std::vector<Object*> sets;
  for (size_t i = 2; i < rest; ++i) {
    bool wrong = false;
    Object* object = ctx.ReadTyped(ctx.arg(i), Type::kSet, &wrong);
    if (wrong) return;
    if (object == nullptr) {
      ctx.rb.Int(0);
      return;
    }
    sets.push_back(object);
  }
  int64_t count = 0;
  for (const std::string& m : sets[0]->set()) {
    bool in_all = true;
    for (size_t i = 1; i < sets.size() && in_all; ++i) in_all = sets[i]->set().contains(m);
    if (in_all && ++count == limit) break;
  }
  ctx.rb.Int(count);
}

void SetFamily::SMove(CommandContext& ctx) {
  const std::string_view src = ctx.arg(1);
  const std::string_view dst = ctx.arg(2);
  const std::string_view member = ctx.arg(3);
  bool wrong = false;
  Object* source = ctx.LookupTyped(src, Type::kSet, &wrong);
  if (wrong) return;
  Object* target = ctx.LookupTyped(dst, Type::kSet, &wrong);
  if (wrong) return;
  if (source == nullptr || !source->set().contains(member)) {
    ctx.rb.Int(0);
    return;
  }
  if (src == dst) {
    ctx.rb.Int(1);
    return;
  }
  source->set().erase(member);
  ctx.Charge(src, source, -SetMemberBytes(member));
  ctx.Notify(kNotifySet, "srem", src);
  ctx.DeleteIfEmpty(src, source);
  if (target == nullptr) target = ctx.LookupOrCreate<SetValue>(dst, Type::kSet);
  if (target->set().emplace(member).second) ctx.Charge(dst, target, SetMemberBytes(member));
  ctx.Notify(kNotifySet, "sadd", dst);
  ctx.rb.Int(1);
}

void SetFamily::SScan(CommandContext& ctx) {
  ScanArgs scan;
  if (!ParseScanArgs(ctx, 3, {}, &scan)) return;
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kSet, &wrong);
  if (wrong) return;
  std::vector<const std::string*> out;
  for (const std::string* m : Members(object)) {
    if (scan.Matches(*m)) out.push_back(m);
  }
  ReplyScanHead(ctx, "0", out.size());
  for (const std::string* m : out) ctx.rb.Bulk(*m);
}

}  // namespace aio::cache
