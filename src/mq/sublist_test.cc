#include "mq/sublist.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::mq {
namespace {

SubscriptionPtr Sub(std::string subject, std::string queue = "", std::string sid = "1") {
  auto sub = std::make_shared<Subscription>();
  sub->subject = std::move(subject);
  sub->queue = std::move(queue);
  sub->sid = std::move(sid);
  return sub;
}

std::vector<std::string> Subjects(const std::vector<SubscriptionPtr>& subs) {
  std::vector<std::string> out;
  for (const auto& sub : subs) out.push_back(sub->subject);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SublistTest, MatchesLiteralsAndWildcards) {
  Sublist sublist;
  for (const char* subject : {"foo.bar", "foo.*", "foo.>", ">", "*.bar", "foo.baz", "foo"}) {
    sublist.Insert(Sub(subject));
  }
  EXPECT_EQ(sublist.count(), 7u);
  EXPECT_THAT(Subjects(sublist.Match("foo.bar")->plain),
              ::testing::ElementsAre("*.bar", ">", "foo.*", "foo.>", "foo.bar"));
  EXPECT_THAT(Subjects(sublist.Match("foo")->plain), ::testing::ElementsAre(">", "foo"));
  EXPECT_THAT(Subjects(sublist.Match("foo.bar.baz")->plain), ::testing::ElementsAre(">", "foo.>"));
  EXPECT_THAT(Subjects(sublist.Match("other")->plain), ::testing::ElementsAre(">"));
}

TEST(SublistTest, QueueGroupsAreReportedPerGroup) {
  Sublist sublist;
  sublist.Insert(Sub("work", "q1", "1"));
  sublist.Insert(Sub("work", "q1", "2"));
  sublist.Insert(Sub("work", "q2", "3"));
  sublist.Insert(Sub("work", "", "4"));
  MatchResultPtr result = sublist.Match("work");
  EXPECT_EQ(result->plain.size(), 1u);
  ASSERT_EQ(result->queues.size(), 2u);
  EXPECT_EQ(result->queues[0].size() + result->queues[1].size(), 3u);
}

TEST(SublistTest, RemoveUpdatesCachedMatchesAndPrunes) {
  Sublist sublist;
  SubscriptionPtr wildcard = Sub("foo.*");
  SubscriptionPtr literal = Sub("foo.bar");
  sublist.Insert(wildcard);
  sublist.Insert(literal);
  EXPECT_EQ(sublist.Match("foo.bar")->plain.size(), 2u);
  const uint64_t generation = sublist.generation();
  EXPECT_TRUE(sublist.Remove(wildcard));
  EXPECT_GT(sublist.generation(), generation);
  EXPECT_EQ(sublist.Match("foo.bar")->plain.size(), 1u);
  EXPECT_FALSE(sublist.Remove(wildcard));
  EXPECT_TRUE(sublist.Remove(literal));
  EXPECT_TRUE(sublist.Match("foo.bar")->empty());
  EXPECT_EQ(sublist.count(), 0u);
  EXPECT_TRUE(sublist.All().empty());
}

TEST(SublistTest, InsertAfterCachedMissIsSeen) {
  Sublist sublist;
  MatchCache cache;
  EXPECT_TRUE(cache.Match(sublist, "a.b")->empty());
  sublist.Insert(Sub("a.>"));
  EXPECT_EQ(cache.Match(sublist, "a.b")->plain.size(), 1u);
  EXPECT_EQ(sublist.Match("a.b")->plain.size(), 1u);
}

}  // namespace
}  // namespace aio::mq
