// Conformance: what survives a restart (keys, history, revision counter, compaction point,
// leases with their keys) and what does not come back (deleted keys, revoked leases).
#include <algorithm>

#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const std::string kNul(1, '\0');

RangeRequest AllAt(int64_t revision) {
  RangeRequest request = RangeOf(kNul, kNul);
  request.revision = revision;
  return request;
}

TEST_P(DurabilityConformance, EmptyStoreRestartsAtRevisionOne) {
  CONF_REQUIRE_RESTART();
  CONF_ASSERT_OK(harness().Restart());
  EXPECT_EQ(kv().CurrentRevision(), 1);
  EXPECT_EQ(MustPut("k", "v").revision, 2);
}

TEST_P(DurabilityConformance, KeysHistoryAndRevisionsSurvive) {
  CONF_REQUIRE_RESTART();
  MustPut("a", "1");  // 2
  MustPut("b", "1");  // 3
  MustPut("a", "2");  // 4
  MustPut("c", "1");  // 5
  MustDelete("c");    // 6
  TxnRequest txn;
  txn.success = {OpPut("d", "1"), OpPut("e", "1"), OpDelete("b")};
  MustTxn(txn);       // 7
  MustPut("a", "3");  // 8
  CONF_ASSERT_OK(kv().Compact(4, false));
  const RangeResponse current = MustRange(AllAt(0));
  const RangeResponse at5 = MustRange(AllAt(5));
  const RangeResponse at7 = MustRange(AllAt(7));
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse hash, kv().HashKV(0));

  CONF_ASSERT_OK(harness().Restart());
  EXPECT_EQ(kv().CurrentRevision(), 8);
  EXPECT_EQ(MustRange(AllAt(0)).kvs, current.kvs);
  EXPECT_EQ(MustRange(AllAt(5)).kvs, at5.kvs);
  EXPECT_EQ(MustRange(AllAt(7)).kvs, at7.kvs);
  EXPECT_EQ(MustGet("a"), (KeyValue{"a", "3", 2, 8, 3, 0}));
  EXPECT_EQ(MustGet("c", 5), (KeyValue{"c", "1", 5, 5, 1, 0}));
  EXPECT_EQ(MustGet("c"), std::nullopt) << "a deleted key stays deleted";
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse hash_after, kv().HashKV(0));
  EXPECT_EQ(hash_after.hash, hash.hash) << "same history, same hash";
  // The compaction point survives.
  EXPECT_THAT(kv().Range(AllAt(3)), HasStatus(ErrCompacted()));
  EXPECT_THAT(kv().Compact(4, false), HasStatus(ErrCompacted()));
  // The revision counter and the key generations continue.
  EXPECT_EQ(MustPut("a", "4").revision, 9);
  EXPECT_EQ(MustGet("a"), (KeyValue{"a", "4", 2, 9, 4, 0}));
  EXPECT_EQ(MustPut("c", "2").revision, 10);
  EXPECT_EQ(MustGet("c"), (KeyValue{"c", "2", 10, 10, 1, 0}));
}

TEST_P(DurabilityConformance, DeletedAndRevokedStayGone) {
  CONF_REQUIRE_RESTART();
  const int64_t revoked = MustGrant(600);
  const int64_t kept = MustGrant(600);
  MustPut("r", "1", revoked);                 // 2
  MustPut("k", "1", kept);                    // 3
  MustPut("x", "1");                          // 4
  CONF_ASSERT_OK(kv().LeaseRevoke(revoked));  // 5
  MustDelete("x");                            // 6
  CONF_ASSERT_OK(harness().Restart());
  EXPECT_EQ(kv().CurrentRevision(), 6);
  EXPECT_THAT(KeysOf(MustRange(AllAt(0)).kvs), ElementsAre("k"));
  CONF_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> leases, kv().LeaseList());
  EXPECT_THAT(leases, ElementsAre(kept));
  EXPECT_THAT(kv().LeaseRevoke(revoked), HasStatus(ErrLeaseNotFound()));
  EXPECT_THAT(kv().LeaseGrant(kept, 10), HasStatus(ErrLeaseExist()));
}

TEST_P(DurabilityConformance, LeasesSurviveWithTheirKeys) {
  CONF_REQUIRE_RESTART();
  CONF_ASSERT_OK_AND_ASSIGN(LeaseGrantResponse grant, kv().LeaseGrant(4711, 120));
  MustPut("l/a", "1", grant.id);  // 2
  MustPut("l/b", "1", grant.id);  // 3
  MustPut("l/c", "1");            // 4
  CONF_ASSERT_OK(harness().Restart());
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(4711, true));
  EXPECT_EQ(ttl.granted_ttl, 120);
  EXPECT_GT(ttl.ttl, 0);
  std::sort(ttl.keys.begin(), ttl.keys.end());
  EXPECT_THAT(ttl.keys, ElementsAre("l/a", "l/b"));
  EXPECT_EQ(MustGet("l/a")->lease, 4711);
  // Revoking after the restart still deletes exactly the attached keys, in one revision.
  CONF_ASSERT_OK_AND_ASSIGN(int64_t revision, kv().LeaseRevoke(4711));
  EXPECT_EQ(revision, 5);
  EXPECT_THAT(KeysOf(MustRange(PrefixOf("l/")).kvs), ElementsAre("l/c"));
}

TEST_P(DurabilityConformance, RestartRefreshesLeaseDeadlines) {
  CONF_REQUIRE_RESTART();
  CONF_REQUIRE_TIME();
  const int64_t lease = MustGrant(10);
  MustPut("k", "v", lease);
  harness().AdvanceTimeMs(9000);
  CONF_ASSERT_OK(harness().Restart());
  // etcd extends every lease by its TTL when a leader takes over: 5 s later it is still alive,
  // although its original deadline has passed.
  harness().AdvanceTimeMs(5000);
  harness().ExpireLeases();
  EXPECT_TRUE(MustGet("k").has_value());
  CONF_ASSERT_OK_AND_ASSIGN(LeaseTimeToLiveResponse ttl, kv().LeaseTimeToLive(lease, false));
  EXPECT_GT(ttl.ttl, 0);
  EXPECT_LE(ttl.ttl, 10);
  harness().AdvanceTimeMs(6000);
  harness().ExpireLeases();
  EXPECT_FALSE(MustGet("k").has_value()) << "the refreshed deadline still expires";
}

TEST_P(DurabilityConformance, WatchReplaysHistoryAfterRestart) {
  CONF_REQUIRE_RESTART();
  MustPut("w", "1");  // 2
  MustPut("w", "2");  // 3
  MustDelete("w");    // 4
  CONF_ASSERT_OK(harness().Restart());
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  CONF_ASSERT_OK_AND_ASSIGN(int64_t id,
                            stream->Watch(WatchRequest{.key = "w", .start_revision = 2}));
  MustPut("w", "3");  // 5
  std::vector<Event> events = EventsOf(Collect(*stream, 4), id);
  ASSERT_THAT(events, SizeIs(4));
  EXPECT_EQ(events[0].kv, (KeyValue{"w", "1", 2, 2, 1, 0}));
  EXPECT_EQ(events[1].kv, (KeyValue{"w", "2", 2, 3, 2, 0}));
  EXPECT_EQ(events[2].type, Event::Type::kDelete);
  EXPECT_EQ(events[2].kv.mod_revision, 4);
  EXPECT_EQ(events[3].kv, (KeyValue{"w", "3", 5, 5, 1, 0}));
  EXPECT_THAT(Quiesce(*stream), IsEmpty());
}

}  // namespace
}  // namespace aio::store::conformance
