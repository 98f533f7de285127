// Broker: routes published messages to subscriptions (core NATS semantics): every plain
// subscription whose subject matches, and exactly one member of each matching queue group;
// `echo: false` publishers do not receive their own messages; UNSUB with a maximum ends a
// subscription after that many deliveries. https://docs.nats.io/nats-concepts/core-nats
//
// Thread-safe: publishers call Publish from their own I/O threads concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mq/stats.h"
#include "mq/sublist.h"
#include "mq/subscription.h"

namespace aio::mq {

// Subscribers a publisher must Wake after its batch (each appears once per Deliver that asked).
using WakeList = std::vector<std::shared_ptr<Subscriber>>;

class Broker {
 public:
  explicit Broker(Stats* stats) : stats_(stats) {}

  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  uint64_t NextClientId() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }

  void Subscribe(SubscriptionPtr sub);
  // Idempotent: a subscription already ended (max reached, closed) is a no-op.
  void Unsubscribe(const SubscriptionPtr& sub);

  // Delivers `msg` to the subscribers of its subject (or of `msg.route` when set); returns how
  // many received it. `publisher_id` with `echo` false skips the publisher's own subscriptions.
  // `cache` (optional) is the caller's match cache. Subscribers to wake are appended to `wake`;
  // when `wake` is null they are woken before returning.
  size_t Publish(const Message& msg, uint64_t publisher_id, bool echo, MatchCache* cache,
                 WakeList* wake);

  // Whether anything subscribes to `subject`.
  bool HasInterest(std::string_view subject) { return !sublist_.Match(subject)->empty(); }

  Sublist& sublist() { return sublist_; }
  Stats* stats() { return stats_; }

 private:
  bool DeliverTo(const SubscriptionPtr& sub, const Message& msg, WakeList* wake);

  Stats* const stats_;
  Sublist sublist_;
  std::atomic<uint64_t> next_client_id_{1};
};

}  // namespace aio::mq
