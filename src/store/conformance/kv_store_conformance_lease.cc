// Conformance: leases (grant, revoke, keep-alive, time-to-live, list, expiry, attachment).
#include <algorithm>

#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::vector<std::string> SortedKeys(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST_P(LeaseConformance, GrantWithAGivenId) {
  CONF_ASSERT_OK_AND_ASSIGN(LeaseGrantResponse grant, kv().LeaseGrant(1000, 30));
  EXPECT_EQ(grant.id, 1000);
  EXPECT_EQ(grant.ttl, 30);
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, ElementsAre(1000));
  EXPECT_EQ(kv().CurrentRevision(), 1) << "a grant is not a revision";
}

TEST_P(LeaseConformance, GrantWithAnAutomaticId) {
  CONF_ASSERT_OK_AND_ASSIGN(LeaseGrantResponse first, kv().LeaseGrant(0, 30));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseGrantResponse second, kv().LeaseGrant(0, 40));
  EXPECT_GT(first.id, 0);
  EXPECT_GT(second.id, 0);
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(first.ttl, 30);
  EXPECT_EQ(second.ttl, 40);
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, UnorderedElementsAre(first.id, second.id));
}

TEST_P(LeaseConformance, ShortTtlIsRaisedToTheMinimum) {
  CONF_ASSERT_OK_AND_ASSIGN(LeaseGrantResponse grant, kv().LeaseGrant(0, 1));
  EXPECT_EQ(grant.ttl, kMinLeaseTtlSeconds);
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(grant.id, false));
  EXPECT_EQ(ttl.granted_ttl, kMinLeaseTtlSeconds);
}

TEST_P(LeaseConformance, GrantErrors) {
  MustGrant(30, 77);
  EXPECT_THAT(kv().LeaseGrant(77, 30), HasStatus(ErrLeaseExist()));
  EXPECT_THAT(kv().LeaseGrant(0, kMaxLeaseTtlSeconds + 1), HasStatus(ErrLeaseTTLTooLarge()));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseGrantResponse longest, kv().LeaseGrant(0, kMaxLeaseTtlSeconds));
  EXPECT_EQ(longest.ttl, kMaxLeaseTtlSeconds);
  // A revoked ID can be granted again.
  CONF_ASSERT_OK(kv().LeaseRevoke(77));
  CONF_EXPECT_OK(kv().LeaseGrant(77, 30));
}

TEST_P(LeaseConformance, RevokeDeletesAttachedKeysInOneRevision) {
  const int64_t lease = MustGrant(60);
  MustPut("a", "1", lease);  // 2
  MustPut("b", "1", lease);  // 3
  MustPut("c", "1", lease);  // 4
  MustPut("d", "1");         // 5
  CONF_ASSERT_OK_AND_ASSIGN(int64_t revision, kv().LeaseRevoke(lease));
  EXPECT_EQ(revision, 6);
  EXPECT_EQ(kv().CurrentRevision(), 6);
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("d"));
  RangeRequest before = RangeOf("a", "z");
  before.revision = 5;
  EXPECT_THAT(KeysOf(MustRange(before).kvs), ElementsAre("a", "b", "c", "d"));
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, Not(Contains(lease)));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, true));
  EXPECT_EQ(ttl.ttl, -1);
  EXPECT_THAT(kv().Put(PutRequest{.key = "e", .value = "1", .lease = lease}),
              HasStatus(ErrLeaseNotFound()));
}

TEST_P(LeaseConformance, RevokeErrorsAndEmptyLeases) {
  EXPECT_THAT(kv().LeaseRevoke(4242), HasStatus(ErrLeaseNotFound()));
  const int64_t lease = MustGrant(60);
  MustPut("k", "v");  // 2
  CONF_ASSERT_OK_AND_ASSIGN(int64_t revision, kv().LeaseRevoke(lease));
  EXPECT_EQ(revision, 2) << "revoking a lease without keys deletes nothing";
  EXPECT_EQ(kv().CurrentRevision(), 2);
  EXPECT_THAT(kv().LeaseRevoke(lease), HasStatus(ErrLeaseNotFound()));
}

