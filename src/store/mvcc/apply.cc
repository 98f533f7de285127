// Applying write requests inside the writer thread (etcd's applierV3backend + mvcc storeTxnWrite).
// Every change is recorded in the batch's undo log, so a failed request, or a failed WAL sync,
// leaves the index and the leases as they were.
#include <algorithm>
#include <random>

#include "store/errors.h"
#include "store/mvcc/mvcc_store_impl.h"

namespace aio::store::mvcc {
namespace {

bool CompareInts(Compare::Result result, int64_t lhs, int64_t rhs) {
  switch (result) {
    case Compare::Result::kEqual:
      return lhs == rhs;
    case Compare::Result::kNotEqual:
      return lhs != rhs;
    case Compare::Result::kGreater:
      return lhs > rhs;
    case Compare::Result::kLess:
      return lhs < rhs;
  }
  return false;
}

// etcd compareKV: value compares bytewise, the others numerically.
bool CompareKeyValue(const Compare& c, const KeyValue& kv) {
  switch (c.target) {
    case Compare::Target::kValue: {
      int cmp = kv.value.compare(c.value);
      return CompareInts(c.result, cmp < 0 ? -1 : (cmp > 0 ? 1 : 0), 0);
    }
    case Compare::Target::kVersion:
      return CompareInts(c.result, kv.version, c.number);
    case Compare::Target::kCreate:
      return CompareInts(c.result, kv.create_revision, c.number);
    case Compare::Target::kMod:
      return CompareInts(c.result, kv.mod_revision, c.number);
    case Compare::Target::kLease:
      return CompareInts(c.result, kv.lease, c.number);
  }
  return false;
}

bool HasPut(const std::vector<RequestOp>& ops) {
  for (const RequestOp& op : ops) {
    if (std::holds_alternative<PutRequest>(op.op)) return true;
    if (const auto* txn = std::get_if<TxnRequest>(&op.op)) {
      if (HasPut(txn->success) || HasPut(txn->failure)) return true;
    }
  }
  return false;
}

}  // namespace

WriteResult MvccStore::Impl::Apply(const WriteRequest& request, BatchState* st) {
  TxnContext tx{.main = current_rev_ + 1};
  return std::visit(
      [&](const auto& r) -> WriteResult {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, PutRequest>) {
          if (absl::Status s = CheckQuota(); !s.ok()) return s;
          return ApplyPut(r, &tx, st);
        } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
          return ApplyDelete(r, &tx, st);
        } else if constexpr (std::is_same_v<T, TxnRequest>) {
          if (HasPut(r.success) || HasPut(r.failure)) {
            if (absl::Status s = CheckQuota(); !s.ok()) return s;
          }
          std::vector<bool> path;
          if (absl::Status s = ComputePath(r, st, &path); !s.ok()) return s;
          size_t pos = 0;
          return ApplyTxn(r, path, &pos, &tx, st);
        } else if constexpr (std::is_same_v<T, CompactOp>) {
          return ApplyCompact(r.revision, st);
        } else if constexpr (std::is_same_v<T, LeaseGrantOp>) {
          if (absl::Status s = CheckQuota(); !s.ok()) return s;
          return ApplyLeaseGrant(r, st);
        } else {
          return ApplyLeaseRevoke(r.id, st);
        }
      },
      request);
}

absl::Status MvccStore::Impl::CheckQuota() {
  if (!nospace_alarm_ && backend_size_.load() > options_.quota_bytes) nospace_alarm_ = true;
  return nospace_alarm_ ? ErrNoSpace() : absl::OkStatus();
}

Revision MvccStore::Impl::NextRevision(TxnContext* tx) {
  if (!tx->wrote()) current_rev_ = tx->main;  // the request's first change opens its revision
  return Revision{tx->main, tx->next_sub++};
}

std::function<void()> MvccStore::Impl::RestoreKey(const std::string& key, const KeyHistory& h) {
  return [this, key, create = h.create_revision, version = h.version, lease = h.lease] {
    KeyHistory* cur = index_.Find(key);
    cur->entries.pop_back();
    cur->create_revision = create;
    cur->version = version;
    cur->lease = lease;
  };
}

