// MvccStore: the embedded KvStore. An in-memory MVCC index (key -> revisions) over RocksDB, which
// holds every revision's value, the leases and the store's meta data (key schema: key_format.h).
//
// Threading: one writer thread takes writes from a queue and group-commits them (one RocksDB
// WriteBatch, WAL fsync'ed, for everything queued) before any of them is acknowledged; readers
// read the index under a shared lock at the last committed revision, values from a RocksDB
// snapshot. A lease checker thread revokes expired leases; the watch hub thread delivers events
// and lets slow watchers catch up from history. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "store/errors.h"
#include "store/kv_store.h"

namespace aio::store::mvcc {

struct Options {
  std::string data_dir;                                 // RocksDB lives in <data_dir>/store
  int64_t max_request_bytes = kDefaultMaxRequestBytes;  // etcd --max-request-bytes
  int64_t quota_bytes = kDefaultQuotaBytes;             // etcd --quota-backend-bytes
  // etcd --auto-compaction-mode / --auto-compaction-retention: "" (off), "periodic" with a
  // retention in milliseconds, or "revision" with a retention in revisions.
  std::string auto_compaction_mode;
  int64_t auto_compaction_retention = 0;
  // etcd --experimental-watch-progress-notify-interval (default 10 min).
  int64_t progress_notify_interval_ms = 10 * 60 * 1000;
  // Responses queued per watch stream before its watchers are moved to the unsynced set.
  int64_t watch_stream_queue_limit = 1024;
  // Whether writes fsync the WAL before acknowledging. Only tests turn this off.
  bool sync_writes = true;
  // Whether the store runs its own lease checker and watch catch-up threads; unit tests turn this
  // off and call CheckLeases()/SyncWatchers() on a ManualClock.
  bool background_threads = true;
  base::Clock* clock = base::SystemClock::Get();
};

// Plain counters read by /metrics at scrape time (aio_store_*).
struct Stats {
  std::atomic<int64_t> ranges_total{0};
  std::atomic<int64_t> puts_total{0};
  std::atomic<int64_t> deletes_total{0};
  std::atomic<int64_t> txns_total{0};
  std::atomic<int64_t> compactions_total{0};
  std::atomic<int64_t> wal_syncs_total{0};           // group commits
  std::atomic<int64_t> committed_requests_total{0};  // write requests acknowledged
  std::atomic<int64_t> write_errors_total{0};
  std::atomic<int64_t> leases_granted_total{0};
  std::atomic<int64_t> leases_expired_total{0};
  std::atomic<int64_t> watchers{0};            // gauge
  std::atomic<int64_t> slow_watchers{0};       // gauge: watchers catching up from history
  std::atomic<int64_t> watch_events_total{0};  // events handed to watch streams
  std::atomic<int64_t> keys{0};                // gauge: live keys at the current revision
};

class MvccStore final : public KvStore {
 public:
  // Opens (or creates) the store in options.data_dir and rebuilds the index from disk. Errors name
  // the directory and RocksDB's reason (unwritable, locked by another process, corrupt).
  static absl::StatusOr<std::unique_ptr<MvccStore>> Open(const Options& options);
  ~MvccStore() override;

  // Refuses new writes (ErrStopped), finishes the queued ones, stops the threads, closes RocksDB.
  // Idempotent.
  void Stop();

  absl::StatusOr<RangeResponse> Range(const RangeRequest& request) override;
  absl::StatusOr<PutResponse> Put(const PutRequest& request) override;
  absl::StatusOr<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& request) override;
  absl::StatusOr<TxnResponse> Txn(const TxnRequest& request) override;
  absl::StatusOr<CompactResponse> Compact(int64_t revision, bool physical) override;
  void PutAsync(const PutRequest& request, Callback<PutResponse> done) override;
  void DeleteRangeAsync(const DeleteRangeRequest& request,
                        Callback<DeleteRangeResponse> done) override;
  void TxnAsync(const TxnRequest& request, Callback<TxnResponse> done) override;
  absl::StatusOr<LeaseGrantResponse> LeaseGrant(int64_t id, int64_t ttl_seconds) override;
  absl::StatusOr<int64_t> LeaseRevoke(int64_t id) override;
  absl::StatusOr<LeaseKeepAliveResponse> LeaseKeepAlive(int64_t id) override;
  absl::StatusOr<LeaseTimeToLiveResponse> LeaseTimeToLive(int64_t id, bool keys) override;
  absl::StatusOr<std::vector<int64_t>> LeaseList() override;
  std::unique_ptr<WatchStream> NewWatchStream(std::function<void()> on_ready) override;
  absl::StatusOr<StoreStatus> Status() override;
  absl::StatusOr<HashKVResponse> HashKV(int64_t revision) override;
  absl::Status Defragment() override;
  absl::Status DisarmNoSpaceAlarm() override;
  int64_t CurrentRevision() override;

  // Revokes leases whose deadline has passed on the clock. Called by the lease checker thread
  // every 500 ms; tests call it directly.
  void CheckLeases();
  // Runs one round of catch-up for unsynced watchers and due progress notifications. Called by
  // the watch thread every 100 ms; tests call it directly.
  void SyncWatchers();

  const Stats& stats() const;

 private:
  class Impl;
  explicit MvccStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aio::store::mvcc
