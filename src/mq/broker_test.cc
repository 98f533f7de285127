#include "mq/broker.h"

#include <map>

#include "gtest/gtest.h"

namespace aio::mq {
namespace {

// Records what it receives.
class Recorder : public Subscriber {
 public:
  bool Deliver(const Subscription& sub, const Message& msg) override {
    received.push_back(sub.sid + ":" + std::string(msg.subject) + ":" + std::string(msg.payload));
    return true;
  }
  void Wake() override { ++wakes; }
  std::vector<std::string> received;
  int wakes = 0;
};

class BrokerTest : public ::testing::Test {
 protected:
  SubscriptionPtr Subscribe(std::shared_ptr<Recorder> who, uint64_t client, std::string subject,
                            std::string sid, std::string queue = "") {
    auto sub = std::make_shared<Subscription>();
    sub->subscriber = who;
    sub->client_id = client;
    sub->subject = std::move(subject);
    sub->sid = std::move(sid);
    sub->queue = std::move(queue);
    broker_.Subscribe(sub);
    return sub;
  }
  size_t Publish(std::string_view subject, std::string_view payload, uint64_t from = 99,
                 bool echo = true) {
    return broker_.Publish({.subject = subject, .payload = payload}, from, echo, nullptr, nullptr);
  }

  Stats stats_;
  Broker broker_{&stats_};
};

TEST_F(BrokerTest, DeliversToEveryMatchingSubscription) {
  auto a = std::make_shared<Recorder>();
  Subscribe(a, 1, "foo.*", "1");
  Subscribe(a, 1, "foo.bar", "2");
  EXPECT_EQ(Publish("foo.bar", "x"), 2u);
  EXPECT_EQ(a->received.size(), 2u);
  EXPECT_EQ(stats_.subscriptions.load(), 2);
}

TEST_F(BrokerTest, QueueGroupDeliversEachMessageToExactlyOneMember) {
  std::vector<std::shared_ptr<Recorder>> members;
  for (int i = 0; i < 4; ++i) {
    members.push_back(std::make_shared<Recorder>());
    Subscribe(members.back(), i + 1, "jobs", std::to_string(i), "workers");
  }
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(Publish("jobs", "j"), 1u);
  size_t total = 0;
  for (const auto& m : members) {
    total += m->received.size();
    EXPECT_GT(m->received.size(), 100u);  // spread, not all to one member
  }
  EXPECT_EQ(total, 1000u);
}

TEST_F(BrokerTest, EchoFalseSkipsThePublishersOwnSubscriptions) {
  auto self = std::make_shared<Recorder>();
  auto other = std::make_shared<Recorder>();
  Subscribe(self, 7, "chat", "1");
  Subscribe(other, 8, "chat", "1");
  EXPECT_EQ(Publish("chat", "hi", 7, /*echo=*/false), 1u);
  EXPECT_TRUE(self->received.empty());
  EXPECT_EQ(other->received.size(), 1u);
}

TEST_F(BrokerTest, MaxDeliveriesEndsTheSubscription) {
  auto a = std::make_shared<Recorder>();
  SubscriptionPtr sub = Subscribe(a, 1, "tick", "5");
  sub->max = 2;
  for (int i = 0; i < 5; ++i) Publish("tick", std::to_string(i));
  EXPECT_EQ(a->received, (std::vector<std::string>{"5:tick:0", "5:tick:1"}));
  EXPECT_EQ(broker_.sublist().count(), 0u);
  EXPECT_EQ(stats_.subscriptions.load(), 0);
}

TEST_F(BrokerTest, WakeListCollectsSubscribersForTheBatch) {
  auto a = std::make_shared<Recorder>();
  Subscribe(a, 1, "x", "1");
  WakeList wake;
  MatchCache cache;
  broker_.Publish({.subject = "x", .payload = "1"}, 2, true, &cache, &wake);
  EXPECT_EQ(wake.size(), 1u);
  EXPECT_EQ(a->wakes, 0);
}

}  // namespace
}  // namespace aio::mq
