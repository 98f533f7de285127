// store::KvStore: the etcd v3 data model that every control-plane component of AIO stands on.
//
// One global revision counts every write; each key carries create_revision, mod_revision, version
// and lease; every write request (Put, DeleteRange, Txn with writes, LeaseRevoke that deletes keys)
// is exactly one revision. Semantics, limits and error texts follow etcd v3.4
// (https://etcd.io/docs/v3.4/learning/api/); errors are absl::Status values whose messages are
// etcd's own texts (see store/errors.h), so front-ends pass them through unchanged.
//
// Two implementations: store/mvcc (embedded, RocksDB) and store/etcd (a real etcd cluster). Both
// pass the same conformance suite (store/conformance/).
//
// Thread-safety: every method may be called from any thread. Write methods block until the write
// is durable (WAL synced) or has failed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aio::store {

// A key's state at one revision (etcd mvccpb.KeyValue).
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;  // revision of the put that created the key's current generation
  int64_t mod_revision = 0;     // revision of the last change
  int64_t version = 0;          // puts since creation; a delete resets it to 0
  int64_t lease = 0;            // attached lease ID, 0 for none

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

// Ordering of a Range result (etcd RangeRequest.SortOrder / SortTarget; persisted nowhere, but the
// numeric values equal etcd's wire enums).
enum class SortOrder { kNone = 0, kAscend = 1, kDescend = 2 };
enum class SortTarget { kKey = 0, kVersion = 1, kCreate = 2, kMod = 3, kValue = 4 };

// Keys are selected as in etcd: range_end empty = the single key `key`; range_end == "\0" = every
// key >= `key`; otherwise [key, range_end). `key` == "\0" with range_end == "\0" selects all keys.
// etcd's clientv3.GetPrefixRangeEnd: the smallest key greater than every key starting with
// `prefix`, for a range_end that selects the prefix ("\0", i.e. to the end of the keyspace, when
// there is none: the prefix is empty or all 0xff).
inline std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0 = no limit; `more` tells whether keys were left out
  int64_t revision = 0;  // <= 0 = the current revision; else a historical read
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool serializable = false;  // accepted; a single node is always linearizable
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;  // 0 = no bound (the four filters)
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
};

struct RangeResponse {
  int64_t revision = 0;  // header revision: the store's revision when the read was served
  std::vector<KeyValue> kvs;
  bool more = false;
  int64_t count = 0;  // keys in the range (before limit)
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;  // keep the current value; error if the key does not exist
  bool ignore_lease = false;  // keep the current lease; error if the key does not exist
};

struct PutResponse {
  int64_t revision = 0;
  std::optional<KeyValue> prev_kv;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t revision = 0;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;
};

// One condition of a Txn (etcd Compare). The numeric values equal etcd's wire enums.
struct Compare {
  enum class Result { kEqual = 0, kGreater = 1, kLess = 2, kNotEqual = 3 };
  enum class Target { kVersion = 0, kCreate = 1, kMod = 2, kValue = 3, kLease = 4 };

  Result result = Result::kEqual;
  Target target = Target::kValue;
  std::string key;
  std::string range_end;  // as RangeRequest: every key in the range must satisfy the compare
  int64_t number = 0;     // version, create_revision, mod_revision or lease, by target
  std::string value;      // for Target::kValue
};

struct RequestOp;
struct ResponseOp;

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct RequestOp {
  std::variant<RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest> op;
};

struct TxnResponse {
  int64_t revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

struct ResponseOp {
  std::variant<RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse> op;
};

struct CompactResponse {
  int64_t revision = 0;
};

// Leases (etcd Lease service). TTLs are in seconds.
struct LeaseGrantResponse {
  int64_t revision = 0;
  int64_t id = 0;
  int64_t ttl = 0;
};

struct LeaseKeepAliveResponse {
  int64_t revision = 0;
  int64_t id = 0;
  int64_t ttl = 0;  // the renewed TTL
};

struct LeaseTimeToLiveResponse {
  int64_t revision = 0;
  int64_t id = 0;
  int64_t ttl = 0;                // remaining seconds, -1 when the lease does not exist (as etcd)
  int64_t granted_ttl = 0;        // the TTL it was granted with
  std::vector<std::string> keys;  // attached keys, when asked for
};

// Watch (etcd mvcc watchable store). An Event is one change at one revision.
struct Event {
  enum class Type { kPut = 0, kDelete = 1 };  // etcd mvccpb.Event.EventType
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: key and mod_revision (the delete's revision), other fields zero
  std::optional<KeyValue> prev_kv;  // only when the watcher asked for prev_kv

  friend bool operator==(const Event&, const Event&) = default;
};

struct WatchRequest {
  std::string key;
  std::string range_end;       // as RangeRequest
  int64_t start_revision = 0;  // <= 0 = from the next revision; else replay history from here
  bool prev_kv = false;
  bool filter_put = false;     // etcd NOPUT
  bool filter_delete = false;  // etcd NODELETE
  bool progress_notify = false;
  int64_t watch_id = 0;  // 0 = let the stream choose (etcd AutoWatchID)
};

// What a WatchStream hands to its front-end, in order; the front-end relays each one as it is
// (etcd WatchResponse). Exactly one of: the `created` answer to Watch(), a batch of events, a
// progress notification (no events; watch_id -1 for RequestProgress, as etcd 3.4), or a
// cancellation (Cancel(), or compact_revision set when the watcher's start revision had been
// compacted).
struct WatchResponse {
  int64_t watch_id = 0;
  int64_t revision = 0;  // header revision
  std::vector<Event> events;
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
};

// A set of watchers that share one ordered delivery queue (etcd mvcc.WatchStream). Events of each
// watcher come in revision order, never duplicated or lost; a slow reader never blocks writers:
// when its queue is full its watchers fall behind and later catch up from history.
// Thread-safe.
class WatchStream {
 public:
  virtual ~WatchStream() = default;

