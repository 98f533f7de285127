// A Redis stream value (https://redis.io/docs/data-types/streams/): entries keyed by 128-bit IDs
// (ms-seq) in ID order, the stream's counters (last generated ID, max deleted ID, entries added)
// and its consumer groups, each with a pending entries list (PEL) and consumers. The commands are
// in stream_family.cc; this is the data structure and the Redis 7.0 bookkeeping rules they share
// (t_stream.c: streamEstimateDistanceFromFirstEverEntry, streamRangeHasTombstones, trimming).
//
// Threading: owned by its Object, touched under the key's shard lock only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace aio::cache {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  bool zero() const { return ms == 0 && seq == 0; }
  // The next / previous ID; false (and unchanged) at 2^64-1-2^64-1 / 0-0 (Redis's streamIncrID
  // / streamDecrID).
  bool Incr();
  bool Decr();
  // "ms-seq".
  std::string ToString() const;
  auto operator<=>(const StreamID&) const = default;
};

// Parses "ms-seq", "ms" (seq = missing_seq), and unless `strict`, "-" (0-0) and "+" (max), as
// Redis's streamGenericParseIDOrReply. With `seq_given` non-null, "ms-*" is accepted and sets
// *seq_given to false. Numbers are unsigned 64-bit decimals.
bool ParseStreamID(std::string_view text, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given = nullptr);

// A pending entry of a group: delivered to `consumer`, not acknowledged yet.
struct StreamNack {
  std::string consumer;
  int64_t delivery_time_ms = 0;  // Unix ms of the last delivery
  uint64_t delivery_count = 1;
};

struct StreamConsumer {
  int64_t seen_time_ms = 0;  // Unix ms of the last read or claim (XINFO "idle", "seen-time")
  std::set<StreamID> pel;    // the group PEL's entries owned by this consumer
};

// Redis's SCG_INVALID_ENTRIES_READ: a group whose read counter is unknown.
inline constexpr int64_t kInvalidEntriesRead = -1;

struct StreamGroup {
  StreamID last_id;                                 // last delivered
  int64_t entries_read = kInvalidEntriesRead;       // logical reads counter
  std::map<StreamID, StreamNack> pel;               // group PEL, by ID
  std::map<std::string, StreamConsumer> consumers;  // by name (Redis's rax order)

  // The consumer `name`, created (seen now) when absent; *created tells which.
  StreamConsumer& Consumer(std::string_view name, int64_t now_ms, bool* created = nullptr);
  // Removes `id` from the group PEL and its consumer's; false when it was not pending.
  bool Ack(const StreamID& id);
};

struct StreamValue {
  using Fields = std::vector<std::string>;  // field, value, field, value...

  std::map<StreamID, Fields> entries;
  StreamID last_id;            // last generated (XADD) or set (XSETID)
  StreamID max_deleted_id;     // largest ID removed by XDEL (trimming does not count)
  uint64_t entries_added = 0;  // every entry ever added
  std::map<std::string, StreamGroup> groups;  // by name

  size_t size() const { return entries.size(); }
  // The first entry's ID (0-0 when empty), as Redis's s->first_id.
  StreamID first_id() const { return entries.empty() ? StreamID{} : entries.begin()->first; }

  // Appends `fields` under `id` (> last_id, checked by the caller). Returns the bytes charged.
  int64_t Append(const StreamID& id, Fields fields);
  // Removes the entry `id`; returns the bytes freed, 0 when it did not exist.
  int64_t Erase(const StreamID& id);

  // Trimming (XADD / XTRIM MAXLEN|MINID [=|~] [LIMIT]): removes entries from the head while the
  // stream is longer than `maxlen` (MAXLEN) or the head's ID is below `minid` (MINID). `approx`
  // (~) removes only whole "nodes" of up to kNodeEntries entries, as Redis removes whole
  // radix-tree nodes, and no more than `limit` (> 0) entries. Returns how many were removed and
  // adds the bytes freed to *freed.
  static constexpr int64_t kNodeEntries = 100;  // Redis's stream-node-max-entries default
  int64_t TrimMaxLen(int64_t maxlen, bool approx, int64_t limit, int64_t* freed);
  int64_t TrimMinId(const StreamID& minid, bool approx, int64_t limit, int64_t* freed);

  // Redis's streamRangeHasTombstones: whether an XDEL'd ID may lie in [start, end].
  bool RangeHasTombstones(const StreamID& start, const StreamID& end = StreamID::Max()) const;
  // Redis's streamEstimateDistanceFromFirstEverEntry: the logical position of `id`, or
  // kInvalidEntriesRead when it cannot be known.
  int64_t EstimateDistance(const StreamID& id) const;
  // A group's lag (XINFO GROUPS "lag"); false when it cannot be computed (a null reply).
  bool Lag(const StreamGroup& group, int64_t* lag) const;
  // Moves a group's last-delivered ID to `id` (delivered by XREADGROUP ... >), keeping its read
  // counter as Redis does.
  void Deliver(StreamGroup& group, const StreamID& id) const;

  // What one entry adds to the Object's charge: its ID and fields plus node overhead.
  static int64_t EntryBytes(const Fields& fields);
  // What the groups add to it: each group, consumer and pending entry with its nodes. O(groups +
  // consumers): the group commands charge the difference of it before and after their work.
  int64_t GroupsBytes() const;

 private:
  // How many of the `wanted` head entries a trim removes: all when exact; with `approx` whole
  // nodes only, at most `limit` (> 0) entries.
  int64_t TrimCount(int64_t wanted, bool approx, int64_t limit) const;
  // Removes the first `n` entries.
  int64_t EraseHead(int64_t n, int64_t* freed);
};

}  // namespace aio::cache
