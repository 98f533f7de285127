// Stream commands (Redis 7.0, t_stream.c): XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD
// XREADGROUP XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO. The value is a StreamValue
// (stream.h). Unlike the other aggregates an emptied stream stays stored, as Redis's.
#include <algorithm>
#include <cstring>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include "cache/cache.h"
#include "cache/families.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

constexpr std::string_view kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";

// An ID argument (strict: no "-" / "+"); replies kInvalidId when it is not one.
bool IdArg(CommandContext& ctx, size_t i, StreamID* id, uint64_t missing_seq = 0) {
  if (ParseStreamID(ctx.arg(i), id, missing_seq, /*strict=*/true)) return true;
  ctx.rb.Error(kInvalidId);
  return false;
}

// A range bound of XRANGE / XPENDING / XAUTOCLAIM: "-", "+", an ID or "(ID" (exclusive; moved one
// ID inward). `start` picks the missing sequence (0 or max) and the direction.
bool RangeArg(CommandContext& ctx, size_t i, bool start, StreamID* id) {
  std::string_view text = ctx.arg(i);
  const bool exclusive = text.size() > 1 && text[0] == '(';
  if (exclusive) text.remove_prefix(1);
  if (!ParseStreamID(text, id, start ? 0 : UINT64_MAX, exclusive)) {
    ctx.rb.Error(kInvalidId);
    return false;
  }
  if (exclusive && !(start ? id->Incr() : id->Decr())) {
    ctx.rb.Error(start ? "ERR invalid start ID for the interval"
                       : "ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

void ReplyId(CommandContext& ctx, const StreamID& id) { ctx.rb.Bulk(id.ToString()); }

// [id, [field, value, ...]]
void ReplyEntry(CommandContext& ctx, const StreamID& id, const StreamValue::Fields& fields) {
  ctx.rb.Array(2);
  ReplyId(ctx, id);
  ctx.rb.Array(static_cast<int64_t>(fields.size()));
  for (const std::string& f : fields) ctx.rb.Bulk(f);
}

std::string NoGroup(std::string_view key, std::string_view group) {
  return fmt::format("NOGROUP No such key '{}' or consumer group '{}'", key, group);
}

std::string NoGroupForKey(std::string_view key, std::string_view group) {
  return fmt::format("NOGROUP No such consumer group '{}' for key name '{}'", group, key);
}

// The stream at args[1] and its group args[2] for XPENDING XCLAIM XAUTOCLAIM: replies WRONGTYPE
// or NOGROUP and returns null when either is missing.
StreamGroup* GroupArg(CommandContext& ctx, Object** object) {
  bool wrong = false;
  *object = ctx.LookupTyped(ctx.arg(1), Type::kStream, &wrong);
  if (wrong) return nullptr;
  if (*object != nullptr) {
    auto& groups = (*object)->stream().groups;
    if (auto it = groups.find(std::string(ctx.arg(2))); it != groups.end()) return &it->second;
  }
  ctx.rb.Error(NoGroup(ctx.arg(1), ctx.arg(2)));
  return nullptr;
}

// The stream at `key` (a read lookup with `read`); null after replying WRONGTYPE or "no such key".
Object* ExistingStream(CommandContext& ctx, std::string_view key, bool read) {
  bool wrong = false;
  Object* object = read ? ctx.ReadTyped(key, Type::kStream, &wrong)
                        : ctx.LookupTyped(key, Type::kStream, &wrong);
  if (object == nullptr && !wrong) ctx.rb.Error(errors::kNoSuchKey);
  return object;
}

// The consumer `name` of `group`, created (with its keyspace notification) when absent; its
// seen-time is now either way (Redis's streamLookupConsumer / streamCreateConsumer).
StreamConsumer& ConsumerOf(CommandContext& ctx, std::string_view key, StreamGroup& group,
                           std::string_view name) {
  bool created = false;
  StreamConsumer& consumer = group.Consumer(name, ctx.now_ms, &created);
  consumer.seen_time_ms = ctx.now_ms;
  if (created) ctx.Notify(kNotifyStream, "xgroup-createconsumer", key);
  return consumer;
}

// --- trimming (XADD, XTRIM) --------------------------------------------------------------------

struct TrimArgs {
  enum class Strategy { kNone, kMaxLen, kMinId } strategy = Strategy::kNone;
  bool approx = false;
  int64_t maxlen = 0;
  StreamID minid;
  int64_t limit = 0;  // 0 = none
};

// Redis's streamParseAddOrTrimArgsOrReply: the options from args[2]; for XADD also NOMKSTREAM
// and the ID (`*` or explicit), after which the fields start at *fields_at.
struct AddArgs {
  TrimArgs trim;
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
  size_t fields_at = 0;
};

bool ParseAddOrTrim(CommandContext& ctx, bool xadd, AddArgs* out) {
  TrimArgs& trim = out->trim;
  bool limit_given = false;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - 1 - i;
    const std::string_view opt = ctx.arg(i);
    if (xadd && opt == "*") {
      break;
    } else if ((EqualsIgnoreCase(opt, "maxlen") || EqualsIgnoreCase(opt, "minid")) && more > 0) {
      const bool maxlen = EqualsIgnoreCase(opt, "maxlen");
      const TrimArgs::Strategy strategy =
          maxlen ? TrimArgs::Strategy::kMaxLen : TrimArgs::Strategy::kMinId;
      if (trim.strategy != TrimArgs::Strategy::kNone && trim.strategy != strategy) {
        ctx.rb.Error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return false;
      }
      trim.strategy = strategy;
      trim.approx = false;
      if (more >= 2 && (ctx.arg(i + 1) == "~" || ctx.arg(i + 1) == "=")) {
        trim.approx = ctx.arg(i + 1) == "~";
        ++i;
      }
      ++i;
      if (maxlen) {
        if (!ctx.IntArg(i, &trim.maxlen)) return false;
        if (trim.maxlen < 0) {
          ctx.rb.Error("ERR The MAXLEN argument must be >= 0.");
          return false;
        }
      } else if (!IdArg(ctx, i, &trim.minid)) {
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "limit") && more > 0) {
      if (!ctx.IntArg(++i, &trim.limit)) return false;
      if (trim.limit < 0) {
        ctx.rb.Error("ERR The LIMIT argument must be >= 0.");
        return false;
      }
      limit_given = true;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      out->nomkstream = true;
    } else if (xadd) {
      if (!ParseStreamID(opt, &out->id, 0, /*strict=*/true, &out->seq_given)) {
        ctx.rb.Error(kInvalidId);
        return false;
      }
      out->id_given = true;
      break;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return false;
    }
  }
  out->fields_at = i + 1;
  if (limit_given && trim.strategy == TrimArgs::Strategy::kNone) {
    ctx.rb.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return false;
  }
  if (!xadd && trim.strategy == TrimArgs::Strategy::kNone) {
    ctx.rb.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return false;
  }
  if (limit_given && !trim.approx) {
    ctx.rb.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
    return false;
  }
  // Redis's default LIMIT for ~: 100 * stream-node-max-entries.
  if (trim.approx && !limit_given) trim.limit = 100 * StreamValue::kNodeEntries;
  return true;
}

// Trims the stream `object` at `key`; returns the entries removed.
int64_t Trim(CommandContext& ctx, std::string_view key, Object* object, const TrimArgs& trim) {
  StreamValue& s = object->stream();
  int64_t freed = 0, removed = 0;
  if (trim.strategy == TrimArgs::Strategy::kMaxLen) {
    removed = s.TrimMaxLen(trim.maxlen, trim.approx, trim.limit, &freed);
  } else if (trim.strategy == TrimArgs::Strategy::kMinId) {
    removed = s.TrimMinId(trim.minid, trim.approx, trim.limit, &freed);
  }
  ctx.Charge(key, object, -freed);
  return removed;
}

// --- XREAD / XREADGROUP helpers ---------------------------------------------------------------

// Which ID a stream of XREAD / XREADGROUP reads after: an explicit ID, "$" (resolved to the last
// ID) or ">" (XREADGROUP: new entries).
struct ReadTarget {
  std::string_view key;
  StreamID after;
  bool dollar = false;
  bool new_entries = false;
};

void EncodeIds(const std::vector<ReadTarget>& targets, std::string* out) {
  out->clear();
  for (const ReadTarget& t : targets) {
    out->append(reinterpret_cast<const char*>(&t.after.ms), sizeof(uint64_t));
    out->append(reinterpret_cast<const char*>(&t.after.seq), sizeof(uint64_t));
  }
}

void DecodeDollarIds(std::string_view in, std::vector<ReadTarget>* targets) {
  if (in.size() != targets->size() * 2 * sizeof(uint64_t)) return;
  for (size_t i = 0; i < targets->size(); ++i) {
    ReadTarget& t = (*targets)[i];
    if (!t.dollar) continue;
    std::memcpy(&t.after.ms, in.data() + i * 16, sizeof(uint64_t));
    std::memcpy(&t.after.seq, in.data() + i * 16 + 8, sizeof(uint64_t));
  }
}

// The entries after `after`, at most `count` (0 = all): the first and how many.
std::pair<std::map<StreamID, StreamValue::Fields>::iterator, int64_t> EntriesAfter(
    StreamValue& s, const StreamID& after, int64_t count) {
  auto first = s.entries.upper_bound(after);
  int64_t n = 0;
  for (auto it = first; it != s.entries.end() && (count == 0 || n < count); ++it) ++n;
  return {first, n};
}

// XREADGROUP with ">": delivers up to `count` (0 = all) entries after the group's last ID to
// `consumer`, adding them to the PELs unless `noack`.
void ReplyNewEntries(CommandContext& ctx, StreamValue& s, StreamGroup& group,
                     std::string_view consumer_name, int64_t count, bool noack) {
  auto [it, n] = EntriesAfter(s, group.last_id, count);
  ctx.rb.Array(n);
  StreamConsumer& consumer = group.consumers.find(std::string(consumer_name))->second;
  for (int64_t i = 0; i < n; ++i, ++it) {
    s.Deliver(group, it->first);
    ReplyEntry(ctx, it->first, it->second);
    if (noack) continue;
    auto [nack, inserted] = group.pel.try_emplace(it->first);
    if (!inserted) {  // XGROUP SETID moved back: the entry changes hands
      if (auto old = group.consumers.find(nack->second.consumer); old != group.consumers.end())
        old->second.pel.erase(it->first);
    }
    nack->second = StreamNack{std::string(consumer_name), ctx.now_ms, 1};
    consumer.pel.insert(it->first);
  }
}

// XREADGROUP with an ID: the consumer's pending entries after it, each delivered once more; a
// deleted entry shows as [id, nil].
void ReplyHistory(CommandContext& ctx, StreamValue& s, StreamGroup& group,
                  const StreamConsumer& consumer, StreamID after, int64_t count) {
  std::vector<StreamID> ids;
  if (after.Incr()) {
    for (auto it = consumer.pel.lower_bound(after);
         it != consumer.pel.end() && (count == 0 || static_cast<int64_t>(ids.size()) < count);
         ++it) {
      ids.push_back(*it);
    }
  }
  ctx.rb.Array(static_cast<int64_t>(ids.size()));
  for (const StreamID& id : ids) {
    auto entry = s.entries.find(id);
    if (entry == s.entries.end()) {
      ctx.rb.Array(2);
      ReplyId(ctx, id);
      ctx.rb.NullArray();
      continue;
    }
    ReplyEntry(ctx, id, entry->second);
    StreamNack& nack = group.pel[id];
    nack.delivery_time_ms = ctx.now_ms;
    ++nack.delivery_count;
  }
}

// --- XINFO helpers ----------------------------------------------------------------------------

// Redis reports its radix tree's size; AIO's plausible equivalent: one key per 100 entries.
int64_t RadixKeys(const StreamValue& s) {
  return static_cast<int64_t>((s.size() + StreamValue::kNodeEntries - 1) /
                              StreamValue::kNodeEntries);
}

// How many of `size` items a COUNT of `count` (0 = all) shows.
int64_t Limit(int64_t count, size_t size) {
  const auto n = static_cast<int64_t>(size);
  return count == 0 ? n : std::min(count, n);
}

// A group's last-delivered-id, entries-read and lag fields (null when unknown).
void ReplyGroupProgress(CommandContext& ctx, const StreamValue& s, const StreamGroup& group) {
  ctx.rb.Bulk("last-delivered-id");
  ReplyId(ctx, group.last_id);
  ctx.rb.Bulk("entries-read");
  if (group.entries_read == kInvalidEntriesRead)
    ctx.rb.Null();
  else
    ctx.rb.Int(group.entries_read);
  ctx.rb.Bulk("lag");
  int64_t lag = 0;
  if (s.Lag(group, &lag))
    ctx.rb.Int(lag);
  else
    ctx.rb.Null();
}

// The fields XINFO STREAM and XINFO STREAM FULL start with.
void ReplyStreamHead(CommandContext& ctx, const StreamValue& s) {
  ctx.rb.Bulk("length");
  ctx.rb.Int(static_cast<int64_t>(s.size()));
  ctx.rb.Bulk("radix-tree-keys");
  ctx.rb.Int(RadixKeys(s));
  ctx.rb.Bulk("radix-tree-nodes");
  ctx.rb.Int(RadixKeys(s) + 1);
  ctx.rb.Bulk("last-generated-id");
  ReplyId(ctx, s.last_id);
  ctx.rb.Bulk("max-deleted-entry-id");
  ReplyId(ctx, s.max_deleted_id);
  ctx.rb.Bulk("entries-added");
  ctx.rb.Int(static_cast<int64_t>(s.entries_added));
  ctx.rb.Bulk("recorded-first-entry-id");
  ReplyId(ctx, s.first_id());
}

const StreamID& IdOf(const StreamID& id) { return id; }
const StreamID& IdOf(const std::pair<const StreamID, StreamNack>& nack) { return nack.first; }

// XINFO STREAM FULL's "pel-count" and "pending" of a group (its PEL `pel`: [id, consumer,
// delivery time, delivery count]) or of a consumer (its ID set: without the consumer).
template <typename Pel>
void ReplyFullPel(CommandContext& ctx, const StreamGroup& group, const Pel& pel, int64_t count) {
  constexpr bool kGroup = std::is_same_v<Pel, std::map<StreamID, StreamNack>>;
  ctx.rb.Bulk("pel-count");
  ctx.rb.Int(std::ssize(pel));
  ctx.rb.Bulk("pending");
  const int64_t n = Limit(count, pel.size());
  ctx.rb.Array(n);
  auto it = pel.begin();
  for (int64_t i = 0; i < n; ++i, ++it) {
    const StreamID& id = IdOf(*it);
    const StreamNack& nack = group.pel.at(id);
    ctx.rb.Array(kGroup ? 4 : 3);
    ReplyId(ctx, id);
    if (kGroup) ctx.rb.Bulk(nack.consumer);
    ctx.rb.Int(nack.delivery_time_ms);
    ctx.rb.Int(static_cast<int64_t>(nack.delivery_count));
  }
}

void XInfoStreamFull(CommandContext& ctx, const StreamValue& s, int64_t count) {
  ctx.rb.Map(9);
  ReplyStreamHead(ctx, s);
  ctx.rb.Bulk("entries");
  const int64_t n = Limit(count, s.size());
  ctx.rb.Array(n);
  auto entry = s.entries.begin();
  for (int64_t i = 0; i < n; ++i, ++entry) ReplyEntry(ctx, entry->first, entry->second);
  ctx.rb.Bulk("groups");
  ctx.rb.Array(static_cast<int64_t>(s.groups.size()));
  for (const auto& [name, group] : s.groups) {
    ctx.rb.Map(7);
    ctx.rb.Bulk("name");
    ctx.rb.Bulk(name);
    ReplyGroupProgress(ctx, s, group);
    ReplyFullPel(ctx, group, group.pel, count);
    ctx.rb.Bulk("consumers");
    ctx.rb.Array(static_cast<int64_t>(group.consumers.size()));
    for (const auto& [cname, consumer] : group.consumers) {
      ctx.rb.Map(4);
      ctx.rb.Bulk("name");
      ctx.rb.Bulk(cname);
      ctx.rb.Bulk("seen-time");
      ctx.rb.Int(consumer.seen_time_ms);
      ReplyFullPel(ctx, group, consumer.pel, count);
    }
  }
}

void ReplyHelp(CommandContext& ctx, std::initializer_list<std::string_view> lines) {
  ctx.rb.Array(static_cast<int64_t>(lines.size()));
  for (std::string_view line : lines) ctx.rb.Simple(line);
}

}  // namespace

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [...]:
// appends an entry, replies its ID (null with NOMKSTREAM on a missing key), then trims.
void StreamFamily::XAdd(CommandContext& ctx) {
  AddArgs args;
  if (!ParseAddOrTrim(ctx, /*xadd=*/true, &args)) return;
  const size_t nfields = ctx.argc() - std::min(args.fields_at, ctx.argc());
  if (args.fields_at >= ctx.argc() || nfields % 2 != 0) {
    ctx.rb.Error(ArityError(ctx.spec->name));
    return;
  }
  if (args.id_given && args.seq_given && args.id.zero()) {
    ctx.rb.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kStream, &wrong);
  if (wrong) return;
  if (object == nullptr && args.nomkstream) {
    ctx.rb.Null();
    return;
  }
  const StreamValue* existing = object == nullptr ? nullptr : &object->stream();
  const StreamID last = existing == nullptr ? StreamID{} : existing->last_id;
  if (last == StreamID::Max()) {
    ctx.rb.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  StreamID id;
  if (!args.id_given) {  // *: now, or the next ID after the last one
    id = {static_cast<uint64_t>(std::max<int64_t>(ctx.now_ms, 0)), 0};
    if (id.ms <= last.ms) {
      id = last;
      id.Incr();
    }
  } else if (!args.seq_given && args.id.ms == last.ms) {  // ms-*: the next sequence
    id = last;
    if (last.seq == UINT64_MAX) {
      ctx.rb.Error(
          "ERR The ID specified in XADD is equal or smaller than the target stream top item");
      return;
    }
    ++id.seq;
  } else {
    id = args.id;
  }
  if (id <= last) {
    ctx.rb.Error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
    return;
  }
  if (object == nullptr) object = ctx.LookupOrCreate<StreamValue>(key, Type::kStream);
  StreamValue::Fields fields(ctx.args.begin() + static_cast<ptrdiff_t>(args.fields_at),
                             ctx.args.end());
  ctx.Charge(key, object, object->stream().Append(id, std::move(fields)));
  ReplyId(ctx, id);
  ctx.Notify(kNotifyStream, "xadd", key);
  if (Trim(ctx, key, object, args.trim) > 0) ctx.Notify(kNotifyStream, "xtrim", key);
}

void StreamFamily::XLen(CommandContext& ctx) {
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kStream, &wrong);
  if (!wrong) ctx.rb.Int(object == nullptr ? 0 : static_cast<int64_t>(object->stream().size()));
}

// XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n].
void StreamFamily::XRange(CommandContext& ctx) {
  const bool rev = std::string_view(ctx.spec->name) == "xrevrange";
  StreamID start, end;
  if (!RangeArg(ctx, rev ? 3 : 2, /*start=*/true, &start) ||
      !RangeArg(ctx, rev ? 2 : 3, /*start=*/false, &end)) {
    return;
  }
  int64_t count = -1;
  for (size_t i = 4; i < ctx.argc(); ++i) {
    if (!EqualsIgnoreCase(ctx.arg(i), "count") || i + 1 >= ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    if (!ctx.IntArg(++i, &count)) return;
    count = std::max<int64_t>(count, 0);
  }
  bool wrong = false;
  Object* object = ctx.ReadTyped(ctx.arg(1), Type::kStream, &wrong);
  if (wrong) return;
  if (object == nullptr) {
    ctx.rb.Array(0);
    return;
  }
  if (count == 0) {
    ctx.rb.NullArray();
    return;
  }
  const auto& entries = object->stream().entries;
  std::vector<decltype(entries.begin())> picked;
  if (start <= end) {
    if (!rev) {
      for (auto it = entries.lower_bound(start);
           it != entries.end() && it->first <= end && (count < 0 || std::ssize(picked) < count);
           ++it) {
        picked.push_back(it);
      }
    } else {
      for (auto it = entries.upper_bound(end);
           it != entries.begin() && std::prev(it)->first >= start &&
           (count < 0 || std::ssize(picked) < count);
           --it) {
        picked.push_back(std::prev(it));
      }
    }
  }
  ctx.rb.Array(std::ssize(picked));
  for (auto it : picked) ReplyEntry(ctx, it->first, it->second);
}

void StreamFamily::XDel(CommandContext& ctx) {
  std::vector<StreamID> ids(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!IdArg(ctx, i, &ids[i - 2])) return;
  }
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kStream, &wrong);
  if (wrong) return;
  int64_t deleted = 0;
  if (object != nullptr) {
    StreamValue& s = object->stream();
    for (const StreamID& id : ids) {
      const int64_t freed = s.Erase(id);
      if (freed == 0) continue;
      ++deleted;
      ctx.Charge(key, object, -freed);
      s.max_deleted_id = std::max(s.max_deleted_id, id);
    }
    if (deleted > 0) ctx.Notify(kNotifyStream, "xdel", key);
  }
  ctx.rb.Int(deleted);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]: replies the entries removed.
