#include "store/mvcc/mvcc_store.h"

#include <filesystem>

#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "store/mvcc/mvcc_store_impl.h"

namespace aio::store::mvcc {
namespace {

constexpr auto kMaintenanceTick = std::chrono::milliseconds(500);
constexpr int64_t kRevisionCompactionIntervalMs = 5 * 60 * 1000;  // etcd's revision mode

rocksdb::Options BackendOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 32 << 20;
  o.max_write_buffer_number = 3;
  o.arena_block_size = 256 << 10;  // memtable usage, counted against the quota, in small steps
  o.max_background_jobs = 2;
  o.keep_log_file_num = 3;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

}  // namespace

absl::Status MvccStore::Impl::Open() {
  std::filesystem::path dir = std::filesystem::path(options_.data_dir) / "store";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError("store: cannot create data directory " + dir.string() +
                                         ": " + ec.message());
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(BackendOptions(), dir.string(), &raw);
  if (!s.ok()) {
    return absl::FailedPreconditionError("store: cannot open " + dir.string() + ": " +
                                         s.ToString());
  }
  db_.reset(raw);
  write_options_.sync = options_.sync_writes;

  // Meta data, then the index from every revision record, oldest first.
  std::string value;
  if (db_->Get({}, std::string(kMetaCompactRevision), &value).ok()) {
    auto rev = DecodeInt64(value);
    if (!rev) return absl::DataLossError("store: corrupt compaction revision in " + dir.string());
    compact_rev_ = *rev;
  }
  if (db_->Get({}, std::string(kMetaRevision), &value).ok()) {
    auto rev = DecodeInt64(value);
    if (!rev) return absl::DataLossError("store: corrupt revision in " + dir.string());
    current_rev_ = std::max(current_rev_, *rev);
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}));
  for (it->Seek(std::string(1, kRevisionPrefix)); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (!IsRevisionKey(key)) break;
    Revision rev = ParseRevisionKey(key);
    auto record = DecodeRecord(it->value().ToStringView(), rev.main);
    if (!record) {
      return absl::DataLossError("store: corrupt record at revision " + std::to_string(rev.main));
    }
    KeyHistory& h = index_.GetOrCreate(record->kv.key);
    bool tombstone = record->type == RecordType::kTombstone;
    h.entries.push_back(KeyHistory::Entry{rev.main, rev.sub, tombstone});
    h.create_revision = tombstone ? 0 : record->kv.create_revision;
    h.version = tombstone ? 0 : record->kv.version;
    h.lease = tombstone ? 0 : record->kv.lease;
    current_rev_ = std::max(current_rev_, rev.main);
  }
  if (!it->status().ok()) return absl::DataLossError("store: " + it->status().ToString());

  // Leases come back with their full TTL, as etcd's lessor promotes them on recovery.
  int64_t now = options_.clock->NowMs();
  for (it->Seek(std::string(1, kLeasePrefix)); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.empty() || key[0] != kLeasePrefix) break;
    auto ttl = DecodeInt64(it->value().ToStringView());
    if (!ttl || key.size() != 9) return absl::DataLossError("store: corrupt lease record");
    int64_t id = ParseLeaseKey(key);
    leases_.emplace(id, Lease{.id = id, .ttl = *ttl, .deadline_ms = now + *ttl * 1000});
  }
  int64_t live = 0;
  index_.ForRange(KeyRange{std::string_view("\0", 1), std::string_view("\0", 1)},
                  [&](const std::string& key, const KeyHistory& h) {
                    if (!h.live()) return true;
                    ++live;
                    if (auto lease = leases_.find(h.lease); lease != leases_.end()) {
                      lease->second.keys.insert(key);
                    }
                    return true;
                  });
  stats_.keys = live;
  committed_rev_ = current_rev_;
  backend_size_ = BackendSize();

  hub_ = std::make_unique<WatchHub>(
      WatchHub::Options{.queue_limit = options_.watch_stream_queue_limit,
                        .progress_notify_interval_ms = options_.progress_notify_interval_ms},
      options_.clock, &stats_,
      [this](int64_t from, int64_t to, size_t max, bool prev, std::vector<Event>* out) {
        return ReadHistory(from, to, max, prev, out);
      },
      [this] { return compact_rev_.load(); }, current_rev_);
  return absl::OkStatus();
}