  // Creates a watcher and queues its `created` response (before any of its events). Returns its
  // ID, or ErrWatchIdExists / ErrEmptyKey (store/errors.h). A start revision that has been
  // compacted is not an error here: the watcher is created and then canceled by a response
  // carrying compact_revision (as etcd).
  virtual absl::StatusOr<int64_t> Watch(const WatchRequest& request) = 0;
  // Removes a watcher and queues its `canceled` response; ErrWatcherNotFound if there is none.
  virtual absl::Status Cancel(int64_t watch_id) = 0;
  // Queues a progress notification (watch_id -1, no events) whose revision says every event up
  // to it has been queued; sent as soon as every watcher of the stream is synced.
  virtual void RequestProgress() = 0;
  // Takes the next queued response, if any. Never blocks.
  virtual std::optional<WatchResponse> Next() = 0;
};

// Health, size and alarms of the store (etcd Maintenance service).
struct StoreStatus {
  int64_t revision = 0;
  int64_t compact_revision = 0;
  int64_t db_size_bytes = 0;   // bytes on disk
  int64_t db_size_in_use = 0;  // live data estimate
  bool nospace_alarm = false;
};

struct HashKVResponse {
  int64_t revision = 0;
  uint32_t hash = 0;
  int64_t compact_revision = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  virtual absl::StatusOr<RangeResponse> Range(const RangeRequest& request) = 0;
  virtual absl::StatusOr<PutResponse> Put(const PutRequest& request) = 0;
  virtual absl::StatusOr<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& request) = 0;
  // All compares are evaluated and the chosen branch applied as one revision (if it writes).
  virtual absl::StatusOr<TxnResponse> Txn(const TxnRequest& request) = 0;
  // Discards history before `revision`. With `physical`, returns after the old revisions are gone
  // from disk. Errors: compacted (already at or past it), future revision.
  virtual absl::StatusOr<CompactResponse> Compact(int64_t revision, bool physical) = 0;

  // Asynchronous forms of the writes, for front-ends that must not park a thread per request:
  // `done` runs exactly once, when the write is durable or has failed, on a store thread (or on
  // the caller's thread for a request refused before it is queued). `done` must not block.
  template <typename Response>
  using Callback = std::function<void(absl::StatusOr<Response>)>;
  virtual void PutAsync(const PutRequest& request, Callback<PutResponse> done) {
    done(Put(request));
  }
  virtual void DeleteRangeAsync(const DeleteRangeRequest& request,
                                Callback<DeleteRangeResponse> done) {
    done(DeleteRange(request));
  }
  virtual void TxnAsync(const TxnRequest& request, Callback<TxnResponse> done) {
    done(Txn(request));
  }

  // id 0 = the store picks one. Errors: lease already exists, TTL too large.
  virtual absl::StatusOr<LeaseGrantResponse> LeaseGrant(int64_t id, int64_t ttl_seconds) = 0;
  // Deletes every attached key in one revision, then the lease. Error: lease not found.
  virtual absl::StatusOr<int64_t> LeaseRevoke(int64_t id) = 0;  // returns the header revision
  virtual absl::StatusOr<LeaseKeepAliveResponse> LeaseKeepAlive(int64_t id) = 0;
  virtual absl::StatusOr<LeaseTimeToLiveResponse> LeaseTimeToLive(int64_t id, bool keys) = 0;
  virtual absl::StatusOr<std::vector<int64_t>> LeaseList() = 0;

  // A new watch stream. `on_ready` is called (from a store thread, must not block, must not call
  // back into the stream) whenever responses become available after Next() had returned empty.
  virtual std::unique_ptr<WatchStream> NewWatchStream(std::function<void()> on_ready) = 0;

  virtual absl::StatusOr<StoreStatus> Status() = 0;
  virtual absl::StatusOr<HashKVResponse> HashKV(int64_t revision) = 0;
  // Rewrites the backend to reclaim space freed by compaction.
  virtual absl::Status Defragment() = 0;
  // Clears the NOSPACE alarm if usage is back under the quota (etcd "alarm disarm").
  virtual absl::Status DisarmNoSpaceAlarm() = 0;
  virtual int64_t CurrentRevision() = 0;
};

}  // namespace aio::store
