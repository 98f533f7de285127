// Private to store/mvcc: the state of MvccStore and the functions that read and apply requests.
// mvcc_store.cc holds the lifecycle, the writer loop and the public entry points;
// apply.cc applies write requests inside the writer; read.cc serves ranges and history.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "rocksdb/db.h"
#include "store/mvcc/key_format.h"
#include "store/mvcc/key_index.h"
#include "store/mvcc/mvcc_store.h"
#include "store/mvcc/watch_hub.h"

namespace aio::store::mvcc {

struct Lease {
  int64_t id = 0;
  int64_t ttl = 0;          // granted TTL, seconds
  int64_t deadline_ms = 0;  // on Options::clock
  bool revoking = false;    // the lease checker has queued its revocation
  absl::flat_hash_set<std::string> keys;
};

struct CompactOp {
  int64_t revision;
};
struct LeaseGrantOp {
  int64_t id;
  int64_t ttl;
};
struct LeaseRevokeOp {
  int64_t id;
};

using WriteRequest = std::variant<PutRequest, DeleteRangeRequest, TxnRequest, CompactOp,
                                  LeaseGrantOp, LeaseRevokeOp>;
using WriteResult = absl::StatusOr<std::variant<PutResponse, DeleteRangeResponse, TxnResponse,
                                                CompactResponse, LeaseGrantResponse, int64_t>>;

// A request waiting for the writer thread, which calls `done` once the batch is durable.
struct PendingWrite {
  WriteRequest request;
  std::function<void(WriteResult)> done;
  WriteResult result = absl::UnknownError("not applied");
};

// One write request being applied: the revision it writes at and how many changes it made.
struct TxnContext {
  int64_t main = 0;
  int32_t next_sub = 0;
  bool wrote() const { return next_sub > 0; }
};

// Everything one group commit accumulates before its WAL sync.
struct BatchState {
  rocksdb::WriteBatch batch;
  std::vector<std::function<void()>> undo;  // run in reverse to forget a failed request
  std::vector<Event> events;
  std::map<Revision, std::string> records;  // revision records written by this batch
  bool with_prev_kv = false;  // events carry prev_kv (some watcher wanted it when the batch began)
};

class MvccStore::Impl {
 public:
  explicit Impl(const Options& options) : options_(options) {}

  absl::Status Open();
  void Start();
  void Stop();

  // --- read.cc ---
  absl::StatusOr<RangeResponse> Range(const RangeRequest& r);
  // Range inside the writer: sees the batch's uncommitted writes. REQUIRES: index_mu_ exclusive.
  absl::StatusOr<RangeResponse> RangeInWriter(const RangeRequest& r, int64_t header_rev,
                                              const BatchState* st);
  absl::StatusOr<int64_t> ReadHistory(int64_t from, int64_t to, size_t max_events, bool with_prev,
                                      std::vector<Event>* out);
  absl::StatusOr<HashKVResponse> HashKV(int64_t revision);

  // --- apply.cc (writer thread; REQUIRES: index_mu_ exclusive) ---
  WriteResult Apply(const WriteRequest& request, BatchState* st);

  // --- mvcc_store.cc ---
  // Queues a write for the writer thread; `done` runs once it is durable or has failed.
  void SubmitAsync(WriteRequest request, std::function<void(WriteResult)> done);
  WriteResult Submit(WriteRequest request);  // SubmitAsync, waiting for the result
  absl::StatusOr<LeaseKeepAliveResponse> LeaseKeepAlive(int64_t id);
  absl::StatusOr<LeaseTimeToLiveResponse> LeaseTimeToLive(int64_t id, bool keys);
  std::vector<int64_t> LeaseList();
  void CheckLeases();
  void AutoCompact();
  absl::StatusOr<StoreStatus> Status();
  absl::Status Defragment();
  void DisarmNoSpaceAlarm() { nospace_alarm_ = false; }
  int64_t committed_revision() const { return committed_rev_.load(); }

  const Options options_;
  Stats stats_;
  std::unique_ptr<WatchHub> hub_;