void MvccStore::Impl::Start() {
  started_ = true;
  writer_ = std::thread([this] { WriterLoop(); });
  if (options_.background_threads) {
    hub_->Start();
    maintenance_ = std::thread([this] { MaintenanceLoop(); });
  }
}

void MvccStore::Impl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(maintenance_mu_);
    maintenance_stop_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (hub_) hub_->Stop();
  if (db_) {
    db_->FlushWAL(true).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
}

void MvccStore::Impl::SubmitAsync(WriteRequest request, std::function<void(WriteResult)> done) {
  if (RequestBytes(request) > options_.max_request_bytes) return done(ErrRequestTooLarge());
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::make_unique<PendingWrite>(
          PendingWrite{.request = std::move(request), .done = std::move(done)}));
      queue_cv_.notify_one();
      return;
    }
  }
  done(ErrStopped());
}

WriteResult MvccStore::Impl::Submit(WriteRequest request) {
  std::promise<WriteResult> result;
  std::future<WriteResult> future = result.get_future();
  SubmitAsync(std::move(request), [&result](WriteResult r) { result.set_value(std::move(r)); });
  return future.get();
}

void MvccStore::Impl::WriterLoop() {
  std::vector<std::unique_ptr<PendingWrite>> batch;
  while (true) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    CommitBatch(batch);
    for (auto& w : batch) w->done(std::move(w->result));
    batch.clear();
  }
}

void MvccStore::Impl::CommitBatch(std::vector<std::unique_ptr<PendingWrite>>& batch) {
  BatchState st;
  st.with_prev_kv = hub_->wants_prev_kv();
  {
    std::unique_lock lock(index_mu_);
    for (auto& w : batch) {
      size_t undo_mark = st.undo.size();
      size_t event_mark = st.events.size();
      int64_t rev_before = current_rev_;
      st.batch.SetSavePoint();
      w->result = Apply(w->request, &st);
      if (w->result.ok()) {
        st.batch.PopSavePoint().PermitUncheckedError();
        continue;
      }
      st.batch.RollbackToSavePoint().PermitUncheckedError();
      while (st.undo.size() > undo_mark) {
        st.undo.back()();
        st.undo.pop_back();
      }
      st.events.resize(event_mark);
      current_rev_ = rev_before;
    }
  }
  if (st.batch.Count() > 0) {
    st.batch.Put(std::string(kMetaRevision), EncodeInt64(current_rev_));
    rocksdb::Status s = db_->Write(write_options_, &st.batch);
    ++stats_.wal_syncs_total;
    if (!s.ok()) {
      // Nothing of this batch is acknowledged: forget it in memory too.
      ++stats_.write_errors_total;
      {
        std::unique_lock lock(index_mu_);
        for (auto undo = st.undo.rbegin(); undo != st.undo.rend(); ++undo) (*undo)();
        current_rev_ = committed_rev_.load();
      }
      for (auto& w : batch) {
        if (w->result.ok()) w->result = ErrBackend(s.ToString());
      }
      if (s.IsNoSpace()) nospace_alarm_ = true;
      db_->Resume().PermitUncheckedError();  // lets the next batch try again
      return;
    }
  }
  for (auto& w : batch) {
    if (w->result.ok()) ++stats_.committed_requests_total;
  }
  committed_rev_ = current_rev_;
  if (!st.events.empty()) {
    hub_->Publish(std::move(st.events), current_rev_, st.with_prev_kv);
  }
  backend_size_ = BackendSize();
}

int64_t MvccStore::Impl::BackendSize() {
  uint64_t sst = 0;
  uint64_t mem = 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
  db_->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
  return static_cast<int64_t>(sst + mem);
}

absl::StatusOr<LeaseKeepAliveResponse> MvccStore::Impl::LeaseKeepAlive(int64_t id) {
  std::lock_guard lock(lease_mu_);
  auto it = leases_.find(id);
  int64_t now = options_.clock->NowMs();
  // An expired lease is gone for its holder even before the checker revokes it (etcd Renew).
  if (it == leases_.end() || it->second.revoking || it->second.deadline_ms <= now) {
    return ErrLeaseNotFound();
  }
  it->second.deadline_ms = now + it->second.ttl * 1000;
  return LeaseKeepAliveResponse{.revision = committed_rev_.load(), .id = id, .ttl = it->second.ttl};
}

