// Elector: etcd's leader election (clientv3/concurrency/election.go, served by etcd's v3election).
//
// An election `name` is the queue of keys `<name>/<lease hex>` holding each candidate's value and
// bound to its lease; the key with the lowest create_revision is the leader. Campaign waits (on
// the Watcher's thread) until the candidate leads; Proclaim changes the leader's value; Resign
// deletes the leader's key; a leader whose lease expires is replaced by the next candidate.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "coord/lock.h"
#include "coord/watcher.h"
#include "store/kv_store.h"

namespace aio::coord {

// What identifies a leadership (etcd v3electionpb.LeaderKey).
struct LeaderKey {
  std::string name;
  std::string key;
  int64_t rev = 0;  // the key's create_revision
  int64_t lease = 0;
};

// A live Observe; Cancel() stops it (a delivery in progress may still finish).
class Observation : public std::enable_shared_from_this<Observation> {
 public:
  using Handler = std::function<void(const store::KeyValue& leader, int64_t revision)>;
  void Cancel();

 private:
  friend class Elector;
  Observation(Watcher* watcher, std::string prefix, Handler handler)
      : watcher_(watcher), prefix_(std::move(prefix)), handler_(std::move(handler)) {}
  // Reads the current leader, reports it if new, and watches for its change or deletion (or, with
  // no leader, for the first candidate).
  void Start();
  void OnResponse(const store::WatchResponse& response);

  Watcher* const watcher_;
  const std::string prefix_;
  const Handler handler_;
  absl::Mutex mu_;
  bool canceled_ ABSL_GUARDED_BY(mu_) = false;
  int64_t watch_id_ ABSL_GUARDED_BY(mu_) = -1;
  std::string leader_key_ ABSL_GUARDED_BY(mu_);  // "" while there is no leader
  int64_t reported_mod_revision_ ABSL_GUARDED_BY(mu_) = 0;
};

class Elector {
 public:
  // `watcher` must outlive the elector.
  explicit Elector(Watcher* watcher) : watcher_(watcher) {}

  // A candidate's key in election `name`: "<name>/<lease hex>".
  static std::string KeyOf(std::string_view name, int64_t lease);

  // Campaigns in `name` with `value` under `lease` (must exist); `done` gets the leader key's
  // turn once this candidate leads. A candidate that campaigns again keeps its place (its value is
  // replaced). Errors: InvalidArgument "coord: election name is empty", "coord: lease is
  // required", and those of JoinQueue.
  std::shared_ptr<Ticket> Campaign(std::string_view name, int64_t lease, std::string value,
                                   std::function<void(absl::StatusOr<QueueTurn>)> done);
  // Sets the leader's value. FailedPrecondition "election: not leader" when `leader`'s key no
  // longer exists with that create_revision. Returns the header revision.
  absl::StatusOr<int64_t> Proclaim(const LeaderKey& leader, std::string_view value);
  // Gives up leadership (deletes the key if it is still `leader`'s; no error otherwise).
  absl::StatusOr<int64_t> Resign(const LeaderKey& leader);
  // The current leader's key-value and the header revision. NotFound "election: no leader".
  absl::StatusOr<std::pair<store::KeyValue, int64_t>> Leader(std::string_view name);
  // Calls `handler` with the current leader (once there is one) and again at every change of the
  // leader's value or of who leads. Errors: InvalidArgument for an empty name, the watcher's.
  absl::StatusOr<std::shared_ptr<Observation>> Observe(std::string_view name,
                                                       Observation::Handler handler);

 private:
  Watcher* const watcher_;
};

}  // namespace aio::coord
