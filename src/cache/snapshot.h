// Snapshot: the cache's optional persistence, Redis's RDB in purpose (SAVE, BGSAVE, a save on an
// interval and at shutdown, loaded at start) in AIO's own file format:
//
//   "AIOCACHE" u32 version(1)
//   entries:  u8 1, varint db, u8 Type, i64 expire (Unix ms, -1 = none), string key, value
//             (string: string; hash: varint n, n × (field, value); list and set: varint n,
//              n × element; zset: varint n, n × (member, f64 score))
//   trailer:  u8 0xFF, u64 entry count, u32 CRC-32 (zlib) of every byte before it
//   (strings are varint length + bytes; integers little-endian)
//
// The file is written to `<path>.tmp`, fsynced, then renamed over `path` and the directory
// fsynced, so a crash mid-save leaves the previous snapshot intact. Shards are copied one at a
// time under their lock: each key is consistent, but a snapshot is not one point in time across
// shards (a multi-key write racing the save may be half in it). Keys already expired are skipped.
//
// Thread-safe: both functions lock shards themselves; call them with no shard lock held.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "cache/keyspace.h"

namespace aio::cache {

struct SnapshotStats {
  int64_t keys = 0;   // entries written or loaded
  int64_t bytes = 0;  // file size
};

// Writes every live key of `keyspace`. Errors: the directory or file cannot be written (disk full,
// permissions), named with the path; the previous snapshot is then left as it was.
absl::StatusOr<SnapshotStats> SaveSnapshot(Keyspace& keyspace, const std::string& path,
                                           int64_t now_ms);

// Loads `path` into `keyspace` (keys already there are replaced). A missing file loads nothing.
// Errors: a truncated or corrupt file (bad magic, version, CRC or entry), or a database index the
// keyspace does not have; nothing is loaded then.
absl::StatusOr<SnapshotStats> LoadSnapshot(Keyspace& keyspace, const std::string& path,
                                           int64_t now_ms);

}  // namespace aio::cache
