#include "store/mvcc/watch_hub.h"

#include <algorithm>

#include "store/errors.h"
#include "store/mvcc/key_index.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::store::mvcc {
namespace {

constexpr int64_t kProgressWatchId = -1;  // etcd 3.4: not tied to a watcher
constexpr size_t kCatchUpEventsPerRound = 10'000;
constexpr auto kHubTick = std::chrono::milliseconds(100);

size_t EventBytes(const Event& e) {
  return e.kv.key.size() + e.kv.value.size() + (e.prev_kv ? e.prev_kv->value.size() : 0) + 64;
}

}  // namespace

struct WatchHub::Watcher {
  int64_t id = 0;
  std::string key;
  std::string range_end;
  bool prev_kv = false;
  bool filter_put = false;
  bool filter_delete = false;
  bool progress_notify = false;
  int64_t next_rev = 0;  // the first revision not yet queued
  bool synced = false;
  int64_t last_progress_ms = 0;
  Stream* stream = nullptr;
};

class WatchHub::Stream final : public WatchStream {
 public:
  Stream(WatchHub* hub, std::function<void()> on_ready)
      : hub_(hub), on_ready_(std::move(on_ready)) {}

  ~Stream() override {
    std::lock_guard lock(hub_->mu_);
    while (!watchers_.empty()) hub_->RemoveWatcher(watchers_.begin()->second.get());
    auto& streams = hub_->streams_;
    streams.erase(std::find(streams.begin(), streams.end(), this));
  }

  absl::StatusOr<int64_t> Watch(const WatchRequest& request) override {
    if (request.key.empty()) return ErrEmptyKey();
    std::lock_guard lock(hub_->mu_);
    int64_t id = request.watch_id;
    if (id == 0) {
      while (watchers_.contains(next_auto_id_)) ++next_auto_id_;
      id = next_auto_id_++;
    } else if (watchers_.contains(id)) {
      return ErrWatchIdExists();
    }
    auto w = std::make_unique<Watcher>();
    w->id = id;
    w->key = request.key;
    w->range_end = request.range_end;
    w->prev_kv = request.prev_kv;
    w->filter_put = request.filter_put;
    w->filter_delete = request.filter_delete;
    w->progress_notify = request.progress_notify;
    w->last_progress_ms = hub_->clock_->NowMs();
    w->stream = this;
    int64_t published;
    {
      std::lock_guard inbox_lock(hub_->inbox_mu_);
      published = hub_->published_rev_;
    }
    w->next_rev = request.start_revision > 0 ? request.start_revision : published + 1;
    // A compacted start revision goes through catch-up, which cancels it (as etcd).
    w->synced = w->next_rev > hub_->dispatched_rev_ && w->next_rev >= hub_->compact_revision_();
    if (w->prev_kv) ++hub_->prev_kv_watchers_;
    ++hub_->stats_->watchers;
    if (!w->synced) ++hub_->stats_->slow_watchers;
    bool synced = w->synced;
    watchers_.emplace(id, std::move(w));
    Push(WatchResponse{.watch_id = id, .revision = published, .created = true});
    if (!synced) hub_->Wake();
    return id;
  }

  absl::Status Cancel(int64_t watch_id) override {
    std::lock_guard lock(hub_->mu_);
    auto it = watchers_.find(watch_id);
    if (it == watchers_.end()) return ErrWatcherNotFound();
    hub_->RemoveWatcher(it->second.get());
    Push(WatchResponse{.watch_id = watch_id, .revision = hub_->dispatched_rev_, .canceled = true});
    return absl::OkStatus();
  }

  void RequestProgress() override {
    {
      std::lock_guard lock(hub_->mu_);
      progress_requested_ = true;
    }
    hub_->Wake();
  }

  std::optional<WatchResponse> Next() override {
    bool wake_hub;
    WatchResponse r;
    {
      std::lock_guard lock(q_mu_);
      if (queue_.empty()) {
        waiting_ = true;
        return std::nullopt;
      }
      r = std::move(queue_.front());
      queue_.pop_front();
      // Room again: let the hub resume this stream's unsynced watchers now, not at its next tick.
      wake_hub = queue_.size() == static_cast<size_t>(hub_->options_.queue_limit / 2);
    }
    if (wake_hub) hub_->Wake();
    return r;
  }

