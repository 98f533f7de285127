// Conformance: Compact, and the maintenance calls (Status, HashKV, Defragment, alarms).
#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::ElementsAre;

const std::string kNul(1, '\0');

RangeRequest AllAt(int64_t revision) {
  RangeRequest request = RangeOf(kNul, kNul);
  request.revision = revision;
  return request;
}

// The same short history in any store: ends at revision 6.
void WriteHistory(KvStore& kv, const std::string& last_value) {
  const std::pair<const char*, std::string> puts[] = {
      {"a", "1"}, {"b", "1"}, {"a", "2"}, {"c", "1"}, {"b", last_value}};
  for (const auto& [key, value] : puts) {
    EXPECT_THAT(kv.Put(PutRequest{.key = key, .value = value}), IsOk());
  }
}

TEST_P(CompactConformance, ReadsBelowTheCompactionRevisionFail) {
  for (int i = 0; i < 5; ++i) MustPut("k", "v" + std::to_string(i));  // revisions 2..6
  CONF_ASSERT_OK_AND_ASSIGN(CompactResponse compacted, kv().Compact(4, false));
  EXPECT_EQ(compacted.revision, 6) << "the header carries the current revision";
  EXPECT_EQ(kv().CurrentRevision(), 6) << "compaction is not a write";
  EXPECT_THAT(kv().Range(AllAt(2)), HasStatus(ErrCompacted()));
  EXPECT_THAT(kv().Range(AllAt(3)), HasStatus(ErrCompacted()));
  EXPECT_THAT(kv().Range(AllAt(4)), IsOk());
  EXPECT_EQ(MustGet("k", 4), (KeyValue{"k", "v2", 2, 4, 3, 0}));
  EXPECT_EQ(MustGet("k", 5), (KeyValue{"k", "v3", 2, 5, 4, 0}));
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v4", 2, 6, 5, 0}));
}

TEST_P(CompactConformance, CompactionKeepsTheLatestValuesAtOrBelowIt) {
  MustPut("a", "a1");  // 2
  MustPut("a", "a2");  // 3
  MustPut("b", "b1");  // 4
  MustPut("c", "c1");  // 5
  MustDelete("c");     // 6
  MustPut("a", "a3");  // 7
  CONF_ASSERT_OK(kv().Compact(6, false));
  EXPECT_EQ(MustRange(AllAt(6)).kvs,
            (std::vector<KeyValue>{{"a", "a2", 2, 3, 2, 0}, {"b", "b1", 4, 4, 1, 0}}));
  EXPECT_EQ(MustRange(AllAt(0)).kvs,
            (std::vector<KeyValue>{{"a", "a3", 2, 7, 3, 0}, {"b", "b1", 4, 4, 1, 0}}));
  // Live keys keep counting across the compaction; a key deleted before it starts afresh.
  MustPut("a", "a4");  // 8
  MustPut("c", "c2");  // 9
  EXPECT_EQ(MustGet("a"), (KeyValue{"a", "a4", 2, 8, 4, 0}));
  EXPECT_EQ(MustGet("c"), (KeyValue{"c", "c2", 9, 9, 1, 0}));
}

TEST_P(CompactConformance, CompactionErrors) {
  for (int i = 0; i < 4; ++i) MustPut("k", "v");  // revisions 2..5
  EXPECT_THAT(kv().Compact(6, false), HasStatus(ErrFutureRev()));
  CONF_ASSERT_OK(kv().Compact(3, false));
  EXPECT_THAT(kv().Compact(3, false), HasStatus(ErrCompacted())) << "the same revision twice";
  EXPECT_THAT(kv().Compact(2, false), HasStatus(ErrCompacted())) << "an older revision";
  CONF_EXPECT_OK(kv().Compact(5, false)) << "up to the current revision";
  EXPECT_THAT(kv().Range(AllAt(4)), HasStatus(ErrCompacted()));
  EXPECT_EQ(kv().CurrentRevision(), 5);
}

