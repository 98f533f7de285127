#include "mq/jetstream/config.h"

#include "gtest/gtest.h"

namespace aio::mq::jetstream {
namespace {

using Json = nlohmann::json;

ApiError StreamError(const Json& json) {
  auto parsed = ParseStreamConfig(json);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  auto valid = ValidateStreamConfig(std::get<StreamConfig>(parsed));
  if (auto* e = std::get_if<ApiError>(&valid)) return *e;
  return {};
}

TEST(StreamConfigTest, DefaultsAsNatsServer) {
  auto valid =
      ValidateStreamConfig(std::get<StreamConfig>(ParseStreamConfig({{"name", "ORDERS"}})));
  const StreamConfig& c = std::get<StreamConfig>(valid);
  EXPECT_EQ(c.subjects, std::vector<std::string>{"ORDERS"});
  EXPECT_EQ(c.duplicate_window_ns, 120'000'000'000);
  EXPECT_EQ(c.max_msgs, -1);
  const Json json = ToJson(c);
  EXPECT_EQ(json["retention"], "limits");
  EXPECT_EQ(json["storage"], "file");
  EXPECT_EQ(json["discard"], "old");
}

TEST(StreamConfigTest, RejectsBadConfigsWithNatsServerTexts) {
  EXPECT_EQ(StreamError({{"name", "a.b"}}).description, "invalid stream name");
  EXPECT_EQ(StreamError({{"name", "S"}, {"subjects", {"$JS.API.>"}}}).description,
            "subjects overlap with jetstream api");
  EXPECT_EQ(StreamError({{"name", "S"}, {"subjects", {"a.*", "a.b"}}}).description,
            "duplicate subjects detected");
  EXPECT_EQ(StreamError({{"name", "S"}, {"max_age", -1}}).description, "max age needs to be >= 0");
  EXPECT_EQ(StreamError({{"name", "S"}, {"subjects", {"a..b"}}}).description, "invalid subject");
  EXPECT_EQ(StreamError({{"name", "S"}, {"retention", "forever"}}).err_code, 10025);
  EXPECT_EQ(
      StreamError({{"name", "S"}, {"max_age", 1'000'000'000}, {"duplicate_window", 2'000'000'000}})
          .description,
      "duplicates window can not be larger then max age");
  EXPECT_EQ(StreamError({{"name", "S"}, {"num_replicas", 3}}).err_code, 10052);
}

TEST(ConsumerConfigTest, DefaultsAndChecks) {
  StreamConfig stream = std::get<StreamConfig>(ValidateStreamConfig(
      std::get<StreamConfig>(ParseStreamConfig({{"name", "S"}, {"subjects", {"s.>"}}}))));
  auto parsed = ParseConsumerConfig({{"durable_name", "d"}, {"ack_policy", "explicit"}});
  auto valid = ValidateConsumerConfig(std::get<ConsumerConfig>(parsed), stream);
  const ConsumerConfig& c = std::get<ConsumerConfig>(valid);
  EXPECT_EQ(c.ack_wait_ns, 30'000'000'000);
  EXPECT_EQ(c.max_ack_pending, 1000);
  EXPECT_EQ(c.max_waiting, 512);
  EXPECT_EQ(c.name, "d");

  auto bad_filter = ValidateConsumerConfig(
      std::get<ConsumerConfig>(ParseConsumerConfig({{"filter_subject", "other"}})), stream);
  EXPECT_EQ(std::get<ApiError>(bad_filter).err_code, 10093);
  auto cycle = ValidateConsumerConfig(
      std::get<ConsumerConfig>(ParseConsumerConfig({{"deliver_subject", "s.x"}})), stream);
  EXPECT_EQ(std::get<ApiError>(cycle).description, "consumer deliver subject forms a cycle");
  auto by_seq = ValidateConsumerConfig(
      std::get<ConsumerConfig>(ParseConsumerConfig({{"deliver_policy", "by_start_sequence"}})),
      stream);
  EXPECT_EQ(std::get<ApiError>(by_seq).err_code, 10012);
}

TEST(TimeTest, FormatsAndParsesRfc3339) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1'500'000'000'123'456'789), "2017-07-14T02:40:00.123456789Z");
  int64_t ns = 0;
  ASSERT_TRUE(ParseTime("2017-07-14T02:40:00.123456789Z", &ns));
  EXPECT_EQ(ns, 1'500'000'000'123'456'789);
  ASSERT_TRUE(ParseTime("2017-07-14T04:40:00+02:00", &ns));
  EXPECT_EQ(ns, 1'500'000'000'000'000'000);
  EXPECT_FALSE(ParseTime("yesterday", &ns));
}

}  // namespace
}  // namespace aio::mq::jetstream
