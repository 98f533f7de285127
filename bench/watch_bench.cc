#include "watch_bench.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "closed_loop.h"
#include "etcd/rpc.grpc.pb.h"
#include "grpcpp/support/client_callback.h"

namespace aio::bench {
namespace {

constexpr std::string_view kPrefix = "w";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// State shared by the watchers and the driver. Thread-safe.
class Delivery {
 public:
  Delivery(int watchers, uint64_t events)
      : watchers_(watchers), events_(events), sent_at_ns_(new std::atomic<int64_t>[events]) {}

  uint64_t events() const { return events_; }
  LatencyHistogram& latency() { return latency_; }

  void MarkSent(uint64_t index) { sent_at_ns_[index].store(NowNs(), std::memory_order_release); }
  int64_t SentAtNs(uint64_t index) const {
    return sent_at_ns_[index].load(std::memory_order_acquire);
  }

  void Created() { Bump(&created_); }
  void Complete() {
    std::lock_guard lock(mu_);
    last_complete_ = Clock::now();
    ++complete_;
    changed_.notify_all();
  }
  // A stream ended; `early` if it ended before receiving every event.
  void StreamDone(bool early, const std::string& error) {
    std::lock_guard lock(mu_);
    if (early) ++failed_;
    if (early && first_error_.empty()) first_error_ = error;
    ++done_;
    changed_.notify_all();
  }
  void Fail(const std::string& error) {
    std::lock_guard lock(mu_);
    if (first_error_.empty()) first_error_ = error;
  }

  // Wait until every watcher is created / complete / done, or has failed. False on timeout.
  bool WaitCreated(Clock::time_point deadline) { return WaitFor(&created_, deadline); }
  bool WaitComplete(Clock::time_point deadline) { return WaitFor(&complete_, deadline); }
  void WaitDone() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [this] { return done_ == watchers_; });
  }

  Clock::time_point last_complete() {
    std::lock_guard lock(mu_);
    return last_complete_;
  }
  std::string first_error() {
    std::lock_guard lock(mu_);
    return first_error_;
  }

 private:
  void Bump(int* counter) {
    std::lock_guard lock(mu_);
    ++*counter;
    changed_.notify_all();
  }
  bool WaitFor(const int* counter, Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return changed_.wait_until(lock, deadline, [&] { return *counter + failed_ >= watchers_; }) &&
           failed_ == 0;
  }

  const int watchers_;
  const uint64_t events_;
  const std::unique_ptr<std::atomic<int64_t>[]> sent_at_ns_;  // steady clock, by event index
  LatencyHistogram latency_;  // from the put's start to the event's arrival

  // Guards the counters below; wakes the driver when one changes.
  std::mutex mu_;
  std::condition_variable changed_;
  int created_ = 0;
  int complete_ = 0;
  int failed_ = 0;
  int done_ = 0;
  Clock::time_point last_complete_;
  std::string first_error_;
};

// One Watch stream with one watcher on the prefix. Reactions run serially on gRPC threads; the
// counters are read by the driver only after OnDone.
class Watcher final
    : public grpc::ClientBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse> {
 public:
  Watcher(etcdserverpb::Watch::Stub* stub, Delivery* delivery) : delivery_(delivery) {
    etcdserverpb::WatchCreateRequest* create = create_.mutable_create_request();
    create->set_key(std::string(kPrefix));
    create->set_range_end(std::string(1, static_cast<char>(kPrefix.back() + 1)));
    stub->async()->Watch(&context_, this);
    StartWrite(&create_);
    StartRead(&response_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }
  uint64_t received() const { return received_; }
  uint64_t unexpected() const { return unexpected_; }
  bool in_order() const { return in_order_; }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream is ending; OnDone follows
    if (response_.created()) delivery_->Created();
    if (response_.canceled()) delivery_->Fail("watch canceled: " + response_.cancel_reason());
    const int64_t now_ns = NowNs();
    for (const auto& event : response_.events()) {
      uint64_t index = 0;
      if (event.type() != mvccpb::Event::PUT || !IndexOf(event.kv().key(), kPrefix, &index) ||
          index >= delivery_->events()) {
        ++unexpected_;
        continue;
      }
      delivery_->latency().Record(std::chrono::nanoseconds(now_ns - delivery_->SentAtNs(index)));
      in_order_ = in_order_ && event.kv().mod_revision() > last_revision_;
      last_revision_ = event.kv().mod_revision();
      if (++received_ == delivery_->events()) delivery_->Complete();
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    delivery_->StreamDone(received_ < delivery_->events(),
                          "watch stream ended: " + status.error_message());
  }

 private:
  Delivery* const delivery_;
  grpc::ClientContext context_;
  etcdserverpb::WatchRequest create_;
  etcdserverpb::WatchResponse response_;
  uint64_t received_ = 0;
  uint64_t unexpected_ = 0;
  int64_t last_revision_ = 0;
  bool in_order_ = true;
};

}  // namespace