absl::StatusOr<LeaseTimeToLiveResponse> MvccStore::Impl::LeaseTimeToLive(int64_t id, bool keys) {
  std::lock_guard lock(lease_mu_);
  LeaseTimeToLiveResponse resp{.revision = committed_rev_.load(), .id = id, .ttl = -1};
  auto it = leases_.find(id);
  if (it == leases_.end()) return resp;
  resp.ttl = std::max<int64_t>(0, (it->second.deadline_ms - options_.clock->NowMs()) / 1000);
  resp.granted_ttl = it->second.ttl;
  if (keys) {
    resp.keys.assign(it->second.keys.begin(), it->second.keys.end());
    std::sort(resp.keys.begin(), resp.keys.end());
  }
  return resp;
}

std::vector<int64_t> MvccStore::Impl::LeaseList() {
  std::lock_guard lock(lease_mu_);
  std::vector<int64_t> ids;
  for (const auto& [id, lease] : leases_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void MvccStore::Impl::CheckLeases() {
  std::vector<int64_t> expired;
  {
    std::lock_guard lock(lease_mu_);
    int64_t now = options_.clock->NowMs();
    for (auto& [id, lease] : leases_) {
      if (!lease.revoking && lease.deadline_ms <= now) {
        lease.revoking = true;
        expired.push_back(id);
      }
    }
  }
  for (int64_t id : expired) {
    WriteResult result = Submit(LeaseRevokeOp{id});
    if (result.ok()) {
      ++stats_.leases_expired_total;
    } else if (!absl::IsNotFound(result.status())) {
      std::lock_guard lock(lease_mu_);  // try again on the next round
      if (auto it = leases_.find(id); it != leases_.end()) it->second.revoking = false;
    }
  }
}

void MvccStore::Impl::AutoCompact() {
  const std::string& mode = options_.auto_compaction_mode;
  int64_t retention = options_.auto_compaction_retention;
  if (mode.empty() || retention <= 0) return;
  int64_t now = options_.clock->NowMs();
  int64_t rev = committed_rev_.load();
  int64_t target = 0;
  if (mode == "revision") {
    // etcd: every 5 minutes, keep the last `retention` revisions.
    if (now - last_compaction_check_ms_ < kRevisionCompactionIntervalMs) return;
    last_compaction_check_ms_ = now;
    target = rev - retention;
  } else {
    // etcd periodic: sample the revision every retention/10 and compact to the newest sample
    // that is at least `retention` old.
    if (now - last_compaction_check_ms_ >= std::max<int64_t>(retention / 10, 1)) {
      last_compaction_check_ms_ = now;
      compaction_samples_.emplace_back(now, rev);
    }
    while (compaction_samples_.size() > 1 && now - compaction_samples_[1].first >= retention) {
      compaction_samples_.pop_front();
    }
    if (compaction_samples_.empty() || now - compaction_samples_.front().first < retention) return;
    target = compaction_samples_.front().second;
  }
  if (target > compact_rev_.load()) Submit(CompactOp{target}).status().IgnoreError();
}

void MvccStore::Impl::MaintenanceLoop() {
  std::unique_lock lock(maintenance_mu_);
  while (!maintenance_stop_) {
    maintenance_cv_.wait_for(lock, kMaintenanceTick);
    if (maintenance_stop_) break;
    lock.unlock();
    CheckLeases();
    AutoCompact();
    lock.lock();
  }
}

absl::StatusOr<StoreStatus> MvccStore::Impl::Status() {
  uint64_t live = 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kEstimateLiveDataSize, &live);
  int64_t size = BackendSize();
  return StoreStatus{.revision = committed_rev_.load(),
                     .compact_revision = compact_rev_.load(),
                     .db_size_bytes = size,
                     .db_size_in_use = std::min<int64_t>(static_cast<int64_t>(live), size),
                     .nospace_alarm = nospace_alarm_.load()};
}

absl::Status MvccStore::Impl::Defragment() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  rocksdb::Status s = db_->CompactRange(options, nullptr, nullptr);
  if (!s.ok()) return absl::UnavailableError("store: defragment: " + s.ToString());
  backend_size_ = BackendSize();
  return absl::OkStatus();
}

// --- MvccStore: the public face ---

absl::StatusOr<std::unique_ptr<MvccStore>> MvccStore::Open(const Options& options) {
  auto impl = std::make_unique<Impl>(options);
  if (absl::Status s = impl->Open(); !s.ok()) return s;
  impl->Start();
  return std::unique_ptr<MvccStore>(new MvccStore(std::move(impl)));
}