void MvccStore::Impl::AttachLease(int64_t lease, const std::string& key, BatchState* st) {
  if (lease == 0) return;
  std::lock_guard lock(lease_mu_);
  auto it = leases_.find(lease);
  if (it == leases_.end() || !it->second.keys.insert(key).second) return;
  st->undo.push_back([this, lease, key] {
    std::lock_guard lock(lease_mu_);
    if (auto it = leases_.find(lease); it != leases_.end()) it->second.keys.erase(key);
  });
}

void MvccStore::Impl::DetachLease(int64_t lease, const std::string& key, BatchState* st) {
  if (lease == 0) return;
  std::lock_guard lock(lease_mu_);
  auto it = leases_.find(lease);
  if (it == leases_.end() || it->second.keys.erase(key) == 0) return;
  st->undo.push_back([this, lease, key] {
    std::lock_guard lock(lease_mu_);
    if (auto it = leases_.find(lease); it != leases_.end()) it->second.keys.insert(key);
  });
}

absl::StatusOr<PutResponse> MvccStore::Impl::ApplyPut(const PutRequest& r, TxnContext* tx,
                                                      BatchState* st) {
  KeyHistory* h = index_.Find(r.key);
  bool live = h != nullptr && h->live();
  if ((r.ignore_value || r.ignore_lease) && !live) return ErrKeyNotFound();
  int64_t lease = r.ignore_lease ? h->lease : r.lease;
  if (lease != 0) {
    std::lock_guard lock(lease_mu_);
    if (!leases_.contains(lease)) return ErrLeaseNotFound();
  }

  std::optional<KeyValue> prev;
  if (live && (r.prev_kv || r.ignore_value || st->with_prev_kv)) {
    auto record = ReadRecordInWriter(h->entries.back().rev(), st);
    if (!record.ok()) return record.status();
    prev = std::move(record->kv);
  }

  Revision rev = NextRevision(tx);
  KeyValue kv{.key = r.key,
              .value = r.ignore_value ? prev->value : r.value,
              .create_revision = live ? h->create_revision : rev.main,
              .mod_revision = rev.main,
              .version = live ? h->version + 1 : 1,
              .lease = lease};

  if (h == nullptr) {
    h = &index_.GetOrCreate(r.key);
    st->undo.push_back([this, key = r.key] { index_.Erase(key); });
  } else {
    st->undo.push_back(RestoreKey(r.key, *h));
  }
  int64_t old_lease = live ? h->lease : 0;
  h->entries.push_back(KeyHistory::Entry{rev.main, rev.sub, false});
  h->create_revision = kv.create_revision;
  h->version = kv.version;
  h->lease = lease;
  if (old_lease != lease) {
    DetachLease(old_lease, r.key, st);
    AttachLease(lease, r.key, st);
  }
  if (!live) {
    ++stats_.keys;
    st->undo.push_back([this] { --stats_.keys; });
  }

  std::string record = EncodeRecord(RecordType::kPut, kv);
  st->batch.Put(RevisionKey(rev), record);
  st->records[rev] = std::move(record);
  ++stats_.puts_total;

  PutResponse resp{.revision = rev.main};
  if (r.prev_kv) resp.prev_kv = prev;
  st->events.push_back(Event{.type = Event::Type::kPut, .kv = std::move(kv), .prev_kv = prev});
  return resp;
}

