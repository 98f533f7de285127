#include "mq/broker.h"

#include <cstdint>

namespace aio::mq {
namespace {

// A cheap per-thread random number for picking a queue group member (xorshift64).
uint64_t NextRandom() {
  thread_local uint64_t state = 0x9E3779B97F4A7C15ull ^ reinterpret_cast<uintptr_t>(&state);
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

}  // namespace

void Broker::Subscribe(SubscriptionPtr sub) {
  sublist_.Insert(std::move(sub));
  Add(stats_->subscriptions, 1);
}

void Broker::Unsubscribe(const SubscriptionPtr& sub) {
  sub->closed.store(true, std::memory_order_release);
  if (sublist_.Remove(sub)) Add(stats_->subscriptions, -1);
}

bool Broker::DeliverTo(const SubscriptionPtr& sub, const Message& msg, WakeList* wake) {
  if (sub->closed.load(std::memory_order_acquire)) return false;
  // Counted always: UNSUB <sid> <max> counts the messages delivered since SUB, as nats-server.
  const uint64_t n = sub->delivered.fetch_add(1, std::memory_order_relaxed) + 1;
  const uint64_t max = sub->max.load(std::memory_order_relaxed);
  if (max != 0) {
    if (n > max) return false;
    if (n == max) Unsubscribe(sub);
  }
  if (sub->subscriber->Deliver(*sub, msg)) {
    if (wake != nullptr) {
      wake->push_back(sub->subscriber);
    } else {
      sub->subscriber->Wake();
    }
  }
  return true;
}

size_t Broker::Publish(const Message& msg, uint64_t publisher_id, bool echo, MatchCache* cache,
                       WakeList* wake) {
  const std::string_view route = msg.route.empty() ? msg.subject : msg.route;
  const MatchResultPtr result =
      cache != nullptr ? cache->Match(sublist_, route) : sublist_.Match(route);
  size_t delivered = 0;
  for (const SubscriptionPtr& sub : result->plain) {
    if (!echo && sub->client_id == publisher_id) continue;
    delivered += DeliverTo(sub, msg, wake);
  }
  for (const std::vector<SubscriptionPtr>& group : result->queues) {
    // Start at a random member and take the first that can receive.
    const size_t start = NextRandom() % group.size();
    for (size_t i = 0; i < group.size(); ++i) {
      const SubscriptionPtr& sub = group[(start + i) % group.size()];
      if (!echo && sub->client_id == publisher_id) continue;
      if (DeliverTo(sub, msg, wake)) {
        ++delivered;
        break;
      }
    }
  }
  return delivered;
}

}  // namespace aio::mq
