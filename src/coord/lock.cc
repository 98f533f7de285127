#include "coord/lock.h"

#include <atomic>
#include <utility>

#include "fmt/format.h"

namespace aio::coord {
namespace {

store::RequestOp FirstCreated(const std::string& prefix) {
  return {store::RangeRequest{.key = prefix,
                              .range_end = store::PrefixEnd(prefix),
                              .limit = 1,
                              .sort_order = store::SortOrder::kAscend,
                              .sort_target = store::SortTarget::kCreate}};
}

const store::RangeResponse& RangeOf(const store::TxnResponse& txn, size_t i) {
  return std::get<store::RangeResponse>(txn.responses.at(i).op);
}

}  // namespace

void Ticket::Cancel() {
  std::shared_ptr<QueueWait> wait;
  {
    absl::MutexLock lock(&mu_);
    canceled_ = true;
    wait = wait_;
  }
  if (wait != nullptr) wait->Cancel();
}

absl::StatusOr<int64_t> LeaveQueue(store::KvStore* store, std::string_view key,
                                   int64_t create_revision) {
  absl::StatusOr<store::TxnResponse> txn = store->Txn({
      .compare = {{.result = store::Compare::Result::kEqual,
                   .target = store::Compare::Target::kCreate,
                   .key = std::string(key),
                   .number = create_revision}},
      .success = {{store::DeleteRangeRequest{.key = std::string(key)}}},
  });
  if (!txn.ok()) return txn.status();
  return txn->revision;
}

std::shared_ptr<Ticket> JoinQueue(Watcher* watcher, std::string prefix, std::string key,
                                  std::string value, int64_t lease,
                                  std::function<void(absl::StatusOr<QueueTurn>)> done) {
  auto ticket = std::make_shared<Ticket>();
  store::KvStore* store = watcher->store();
  // etcd Mutex.Lock / Election.Campaign: create the key unless this lease has it already.
  absl::StatusOr<store::TxnResponse> txn = store->Txn({
      .compare = {{.result = store::Compare::Result::kEqual,
                   .target = store::Compare::Target::kCreate,
                   .key = key,
                   .number = 0}},
      .success = {{store::PutRequest{.key = key, .value = value, .lease = lease}},
                  FirstCreated(prefix)},
      .failure = {{store::RangeRequest{.key = key}}, FirstCreated(prefix)},
  });
  if (!txn.ok()) {
    done(txn.status());
    return ticket;
  }
  int64_t my_revision = txn->revision;
  if (!txn->succeeded) {
    const std::vector<store::KeyValue>& mine = RangeOf(*txn, 0).kvs;
    if (mine.empty()) {  // deleted between the compare and the read: cannot happen in one txn
      done(absl::InternalError("coord: queue key vanished inside a txn"));
      return ticket;
    }
    my_revision = mine[0].create_revision;
    if (mine[0].value != value) {
      absl::StatusOr<store::TxnResponse> proclaim = store->Txn({
          .compare = {{.result = store::Compare::Result::kEqual,
                       .target = store::Compare::Target::kCreate,
                       .key = key,
                       .number = my_revision}},
          .success = {{store::PutRequest{.key = key, .value = value, .lease = lease}}},
      });
      if (!proclaim.ok() || !proclaim->succeeded) {
        (void)LeaveQueue(store, key, my_revision);
        done(proclaim.ok() ? absl::FailedPreconditionError("election: not leader")
                           : proclaim.status());
        return ticket;
      }
    }
  }
  const std::vector<store::KeyValue>& owner = RangeOf(*txn, 1).kvs;
  if (owner.empty() || owner[0].create_revision == my_revision) {
    done(QueueTurn{.key = key, .create_revision = my_revision, .revision = txn->revision});
    return ticket;
  }
  std::shared_ptr<QueueWait> wait = QueueWait::Start(
      watcher, prefix, my_revision - 1,
      [store, key, my_revision, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          (void)LeaveQueue(store, key, my_revision);
          return done(std::move(status));
        }
        // Every predecessor is gone; the turn is ours only if our own key survived the wait.
        absl::StatusOr<store::RangeResponse> mine = store->Range({.key = key});
        if (!mine.ok()) return done(mine.status());
        if (mine->kvs.empty() || mine->kvs[0].create_revision != my_revision) {
          return done(absl::FailedPreconditionError("mutex: session is expired"));
        }
        done(QueueTurn{.key = key, .create_revision = my_revision, .revision = mine->revision});
      });
  absl::MutexLock lock(&ticket->mu_);
  ticket->wait_ = wait;
  if (ticket->canceled_) wait->Cancel();
  return ticket;
}

std::shared_ptr<Ticket> WithTimeout(Watcher* watcher, absl::Duration timeout,
                                    std::string timeout_message, const TicketStart& start,
                                    std::function<void(absl::StatusOr<QueueTurn>)> done) {
  auto timed_out = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<Ticket> ticket = start([timed_out, message = std::move(timeout_message),
                                          done = std::move(done)](absl::StatusOr<QueueTurn> turn) {
    if (!turn.ok() && turn.status().code() == absl::StatusCode::kCancelled && *timed_out) {
      return done(absl::DeadlineExceededError(message));
    }
    done(std::move(turn));
  });
  auto expire = [timed_out, ticket] {
    *timed_out = true;
    ticket->Cancel();
  };
  if (timeout <= absl::ZeroDuration()) {
    expire();
  } else {
    watcher->After(timeout, expire);
  }
  return ticket;
}

