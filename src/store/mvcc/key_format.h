// The RocksDB key schema of the embedded store: the one home of the on-disk format.
//
//   'r' BE64(main) BE32(sub)  -> revision record: one change of one key (EncodeRecord)
//   'l' BE64(lease id)        -> lease record: BE64(granted TTL, seconds)
//   'm' name                  -> meta: kMetaRevision, kMetaCompactRevision (BE64 each)
//
// Revision keys sort in revision order, so history is one forward scan. Big-endian integers keep
// RocksDB's bytewise order equal to numeric order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/kv_store.h"

namespace aio::store::mvcc {

// One change: revision (main, sub). Sub orders the changes inside one txn.
struct Revision {
  int64_t main = 0;
  int32_t sub = 0;
  friend auto operator<=>(const Revision&, const Revision&) = default;
};

// Persisted: never renumber.
enum class RecordType : uint8_t { kPut = 1, kTombstone = 2 };

inline constexpr char kRevisionPrefix = 'r';
inline constexpr char kLeasePrefix = 'l';
inline constexpr std::string_view kMetaRevision = "mrevision";
inline constexpr std::string_view kMetaCompactRevision = "mcompact";

std::string RevisionKey(Revision rev);
// REQUIRES: key starts with kRevisionPrefix and has the right size (IsRevisionKey).
Revision ParseRevisionKey(std::string_view key);
bool IsRevisionKey(std::string_view key);

std::string LeaseKey(int64_t id);
int64_t ParseLeaseKey(std::string_view key);

std::string EncodeInt64(int64_t v);
// nullopt when `data` is not 8 bytes (corrupt meta).
std::optional<int64_t> DecodeInt64(std::string_view data);

// A revision record: the key's full state after the change (create_revision, version, lease,
// value), or a tombstone holding just the key. mod_revision is the record's own revision.
struct Record {
  RecordType type = RecordType::kPut;
  KeyValue kv;
};

std::string EncodeRecord(RecordType type, const KeyValue& kv);
// nullopt when the bytes are not a record (corruption); `mod_revision` comes from the key.
std::optional<Record> DecodeRecord(std::string_view data, int64_t mod_revision);

}  // namespace aio::store::mvcc
