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

TEST(SublistTest, SubjectsThatNeverRepeatAreNotCached) {
  Sublist sublist;
  sublist.Insert(Sub("_INBOX.abc.*"));
  for (int i = 0; i < 5000; ++i) {
    EXPECT_THAT(Subjects(sublist.Match("_INBOX.abc." + std::to_string(i))->plain),
                ::testing::ElementsAre("_INBOX.abc.*"));
  }
  EXPECT_EQ(sublist.cache_size(), 0u);
  // One trie node reached: its own result, shared, not a copy per match.
  EXPECT_EQ(sublist.Match("_INBOX.abc.x").get(), sublist.Match("_INBOX.abc.y").get());
  EXPECT_TRUE(sublist.Match("_INBOX.other.1")->empty());
}

TEST(SublistTest, RepeatedSubjectIsCachedFromItsSecondMatch) {
  Sublist sublist;
  sublist.Insert(Sub("orders.*"));
  sublist.Insert(Sub("orders.new"));
  EXPECT_EQ(sublist.Match("orders.new")->plain.size(), 2u);
  EXPECT_EQ(sublist.cache_size(), 0u);
  EXPECT_EQ(sublist.Match("orders.new")->plain.size(), 2u);
  EXPECT_EQ(sublist.cache_size(), 1u);
  EXPECT_EQ(sublist.Match("orders.new")->plain.size(), 2u);
  EXPECT_EQ(sublist.cache_size(), 1u);
}

TEST(SublistTest, SharedNodeResultFollowsSubscribeAndUnsubscribe) {
  Sublist sublist;
  SubscriptionPtr first = Sub("_INBOX.a.*", "", "1");
  SubscriptionPtr second = Sub("_INBOX.a.*", "", "2");
  SubscriptionPtr queued = Sub("_INBOX.a.*", "q", "3");
  sublist.Insert(first);
  EXPECT_EQ(sublist.Match("_INBOX.a.1")->plain, std::vector<SubscriptionPtr>{first});
  // A cached subject and an uncached one must both see every change.
  sublist.Match("_INBOX.a.cached");
  sublist.Match("_INBOX.a.cached");
  ASSERT_EQ(sublist.cache_size(), 1u);
  sublist.Insert(second);
  EXPECT_EQ(sublist.Match("_INBOX.a.2")->plain, (std::vector<SubscriptionPtr>{first, second}));
  EXPECT_EQ(sublist.Match("_INBOX.a.cached")->plain, (std::vector<SubscriptionPtr>{first, second}));
  sublist.Insert(queued);
  MatchResultPtr with_queue = sublist.Match("_INBOX.a.3");
  ASSERT_EQ(with_queue->queues.size(), 1u);
  EXPECT_EQ(with_queue->queues[0], std::vector<SubscriptionPtr>{queued});
  EXPECT_TRUE(sublist.Remove(first));
  EXPECT_TRUE(sublist.Remove(queued));
  EXPECT_EQ(sublist.Match("_INBOX.a.4")->plain, std::vector<SubscriptionPtr>{second});
  EXPECT_TRUE(sublist.Match("_INBOX.a.4")->queues.empty());
  EXPECT_EQ(sublist.Match("_INBOX.a.cached")->plain, std::vector<SubscriptionPtr>{second});
  // A result handed out earlier is a snapshot: later changes do not alter it.
  EXPECT_EQ(with_queue->plain, (std::vector<SubscriptionPtr>{first, second}));
  EXPECT_TRUE(sublist.Remove(second));
  EXPECT_TRUE(sublist.Match("_INBOX.a.5")->empty());
  EXPECT_TRUE(sublist.Match("_INBOX.a.cached")->empty());
}

TEST(SublistTest, FullCacheIsSweptToAQuarter) {
  Sublist sublist;
  sublist.Insert(Sub("k.*"));
  for (size_t i = 0; i <= Sublist::kMaxCacheEntries; ++i) {
    const std::string subject = "k." + std::to_string(i);
    sublist.Match(subject);
    sublist.Match(subject);
    if (i + 1 == Sublist::kMaxCacheEntries) {
      EXPECT_EQ(sublist.cache_size(), Sublist::kMaxCacheEntries);
    }
  }
  EXPECT_EQ(sublist.cache_size(), Sublist::kMaxCacheEntries / 4 + 1);
  for (size_t i = 0; i <= Sublist::kMaxCacheEntries; ++i) {
    EXPECT_EQ(sublist.Match("k." + std::to_string(i))->plain.size(), 1u);
  }
}

TEST(SublistTest, ConnectionCacheAdmitsRepeatsAndFollowsGeneration) {
  Sublist sublist;
  MatchCache cache;
  SubscriptionPtr inbox = Sub("_INBOX.c.*");
  sublist.Insert(inbox);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(cache.Match(sublist, "_INBOX.c." + std::to_string(i))->plain.size(), 1u);
  }
  EXPECT_EQ(cache.size(), 0u);
  cache.Match(sublist, "_INBOX.c.again");
  cache.Match(sublist, "_INBOX.c.again");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(sublist.Remove(inbox));
  EXPECT_TRUE(cache.Match(sublist, "_INBOX.c.again")->empty());
  MatchCache full;
  for (size_t i = 0; i <= MatchCache::kMaxEntries; ++i) {
    full.Match(sublist, "x." + std::to_string(i));
    full.Match(sublist, "x." + std::to_string(i));
  }
  EXPECT_EQ(full.size(), MatchCache::kMaxEntries / 4 + 1);
}

}  // namespace
}  // namespace aio::mq