nlohmann::json RunWatchBench(const KvOptions& options,
                             const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  std::vector<std::unique_ptr<etcdserverpb::Watch::Stub>> watch_stubs;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> kv_stubs;
  for (const auto& channel : channels) {
    watch_stubs.push_back(etcdserverpb::Watch::NewStub(channel));
    kv_stubs.push_back(etcdserverpb::KV::NewStub(channel));
  }

  Delivery delivery(options.watchers, options.events);
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < options.watchers; ++i) {
    watchers.push_back(
        std::make_unique<Watcher>(watch_stubs[i % watch_stubs.size()].get(), &delivery));
  }
  nlohmann::json report = {
      {"mix", "watch"},           {"endpoint", options.endpoint}, {"watchers", options.watchers},
      {"events", options.events}, {"clients", options.clients},   {"conns", options.conns}};
  const bool created = delivery.WaitCreated(Clock::now() + options.timeout);

  bool complete = false;
  LoopResult puts;
  LatencyHistogram put_latency;
  const Clock::time_point start = Clock::now();
  if (created) {
    const ValuePool values(options.value_size);
    ClosedLoop loop(options.clients, LoopBudget{.max_requests = options.events}, &put_latency,
                    [&](int client, uint64_t index, DoneFn done) {
                      delivery.MarkSent(index);
                      IssuePut(kv_stubs[client % kv_stubs.size()].get(),
                               KeyOf(kPrefix, index, options.key_size), values.ValueOf(index),
                               std::move(done));
                    });
    puts = loop.Run();
    complete = delivery.WaitComplete(start + options.timeout);
  }

  for (auto& watcher : watchers) watcher->Cancel();
  delivery.WaitDone();

  uint64_t received = 0;
  uint64_t unexpected = 0;
  int complete_watchers = 0;
  int out_of_order = 0;
  for (const auto& watcher : watchers) {
    received += watcher->received();
    unexpected += watcher->unexpected();
    complete_watchers += watcher->received() == options.events ? 1 : 0;
    out_of_order += watcher->in_order() ? 0 : 1;
  }
  const uint64_t expected = options.events * static_cast<uint64_t>(options.watchers);
  const double seconds =
      std::chrono::duration<double>((complete ? delivery.last_complete() : Clock::now()) - start)
          .count();
  std::string error = delivery.first_error();
  if (error.empty() && !created) error = "timed out waiting for the watchers to be created";
  if (error.empty()) error = puts.first_error;
  if (error.empty() && !complete) error = "timed out waiting for every watcher to get every event";

  report["watchers_complete"] = complete_watchers;
  report["events_expected"] = expected;
  report["events_received"] = received;
  report["events_unexpected"] = unexpected;
  report["watchers_out_of_order"] = out_of_order;
  report["seconds"] = seconds;
  report["events_per_s"] = seconds > 0 ? static_cast<double>(received) / seconds : 0;
  report["put_errors"] = puts.errors;
  report["put_ops_per_s"] = puts.seconds > 0 ? static_cast<double>(puts.ok) / puts.seconds : 0;
  AddLatency(put_latency, "put_", &report);
  AddLatency(delivery.latency(), "delivery_", &report);
  report["ok"] =
      complete && received == expected && unexpected == 0 && out_of_order == 0 && puts.errors == 0;
  if (!error.empty()) report["error"] = error;
  return report;
}

}  // namespace aio::bench
