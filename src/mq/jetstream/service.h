// JetStreamService: connects the JetStream engine to the mq::Broker. It subscribes internally
// (client id 0) to `$JS.API.>`, `$JS.ACK.>` and every stream's subjects, hands what arrives to
// the engine, and publishes the engine's Outbox (API responses, pub acks, consumer deliveries,
// pull status messages) back through the broker. A timer thread runs the engine's Tick every
// tick interval and fsyncs the store every sync interval (unless the store syncs every write).
//
// Group commit: a captured publish is only queued when the broker delivers it, and the endpoint
// asks the publisher for a Wake (mq::Subscriber), which a NATS connection sends after its whole
// read batch. The wake stores everything queued with one storage write and then sends the pub
// acks, so a client with many publishes in flight pays one WAL append per read batch rather than
// one per message, and no ack leaves before its message reached the WAL. An API request or a
// consumer ack first stores what is queued, so a connection's requests see its earlier publishes.
//
// Threading: Deliver runs on publishers' I/O threads; Start()/Stop() from the owner thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "mq/broker.h"
#include "mq/jetstream/jetstream.h"

namespace aio::mq::jetstream {

struct JetStreamServiceOptions {
  std::chrono::milliseconds tick_interval{10};
  // 0 = the store fsyncs each write itself (mq.jetstream_sync_always).
  std::chrono::milliseconds sync_interval{120'000};
};

class JetStreamService {
 public:
  // `broker` must outlive the service.
  JetStreamService(Broker* broker, std::unique_ptr<JetStream> engine,
                   JetStreamServiceOptions options);
  ~JetStreamService();  // Stop()s

  void Start();
  // Unsubscribes, stops the timer thread and fsyncs the store. Idempotent.
  void Stop();

  JetStream* engine() { return engine_.get(); }

 private:
  enum class Kind { kApi, kAck, kFlowControl, kStream };
  class Endpoint;

  // An API request (kApi) or a consumer ack (kAck).
  void OnMessage(Kind kind, const Message& msg);
  // Queues a captured publish; true when the queue was empty (the caller must Wake the endpoint:
  // whoever finds the queue empty owes the flush that empties it).
  bool Enqueue(const Message& msg);
  // Stores and acknowledges every queued publish (in queue order).
  void FlushPublishes();
  void Publish(Outbox& out);
  // Subscribes to streams' new subjects and drops the subscriptions of removed ones.
  void SyncStreamSubscriptions();
  SubscriptionPtr Subscribe(const std::string& subject, Kind kind);
  void TimerLoop();

  Broker* const broker_;
  const std::unique_ptr<JetStream> engine_;
  const JetStreamServiceOptions options_;

  absl::Mutex subs_mu_;
  absl::flat_hash_map<std::string, SubscriptionPtr> stream_subs_ ABSL_GUARDED_BY(subs_mu_);
  std::vector<SubscriptionPtr> api_subs_ ABSL_GUARDED_BY(subs_mu_);

  // Held from taking the queue until the engine stored it, so batches are stored in queue order.
  absl::Mutex flush_mu_ ABSL_ACQUIRED_BEFORE(queue_mu_);
  absl::Mutex queue_mu_;
  std::vector<CapturedMsg> queue_ ABSL_GUARDED_BY(queue_mu_);

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread timer_;
};

}  // namespace aio::mq::jetstream
