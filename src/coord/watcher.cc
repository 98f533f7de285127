#include "coord/watcher.h"

#include <utility>
#include <vector>

#include "fmt/format.h"

namespace aio::coord {

std::string LeaseHex(int64_t lease) { return fmt::format("{:x}", static_cast<uint64_t>(lease)); }

Watcher::Watcher(store::KvStore* store) : store_(store) {
  stream_ = store_->NewWatchStream([this] {
    absl::MutexLock lock(&ready_mu_);
    ready_ = true;
  });
  thread_ = std::thread([this] { Run(); });
}

Watcher::~Watcher() { Stop(); }

void Watcher::Stop() {
  {
    absl::MutexLock lock(&ready_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  thread_.join();
  {
    absl::MutexLock lock(&ready_mu_);
    timers_.clear();
  }
  absl::MutexLock lock(&mu_);
  handlers_.clear();
}

absl::StatusOr<int64_t> Watcher::Watch(const store::WatchRequest& request, Handler handler) {
  {
    absl::MutexLock lock(&ready_mu_);
    if (stopped_) return absl::UnavailableError("coord: watcher stopped");
  }
  // Held across the stream's Watch so the thread cannot see the watch's first response before
  // its handler is registered.
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int64_t> id = stream_->Watch(request);
  if (id.ok()) handlers_[*id] = std::make_shared<Handler>(std::move(handler));
  return id;
}

void Watcher::Cancel(int64_t watch_id) {
  absl::MutexLock lock(&mu_);
  if (handlers_.erase(watch_id) > 0) (void)stream_->Cancel(watch_id);
}

void Watcher::After(absl::Duration delay, std::function<void()> fn) {
  absl::MutexLock lock(&ready_mu_);
  if (!stopped_) timers_.emplace(absl::Now() + delay, std::move(fn));
}

void Watcher::Run() {
  while (true) {
    std::vector<std::function<void()>> due;
    {
      absl::MutexLock lock(&ready_mu_);
      // Also wakes when After() adds a timer earlier than the deadline waited for.
      waiting_until_ = timers_.empty() ? absl::InfiniteFuture() : timers_.begin()->first;
      const absl::Condition wake(
          +[](Watcher* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->ready_mu_) {
            return w->ready_ || w->stopped_ ||
                   (!w->timers_.empty() && w->timers_.begin()->first < w->waiting_until_);
          },
          this);
      ready_mu_.AwaitWithDeadline(wake, waiting_until_);
      if (stopped_) return;
      ready_ = false;
      for (auto it = timers_.begin(); it != timers_.end() && it->first <= absl::Now();) {
        due.push_back(std::move(it->second));
        it = timers_.erase(it);
      }
    }
    for (std::function<void()>& fn : due) fn();
    while (std::optional<store::WatchResponse> response = stream_->Next()) {
      std::shared_ptr<Handler> handler;
      {
        absl::MutexLock lock(&mu_);
        auto it = handlers_.find(response->watch_id);
        if (it == handlers_.end()) continue;
        handler = it->second;
        if (response->canceled) handlers_.erase(it);
      }
      (*handler)(*response);
    }
  }
}

std::shared_ptr<QueueWait> QueueWait::Start(Watcher* watcher, std::string prefix,
                                            int64_t max_create_revision,
                                            std::function<void(absl::Status)> done) {
  std::shared_ptr<QueueWait> wait(
      new QueueWait(watcher, std::move(prefix), max_create_revision, std::move(done)));
  wait->Next();
  return wait;
}

QueueWait::QueueWait(Watcher* watcher, std::string prefix, int64_t max_create_revision,
                     std::function<void(absl::Status)> done)
    : watcher_(watcher),
      prefix_(std::move(prefix)),
      max_create_revision_(max_create_revision),
      done_(std::move(done)) {}

void QueueWait::Next() {
  absl::StatusOr<store::RangeResponse> newest = watcher_->store()->Range({
      .key = prefix_,
      .range_end = store::PrefixEnd(prefix_),
      .limit = 1,
      .sort_order = store::SortOrder::kDescend,
      .sort_target = store::SortTarget::kCreate,
      .max_create_revision = max_create_revision_,
  });
  if (!newest.ok()) return Finish(newest.status());
  if (newest->kvs.empty()) return Finish(absl::OkStatus());
  std::function<void(absl::Status)> failed;
  absl::Status error;
  {
    absl::MutexLock lock(&mu_);
    if (!done_) return;  // canceled meanwhile
    // The watch's handler keeps the wait alive until the watch ends, whether or not the caller
    // kept the ticket.
    absl::StatusOr<int64_t> id = watcher_->Watch(
        {.key = newest->kvs[0].key, .start_revision = newest->revision + 1, .filter_put = true},
        [wait = shared_from_this()](const store::WatchResponse& response) {
          // A delete of the predecessor, or a cancellation (compacted history): look again.
          if (response.events.empty() && !response.canceled) return;
          {
            absl::MutexLock lock(&wait->mu_);
            if (wait->watch_id_ != response.watch_id) return;  // a stale watch of this wait
            wait->watch_id_ = -1;
          }
          wait->watcher_->Cancel(response.watch_id);
          wait->Next();
        });
    if (id.ok()) {
      watch_id_ = *id;
    } else {
      error = id.status();
      failed = std::move(done_);
      done_ = nullptr;
    }
  }
  if (failed) failed(error);
}

void QueueWait::Cancel() {
  std::function<void(absl::Status)> done;
  int64_t id = -1;
  {
    absl::MutexLock lock(&mu_);
    done = std::move(done_);
    done_ = nullptr;
    id = watch_id_;
    watch_id_ = -1;
  }
  if (id >= 0) watcher_->Cancel(id);
  if (done) done(absl::CancelledError("coord: wait canceled"));
}

void QueueWait::Finish(absl::Status status) {
  std::function<void(absl::Status)> done;
  {
    absl::MutexLock lock(&mu_);
    done = std::move(done_);
    done_ = nullptr;
  }
  if (done) done(std::move(status));
}

}  // namespace aio::coord
