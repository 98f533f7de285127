#include "mq/jetstream/service.h"

#include "base/logging.h"

namespace aio::mq::jetstream {

class JetStreamService::Endpoint : public Subscriber {
 public:
  Endpoint(JetStreamService* service, Kind kind) : service_(service), kind_(kind) {}
  bool Deliver(const Subscription&, const Message& msg) override {
    if (kind_ == Kind::kStream) return service_->Enqueue(msg);
    service_->OnMessage(kind_, msg);
    return false;  // handled synchronously: nothing to wake
  }
  void Wake() override { service_->FlushPublishes(); }

 private:
  JetStreamService* const service_;
  const Kind kind_;
};

JetStreamService::JetStreamService(Broker* broker, std::unique_ptr<JetStream> engine,
                                   JetStreamServiceOptions options)
    : broker_(broker), engine_(std::move(engine)), options_(options) {}

JetStreamService::~JetStreamService() { Stop(); }

SubscriptionPtr JetStreamService::Subscribe(const std::string& subject, Kind kind) {
  auto sub = std::make_shared<Subscription>();
  sub->subscriber = std::make_shared<Endpoint>(this, kind);
  sub->subject = subject;
  sub->sid = "js";
  broker_->Subscribe(sub);
  return sub;
}

void JetStreamService::Start() {
  {
    absl::MutexLock lock(&subs_mu_);
    api_subs_.push_back(Subscribe("$JS.API.>", Kind::kApi));
    api_subs_.push_back(Subscribe("$JS.ACK.>", Kind::kAck));
    api_subs_.push_back(Subscribe("$JS.FC.>", Kind::kFlowControl));
  }
  SyncStreamSubscriptions();
  timer_ = std::thread([this] { TimerLoop(); });
}

void JetStreamService::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (timer_.joinable()) timer_.join();
  {
    absl::MutexLock lock(&subs_mu_);
    for (const SubscriptionPtr& sub : api_subs_) broker_->Unsubscribe(sub);
    for (const auto& [subject, sub] : stream_subs_) broker_->Unsubscribe(sub);
    api_subs_.clear();
    stream_subs_.clear();
  }
  FlushPublishes();
  if (absl::Status s = engine_->Sync(); !s.ok()) {
    base::GetLogger("mq")->error("jetstream sync at stop: {}", s.ToString());
  }
}

bool JetStreamService::Enqueue(const Message& msg) {
  absl::MutexLock lock(&queue_mu_);
  queue_.push_back({.subject = std::string(msg.subject),
                    .reply = std::string(msg.reply),
                    .headers = std::string(msg.headers),
                    .payload = std::string(msg.payload)});
  return queue_.size() == 1;
}

void JetStreamService::FlushPublishes() {
  Outbox out;
  {
    absl::MutexLock flush(&flush_mu_);
    std::vector<CapturedMsg> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      batch.swap(queue_);
    }
    if (batch.empty()) return;
    engine_->HandlePublishes(batch, &out);
  }
  // Outside flush_mu_: an ack routed back to a stream subject re-enters Enqueue/FlushPublishes.
  Publish(out);
}

void JetStreamService::OnMessage(Kind kind, const Message& msg) {
  FlushPublishes();  // this publisher's earlier publishes come first
  Outbox out;
  if (kind == Kind::kApi) {
    engine_->HandleApi(msg.subject, msg.reply, msg.payload, &out);
    if (msg.subject.starts_with("$JS.API.STREAM.")) SyncStreamSubscriptions();
  } else if (kind == Kind::kAck) {
    engine_->HandleAck(msg.subject, msg.reply, msg.payload, &out);
  } else {
    engine_->HandleFlowControl(msg.subject, &out);
  }
  Publish(out);
}

void JetStreamService::Publish(Outbox& out) {
  for (const Outgoing& o : out) {
    const Message msg{.subject = o.subject,
                      .reply = o.reply,
                      .headers = o.headers,
                      .payload = o.payload,
                      .route = o.route};
    broker_->Publish(msg, /*publisher_id=*/0, /*echo=*/true, nullptr, nullptr);
  }
}

void JetStreamService::SyncStreamSubscriptions() {
  const std::vector<std::string> subjects = engine_->Subjects();
  absl::MutexLock lock(&subs_mu_);
  absl::flat_hash_map<std::string, SubscriptionPtr> next;
  for (const std::string& subject : subjects) {
    auto it = stream_subs_.find(subject);
    if (it != stream_subs_.end()) {
      next.emplace(subject, std::move(it->second));
      stream_subs_.erase(it);
    } else {
      next.emplace(subject, Subscribe(subject, Kind::kStream));
    }
  }
  for (const auto& [subject, sub] : stream_subs_) broker_->Unsubscribe(sub);
  stream_subs_ = std::move(next);
}

void JetStreamService::TimerLoop() {
  auto next_sync = std::chrono::steady_clock::now() + options_.sync_interval;
  while (true) {
    {
      absl::MutexLock lock(&stop_mu_);
      if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                                    absl::Milliseconds(options_.tick_interval.count()))) {
        return;
      }
    }
    Outbox out;
    engine_->Tick(&out);
    Publish(out);
    if (options_.sync_interval.count() > 0 && std::chrono::steady_clock::now() >= next_sync) {
      next_sync = std::chrono::steady_clock::now() + options_.sync_interval;
      if (absl::Status s = engine_->Sync(); !s.ok()) {
        base::GetLogger("mq")->error("jetstream sync: {}", s.ToString());
      }
    }
  }
}

}  // namespace aio::mq::jetstream