 private:
  // apply.cc
  absl::StatusOr<PutResponse> ApplyPut(const PutRequest& r, TxnContext* tx, BatchState* st);
  absl::StatusOr<DeleteRangeResponse> ApplyDelete(const DeleteRangeRequest& r, TxnContext* tx,
                                                  BatchState* st);
  absl::StatusOr<TxnResponse> ApplyTxn(const TxnRequest& r, const std::vector<bool>& path,
                                       size_t* path_pos, TxnContext* tx, BatchState* st);
  absl::StatusOr<CompactResponse> ApplyCompact(int64_t revision, BatchState* st);
  absl::StatusOr<LeaseGrantResponse> ApplyLeaseGrant(LeaseGrantOp op, BatchState* st);
  absl::StatusOr<int64_t> ApplyLeaseRevoke(int64_t id, BatchState* st);
  // Appends a tombstone for a live key. REQUIRES: h->live().
  void DeleteKey(const std::string& key, KeyHistory* h, bool want_prev, TxnContext* tx,
                 BatchState* st, std::optional<KeyValue>* prev);
  Revision NextRevision(TxnContext* tx);
  // Undoes one change appended to the key's history: drops it and restores the key's state.
  std::function<void()> RestoreKey(const std::string& key, const KeyHistory& h);
  void AttachLease(int64_t lease, const std::string& key, BatchState* st);
  void DetachLease(int64_t lease, const std::string& key, BatchState* st);
  absl::StatusOr<bool> EvaluateCompares(const std::vector<Compare>& compares, BatchState* st);
  absl::Status ComputePath(const TxnRequest& r, BatchState* st, std::vector<bool>* path);
  absl::Status CheckQuota();

  // read.cc
  // Revisions of the live keys of `r` at `rev`, and the total count. REQUIRES: index_mu_.
  std::vector<Revision> PlanRange(const RangeRequest& r, int64_t rev, int64_t* count);
  absl::StatusOr<RangeResponse> FinishRange(const RangeRequest& r, std::vector<Record> records,
                                            int64_t count, int64_t header_rev);
  absl::StatusOr<std::vector<Record>> ReadRecords(const std::vector<Revision>& revs,
                                                  const rocksdb::Snapshot* snapshot);
  // A record of the current batch or of the database. Writer thread only.
  absl::StatusOr<Record> ReadRecordInWriter(Revision rev, const BatchState* st);
  absl::Status CheckReadRevision(int64_t rev) const;

  // mvcc_store.cc
  void WriterLoop();
  void CommitBatch(std::vector<std::unique_ptr<PendingWrite>>& batch);
  void MaintenanceLoop();
  int64_t BackendSize();

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;

  // Readers take it shared to look up revisions; the writer takes it exclusive to apply.
  std::shared_mutex index_mu_;
  KeyIndex index_;
  int64_t current_rev_ = 1;                // newest revision, committed or not (writer)
  std::atomic<int64_t> committed_rev_{1};  // every revision up to here is durable
  std::atomic<int64_t> compact_rev_{0};

  // Guards leases_: the writer mutates it, keep-alives and the lease checker read it.
  std::mutex lease_mu_;
  absl::flat_hash_map<int64_t, Lease> leases_;

  // The writer's queue: callers append and wait, the writer takes everything queued at once.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<PendingWrite>> queue_;
  bool stopping_ = false;

  std::atomic<bool> nospace_alarm_{false};
  std::atomic<int64_t> backend_size_{0};

  // Maintenance thread: lease checker, auto-compaction.
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool maintenance_stop_ = false;
  std::deque<std::pair<int64_t, int64_t>> compaction_samples_;  // (time ms, revision)
  int64_t last_compaction_check_ms_ = 0;

  std::thread writer_;
  std::thread maintenance_;
  bool started_ = false;
  bool stopped_ = false;
};

// Request size as etcd counts it for --max-request-bytes (keys, values and range ends).
int64_t RequestBytes(const WriteRequest& request);
// etcd's checks before a request is proposed (api/v3rpc/key.go): empty keys, ignore_* misuse,
// txn op counts, duplicate keys in a txn.
absl::Status ValidateRange(const RangeRequest& r);
absl::Status ValidatePut(const PutRequest& r);
absl::Status ValidateDelete(const DeleteRangeRequest& r);
absl::Status ValidateTxn(const TxnRequest& r, int64_t max_ops);

}  // namespace aio::store::mvcc
