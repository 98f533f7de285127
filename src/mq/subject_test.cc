#include "mq/subject.h"

#include "gtest/gtest.h"

namespace aio::mq {
namespace {

TEST(SubjectTest, PublishSubjectsRejectWildcardsEmptyTokensAndSpaces) {
  EXPECT_TRUE(IsValidPublishSubject("foo"));
  EXPECT_TRUE(IsValidPublishSubject("foo.bar.baz"));
  EXPECT_TRUE(IsValidPublishSubject("_INBOX.abc.1"));
  EXPECT_FALSE(IsValidPublishSubject(""));
  EXPECT_FALSE(IsValidPublishSubject("foo."));
  EXPECT_FALSE(IsValidPublishSubject(".foo"));
  EXPECT_FALSE(IsValidPublishSubject("foo..bar"));
  EXPECT_FALSE(IsValidPublishSubject("foo.*"));
  EXPECT_FALSE(IsValidPublishSubject("foo.>"));
  EXPECT_FALSE(IsValidPublishSubject("foo bar"));
  EXPECT_FALSE(IsValidPublishSubject("foo\tbar"));
  // A wildcard character inside a token is a literal.
  EXPECT_TRUE(IsValidPublishSubject("foo.a*b"));
}

TEST(SubjectTest, SubscribeSubjectsAllowStarAnywhereAndGreaterThanLast) {
  EXPECT_TRUE(IsValidSubscribeSubject("foo.*"));
  EXPECT_TRUE(IsValidSubscribeSubject("*.bar.*"));
  EXPECT_TRUE(IsValidSubscribeSubject(">"));
  EXPECT_TRUE(IsValidSubscribeSubject("foo.>"));
  EXPECT_FALSE(IsValidSubscribeSubject("foo.>.bar"));
  EXPECT_FALSE(IsValidSubscribeSubject("foo..*"));
  EXPECT_FALSE(IsValidSubscribeSubject(""));
}

TEST(SubjectTest, MatchesFollowsNatsWildcardRules) {
  EXPECT_TRUE(SubjectMatches("foo.bar", "foo.bar"));
  EXPECT_FALSE(SubjectMatches("foo.bar", "foo.baz"));
  EXPECT_TRUE(SubjectMatches("foo.*", "foo.bar"));
  EXPECT_FALSE(SubjectMatches("foo.*", "foo.bar.baz"));
  EXPECT_FALSE(SubjectMatches("foo.*", "foo"));
  EXPECT_TRUE(SubjectMatches("foo.>", "foo.bar.baz"));
  EXPECT_TRUE(SubjectMatches("foo.>", "foo.bar"));
  EXPECT_FALSE(SubjectMatches("foo.>", "foo"));
  EXPECT_TRUE(SubjectMatches(">", "anything.at.all"));
  EXPECT_TRUE(SubjectMatches("*.b.*", "a.b.c"));
  EXPECT_FALSE(SubjectMatches("*.b.*", "a.x.c"));
  EXPECT_FALSE(SubjectMatches("foo", "foo.bar"));
}

TEST(SubjectTest, OverlapDetectsFiltersSharingASubject) {
  EXPECT_TRUE(SubjectsOverlap("foo.*", "foo.bar"));
  EXPECT_TRUE(SubjectsOverlap("foo.>", "foo.bar.baz"));
  EXPECT_TRUE(SubjectsOverlap("*.bar", "foo.*"));
  EXPECT_FALSE(SubjectsOverlap("foo.*", "bar.*"));
  EXPECT_FALSE(SubjectsOverlap("foo.*", "foo.bar.baz"));
  EXPECT_FALSE(SubjectsOverlap("orders", "orders.new"));
}

}  // namespace
}  // namespace aio::mq
