// Request checks made before a request reaches the writer, as etcd's api/v3rpc/key.go does before
// proposing: a request that fails them changes nothing.
#include <set>

#include "store/errors.h"
#include "store/mvcc/mvcc_store_impl.h"

namespace aio::store::mvcc {
namespace {

int64_t OpsBytes(const std::vector<RequestOp>& ops);

int64_t TxnBytes(const TxnRequest& r) {
  int64_t n = 0;
  for (const Compare& c : r.compare) n += c.key.size() + c.range_end.size() + c.value.size() + 16;
  return n + OpsBytes(r.success) + OpsBytes(r.failure);
}

int64_t OpsBytes(const std::vector<RequestOp>& ops) {
  int64_t n = 0;
  for (const RequestOp& op : ops) {
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, RangeRequest>) {
            n += r.key.size() + r.range_end.size() + 32;
          } else if constexpr (std::is_same_v<T, PutRequest>) {
            n += r.key.size() + r.value.size() + 16;
          } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
            n += r.key.size() + r.range_end.size() + 8;
          } else {
            n += TxnBytes(r);
          }
        },
        op.op);
  }
  return n;
}

// A set of [begin, end) intervals of deleted keys (end empty = the single key begin).
class DeletedRanges {
 public:
  void Add(const DeleteRangeRequest& r) { ranges_.push_back({r.key, r.range_end}); }
  void Merge(const DeletedRanges& other) {
    ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
  }
  bool Contains(const std::string& key) const {
    for (const auto& [begin, end] : ranges_) {
      if (KeyRange{begin, end}.Contains(key)) return true;
    }
    return false;
  }

 private:
  std::vector<std::pair<std::string, std::string>> ranges_;
};

// etcd checkIntervals: a key may be put once per txn path, and not in a range it also deletes.
absl::Status CheckIntervals(const std::vector<RequestOp>& ops, std::set<std::string>* puts,
                            DeletedRanges* dels) {
  for (const RequestOp& op : ops) {
    if (const auto* del = std::get_if<DeleteRangeRequest>(&op.op)) dels->Add(*del);
  }
  std::set<std::string> nested_puts;
  DeletedRanges nested_dels;
  for (const RequestOp& op : ops) {
    const auto* txn = std::get_if<TxnRequest>(&op.op);
    if (txn == nullptr) continue;
    // Only one branch of a nested txn runs: a key put in both of them is fine.
    std::set<std::string> success_puts;
    for (const auto* branch : {&txn->success, &txn->failure}) {
      std::set<std::string> branch_puts;
      DeletedRanges branch_dels;
      if (absl::Status s = CheckIntervals(*branch, &branch_puts, &branch_dels); !s.ok()) return s;
      for (const std::string& key : branch_puts) {
        bool other_branch = branch == &txn->failure && success_puts.contains(key);
        if ((nested_puts.contains(key) && !other_branch) || dels->Contains(key)) {
          return ErrDuplicateKey();
        }
      }
      if (branch == &txn->success) success_puts = branch_puts;
      nested_puts.insert(branch_puts.begin(), branch_puts.end());
      nested_dels.Merge(branch_dels);
    }
  }
  *puts = std::move(nested_puts);
  dels->Merge(nested_dels);
  for (const RequestOp& op : ops) {
    const auto* put = std::get_if<PutRequest>(&op.op);
    if (put == nullptr) continue;
    if (puts->contains(put->key) || dels->Contains(put->key)) return ErrDuplicateKey();
    puts->insert(put->key);
  }
  return absl::OkStatus();
}

absl::Status ValidateOps(const std::vector<RequestOp>& ops, int64_t max_ops) {
  for (const RequestOp& op : ops) {
    absl::Status s = std::visit(
        [&](const auto& r) -> absl::Status {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, RangeRequest>) {
            return ValidateRange(r);
          } else if constexpr (std::is_same_v<T, PutRequest>) {
            return ValidatePut(r);
          } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
            return ValidateDelete(r);
          } else {
            return ValidateTxn(r, max_ops);
          }
        },
        op.op);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

int64_t RequestBytes(const WriteRequest& request) {
  if (const auto* put = std::get_if<PutRequest>(&request)) {
    return put->key.size() + put->value.size() + 16;
  }
  if (const auto* del = std::get_if<DeleteRangeRequest>(&request)) {
    return del->key.size() + del->range_end.size() + 8;
  }
  if (const auto* txn = std::get_if<TxnRequest>(&request)) return TxnBytes(*txn);
  return 16;
}

absl::Status ValidateRange(const RangeRequest& r) {
  return r.key.empty() ? ErrEmptyKey() : absl::OkStatus();
}

absl::Status ValidatePut(const PutRequest& r) {
  if (r.key.empty()) return ErrEmptyKey();
  if (r.ignore_value && !r.value.empty()) return ErrValueProvided();
  if (r.ignore_lease && r.lease != 0) return ErrLeaseProvided();
  return absl::OkStatus();
}

absl::Status ValidateDelete(const DeleteRangeRequest& r) {
  return r.key.empty() ? ErrEmptyKey() : absl::OkStatus();
}

absl::Status ValidateTxn(const TxnRequest& r, int64_t max_ops) {
  // etcd checkTxnRequest: the longest of compare/success/failure against the remaining budget.
  int64_t ops =
      static_cast<int64_t>(std::max({r.compare.size(), r.success.size(), r.failure.size()}));
  if (ops > max_ops) return ErrTooManyOps();
  for (const Compare& c : r.compare) {
    if (c.key.empty()) return ErrEmptyKey();
  }
  if (absl::Status s = ValidateOps(r.success, max_ops - ops); !s.ok()) return s;
  if (absl::Status s = ValidateOps(r.failure, max_ops - ops); !s.ok()) return s;
  for (const auto* branch : {&r.success, &r.failure}) {
    std::set<std::string> puts;
    DeletedRanges dels;
    if (absl::Status s = CheckIntervals(*branch, &puts, &dels); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace aio::store::mvcc