TEST_P(LeaseConformance, KeepAliveReturnsTheTtl) {
  const int64_t lease = MustGrant(45);
  CONF_ASSERT_OK_AND_ASSIGN(LeaseKeepAliveResponse renewed, kv().LeaseKeepAlive(lease));
  EXPECT_EQ(renewed.id, lease);
  EXPECT_EQ(renewed.ttl, 45);
  // etcd's keep-alive stream answers TTL 0 for an unknown lease; an error is as good.
  absl::StatusOr<LeaseKeepAliveResponse> unknown = kv().LeaseKeepAlive(9999);
  if (unknown.ok()) {
    EXPECT_LE(unknown->ttl, 0) << "an unknown lease cannot be renewed";
  } else {
    EXPECT_THAT(unknown, HasStatus(ErrLeaseNotFound()));
  }
}

TEST_P(LeaseConformance, TimeToLiveReportsGrantedTtlAndKeys) {
  const int64_t lease = MustGrant(30);
  MustPut("b", "1", lease);
  MustPut("a", "1", lease);
  MustPut("c", "1");
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse with_keys, kv().LeaseTimeToLive(lease, true));
  EXPECT_EQ(with_keys.id, lease);
  EXPECT_EQ(with_keys.granted_ttl, 30);
  EXPECT_GT(with_keys.ttl, 0);
  EXPECT_LE(with_keys.ttl, 30);
  EXPECT_THAT(SortedKeys(with_keys.keys), ElementsAre("a", "b"));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse no_keys, kv().LeaseTimeToLive(lease, false));
  EXPECT_THAT(no_keys.keys, IsEmpty());
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse unknown, kv().LeaseTimeToLive(31337, true));
  EXPECT_EQ(unknown.ttl, -1);
}

TEST_P(LeaseConformance, ListShowsLiveLeases) {
  const int64_t a = MustGrant(30);
  const int64_t b = MustGrant(30);
  const int64_t c = MustGrant(30);
  CONF_ASSERT_OK(kv().LeaseRevoke(b));
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, UnorderedElementsAre(a, c));
}

TEST_P(LeaseConformance, RemainingTtlCountsDown) {
  CONF_REQUIRE_TIME();
  const int64_t lease = MustGrant(10);
  harness().AdvanceTimeMs(3000);
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, false));
  EXPECT_GE(ttl.ttl, 6);
  EXPECT_LE(ttl.ttl, 7);
  EXPECT_EQ(ttl.granted_ttl, 10);
}

TEST_P(LeaseConformance, ExpiryDeletesAttachedKeys) {
  CONF_REQUIRE_TIME();
  const int64_t lease = MustGrant(5);
  MustPut("a", "1", lease);  // 2
  MustPut("b", "1", lease);  // 3
  MustPut("c", "1");         // 4
  harness().AdvanceTimeMs(4800);
  harness().ExpireLeases();
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("a", "b", "c"))
      << "not expired yet";
  harness().AdvanceTimeMs(400);
  harness().ExpireLeases();
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("c"));
  EXPECT_EQ(kv().CurrentRevision(), 5) << "one revision for the expired lease's keys";
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, false));
  EXPECT_EQ(ttl.ttl, -1);
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, IsEmpty());
  absl::StatusOr<LeaseKeepAliveResponse> late = kv().LeaseKeepAlive(lease);
  if (late.ok()) {
    EXPECT_LE(late->ttl, 0) << "an expired lease cannot be renewed";
  } else {
    EXPECT_THAT(late, HasStatus(ErrLeaseNotFound()));
  }
  EXPECT_THAT(kv().Put(PutRequest{.key = "a", .value = "1", .lease = lease}),
              HasStatus(ErrLeaseNotFound()));
}