void StreamFamily::XTrim(CommandContext& ctx) {
  AddArgs args;
  if (!ParseAddOrTrim(ctx, /*xadd=*/false, &args)) return;
  const std::string_view key = ctx.arg(1);
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kStream, &wrong);
  if (wrong) return;
  const int64_t removed = object == nullptr ? 0 : Trim(ctx, key, object, args.trim);
  if (removed > 0) ctx.Notify(kNotifyStream, "xtrim", key);
  ctx.rb.Int(removed);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id] (Redis 7.0).
void StreamFamily::XSetId(CommandContext& ctx) {
  StreamID id, max_deleted;
  if (!IdArg(ctx, 2, &id)) return;
  int64_t entries_added = -1;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    if (EqualsIgnoreCase(ctx.arg(i), "entriesadded")) {
      if (!ctx.IntArg(i + 1, &entries_added)) return;
      if (entries_added < 0) {
        ctx.rb.Error("ERR entries_added must be positive");
        return;
      }
    } else if (EqualsIgnoreCase(ctx.arg(i), "maxdeletedid")) {
      if (!IdArg(ctx, i + 1, &max_deleted)) return;
      if (id < max_deleted) {
        ctx.rb.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  Object* object = ExistingStream(ctx, key, /*read=*/false);
  if (object == nullptr) return;
  StreamValue& s = object->stream();
  if (s.size() > 0) {
    if (id < s.entries.rbegin()->first) {
      ctx.rb.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && static_cast<int64_t>(s.size()) > entries_added) {
      ctx.rb.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s.last_id = id;
  if (entries_added != -1) s.entries_added = static_cast<uint64_t>(entries_added);
  if (!max_deleted.zero()) s.max_deleted_id = max_deleted;
  ctx.Notify(kNotifyStream, "xsetid", key);
  ctx.rb.Ok();
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...] and
// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...].
// Replies [[key, entries], ...] (RESP3: a map) for the streams with entries, or blocks until an
// XADD to one of them, or a null array. A blocked "$" keeps the last ID of when it blocked.
void StreamFamily::XRead(CommandContext& ctx) {
  const bool group_read = ctx.spec->name[5] == 'g';
  int64_t count = 0, timeout = -1;
  bool noack = false;
  std::string_view group_name, consumer_name;
  size_t streams_at = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - 1 - i;
    const std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "block") && more > 0) {
      if (!ctx.IntArg(++i, &timeout, "ERR timeout is not an integer or out of range")) return;
      if (timeout < 0) {
        ctx.rb.Error(errors::kTimeoutNegative);
        return;
      }
    } else if (EqualsIgnoreCase(opt, "count") && more > 0) {
      if (!ctx.IntArg(++i, &count)) return;
      count = std::max<int64_t>(count, 0);
    } else if (EqualsIgnoreCase(opt, "streams") && more > 0) {
      streams_at = i + 1;
      if ((ctx.argc() - streams_at) % 2 != 0) {
        // Redis 7.0.15 says XREAD and '$' for XREADGROUP too.
        ctx.rb.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return;
      }
      break;
    } else if (group_read && EqualsIgnoreCase(opt, "group") && more >= 2) {
      group_name = ctx.arg(i + 1);
      consumer_name = ctx.arg(i + 2);
      i += 2;
    } else if (group_read && EqualsIgnoreCase(opt, "noack")) {
      noack = true;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  if (streams_at == 0) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  if (group_read && group_name.empty() && consumer_name.empty()) {
    ctx.rb.Error("ERR Missing GROUP option for XREADGROUP");
    return;
  }
  const size_t n = (ctx.argc() - streams_at) / 2;
  std::vector<ReadTarget> targets(n);
  std::vector<Object*> objects(n);
  for (size_t i = 0; i < n; ++i) {
    ReadTarget& t = targets[i];
    t.key = ctx.arg(streams_at + i);
    const std::string_view id = ctx.arg(streams_at + n + i);
    bool wrong = false;
    objects[i] = ctx.ReadTyped(t.key, Type::kStream, &wrong);
    if (wrong) return;
    if (group_read &&
        (objects[i] == nullptr || !objects[i]->stream().groups.contains(std::string(group_name)))) {
      ctx.rb.Error(fmt::format("{} in XREADGROUP with GROUP option", NoGroup(t.key, group_name)));
      return;
    }
    if (id == "$") {
      if (group_read) {
        ctx.rb.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return;
      }
      t.dollar = true;
      if (objects[i] != nullptr) t.after = objects[i]->stream().last_id;
    } else if (id == ">") {
      if (!group_read) {
        ctx.rb.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return;
      }
      t.new_entries = true;
    } else if (!IdArg(ctx, streams_at + n + i, &t.after)) {
      return;
    }
  }
  // Woken from a block: "$" means the last IDs of when the command blocked.
  if (!ctx.client.blocked_keys.empty()) DecodeDollarIds(ctx.client.blocked_state, &targets);

  // Which streams answer now: a group's history always, else those with entries after the ID.
  std::vector<size_t> serve;
  for (size_t i = 0; i < n; ++i) {
    if (objects[i] == nullptr) continue;
    const StreamValue& s = objects[i]->stream();
    if (group_read && !targets[i].new_entries) {
      serve.push_back(i);
      continue;
    }
    const StreamID after = targets[i].new_entries
                               ? s.groups.find(std::string(group_name))->second.last_id
                               : targets[i].after;
    if (!s.entries.empty() && s.entries.rbegin()->first > after) serve.push_back(i);
  }
  if (serve.empty()) {
    if (timeout < 0 || ctx.in_exec) {
      ctx.rb.NullArray();
      return;
    }
    EncodeIds(targets, &ctx.client.blocked_state);
    ctx.Block(ctx.args.subspan(streams_at, n), timeout);
    return;
  }
  // RESP2: [[key, entries], ...]; RESP3: {key: entries}.
  if (ctx.rb.resp3())
    ctx.rb.Map(std::ssize(serve));
  else
    ctx.rb.Array(std::ssize(serve));
  for (size_t i : serve) {
    if (!ctx.rb.resp3()) ctx.rb.Array(2);
    const ReadTarget& t = targets[i];
    ctx.rb.Bulk(t.key);
    StreamValue& s = objects[i]->stream();
    if (!group_read) {
      auto [it, k] = EntriesAfter(s, t.after, count);
      ctx.rb.Array(k);
      for (int64_t j = 0; j < k; ++j, ++it) ReplyEntry(ctx, it->first, it->second);
      continue;
    }
    const int64_t meta = s.GroupsBytes();
    StreamGroup& group = s.groups.find(std::string(group_name))->second;
    StreamConsumer& consumer = ConsumerOf(ctx, t.key, group, consumer_name);
    if (t.new_entries) {
      ReplyNewEntries(ctx, s, group, consumer_name, count, noack);
    } else {
      ReplyHistory(ctx, s, group, consumer, t.after, count);
    }
    ctx.Charge(t.key, objects[i], s.GroupsBytes() - meta);
  }
}

// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP (Redis 7.0's xgroupCommand).
void StreamFamily::XGroup(CommandContext& ctx) {
  const std::string_view sub = ctx.arg(1);
  const bool create = EqualsIgnoreCase(sub, "create");
  const bool setid = EqualsIgnoreCase(sub, "setid");
  const bool destroy = EqualsIgnoreCase(sub, "destroy");
  const bool createconsumer = EqualsIgnoreCase(sub, "createconsumer");
  const bool delconsumer = EqualsIgnoreCase(sub, "delconsumer");
  if (ctx.argc() == 2 && EqualsIgnoreCase(sub, "help")) {
    ReplyHelp(
        ctx,
        {"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
         "CREATE <key> <groupname> <id|$> [option]",
         "    Create a new consumer group. Options are:", "    * MKSTREAM",
         "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
         "      Set the group's entries_read counter (internal use).",
         "CREATECONSUMER <key> <groupname> <consumer>",
         "    Create a new consumer in the specified group.",
         "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
         "DESTROY <key> <groupname>", "    Remove the specified group.",
         "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
         "    Set the current group ID and entries_read counter.", "HELP",
         "    Prints this help."});
    return;
  }
  const bool arity_ok = ((create || setid) && ctx.argc() >= 5) || (destroy && ctx.argc() == 4) ||
                        ((createconsumer || delconsumer) && ctx.argc() == 5);
  if (!arity_ok) {
    if (create || setid || destroy || createconsumer || delconsumer) {
      ctx.rb.Error(
          fmt::format("ERR wrong number of arguments for 'xgroup|{}' command", ToLower(sub)));
    } else {
      ctx.rb.Error(UnknownSubcommand("xgroup", sub));
    }
    return;
  }
  bool mkstream = false;
  int64_t entries_read = kInvalidEntriesRead;
  if (create || setid) {
    for (size_t i = 5; i < ctx.argc();) {
      if (create && EqualsIgnoreCase(ctx.arg(i), "mkstream")) {
        mkstream = true;
        ++i;
      } else if (EqualsIgnoreCase(ctx.arg(i), "entriesread") && i + 1 < ctx.argc()) {
        if (!ctx.IntArg(i + 1, &entries_read)) return;
        if (entries_read < 0 && entries_read != kInvalidEntriesRead) {
          ctx.rb.Error("ERR value for ENTRIESREAD must be positive or -1");
          return;
        }
        i += 2;
      } else {
        ctx.rb.Error(fmt::format(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.", sub));
        return;
      }
    }
  }
  const std::string_view key = ctx.arg(2);
  const std::string group_name(ctx.arg(3));
  bool wrong = false;
  Object* object = ctx.LookupTyped(key, Type::kStream, &wrong);
  if (wrong) return;
  if (object == nullptr && !(create && mkstream)) {
    ctx.rb.Error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
    return;
  }
  auto group = object == nullptr ? decltype(object->stream().groups.end()){}
                                 : object->stream().groups.find(group_name);
  const bool has_group = object != nullptr && group != object->stream().groups.end();
  if (!has_group && (setid || createconsumer || delconsumer)) {
    ctx.rb.Error(NoGroupForKey(key, group_name));
    return;
  }
  // CREATE / SETID: the ID ("$" = the stream's last).
  StreamID id;
  if (create || setid) {
    if (ctx.arg(4) == "$") {
      if (object != nullptr) id = object->stream().last_id;
    } else if (!ParseStreamID(ctx.arg(4), &id, 0, /*strict=*/create)) {
      ctx.rb.Error(kInvalidId);
      return;
    }
  }
  if (create && has_group) {
    ctx.rb.Error("BUSYGROUP Consumer Group name already exists");
    return;
  }
  if (object == nullptr) object = ctx.LookupOrCreate<StreamValue>(key, Type::kStream);
  const int64_t meta = object->stream().GroupsBytes();
  if (create) {
    StreamGroup& created = object->stream().groups[group_name];
    created.last_id = id;
    created.entries_read = entries_read;
    ctx.Notify(kNotifyStream, "xgroup-create", key);
    ctx.rb.Ok();
  } else if (setid) {
    group->second.last_id = id;
    group->second.entries_read = entries_read;
    ctx.Notify(kNotifyStream, "xgroup-setid", key);
    ctx.rb.Ok();
  } else if (destroy) {
    if (has_group) {
      object->stream().groups.erase(group);
      ctx.Notify(kNotifyStream, "xgroup-destroy", key);
    }
    ctx.rb.Int(has_group ? 1 : 0);
  } else if (createconsumer) {
    bool created = false;
    group->second.Consumer(ctx.arg(4), ctx.now_ms, &created);
    if (created) ctx.Notify(kNotifyStream, "xgroup-createconsumer", key);
    ctx.rb.Int(created ? 1 : 0);
  } else {  // DELCONSUMER: its pending entries leave the group PEL too
    StreamGroup& g = group->second;
    int64_t pending = 0;
    if (auto c = g.consumers.find(std::string(ctx.arg(4))); c != g.consumers.end()) {
      pending = static_cast<int64_t>(c->second.pel.size());
      for (const StreamID& pid : c->second.pel) g.pel.erase(pid);
      g.consumers.erase(c);
      ctx.Notify(kNotifyStream, "xgroup-delconsumer", key);
    }
    ctx.rb.Int(pending);
  }
  ctx.Charge(key, object, object->stream().GroupsBytes() - meta);
}

// XACK key group id [id ...]: replies how many were pending.
void StreamFamily::XAck(CommandContext& ctx) {
  std::vector<StreamID> ids(ctx.argc() - 3);
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!IdArg(ctx, i, &ids[i - 3])) return;
  }
  bool wrong = false;
  Object* object = ctx.LookupTyped(ctx.arg(1), Type::kStream, &wrong);
  if (wrong) return;
  int64_t acked = 0;
  if (object != nullptr) {
    StreamValue& s = object->stream();
    const int64_t meta = s.GroupsBytes();
    if (auto g = s.groups.find(std::string(ctx.arg(2))); g != s.groups.end()) {
      for (const StreamID& id : ids) acked += g->second.Ack(id) ? 1 : 0;
    }
    ctx.Charge(ctx.arg(1), object, s.GroupsBytes() - meta);
  }
  ctx.rb.Int(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]].
void StreamFamily::XPending(CommandContext& ctx) {
  const bool summary = ctx.argc() == 3;
  if (!summary && (ctx.argc() < 6 || ctx.argc() > 9)) {
    ctx.rb.Error(errors::kSyntax);
    return;
  }
  int64_t min_idle = 0, count = 0;
  StreamID start, end;
  std::string_view consumer_name;
  if (!summary) {
    size_t at = 3;
    if (EqualsIgnoreCase(ctx.arg(3), "idle")) {
      if (ctx.argc() < 8) {
        ctx.rb.Error(errors::kSyntax);
        return;
      }
      if (!ctx.IntArg(4, &min_idle)) return;
      at = 5;
    }
    if (at + 3 < ctx.argc() - 1) {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
    if (!ctx.IntArg(at + 2, &count)) return;
    count = std::max<int64_t>(count, 0);
    if (!RangeArg(ctx, at, /*start=*/true, &start) || !RangeArg(ctx, at + 1, false, &end)) return;
    if (at + 3 < ctx.argc()) consumer_name = ctx.arg(at + 3);
  }
  Object* object = nullptr;
  StreamGroup* group = GroupArg(ctx, &object);
  if (group == nullptr) return;
  if (summary) {
    if (group->pel.empty()) {
      ctx.rb.Array(4);
      ctx.rb.Int(0);
      ctx.rb.Null();
      ctx.rb.Null();
      ctx.rb.NullArray();
      return;
    }
    ctx.rb.Array(4);
    ctx.rb.Int(static_cast<int64_t>(group->pel.size()));
    ReplyId(ctx, group->pel.begin()->first);
    ReplyId(ctx, group->pel.rbegin()->first);
    int64_t owners = 0;
    for (const auto& [name, consumer] : group->consumers) owners += consumer.pel.empty() ? 0 : 1;
    ctx.rb.Array(owners);
    for (const auto& [name, consumer] : group->consumers) {
      if (consumer.pel.empty()) continue;
      ctx.rb.Array(2);
      ctx.rb.Bulk(name);
      ctx.rb.Bulk(std::to_string(consumer.pel.size()));
    }
    return;
  }
  std::vector<std::pair<StreamID, const StreamNack*>> rows;
  auto take = [&](const StreamID& id, const StreamNack& nack) {
    if (min_idle > 0 && ctx.now_ms - nack.delivery_time_ms < min_idle) return;
    rows.emplace_back(id, &nack);
  };
  if (start <= end) {
    if (consumer_name.empty()) {
      for (auto it = group->pel.lower_bound(start);
           it != group->pel.end() && it->first <= end && std::ssize(rows) < count; ++it) {
        take(it->first, it->second);
      }
    } else if (auto c = group->consumers.find(std::string(consumer_name));
               c != group->consumers.end()) {
      for (auto it = c->second.pel.lower_bound(start);
           it != c->second.pel.end() && *it <= end && std::ssize(rows) < count; ++it) {
        take(*it, group->pel.at(*it));
      }
    }
  }
  ctx.rb.Array(std::ssize(rows));
  for (const auto& [id, nack] : rows) {
    ctx.rb.Array(4);
    ReplyId(ctx, id);
    ctx.rb.Bulk(nack->consumer);
    ctx.rb.Int(std::max<int64_t>(ctx.now_ms - nack->delivery_time_ms, 0));
    ctx.rb.Int(static_cast<int64_t>(nack->delivery_count));
  }
}

namespace {

// XCLAIM / XAUTOCLAIM's transfer of a pending entry `id` (its NACK `nack`) to `consumer`.
void ClaimTo(StreamGroup& group, const StreamID& id, StreamNack& nack, std::string_view consumer,
             int64_t delivery_time_ms) {
  if (nack.consumer != consumer) {
    if (auto old = group.consumers.find(nack.consumer); old != group.consumers.end())
      old->second.pel.erase(id);
    nack.consumer = std::string(consumer);
    group.consumers.find(std::string(consumer))->second.pel.insert(id);
  }
  nack.delivery_time_ms = delivery_time_ms;
}

// XCLAIM / XAUTOCLAIM's key, group and min-idle-time (negative = 0); null after replying an
// error.
StreamGroup* ClaimArgs(CommandContext& ctx, Object** object, int64_t* min_idle) {
  StreamGroup* group = GroupArg(ctx, object);
  if (group == nullptr) return nullptr;
  if (!ctx.IntArg(4, min_idle,
                  fmt::format("ERR Invalid min-idle-time argument for {}", ToUpper(ctx.arg(0))))) {
    return nullptr;
  }
  *min_idle = std::max<int64_t>(*min_idle, 0);
  return group;
}

using Claimed = std::vector<std::pair<StreamID, const StreamValue::Fields*>>;

// The claimed entries, or only their IDs with JUSTID.
void ReplyClaimed(CommandContext& ctx, const Claimed& claimed, bool justid) {
  ctx.rb.Array(std::ssize(claimed));
  for (const auto& [id, fields] : claimed) {
    if (justid)
      ReplyId(ctx, id);
    else
      ReplyEntry(ctx, id, *fields);
  }
}

}  // namespace

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
// [JUSTID] [LASTID id].
void StreamFamily::XClaim(CommandContext& ctx) {
  Object* object = nullptr;
  int64_t min_idle = 0;
  StreamGroup* group = ClaimArgs(ctx, &object, &min_idle);
  if (group == nullptr) return;
  std::vector<StreamID> ids;
  size_t i = 5;
  for (StreamID id; i < ctx.argc() && ParseStreamID(ctx.arg(i), &id, 0, true); ++i) {
    ids.push_back(id);
  }
  int64_t delivery_time = -1, retry_count = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; i < ctx.argc(); ++i) {
    const bool more = i + 1 < ctx.argc();
    const std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && more) {
      if (!ctx.IntArg(++i, &delivery_time, "ERR Invalid IDLE option argument for XCLAIM")) return;
      delivery_time = ctx.now_ms - delivery_time;
    } else if (EqualsIgnoreCase(opt, "time") && more) {
      if (!ctx.IntArg(++i, &delivery_time, "ERR Invalid TIME option argument for XCLAIM")) return;
    } else if (EqualsIgnoreCase(opt, "retrycount") && more) {
      if (!ctx.IntArg(++i, &retry_count, "ERR Invalid RETRYCOUNT option argument for XCLAIM"))
        return;
    } else if (EqualsIgnoreCase(opt, "lastid") && more) {
      if (!IdArg(ctx, ++i, &last_id)) return;
    } else {
      ctx.rb.Error(fmt::format("ERR Unrecognized XCLAIM option '{}'", opt));
      return;
    }
  }
  if (delivery_time < 0 || delivery_time > ctx.now_ms) delivery_time = ctx.now_ms;
  const std::string_view key = ctx.arg(1);
  const std::string_view consumer_name = ctx.arg(3);
  StreamValue& s = object->stream();
  const int64_t meta = s.GroupsBytes();
  if (last_id > group->last_id) group->last_id = last_id;
  Claimed claimed;
  for (const StreamID& id : ids) {
    auto entry = s.entries.find(id);
    auto nack = group->pel.find(id);
    if (entry == s.entries.end()) {
      if (nack != group->pel.end()) group->Ack(id);
      continue;
    }
    bool forced = false;
    if (nack == group->pel.end()) {
      if (!force) continue;
      nack = group->pel.emplace(id, StreamNack{"", 0, 0}).first;
      forced = true;
    }
    if (!forced && min_idle > 0 && ctx.now_ms - nack->second.delivery_time_ms < min_idle) continue;
    ConsumerOf(ctx, key, *group, consumer_name);
    ClaimTo(*group, id, nack->second, consumer_name, delivery_time);
    if (retry_count >= 0) {
      nack->second.delivery_count = static_cast<uint64_t>(retry_count);
    } else if (!justid) {
      ++nack->second.delivery_count;
    }
    claimed.emplace_back(id, &entry->second);
  }
  ctx.Charge(key, object, s.GroupsBytes() - meta);
  ReplyClaimed(ctx, claimed, justid);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]: replies
// [next start, claimed entries, IDs of deleted entries dropped from the PEL] (Redis 7.0).
void StreamFamily::XAutoClaim(CommandContext& ctx) {
  Object* object = nullptr;
  int64_t min_idle = 0;
  StreamGroup* group = ClaimArgs(ctx, &object, &min_idle);
  if (group == nullptr) return;
  StreamID start;
  if (!RangeArg(ctx, 5, /*start=*/true, &start)) return;
  int64_t count = 100;
  bool justid = false;
  constexpr int64_t kAttemptsFactor = 10;
  for (size_t i = 6; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "count") && i + 1 < ctx.argc()) {
      if (!ParseInt(ctx.arg(++i), &count) || count < 1 || count > INT64_MAX / kAttemptsFactor) {
        ctx.rb.Error("ERR COUNT must be > 0");
        return;
      }
    } else if (EqualsIgnoreCase(ctx.arg(i), "justid")) {
      justid = true;
    } else {
      ctx.rb.Error(errors::kSyntax);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  const std::string_view consumer_name = ctx.arg(3);
  StreamValue& s = object->stream();
  const int64_t meta = s.GroupsBytes();
  int64_t attempts = count * kAttemptsFactor;
  Claimed claimed;
  std::vector<StreamID> deleted;
  auto it = group->pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != group->pel.end()) {
    const StreamID id = it->first;
    auto entry = s.entries.find(id);
    if (entry == s.entries.end()) {
      ++it;
      group->Ack(id);
      deleted.push_back(id);
      --count;
      continue;
    }
    StreamNack& nack = it->second;
    ++it;
    if (min_idle > 0 && ctx.now_ms - nack.delivery_time_ms < min_idle) continue;
    ConsumerOf(ctx, key, *group, consumer_name);
    ClaimTo(*group, id, nack, consumer_name, ctx.now_ms);
    if (!justid) ++nack.delivery_count;
    claimed.emplace_back(id, &entry->second);
    --count;
  }
  ctx.Charge(key, object, s.GroupsBytes() - meta);
  ctx.rb.Array(3);
  ReplyId(ctx, it == group->pel.end() ? StreamID{} : it->first);
  ReplyClaimed(ctx, claimed, justid);
  ctx.rb.Array(std::ssize(deleted));
  for (const StreamID& id : deleted) ReplyId(ctx, id);
}

// XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS key group | HELP.
void StreamFamily::XInfo(CommandContext& ctx) {
  const std::string_view sub = ctx.arg(1);
  if (ctx.argc() == 2 && EqualsIgnoreCase(sub, "help")) {
    ReplyHelp(ctx,
              {"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
               "CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
               "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
               "    Show information about the stream.", "HELP", "    Prints this help."});
    return;
  }
  const bool consumers = EqualsIgnoreCase(sub, "consumers");
  const bool groups = EqualsIgnoreCase(sub, "groups");
  const bool stream = EqualsIgnoreCase(sub, "stream");
  if ((consumers && ctx.argc() != 4) || (groups && ctx.argc() != 3) || (stream && ctx.argc() < 3)) {
    ctx.rb.Error(fmt::format("ERR wrong number of arguments for 'xinfo|{}' command", ToLower(sub)));
    return;
  }
  if (!consumers && !groups && !stream) {
    ctx.rb.Error(UnknownSubcommand("xinfo", sub));
    return;
  }
  bool full = false;
  int64_t count = 10;
  if (stream && ctx.argc() > 3) {
    if (!EqualsIgnoreCase(ctx.arg(3), "full") || ctx.argc() == 5 || ctx.argc() > 6 ||
        (ctx.argc() == 6 && !EqualsIgnoreCase(ctx.arg(4), "count"))) {
      ctx.rb.Error(fmt::format(
          "ERR unknown subcommand or wrong number of arguments for '{}'. Try XINFO HELP.", sub));
      return;
    }
    full = true;
    if (ctx.argc() == 6) {
      if (!ctx.IntArg(5, &count)) return;
      count = std::max<int64_t>(count, 0);
    }
  }
  const std::string_view key = ctx.arg(2);
  Object* object = ExistingStream(ctx, key, /*read=*/true);
  if (object == nullptr) return;
  const StreamValue& s = object->stream();
  if (consumers) {
    auto g = s.groups.find(std::string(ctx.arg(3)));
    if (g == s.groups.end()) {
      ctx.rb.Error(NoGroupForKey(key, ctx.arg(3)));
      return;
    }
    ctx.rb.Array(static_cast<int64_t>(g->second.consumers.size()));
    for (const auto& [name, consumer] : g->second.consumers) {
      ctx.rb.Map(3);
      ctx.rb.Bulk("name");
      ctx.rb.Bulk(name);
      ctx.rb.Bulk("pending");
      ctx.rb.Int(static_cast<int64_t>(consumer.pel.size()));
      ctx.rb.Bulk("idle");
      ctx.rb.Int(std::max<int64_t>(ctx.now_ms - consumer.seen_time_ms, 0));
    }
  } else if (groups) {
    ctx.rb.Array(static_cast<int64_t>(s.groups.size()));
    for (const auto& [name, group] : s.groups) {
      ctx.rb.Map(6);
      ctx.rb.Bulk("name");
      ctx.rb.Bulk(name);
      ctx.rb.Bulk("consumers");
      ctx.rb.Int(static_cast<int64_t>(group.consumers.size()));
      ctx.rb.Bulk("pending");
      ctx.rb.Int(static_cast<int64_t>(group.pel.size()));
      ReplyGroupProgress(ctx, s, group);
    }
  } else if (full) {
    XInfoStreamFull(ctx, s, count);
  } else {
    ctx.rb.Map(10);
    ReplyStreamHead(ctx, s);
    ctx.rb.Bulk("groups");
    ctx.rb.Int(static_cast<int64_t>(s.groups.size()));
    ctx.rb.Bulk("first-entry");
    if (s.entries.empty()) {
      ctx.rb.Null();
    } else {
      ReplyEntry(ctx, s.entries.begin()->first, s.entries.begin()->second);
    }
    ctx.rb.Bulk("last-entry");
    if (s.entries.empty()) {
      ctx.rb.Null();
    } else {
      ReplyEntry(ctx, s.entries.rbegin()->first, s.entries.rbegin()->second);
    }
  }
}

}  // namespace aio::cache
