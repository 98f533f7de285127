#include "coord/election.h"

#include <utility>

namespace aio::coord {
namespace {

absl::Status CheckName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("coord: election name is empty");
  return absl::OkStatus();
}

}  // namespace

std::string Elector::KeyOf(std::string_view name, int64_t lease) {
  return std::string(name) + "/" + LeaseHex(lease);
}

std::shared_ptr<Ticket> Elector::Campaign(std::string_view name, int64_t lease, std::string value,
                                          std::function<void(absl::StatusOr<QueueTurn>)> done) {
  absl::Status bad = CheckName(name);
  if (bad.ok() && lease == 0) bad = absl::InvalidArgumentError("coord: lease is required");
  if (!bad.ok()) {
    done(bad);
    return std::make_shared<Ticket>();
  }
  return JoinQueue(watcher_, std::string(name) + "/", KeyOf(name, lease), std::move(value), lease,
                   std::move(done));
}

absl::StatusOr<int64_t> Elector::Proclaim(const LeaderKey& leader, std::string_view value) {
  if (leader.key.empty()) return absl::FailedPreconditionError("election: not leader");
  absl::StatusOr<store::TxnResponse> txn = watcher_->store()->Txn({
      .compare = {{.result = store::Compare::Result::kEqual,
                   .target = store::Compare::Target::kCreate,
                   .key = leader.key,
                   .number = leader.rev}},
      .success = {{store::PutRequest{
          .key = leader.key, .value = std::string(value), .lease = leader.lease}}},
  });
  if (!txn.ok()) return txn.status();
  if (!txn->succeeded) {
    return absl::FailedPreconditionError("election: not leader");
  }
  return txn->revision;
}

absl::StatusOr<int64_t> Elector::Resign(const LeaderKey& leader) {
  if (leader.key.empty()) return watcher_->store()->CurrentRevision();
  return LeaveQueue(watcher_->store(), leader.key, leader.rev);
}

absl::StatusOr<std::pair<store::KeyValue, int64_t>> Elector::Leader(std::string_view name) {
  if (absl::Status bad = CheckName(name); !bad.ok()) return bad;
  const std::string prefix = std::string(name) + "/";
  absl::StatusOr<store::RangeResponse> first = watcher_->store()->Range({
      .key = prefix,
      .range_end = store::PrefixEnd(prefix),
      .limit = 1,
      .sort_order = store::SortOrder::kAscend,
      .sort_target = store::SortTarget::kCreate,
  });
  if (!first.ok()) return first.status();
  if (first->kvs.empty()) return absl::NotFoundError("election: no leader");
  return std::make_pair(first->kvs[0], first->revision);
}

absl::StatusOr<std::shared_ptr<Observation>> Elector::Observe(std::string_view name,
                                                              Observation::Handler handler) {
  if (absl::Status bad = CheckName(name); !bad.ok()) return bad;
  std::shared_ptr<Observation> observation(
      new Observation(watcher_, std::string(name) + "/", std::move(handler)));
  observation->Start();
  return observation;
}

void Observation::Cancel() {
  int64_t id = -1;
  {
    absl::MutexLock lock(&mu_);
    canceled_ = true;
    std::swap(id, watch_id_);
  }
  if (id >= 0) watcher_->Cancel(id);
}

void Observation::Start() {
  absl::StatusOr<store::RangeResponse> first = watcher_->store()->Range({
      .key = prefix_,
      .range_end = store::PrefixEnd(prefix_),
      .limit = 1,
      .sort_order = store::SortOrder::kAscend,
      .sort_target = store::SortTarget::kCreate,
  });
  if (!first.ok()) return;  // the store is stopping
  absl::MutexLock lock(&mu_);
  if (canceled_) return;
  store::WatchRequest request{.start_revision = first->revision + 1};
  if (first->kvs.empty()) {
    // No leader: wait for the first candidate.
    leader_key_.clear();
    request.key = prefix_;
    request.range_end = store::PrefixEnd(prefix_);
    request.filter_delete = true;
  } else {
    const store::KeyValue& leader = first->kvs[0];
    leader_key_ = leader.key;
    request.key = leader.key;
    if (leader.mod_revision != reported_mod_revision_) {
      reported_mod_revision_ = leader.mod_revision;
      handler_(leader, first->revision);
    }
  }
  std::weak_ptr<Observation> self = weak_from_this();
  absl::StatusOr<int64_t> id =
      watcher_->Watch(request, [self](const store::WatchResponse& response) {
        if (std::shared_ptr<Observation> observation = self.lock()) {
          observation->OnResponse(response);
        }
      });
  watch_id_ = id.ok() ? *id : -1;
}

void Observation::OnResponse(const store::WatchResponse& response) {
  bool restart = response.canceled;
  {
    absl::MutexLock lock(&mu_);
    if (canceled_ || response.watch_id != watch_id_) return;
    for (const store::Event& event : response.events) {
      if (event.type == store::Event::Type::kPut && !leader_key_.empty() &&
          event.kv.mod_revision != reported_mod_revision_) {
        reported_mod_revision_ = event.kv.mod_revision;
        handler_(event.kv, response.revision);
      } else {
        restart = true;  // the leader left, or a first candidate arrived
      }
    }
    if (restart) watch_id_ = -1;
  }
  if (!restart) return;
  if (!response.canceled) watcher_->Cancel(response.watch_id);
  Start();
}

}  // namespace aio::coord