std::shared_ptr<Ticket> HoldWithLease(
    Watcher* watcher, const HoldRequest& request, std::string_view what,
    const std::function<std::shared_ptr<Ticket>(
        int64_t lease, std::function<void(absl::StatusOr<QueueTurn>)>)>& start,
    std::function<void(absl::StatusOr<Hold>)> done) {
  const int64_t ttl_s = request.ttl_s == 0 ? 10 : request.ttl_s;
  const int64_t timeout_ms = absl::ToInt64Milliseconds(request.timeout);
  absl::Status bad;
  if (request.lease == 0 && (ttl_s < 2 || ttl_s > 86400)) {
    bad = absl::InvalidArgumentError("coord: ttl must be between 2 and 86400 seconds");
  } else if (timeout_ms < 0 || timeout_ms > 600'000) {
    bad = absl::InvalidArgumentError("coord: timeout must be between 0 and 600000 ms");
  }
  if (!bad.ok()) {
    done(bad);
    return std::make_shared<Ticket>();
  }
  int64_t lease = request.lease;
  if (lease == 0) {
    absl::StatusOr<store::LeaseGrantResponse> granted = watcher->store()->LeaseGrant(0, ttl_s);
    if (!granted.ok()) {
      done(granted.status());
      return std::make_shared<Ticket>();
    }
    lease = granted->id;
  }
  store::KvStore* store = watcher->store();
  const bool owned = request.lease == 0;
  return WithTimeout(
      watcher, request.timeout,
      fmt::format("coord: {} not acquired within {} ms", what, timeout_ms),
      [&start, lease](auto turn_done) { return start(lease, std::move(turn_done)); },
      [store, lease, owned, done = std::move(done)](absl::StatusOr<QueueTurn> turn) {
        if (!turn.ok()) {
          if (owned) (void)store->LeaseRevoke(lease);
          return done(turn.status());
        }
        done(Hold{.turn = std::move(*turn), .lease = lease});
      });
}

absl::StatusOr<int64_t> KeepAliveKey(store::KvStore* store, std::string_view key) {
  absl::StatusOr<store::RangeResponse> current = store->Range({.key = std::string(key)});
  if (!current.ok()) return current.status();
  if (current->kvs.empty() || current->kvs[0].lease == 0) {
    return absl::NotFoundError(fmt::format("coord: {} is not held", key));
  }
  absl::StatusOr<store::LeaseKeepAliveResponse> renewed =
      store->LeaseKeepAlive(current->kvs[0].lease);
  if (!renewed.ok()) return renewed.status();
  return renewed->ttl;
}

std::string Locker::KeyOf(std::string_view name, int64_t lease) {
  return std::string(name) + "/" + LeaseHex(lease);
}

std::shared_ptr<Ticket> Locker::Lock(std::string_view name, int64_t lease,
                                     std::function<void(absl::StatusOr<QueueTurn>)> done) {
  if (name.empty()) {
    done(absl::InvalidArgumentError("coord: lock name is empty"));
    return std::make_shared<Ticket>();
  }
  if (lease == 0) {
    done(absl::InvalidArgumentError("coord: lease is required"));
    return std::make_shared<Ticket>();
  }
  return JoinQueue(watcher_, std::string(name) + "/", KeyOf(name, lease), "", lease,
                   std::move(done));
}

absl::StatusOr<int64_t> Locker::Unlock(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("coord: lock key is empty");
  absl::StatusOr<store::DeleteRangeResponse> deleted =
      watcher_->store()->DeleteRange({.key = std::string(key)});
  if (!deleted.ok()) return deleted.status();
  return deleted->revision;
}

std::shared_ptr<Ticket> Locker::Acquire(std::string_view name, const HoldRequest& request,
                                        std::function<void(absl::StatusOr<Hold>)> done) {
  if (name.empty()) {
    done(absl::InvalidArgumentError("coord: lock name is empty"));
    return std::make_shared<Ticket>();
  }
  const std::string full = kLockPrefix + std::string(name);
  return HoldWithLease(
      watcher_, request, "lock " + std::string(name),
      [this, &full](int64_t lease, auto turn_done) {
        return Lock(full, lease, std::move(turn_done));
      },
      std::move(done));
}

absl::Status Locker::Release(std::string_view key, bool revoke_lease) {
  if (key.substr(0, sizeof(kLockPrefix) - 1) != kLockPrefix) {
    return absl::InvalidArgumentError("coord: not a lock key");
  }
  store::KvStore* store = watcher_->store();
  int64_t lease = 0;
  if (revoke_lease) {
    absl::StatusOr<store::RangeResponse> current = store->Range({.key = std::string(key)});
    if (!current.ok()) return current.status();
    if (!current->kvs.empty()) lease = current->kvs[0].lease;
  }
  if (absl::StatusOr<int64_t> unlocked = Unlock(key); !unlocked.ok()) return unlocked.status();
  if (lease != 0) (void)store->LeaseRevoke(lease);  // may have expired meanwhile
  return absl::OkStatus();
}

}  // namespace aio::coord