  bool Full() {
    std::lock_guard lock(q_mu_);
    return queue_.size() >= static_cast<size_t>(hub_->options_.queue_limit);
  }

  void Push(WatchResponse response) {
    bool notify;
    {
      std::lock_guard lock(q_mu_);
      queue_.push_back(std::move(response));
      notify = waiting_;
      waiting_ = false;
    }
    if (notify && on_ready_) on_ready_();
  }

  bool AllSynced() const {
    return std::all_of(watchers_.begin(), watchers_.end(),
                       [](const auto& entry) { return entry.second->synced; });
  }

  WatchHub* const hub_;
  const std::function<void()> on_ready_;
  // Guarded by hub_->mu_.
  absl::flat_hash_map<int64_t, std::unique_ptr<Watcher>> watchers_;
  int64_t next_auto_id_ = 0;
  bool progress_requested_ = false;

 private:
  std::mutex q_mu_;  // the response queue, shared with the front-end's Next()
  std::deque<WatchResponse> queue_;
  bool waiting_ = true;  // Next() found the queue empty: call on_ready_ on the next Push
};

WatchHub::WatchHub(Options options, base::Clock* clock, Stats* stats, HistoryReader history,
                   std::function<int64_t()> compact_revision, int64_t current_revision)
    : options_(options),
      clock_(clock),
      stats_(stats),
      history_(std::move(history)),
      compact_revision_(std::move(compact_revision)),
      published_rev_(current_revision),
      dispatched_rev_(current_revision) {}

WatchHub::~WatchHub() { Stop(); }