TEST_P(CompactConformance, PhysicalCompaction) {
  for (int i = 0; i < 50; ++i) MustPut("k" + std::to_string(i % 5), std::string(100, 'a' + i % 26));
  const int64_t revision = kv().CurrentRevision();
  RangeResponse before = MustRange(AllAt(0));
  CONF_ASSERT_OK_AND_ASSIGN(CompactResponse compacted, kv().Compact(revision - 1, true));
  EXPECT_EQ(compacted.revision, revision);
  EXPECT_EQ(MustRange(AllAt(0)).kvs, before.kvs);
  EXPECT_THAT(kv().Range(AllAt(revision - 2)), HasStatus(ErrCompacted()));
  EXPECT_THAT(kv().Range(AllAt(revision - 1)), IsOk());
  MustPut("k0", "after");
  EXPECT_EQ(MustGet("k0")->version, 11);
}

TEST_P(MaintenanceConformance, StatusReportsRevisionAndSize) {
  for (int i = 0; i < 20; ++i) MustPut("k" + std::to_string(i), std::string(1000, 'x'));
  CONF_ASSERT_OK_AND_ASSIGN(StoreStatus status, kv().Status());
  EXPECT_EQ(status.revision, 21);
  EXPECT_GT(status.db_size_bytes, 0);
  EXPECT_FALSE(status.nospace_alarm);
  CONF_ASSERT_OK(kv().Compact(10, false));
  CONF_ASSERT_OK_AND_ASSIGN(StoreStatus after, kv().Status());
  EXPECT_EQ(after.compact_revision, 10);
  EXPECT_EQ(after.revision, 21);
}

TEST_P(MaintenanceConformance, HashKVCoversHistoryUpToItsRevision) {
  WriteHistory(kv(), "2");
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse first, kv().HashKV(0));
  EXPECT_EQ(first.revision, 6);
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse again, kv().HashKV(6));
  EXPECT_EQ(again.hash, first.hash) << "same content, same hash";
  MustPut("d", "1");  // 7
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse at6, kv().HashKV(6));
  EXPECT_EQ(at6.hash, first.hash) << "later writes do not change the hash of revision 6";
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse at7, kv().HashKV(0));
  EXPECT_EQ(at7.revision, 7);
  EXPECT_NE(at7.hash, first.hash);
  EXPECT_THAT(kv().HashKV(8), HasStatus(ErrFutureRev()));
}

TEST_P(MaintenanceConformance, HashKVIsEqualAcrossStoresWithTheSameHistory) {
  std::unique_ptr<KvStoreHarness> same = MakeOtherHarness();
  std::unique_ptr<KvStoreHarness> different = MakeOtherHarness();
  ASSERT_TRUE(same && different);
  WriteHistory(kv(), "2");
  WriteHistory(*same->store(), "2");
  WriteHistory(*different->store(), "other");
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse ours, kv().HashKV(0));
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse theirs, same->store()->HashKV(0));
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse differs, different->store()->HashKV(0));
  EXPECT_EQ(ours.revision, theirs.revision);
  EXPECT_EQ(ours.hash, theirs.hash);
  EXPECT_NE(ours.hash, differs.hash) << "one value differs";
}

TEST_P(MaintenanceConformance, HashKVAfterCompaction) {
  WriteHistory(kv(), "2");
  CONF_ASSERT_OK(kv().Compact(4, true));
  EXPECT_THAT(kv().HashKV(3), HasStatus(ErrCompacted()));
  CONF_ASSERT_OK_AND_ASSIGN(HashKVResponse hash, kv().HashKV(0));
  EXPECT_EQ(hash.compact_revision, 4);
  EXPECT_EQ(hash.revision, 6);
}

TEST_P(MaintenanceConformance, DefragmentKeepsEverything) {
  for (int i = 0; i < 30; ++i) MustPut("k" + std::to_string(i % 3), std::string(500, 'x'));
  CONF_ASSERT_OK(kv().Compact(25, true));
  RangeResponse before = MustRange(AllAt(0));
  CONF_ASSERT_OK(kv().Defragment());
  EXPECT_EQ(MustRange(AllAt(0)).kvs, before.kvs);
  EXPECT_EQ(kv().CurrentRevision(), 31);
  EXPECT_THAT(kv().Range(AllAt(24)), HasStatus(ErrCompacted()));
  EXPECT_THAT(KeysOf(MustRange(AllAt(25)).kvs), ElementsAre("k0", "k1", "k2"));
  CONF_EXPECT_OK(kv().DisarmNoSpaceAlarm()) << "disarming without an alarm is a no-op";
  EXPECT_EQ(MustPut("k0", "after").revision, 32);
}

}  // namespace
}  // namespace aio::store::conformance
