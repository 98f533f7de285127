// Reads: ranges at a revision (etcd applierV3backend.Range over mvcc's index), history for
// watchers catching up, and HashKV.
#include <algorithm>

#include "store/errors.h"
#include "store/mvcc/mvcc_store_impl.h"
#include "zlib.h"

namespace aio::store::mvcc {
namespace {

bool HasRevisionFilters(const RangeRequest& r) {
  return r.min_mod_revision != 0 || r.max_mod_revision != 0 || r.min_create_revision != 0 ||
         r.max_create_revision != 0;
}

absl::Status Corrupt(Revision rev) {
  return absl::DataLossError("store: corrupt revision record " + std::to_string(rev.main) + "." +
                             std::to_string(rev.sub));
}

}  // namespace

absl::Status MvccStore::Impl::CheckReadRevision(int64_t rev) const {
  if (rev > committed_rev_.load()) return ErrFutureRev();
  if (rev < compact_rev_.load()) return ErrCompacted();
  return absl::OkStatus();
}

std::vector<Revision> MvccStore::Impl::PlanRange(const RangeRequest& r, int64_t rev,
                                                 int64_t* count) {
  // As etcd: without sorting or filters, fetch limit+1 values (to tell `more`), but count all.
  size_t fetch = SIZE_MAX;
  if (r.count_only) {
    fetch = 0;
  } else if (r.limit > 0 && r.sort_order == SortOrder::kNone && r.sort_target == SortTarget::kKey &&
             !HasRevisionFilters(r)) {
    fetch = static_cast<size_t>(r.limit) + 1;
  }
  std::vector<Revision> revs;
  *count = 0;
  index_.ForRange(KeyRange{r.key, r.range_end}, [&](const std::string&, const KeyHistory& h) {
    const KeyHistory::Entry* e = h.At(rev);
    if (e != nullptr && !e->tombstone) {
      ++*count;
      if (revs.size() < fetch) revs.push_back(e->rev());
    }
    return true;
  });
  return revs;
}

absl::StatusOr<std::vector<Record>> MvccStore::Impl::ReadRecords(
    const std::vector<Revision>& revs, const rocksdb::Snapshot* snapshot) {
  std::vector<std::string> keys;
  keys.reserve(revs.size());
  for (Revision rev : revs) keys.push_back(RevisionKey(rev));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::vector<rocksdb::Status> statuses = db_->MultiGet(ro, slices, &values);
  std::vector<Record> records;
  records.reserve(revs.size());
  for (size_t i = 0; i < revs.size(); ++i) {
    if (!statuses[i].ok()) {
      return absl::UnavailableError("store: reading revision " + std::to_string(revs[i].main) +
                                    ": " + statuses[i].ToString());
    }
    auto record = DecodeRecord(values[i], revs[i].main);
    if (!record) return Corrupt(revs[i]);
    records.push_back(std::move(*record));
  }
  return records;
}

absl::StatusOr<Record> MvccStore::Impl::ReadRecordInWriter(Revision rev, const BatchState* st) {
  if (auto it = st->records.find(rev); it != st->records.end()) {
    auto record = DecodeRecord(it->second, rev.main);
    if (!record) return Corrupt(rev);
    return std::move(*record);
  }
  auto records = ReadRecords({rev}, nullptr);
  if (!records.ok()) return records.status();
  return std::move(records->front());
}

absl::StatusOr<RangeResponse> MvccStore::Impl::FinishRange(const RangeRequest& r,
                                                           std::vector<Record> records,
                                                           int64_t count, int64_t header_rev) {
  RangeResponse resp{.revision = header_rev, .count = count};
  std::vector<KeyValue>& kvs = resp.kvs;
  kvs.reserve(records.size());
  for (Record& record : records) {
    const KeyValue& kv = record.kv;
    if (r.max_mod_revision != 0 && kv.mod_revision > r.max_mod_revision) continue;
    if (r.min_mod_revision != 0 && kv.mod_revision < r.min_mod_revision) continue;
    if (r.max_create_revision != 0 && kv.create_revision > r.max_create_revision) continue;
    if (r.min_create_revision != 0 && kv.create_revision < r.min_create_revision) continue;
    kvs.push_back(std::move(record.kv));
  }
  // etcd sorts ascending by default when the target is not the key (keys come sorted already).
  SortOrder order = r.sort_order;
  if (order == SortOrder::kNone && r.sort_target != SortTarget::kKey) order = SortOrder::kAscend;
  if (order != SortOrder::kNone) {
    auto less = [&](const KeyValue& a, const KeyValue& b) {
      switch (r.sort_target) {
        case SortTarget::kKey:
          return a.key < b.key;
        case SortTarget::kVersion:
          return a.version < b.version;
        case SortTarget::kCreate:
          return a.create_revision < b.create_revision;
        case SortTarget::kMod:
          return a.mod_revision < b.mod_revision;
        case SortTarget::kValue:
          return a.value < b.value;
      }
      return false;
    };
    if (order == SortOrder::kAscend) {
      std::stable_sort(kvs.begin(), kvs.end(), less);
    } else {
      std::stable_sort(kvs.begin(), kvs.end(),
                       [&](const KeyValue& a, const KeyValue& b) { return less(b, a); });
    }
  }
  if (r.limit > 0 && static_cast<int64_t>(kvs.size()) > r.limit) {
    kvs.resize(static_cast<size_t>(r.limit));
    resp.more = true;
  }
  if (r.keys_only) {
    for (KeyValue& kv : kvs) kv.value.clear();
  }
  return resp;
}

absl::StatusOr<RangeResponse> MvccStore::Impl::Range(const RangeRequest& r) {
  std::vector<Revision> revs;
  int64_t count = 0;
  int64_t header_rev;
  const rocksdb::Snapshot* snapshot;
  {
    std::shared_lock lock(index_mu_);
    header_rev = committed_rev_.load();
    int64_t rev = r.revision > 0 ? r.revision : header_rev;
    if (absl::Status s = CheckReadRevision(rev); !s.ok()) return s;
    revs = PlanRange(r, rev, &count);
    // Values are read outside the lock, from a snapshot that a concurrent compaction can't touch.
    snapshot = db_->GetSnapshot();
  }
  auto records = ReadRecords(revs, snapshot);
  db_->ReleaseSnapshot(snapshot);
  ++stats_.ranges_total;
  if (!records.ok()) return records.status();
  return FinishRange(r, std::move(*records), count, header_rev);
}

absl::StatusOr<RangeResponse> MvccStore::Impl::RangeInWriter(const RangeRequest& r,
                                                             int64_t header_rev,
                                                             const BatchState* st) {
  int64_t rev = r.revision > 0 ? r.revision : current_rev_;
  if (rev > current_rev_) return ErrFutureRev();
  if (rev < compact_rev_.load()) return ErrCompacted();
  int64_t count = 0;
  std::vector<Revision> revs = PlanRange(r, rev, &count);
  std::vector<Record> records;
  records.reserve(revs.size());
  for (Revision each : revs) {
    auto record = ReadRecordInWriter(each, st);
    if (!record.ok()) return record.status();
    records.push_back(std::move(*record));
  }
  ++stats_.ranges_total;
  return FinishRange(r, std::move(records), count, header_rev);
}

absl::StatusOr<int64_t> MvccStore::Impl::ReadHistory(int64_t from, int64_t to, size_t max_events,
                                                     bool with_prev, std::vector<Event>* out) {
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  int64_t last = from - 1;
  bool done = true;
  absl::Status error;
  for (it->Seek(RevisionKey(Revision{from, 0})); it->Valid(); it->Next()) {
    if (!IsRevisionKey(it->key().ToStringView())) break;
    Revision rev = ParseRevisionKey(it->key().ToStringView());
    if (rev.main > to) break;
    if (rev.main != last && out->size() >= max_events) {
      done = false;
      break;
    }
    auto record = DecodeRecord(it->value().ToStringView(), rev.main);
    if (!record) {
      error = Corrupt(rev);
      break;
    }
    Event e{.type = record->type == RecordType::kPut ? Event::Type::kPut : Event::Type::kDelete,
            .kv = std::move(record->kv)};
    if (e.type == Event::Type::kDelete) e.kv = KeyValue{.key = e.kv.key, .mod_revision = rev.main};
    if (with_prev) {
      std::optional<Revision> prev_rev;
      {
        std::shared_lock lock(index_mu_);
        if (KeyHistory* h = index_.Find(e.kv.key)) {
          if (const KeyHistory::Entry* prev = h->Before(rev); prev && !prev->tombstone) {
            prev_rev = prev->rev();
          }
        }
      }
      if (prev_rev) {
        auto prev = ReadRecords({*prev_rev}, snapshot);
        if (prev.ok()) e.prev_kv = std::move(prev->front().kv);
      }
    }
    out->push_back(std::move(e));
    last = rev.main;
  }
  if (error.ok() && !it->status().ok()) error = absl::UnavailableError(it->status().ToString());
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  if (!error.ok()) return error;
  return done ? to : last;
}

absl::StatusOr<HashKVResponse> MvccStore::Impl::HashKV(int64_t revision) {
  int64_t rev = revision > 0 ? revision : committed_rev_.load();
  if (absl::Status s = CheckReadRevision(rev); !s.ok()) return s;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  uLong crc = crc32(0L, Z_NULL, 0);
  for (it->Seek(std::string(1, kRevisionPrefix)); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (!IsRevisionKey(key) || ParseRevisionKey(key).main > rev) break;
    crc = crc32(crc, reinterpret_cast<const Bytef*>(key.data()), key.size());
    crc = crc32(crc, reinterpret_cast<const Bytef*>(it->value().data()), it->value().size());
  }
  return HashKVResponse{.revision = committed_rev_.load(),
                        .hash = static_cast<uint32_t>(crc),
                        .compact_revision = compact_rev_.load()};
}

}  // namespace aio::store::mvcc