void MvccStore::Impl::DeleteKey(const std::string& key, KeyHistory* h, bool want_prev,
                                TxnContext* tx, BatchState* st, std::optional<KeyValue>* prev) {
  if (want_prev || st->with_prev_kv) {
    auto record = ReadRecordInWriter(h->entries.back().rev(), st);
    if (record.ok()) *prev = std::move(record->kv);
  }
  Revision rev = NextRevision(tx);
  st->undo.push_back(RestoreKey(key, *h));
  st->undo.push_back([this] { ++stats_.keys; });
  int64_t old_lease = h->lease;
  h->entries.push_back(KeyHistory::Entry{rev.main, rev.sub, true});
  h->create_revision = 0;
  h->version = 0;
  h->lease = 0;
  --stats_.keys;
  DetachLease(old_lease, key, st);

  KeyValue tombstone{.key = key, .mod_revision = rev.main};
  std::string record = EncodeRecord(RecordType::kTombstone, tombstone);
  st->batch.Put(RevisionKey(rev), record);
  st->records[rev] = std::move(record);
  st->events.push_back(
      Event{.type = Event::Type::kDelete, .kv = std::move(tombstone), .prev_kv = *prev});
}

absl::StatusOr<DeleteRangeResponse> MvccStore::Impl::ApplyDelete(const DeleteRangeRequest& r,
                                                                 TxnContext* tx, BatchState* st) {
  std::vector<std::pair<std::string, KeyHistory*>> victims;
  index_.ForRange(KeyRange{r.key, r.range_end}, [&](const std::string& key, KeyHistory& h) {
    if (h.live()) victims.emplace_back(key, &h);
    return true;
  });
  DeleteRangeResponse resp;
  for (auto& [key, h] : victims) {
    std::optional<KeyValue> prev;
    DeleteKey(key, h, r.prev_kv, tx, st, &prev);
    if (r.prev_kv && prev) resp.prev_kvs.push_back(std::move(*prev));
  }
  resp.deleted = static_cast<int64_t>(victims.size());
  resp.revision = current_rev_;
  ++stats_.deletes_total;
  return resp;
}

absl::StatusOr<bool> MvccStore::Impl::EvaluateCompares(const std::vector<Compare>& compares,
                                                       BatchState* st) {
  for (const Compare& c : compares) {
    bool any = false;
    bool ok = true;
    absl::Status error;
    index_.ForRange(KeyRange{c.key, c.range_end}, [&](const std::string& key, KeyHistory& h) {
      if (!h.live()) return true;
      any = true;
      KeyValue kv{.key = key,
                  .create_revision = h.create_revision,
                  .mod_revision = h.entries.back().main,
                  .version = h.version,
                  .lease = h.lease};
      if (c.target == Compare::Target::kValue) {
        auto record = ReadRecordInWriter(h.entries.back().rev(), st);
        if (!record.ok()) {
          error = record.status();
          return false;
        }
        kv.value = std::move(record->kv.value);
      }
      ok = CompareKeyValue(c, kv);
      return ok;
    });
    if (!error.ok()) return error;
    // etcd: a value compare on missing keys always fails; the others compare against zeros.
    if (!any) ok = c.target != Compare::Target::kValue && CompareKeyValue(c, KeyValue{});
    if (!ok) return false;
  }
  return true;
}