void WatchHub::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(inbox_mu_);
    while (!stopping_) {
      inbox_cv_.wait_for(lock, kHubTick, [this] { return stopping_ || wake_ || !inbox_.empty(); });
      if (stopping_) break;
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void WatchHub::Stop() {
  {
    std::lock_guard lock(inbox_mu_);
    stopping_ = true;
  }
  inbox_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WatchHub::Wake() {
  {
    std::lock_guard lock(inbox_mu_);
    wake_ = true;
  }
  inbox_cv_.notify_one();
}

void WatchHub::Publish(std::vector<Event> events, int64_t revision, bool with_prev_kv) {
  {
    std::lock_guard lock(inbox_mu_);
    published_rev_ = revision;
    inbox_.push_back(Batch{std::move(events), revision, with_prev_kv});
  }
  inbox_cv_.notify_one();
}

std::unique_ptr<WatchStream> WatchHub::NewStream(std::function<void()> on_ready) {
  auto stream = std::make_unique<Stream>(this, std::move(on_ready));
  std::lock_guard lock(mu_);
  streams_.push_back(stream.get());
  return stream;
}

void WatchHub::RunOnce() {
  std::deque<Batch> batches;
  {
    std::lock_guard lock(inbox_mu_);
    batches.swap(inbox_);
    wake_ = false;
  }
  std::lock_guard lock(mu_);
  for (const Batch& batch : batches) {
    Dispatch(batch);
    dispatched_rev_ = batch.revision;
  }
  CatchUp();
  NotifyProgress();
}

void WatchHub::Select(const Watcher& w, const std::vector<Event>& events, std::vector<Event>* out) {
  KeyRange range{w.key, w.range_end};
  for (const Event& e : events) {
    if (e.kv.mod_revision < w.next_rev || !range.Contains(e.kv.key)) continue;
    if (e.type == Event::Type::kPut ? w.filter_put : w.filter_delete) continue;
    out->push_back(e);
    if (!w.prev_kv) out->back().prev_kv.reset();
  }
}

bool WatchHub::Deliver(Watcher* w, std::vector<Event> events, int64_t through_rev) {
  if (w->stream->Full()) return false;
  stats_->watch_events_total += static_cast<int64_t>(events.size());
  // Split large batches, but never inside one revision (a txn's events stay together).
  size_t start = 0;
  size_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    bytes += EventBytes(events[i]);
    bool last = i + 1 == events.size();
    if (!last && (bytes < options_.max_response_bytes ||
                  events[i + 1].kv.mod_revision == events[i].kv.mod_revision)) {
      continue;
    }
    WatchResponse r{.watch_id = w->id, .revision = last ? through_rev : events[i].kv.mod_revision};
    r.events.assign(std::make_move_iterator(events.begin() + start),
                    std::make_move_iterator(events.begin() + i + 1));
    w->stream->Push(std::move(r));
    start = i + 1;
    bytes = 0;
  }
  w->next_rev = through_rev + 1;
  return true;
}

void WatchHub::Dispatch(const Batch& batch) {
  for (Stream* stream : streams_) {
    for (auto& [id, w] : stream->watchers_) {
      if (!w->synced || batch.revision < w->next_rev) continue;
      std::vector<Event> events;
      Select(*w, batch.events, &events);
      if (events.empty()) {
        w->next_rev = batch.revision + 1;
        continue;
      }
      // Without prev_kv in the batch, or with a full queue, the watcher catches up from history.
      if ((w->prev_kv && !batch.with_prev_kv) ||
          !Deliver(w.get(), std::move(events), batch.revision)) {
        w->synced = false;
        ++stats_->slow_watchers;
      }
    }
  }
}

void WatchHub::CatchUp() {
  std::vector<Watcher*> pending;
  for (Stream* stream : streams_) {
    for (auto& [id, w] : stream->watchers_) {
      if (!w->synced) pending.push_back(w.get());
    }
  }
  if (pending.empty()) return;

  auto cancel_compacted = [this](std::vector<Watcher*>* watchers) {
    int64_t compact_rev = compact_revision_();
    std::erase_if(*watchers, [&](Watcher* w) {
      if (w->next_rev >= compact_rev) return false;
      w->stream->Push(WatchResponse{.watch_id = w->id,
                                    .revision = dispatched_rev_,
                                    .canceled = true,
                                    .compact_revision = compact_rev,
                                    .cancel_reason = std::string(ErrCompacted().message())});
      RemoveWatcher(w);
      return true;
    });
  };
  cancel_compacted(&pending);

  int64_t min_rev = INT64_MAX;
  bool with_prev_kv = false;
  std::erase_if(pending, [](Watcher* w) { return w->stream->Full(); });
  for (Watcher* w : pending) {
    min_rev = std::min(min_rev, w->next_rev);
    with_prev_kv |= w->prev_kv;
  }
  if (pending.empty()) return;

  std::vector<Event> events;
  int64_t read_through = dispatched_rev_;
  if (min_rev <= dispatched_rev_) {
    auto last = history_(min_rev, dispatched_rev_, kCatchUpEventsPerRound, with_prev_kv, &events);
    if (!last.ok()) return;  // retried next round
    read_through = *last;
    cancel_compacted(&pending);  // a compaction may have raced with the read
  }
  for (Watcher* w : pending) {
    if (w->next_rev > read_through) {
      w->synced = w->next_rev > dispatched_rev_;
      if (w->synced) --stats_->slow_watchers;
      continue;
    }
    std::vector<Event> selected;
    Select(*w, events, &selected);
    if (!selected.empty() && !Deliver(w, std::move(selected), read_through)) continue;
    w->next_rev = read_through + 1;
    if (read_through == dispatched_rev_) {
      w->synced = true;
      --stats_->slow_watchers;
    }
  }
}

void WatchHub::NotifyProgress() {
  int64_t now = clock_->NowMs();
  for (Stream* stream : streams_) {
    if (stream->progress_requested_ && stream->AllSynced()) {
      stream->progress_requested_ = false;
      stream->Push(WatchResponse{.watch_id = kProgressWatchId, .revision = dispatched_rev_});
    }
    for (auto& [id, w] : stream->watchers_) {
      if (!w->progress_notify || !w->synced ||
          now - w->last_progress_ms < options_.progress_notify_interval_ms) {
        continue;
      }
      w->last_progress_ms = now;
      stream->Push(WatchResponse{.watch_id = w->id, .revision = dispatched_rev_});
    }
  }
}

void WatchHub::RemoveWatcher(Watcher* w) {
  if (w->prev_kv) --prev_kv_watchers_;
  if (!w->synced) --stats_->slow_watchers;
  --stats_->watchers;
  w->stream->watchers_.erase(w->id);
}

}  // namespace aio::store::mvcc