TEST_P(LeaseConformance, EachExpiredLeaseIsItsOwnRevision) {
  CONF_REQUIRE_TIME();
  const int64_t first = MustGrant(5);
  const int64_t second = MustGrant(5);
  MustGrant(5);  // a third lease, without keys: expires without a revision
  const int64_t lasting = MustGrant(100);
  MustPut("a", "1", first);    // 2
  MustPut("b", "1", first);    // 3
  MustPut("c", "1", second);   // 4
  MustPut("d", "1", lasting);  // 5
  harness().AdvanceTimeMs(6000);
  harness().ExpireLeases();
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("d"));
  EXPECT_EQ(kv().CurrentRevision(), 7) << "two leases with keys expired: two revisions";
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, ElementsAre(lasting));
}

TEST_P(LeaseConformance, KeepAliveResetsTheDeadline) {
  CONF_REQUIRE_TIME();
  const int64_t lease = MustGrant(10);
  MustPut("k", "v", lease);
  harness().AdvanceTimeMs(8000);
  CONF_ASSERT_OK_AND_ASSIGN(LeaseKeepAliveResponse renewed, kv().LeaseKeepAlive(lease));
  EXPECT_EQ(renewed.ttl, 10);
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, false));
  EXPECT_GE(ttl.ttl, 9);
  harness().AdvanceTimeMs(8000);  // 16 s after the grant, 8 s after the renewal
  harness().ExpireLeases();
  EXPECT_TRUE(MustGet("k").has_value()) << "the keep-alive moved the deadline";
  harness().AdvanceTimeMs(2500);
  harness().ExpireLeases();
  EXPECT_FALSE(MustGet("k").has_value());
  EXPECT_THAT(kv().LeaseRevoke(lease), HasStatus(ErrLeaseNotFound()));
}

TEST_P(LeaseConformance, PutWithoutLeaseDetachesTheKey) {
  const int64_t lease = MustGrant(60);
  MustPut("k", "v1", lease);  // 2
  MustPut("k", "v2");         // 3
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v2", 2, 3, 2, 0}));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, true));
  EXPECT_THAT(ttl.keys, IsEmpty());
  CONF_ASSERT_OK_AND_ASSIGN(int64_t revision, kv().LeaseRevoke(lease));
  EXPECT_EQ(revision, 3);
  EXPECT_TRUE(MustGet("k").has_value()) << "a detached key outlives the lease";
}

TEST_P(LeaseConformance, PutWithAnotherLeaseMovesTheKey) {
  const int64_t first = MustGrant(60);
  const int64_t second = MustGrant(60);
  MustPut("k", "v", first);
  MustPut("k", "v", second);
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse on_first, kv().LeaseTimeToLive(first, true));
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse on_second, kv().LeaseTimeToLive(second, true));
  EXPECT_THAT(on_first.keys, IsEmpty());
  EXPECT_THAT(on_second.keys, ElementsAre("k"));
  CONF_ASSERT_OK(kv().LeaseRevoke(first));
  EXPECT_TRUE(MustGet("k").has_value());
  CONF_ASSERT_OK(kv().LeaseRevoke(second));
  EXPECT_FALSE(MustGet("k").has_value());
}

TEST_P(LeaseConformance, DeleteDetachesTheKey) {
  const int64_t lease = MustGrant(60);
  MustPut("k", "v", lease);  // 2
  MustDelete("k");           // 3
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, true));
  EXPECT_THAT(ttl.keys, IsEmpty());
  MustPut("k", "again");  // 4, no lease
  CONF_ASSERT_OK_AND_ASSIGN(int64_t revision, kv().LeaseRevoke(lease));
  EXPECT_EQ(revision, 4);
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "again", 4, 4, 1, 0}));
}

}  // namespace
}  // namespace aio::store::conformance
