#include "coord/leadership.h"

#include <algorithm>
#include <utility>

#include "base/logging.h"

namespace aio::coord {

Leadership::Leadership(store::KvStore* store, std::string election_name, std::string node_id,
                       std::chrono::seconds ttl)
    : store_(store),
      election_name_(std::move(election_name)),
      node_id_(std::move(node_id)),
      ttl_s_(std::max<int64_t>(ttl.count(), store::kMinLeaseTtlSeconds)),
      watcher_(store),
      elector_(&watcher_) {}

Leadership::~Leadership() { Stop(); }

void Leadership::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void Leadership::Run() {
  const absl::Duration period = absl::Milliseconds(ttl_s_ * 1000 / 3);
  while (true) {
    Tick();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), period) || stopping_) return;
  }
}

void Leadership::Drop() {
  std::shared_ptr<Ticket> ticket;
  {
    absl::MutexLock lock(&mu_);
    ticket = std::move(ticket_);
    lease_ = 0;
    key_ = {};
    ++generation_;
  }
  if (leader_.exchange(false)) {
    base::GetLogger("coord")->warn("leadership lost election={} node={}", election_name_, node_id_);
  }
  if (ticket != nullptr) ticket->Cancel();
}

void Leadership::Tick() {
  int64_t lease = 0;
  LeaderKey key;
  {
    absl::MutexLock lock(&mu_);
    lease = lease_;
    key = key_;
  }
  if (lease != 0) {
    // Keep the lease alive; a leader also checks that its key is still its own.
    bool lost = !store_->LeaseKeepAlive(lease).ok();
    if (!lost && !key.key.empty()) {
      absl::StatusOr<store::RangeResponse> mine = store_->Range({.key = key.key});
      lost = mine.ok() && (mine->kvs.empty() || mine->kvs[0].create_revision != key.rev);
    }
    if (!lost) return;
    Drop();
    (void)store_->LeaseRevoke(lease);
  }
  absl::StatusOr<store::LeaseGrantResponse> granted = store_->LeaseGrant(0, ttl_s_);
  if (!granted.ok()) return;  // the store is unavailable: try again next tick
  int64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      (void)store_->LeaseRevoke(granted->id);
      return;
    }
    lease_ = granted->id;
    generation = ++generation_;
  }
  std::shared_ptr<Ticket> ticket = elector_.Campaign(
      election_name_, granted->id, node_id_,
      [this, generation, lease = granted->id](absl::StatusOr<QueueTurn> turn) {
        absl::MutexLock lock(&mu_);
        if (generation != generation_ || !turn.ok()) return;  // the next tick starts over
        key_ = LeaderKey{
            .name = election_name_, .key = turn->key, .rev = turn->create_revision, .lease = lease};
        leader_.store(true, std::memory_order_release);
        base::GetLogger("coord")->info("leadership gained election={} node={} rev={}",
                                       election_name_, node_id_, turn->create_revision);
      });
  absl::MutexLock lock(&mu_);
  if (generation == generation_) ticket_ = std::move(ticket);
}

void Leadership::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  int64_t lease = 0;
  {
    absl::MutexLock lock(&mu_);
    lease = lease_;
  }
  Drop();
  watcher_.Stop();
  if (lease != 0) (void)store_->LeaseRevoke(lease);  // resigns: the key goes with the lease
}

}  // namespace aio::coord
