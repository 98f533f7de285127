// Subscription and Subscriber: what the subscription index stores and whom it delivers to.
//
// A Subscriber is a connection (or an internal JetStream endpoint) that receives messages. Deliver
// is called from any publisher's thread, concurrently: implementations lock what they touch.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace aio::mq {

// One message as routed: views valid for the duration of the Deliver call.
struct Message {
  std::string_view subject;
  std::string_view reply;    // "" = none
  std::string_view headers;  // raw "NATS/1.0...\r\n\r\n" block; "" = none
  std::string_view payload;
  // Matched against subscriptions instead of `subject` when set: JetStream delivers a stored
  // message to a consumer's deliver subject or pull inbox under the message's own subject.
  std::string_view route;
};

struct Subscription;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Queues `msg` for `sub`. Returns true when the subscriber must be woken (Wake) to send what it
  // queued; the publisher wakes it once after its whole batch.
  virtual bool Deliver(const Subscription& sub, const Message& msg) = 0;
  // Sends what Deliver queued. Called from any thread.
  virtual void Wake() = 0;
};

struct Subscription {
  std::shared_ptr<Subscriber> subscriber;
  uint64_t client_id = 0;  // the owner's connection ID (echo suppression); 0 = internal
  std::string subject;
  std::string queue;  // "" = no queue group
  std::string sid;
  // UNSUB <sid> <max>: the subscription ends after `max` messages (0 = unlimited).
  std::atomic<uint64_t> max{0};
  std::atomic<uint64_t> delivered{0};
  std::atomic<bool> closed{false};
};

using SubscriptionPtr = std::shared_ptr<Subscription>;

}  // namespace aio::mq