absl::Status MvccStore::Impl::ComputePath(const TxnRequest& r, BatchState* st,
                                          std::vector<bool>* path) {
  // As etcd's compareToPath: every compare, nested ones included, sees the state before the txn.
  auto succeeded = EvaluateCompares(r.compare, st);
  if (!succeeded.ok()) return succeeded.status();
  path->push_back(*succeeded);
  for (const RequestOp& op : *succeeded ? r.success : r.failure) {
    if (const auto* nested = std::get_if<TxnRequest>(&op.op)) {
      if (absl::Status s = ComputePath(*nested, st, path); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TxnResponse> MvccStore::Impl::ApplyTxn(const TxnRequest& r,
                                                      const std::vector<bool>& path,
                                                      size_t* path_pos, TxnContext* tx,
                                                      BatchState* st) {
  TxnResponse resp{.succeeded = path[(*path_pos)++]};
  for (const RequestOp& op : resp.succeeded ? r.success : r.failure) {
    ResponseOp out;
    if (const auto* range = std::get_if<RangeRequest>(&op.op)) {
      auto rr = RangeInWriter(*range, current_rev_, st);
      if (!rr.ok()) return rr.status();
      out.op = std::move(*rr);
    } else if (const auto* put = std::get_if<PutRequest>(&op.op)) {
      auto pr = ApplyPut(*put, tx, st);
      if (!pr.ok()) return pr.status();
      out.op = std::move(*pr);
    } else if (const auto* del = std::get_if<DeleteRangeRequest>(&op.op)) {
      auto dr = ApplyDelete(*del, tx, st);
      if (!dr.ok()) return dr.status();
      out.op = std::move(*dr);
    } else {
      auto tr = ApplyTxn(std::get<TxnRequest>(op.op), path, path_pos, tx, st);
      if (!tr.ok()) return tr.status();
      out.op = std::move(*tr);
    }
    resp.responses.push_back(std::move(out));
  }
  // Writes inside report the txn's revision, as etcd's header does.
  for (ResponseOp& out : resp.responses) {
    std::visit([&](auto& x) { x.revision = current_rev_; }, out.op);
  }
  resp.revision = current_rev_;
  ++stats_.txns_total;
  return resp;
}

absl::StatusOr<CompactResponse> MvccStore::Impl::ApplyCompact(int64_t revision, BatchState* st) {
  if (revision <= compact_rev_.load()) return ErrCompacted();
  if (revision > current_rev_) return ErrFutureRev();
  // Not undoable: if the WAL write fails, the index forgets history the disk still holds, which
  // only makes old revisions unreadable until the next restart.
  std::vector<Revision> dropped;
  index_.Compact(revision, &dropped);
  compact_rev_ = revision;
  for (Revision rev : dropped) st->batch.Delete(RevisionKey(rev));
  st->batch.Put(kMetaCompactRevision, EncodeInt64(revision));
  ++stats_.compactions_total;
  return CompactResponse{.revision = current_rev_};
}

absl::StatusOr<LeaseGrantResponse> MvccStore::Impl::ApplyLeaseGrant(LeaseGrantOp op,
                                                                    BatchState* st) {
  if (op.ttl > kMaxLeaseTtlSeconds) return ErrLeaseTTLTooLarge();
  int64_t ttl = std::max(op.ttl, kMinLeaseTtlSeconds);
  std::lock_guard lock(lease_mu_);
  int64_t id = op.id;
  if (id == 0) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    do {
      id = static_cast<int64_t>(rng() >> 1);
    } while (id == 0 || leases_.contains(id));
  } else if (leases_.contains(id)) {
    return ErrLeaseExist();
  }
  leases_.emplace(id,
                  Lease{.id = id, .ttl = ttl, .deadline_ms = options_.clock->NowMs() + ttl * 1000});
  st->undo.push_back([this, id] {
    std::lock_guard lock(lease_mu_);
    leases_.erase(id);
  });
  st->batch.Put(LeaseKey(id), EncodeInt64(ttl));
  ++stats_.leases_granted_total;
  return LeaseGrantResponse{.revision = current_rev_, .id = id, .ttl = ttl};
}

absl::StatusOr<int64_t> MvccStore::Impl::ApplyLeaseRevoke(int64_t id, BatchState* st) {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(lease_mu_);
    auto it = leases_.find(id);
    if (it == leases_.end()) return ErrLeaseNotFound();
    keys.assign(it->second.keys.begin(), it->second.keys.end());
  }
  std::sort(keys.begin(), keys.end());
  TxnContext tx{.main = current_rev_ + 1};
  for (const std::string& key : keys) {
    KeyHistory* h = index_.Find(key);
    if (h == nullptr || !h->live()) continue;
    std::optional<KeyValue> prev;
    DeleteKey(key, h, false, &tx, st, &prev);
  }
  std::lock_guard lock(lease_mu_);
  auto node = leases_.extract(id);
  st->undo.push_back([this, lease = std::move(node.mapped())]() mutable {
    std::lock_guard lock(lease_mu_);
    lease.revoking = false;
    leases_.emplace(lease.id, std::move(lease));
  });
  st->batch.Delete(LeaseKey(id));
  return current_rev_;
}

}  // namespace aio::store::mvcc