MvccStore::MvccStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MvccStore::~MvccStore() { Stop(); }
void MvccStore::Stop() { impl_->Stop(); }
const Stats& MvccStore::stats() const { return impl_->stats_; }
int64_t MvccStore::CurrentRevision() { return impl_->committed_revision(); }
void MvccStore::CheckLeases() { impl_->CheckLeases(); }
void MvccStore::SyncWatchers() { impl_->hub_->RunOnce(); }

absl::StatusOr<RangeResponse> MvccStore::Range(const RangeRequest& request) {
  if (absl::Status s = ValidateRange(request); !s.ok()) return s;
  return impl_->Range(request);
}

template <typename Response>
static absl::StatusOr<Response> Take(WriteResult result) {
  if (!result.ok()) return result.status();
  return std::get<Response>(std::move(*result));
}

absl::StatusOr<PutResponse> MvccStore::Put(const PutRequest& request) {
  if (absl::Status s = ValidatePut(request); !s.ok()) return s;
  return Take<PutResponse>(impl_->Submit(request));
}

absl::StatusOr<DeleteRangeResponse> MvccStore::DeleteRange(const DeleteRangeRequest& request) {
  if (absl::Status s = ValidateDelete(request); !s.ok()) return s;
  return Take<DeleteRangeResponse>(impl_->Submit(request));
}

absl::StatusOr<TxnResponse> MvccStore::Txn(const TxnRequest& request) {
  if (absl::Status s = ValidateTxn(request, kMaxTxnOps); !s.ok()) return s;
  return Take<TxnResponse>(impl_->Submit(request));
}

void MvccStore::PutAsync(const PutRequest& request, Callback<PutResponse> done) {
  if (absl::Status s = ValidatePut(request); !s.ok()) return done(s);
  impl_->SubmitAsync(
      request, [done = std::move(done)](WriteResult r) { done(Take<PutResponse>(std::move(r))); });
}

void MvccStore::DeleteRangeAsync(const DeleteRangeRequest& request,
                                 Callback<DeleteRangeResponse> done) {
  if (absl::Status s = ValidateDelete(request); !s.ok()) return done(s);
  impl_->SubmitAsync(request, [done = std::move(done)](WriteResult r) {
    done(Take<DeleteRangeResponse>(std::move(r)));
  });
}

void MvccStore::TxnAsync(const TxnRequest& request, Callback<TxnResponse> done) {
  if (absl::Status s = ValidateTxn(request, kMaxTxnOps); !s.ok()) return done(s);
  impl_->SubmitAsync(
      request, [done = std::move(done)](WriteResult r) { done(Take<TxnResponse>(std::move(r))); });
}

absl::StatusOr<CompactResponse> MvccStore::Compact(int64_t revision, bool physical) {
  // Compaction deletes the old revisions in the same durable write, so it is always physical.
  return Take<CompactResponse>(impl_->Submit(CompactOp{revision}));
}

absl::StatusOr<LeaseGrantResponse> MvccStore::LeaseGrant(int64_t id, int64_t ttl_seconds) {
  return Take<LeaseGrantResponse>(impl_->Submit(LeaseGrantOp{id, ttl_seconds}));
}

absl::StatusOr<int64_t> MvccStore::LeaseRevoke(int64_t id) {
  return Take<int64_t>(impl_->Submit(LeaseRevokeOp{id}));
}

absl::StatusOr<LeaseKeepAliveResponse> MvccStore::LeaseKeepAlive(int64_t id) {
  return impl_->LeaseKeepAlive(id);
}

absl::StatusOr<LeaseTimeToLiveResponse> MvccStore::LeaseTimeToLive(int64_t id, bool keys) {
  return impl_->LeaseTimeToLive(id, keys);
}

absl::StatusOr<std::vector<int64_t>> MvccStore::LeaseList() { return impl_->LeaseList(); }

std::unique_ptr<WatchStream> MvccStore::NewWatchStream(std::function<void()> on_ready) {
  return impl_->hub_->NewStream(std::move(on_ready));
}

absl::StatusOr<StoreStatus> MvccStore::Status() { return impl_->Status(); }
absl::StatusOr<HashKVResponse> MvccStore::HashKV(int64_t revision) {
  return impl_->HashKV(revision);
}
absl::Status MvccStore::Defragment() { return impl_->Defragment(); }
absl::Status MvccStore::DisarmNoSpaceAlarm() {
  impl_->DisarmNoSpaceAlarm();
  return absl::OkStatus();
}

}  // namespace aio::store::mvcc
