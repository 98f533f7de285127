// Conformance: Range (key selection, limit, sort, historical reads, filters).
#include <algorithm>

#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kNul(1, '\0');

// Three keys whose order differs by sort target:
//   a: create 4, mod 4, version 1, value "m"
//   b: create 2, mod 7, version 3, value "a"
//   c: create 3, mod 6, version 2, value "z"
void LoadSortData(KvStore& kv) {
  const std::pair<const char*, const char*> puts[] = {{"b", "q"}, {"c", "q"}, {"a", "m"},
                                                      {"b", "q"}, {"c", "z"}, {"b", "a"}};
  for (const auto& [key, value] : puts) {
    EXPECT_THAT(kv.Put(PutRequest{.key = key, .value = value}), IsOk());
  }
  ASSERT_EQ(kv.CurrentRevision(), 7);
}

std::vector<std::string> SortedKeys(KvStore& kv, SortOrder order, SortTarget target,
                                    int64_t limit = 0) {
  RangeRequest request = RangeOf("a", "z");
  request.sort_order = order;
  request.sort_target = target;
  request.limit = limit;
  absl::StatusOr<RangeResponse> response = kv.Range(request);
  EXPECT_THAT(response, IsOk());
  return response.ok() ? KeysOf(response->kvs) : std::vector<std::string>{};
}

RangeRequest Filtered(int64_t min_mod, int64_t max_mod, int64_t min_create, int64_t max_create) {
  RangeRequest request = RangeOf("a", "z");
  request.min_mod_revision = min_mod;
  request.max_mod_revision = max_mod;
  request.min_create_revision = min_create;
  request.max_create_revision = max_create;
  return request;
}

TEST_P(RangeConformance, SingleKey) {
  MustPut("a", "1");
  MustPut("ab", "2");
  MustPut("b", "3");
  RangeResponse got = MustRange(RangeOf("a"));
  EXPECT_EQ(got.kvs, (std::vector<KeyValue>{{"a", "1", 2, 2, 1, 0}}));
  EXPECT_EQ(got.count, 1);
  EXPECT_FALSE(got.more);
  EXPECT_EQ(got.revision, 4);
  EXPECT_THAT(MustRange(RangeOf("missing")).kvs, IsEmpty());
  EXPECT_EQ(MustRange(RangeOf("missing")).count, 0);
}

TEST_P(RangeConformance, HalfOpenInterval) {
  for (const char* key : {"a", "ab", "b", "c", "d"}) MustPut(key, "v");
  RangeResponse got = MustRange(RangeOf("ab", "c"));
  EXPECT_THAT(KeysOf(got.kvs), ElementsAre("ab", "b"));
  EXPECT_EQ(got.count, 2);
}

TEST_P(RangeConformance, Prefix) {
  for (const char* key : {"p", "p/1", "p/2/x", "p0", "q"}) MustPut(key, "v");
  EXPECT_THAT(KeysOf(MustRange(PrefixOf("p/")).kvs), ElementsAre("p/1", "p/2/x"));
  EXPECT_THAT(KeysOf(MustRange(PrefixOf("p")).kvs), ElementsAre("p", "p/1", "p/2/x", "p0"));
}

TEST_P(RangeConformance, FromKeyAndAllKeys) {
  const std::string high("\xff\x01", 2);
  for (const std::string& key : {std::string("a"), std::string("b"), std::string("c"), high}) {
    MustPut(key, "v");
  }
  EXPECT_THAT(KeysOf(MustRange(RangeOf("b", kNul)).kvs), ElementsAre("b", "c", high));
  RangeResponse all = MustRange(RangeOf(kNul, kNul));
  EXPECT_THAT(KeysOf(all.kvs), ElementsAre("a", "b", "c", high));
  EXPECT_EQ(all.count, 4);
}

TEST_P(RangeConformance, EmptyKeyIsRejected) {
  EXPECT_THAT(kv().Range(RangeOf("")), HasStatus(ErrEmptyKey()));
}

TEST_P(RangeConformance, LimitMoreAndCount) {
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) MustPut(key, "v");
  RangeRequest request = PrefixOf("k");
  request.limit = 2;
  RangeResponse limited = MustRange(request);
  EXPECT_THAT(KeysOf(limited.kvs), ElementsAre("k1", "k2"));
  EXPECT_TRUE(limited.more);
  EXPECT_EQ(limited.count, 5) << "count is the number of keys in the range, before the limit";

  request.limit = 5;
  RangeResponse exact = MustRange(request);
  EXPECT_EQ(exact.kvs.size(), 5u);
  EXPECT_FALSE(exact.more);
  EXPECT_EQ(exact.count, 5);
  request.limit = 10;
  EXPECT_FALSE(MustRange(request).more);
}

TEST_P(RangeConformance, SortByEveryTarget) {
  LoadSortData(kv());
  const SortOrder up = SortOrder::kAscend;
  const SortOrder down = SortOrder::kDescend;
  EXPECT_THAT(SortedKeys(kv(), up, SortTarget::kKey), ElementsAre("a", "b", "c"));
  EXPECT_THAT(SortedKeys(kv(), down, SortTarget::kKey), ElementsAre("c", "b", "a"));
  EXPECT_THAT(SortedKeys(kv(), up, SortTarget::kVersion), ElementsAre("a", "c", "b"));
  EXPECT_THAT(SortedKeys(kv(), down, SortTarget::kVersion), ElementsAre("b", "c", "a"));
  EXPECT_THAT(SortedKeys(kv(), up, SortTarget::kCreate), ElementsAre("b", "c", "a"));
  EXPECT_THAT(SortedKeys(kv(), down, SortTarget::kCreate), ElementsAre("a", "c", "b"));
  EXPECT_THAT(SortedKeys(kv(), up, SortTarget::kMod), ElementsAre("a", "c", "b"));
  EXPECT_THAT(SortedKeys(kv(), down, SortTarget::kMod), ElementsAre("b", "c", "a"));
  EXPECT_THAT(SortedKeys(kv(), up, SortTarget::kValue), ElementsAre("b", "a", "c"));
  EXPECT_THAT(SortedKeys(kv(), down, SortTarget::kValue), ElementsAre("c", "a", "b"));
  // etcd: order NONE with a target other than KEY sorts ascending by that target.
  EXPECT_THAT(SortedKeys(kv(), SortOrder::kNone, SortTarget::kValue), ElementsAre("b", "a", "c"));
  EXPECT_THAT(SortedKeys(kv(), SortOrder::kNone, SortTarget::kKey), ElementsAre("a", "b", "c"));
}

TEST_P(RangeConformance, SortThenLimit) {
  LoadSortData(kv());
  // Sorted ranges sort every key of the range first, then cut at the limit.
  EXPECT_THAT(SortedKeys(kv(), SortOrder::kDescend, SortTarget::kKey, 2), ElementsAre("c", "b"));
  EXPECT_THAT(SortedKeys(kv(), SortOrder::kAscend, SortTarget::kCreate, 1), ElementsAre("b"));
  EXPECT_THAT(SortedKeys(kv(), SortOrder::kDescend, SortTarget::kValue, 2), ElementsAre("c", "a"));
  // kNone (key order) with a limit: the first keys.
  EXPECT_THAT(SortedKeys(kv(), SortOrder::kNone, SortTarget::kKey, 2), ElementsAre("a", "b"));

  RangeRequest request = RangeOf("a", "z");
  request.sort_order = SortOrder::kDescend;
  request.limit = 2;
  RangeResponse response = MustRange(request);
  EXPECT_TRUE(response.more);
  EXPECT_EQ(response.count, 3);
}

TEST_P(RangeConformance, HistoricalRevisions) {
  MustPut("k", "v1");  // 2
  MustPut("k", "v2");  // 3
  MustDelete("k");     // 4
  MustPut("k", "v3");  // 5
  MustPut("j", "x");   // 6
  EXPECT_EQ(MustGet("k", 1), std::nullopt) << "nothing existed at revision 1";
  EXPECT_EQ(MustGet("k", 2), (KeyValue{"k", "v1", 2, 2, 1, 0}));
  EXPECT_EQ(MustGet("k", 3), (KeyValue{"k", "v2", 2, 3, 2, 0}));
  EXPECT_EQ(MustGet("k", 4), std::nullopt) << "deleted at revision 4";
  EXPECT_EQ(MustGet("k", 5), (KeyValue{"k", "v3", 5, 5, 1, 0})) << "re-created: a new generation";
  EXPECT_EQ(MustGet("k", 6), (KeyValue{"k", "v3", 5, 5, 1, 0}));

  RangeRequest at3 = RangeOf("a", "z");
  at3.revision = 3;
  RangeResponse response = MustRange(at3);
  EXPECT_THAT(KeysOf(response.kvs), ElementsAre("k"));
  EXPECT_EQ(response.count, 1);
  EXPECT_EQ(response.revision, 6) << "the header carries the current revision (etcd)";
}

TEST_P(RangeConformance, FutureRevisionIsAnError) {
  MustPut("k", "v");  // 2
  RangeRequest request = RangeOf("k");
  request.revision = 2;
  EXPECT_THAT(kv().Range(request), IsOk());
  request.revision = 3;
  EXPECT_THAT(kv().Range(request), HasStatus(ErrFutureRev()));
}

TEST_P(RangeConformance, CompactedRevisionIsAnError) {
  MustPut("k", "v1");  // 2
  MustPut("k", "v2");  // 3
  MustPut("k", "v3");  // 4
  CONF_ASSERT_OK(kv().Compact(3, false));
  RangeRequest request = RangeOf("k");
  request.revision = 2;
  EXPECT_THAT(kv().Range(request), HasStatus(ErrCompacted()));
  request.revision = 3;
  EXPECT_THAT(kv().Range(request), IsOk());
}

TEST_P(RangeConformance, KeysOnlyDropsValues) {
  LoadSortData(kv());
  RangeRequest request = RangeOf("a", "z");
  request.keys_only = true;
  RangeResponse response = MustRange(request);
  EXPECT_EQ(
      response.kvs,
      (std::vector<KeyValue>{{"a", "", 4, 4, 1, 0}, {"b", "", 2, 7, 3, 0}, {"c", "", 3, 6, 2, 0}}));
  EXPECT_EQ(response.count, 3);
}

TEST_P(RangeConformance, CountOnlyReturnsNoKeys) {
  LoadSortData(kv());
  RangeRequest request = RangeOf("a", "z");
  request.count_only = true;
  RangeResponse response = MustRange(request);
  EXPECT_THAT(response.kvs, IsEmpty());
  EXPECT_EQ(response.count, 3);
  EXPECT_FALSE(response.more);
  request = RangeOf("b", "c");
  request.count_only = true;
  EXPECT_EQ(MustRange(request).count, 1);
}

TEST_P(RangeConformance, RevisionFilters) {
  LoadSortData(kv());
  EXPECT_THAT(KeysOf(MustRange(Filtered(6, 0, 0, 0)).kvs), ElementsAre("b", "c"));
  EXPECT_THAT(KeysOf(MustRange(Filtered(0, 6, 0, 0)).kvs), ElementsAre("a", "c"));
  EXPECT_THAT(KeysOf(MustRange(Filtered(0, 0, 3, 0)).kvs), ElementsAre("a", "c"));
  EXPECT_THAT(KeysOf(MustRange(Filtered(0, 0, 0, 3)).kvs), ElementsAre("b", "c"));
  EXPECT_THAT(KeysOf(MustRange(Filtered(7, 0, 0, 3)).kvs), ElementsAre("b"));
  EXPECT_THAT(KeysOf(MustRange(Filtered(5, 5, 0, 0)).kvs), IsEmpty());
  // Filters apply before the limit: 2 keys pass, limit 1 leaves one and sets more.
  RangeRequest limited = Filtered(6, 0, 0, 0);
  limited.limit = 1;
  RangeResponse response = MustRange(limited);
  EXPECT_THAT(KeysOf(response.kvs), ElementsAre("b"));
  EXPECT_TRUE(response.more);
}

TEST_P(RangeConformance, PagingWithLimitAndNextKey) {
  constexpr int kKeys = 25;
  for (int i = 0; i < kKeys; ++i)
    MustPut("page/" + std::string(1, static_cast<char>('a' + i)), "v");
  const int64_t revision = kv().CurrentRevision();
  MustPut("page/zz", "written after the first page");
  // The etcd client's paging: same revision, next page starts just after the last key.
  std::vector<std::string> seen;
  RangeRequest request = RangeOf("page/", "page/z");
  request.limit = 10;
  request.revision = revision;
  for (int page = 0; page < 10; ++page) {
    RangeResponse response = MustRange(request);
    EXPECT_EQ(response.count, kKeys - static_cast<int64_t>(seen.size()));
    for (const KeyValue& kv : response.kvs) seen.push_back(kv.key);
    if (!response.more) break;
    ASSERT_FALSE(response.kvs.empty());
    request.key = response.kvs.back().key + std::string(1, '\0');
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kKeys));
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_P(RangeConformance, InvertedRangeIsEmpty) {
  MustPut("a", "v");
  MustPut("m", "v");
  RangeResponse response = MustRange(RangeOf("z", "a"));
  EXPECT_THAT(response.kvs, IsEmpty());
  EXPECT_EQ(response.count, 0);
  EXPECT_EQ(MustDelete("z", "a").deleted, 0);
  EXPECT_EQ(kv().CurrentRevision(), 3);
}

TEST_P(RangeConformance, SerializableReadsTheSameData) {
  MustPut("k", "v");
  RangeRequest request = RangeOf("k");
  request.serializable = true;
  EXPECT_EQ(MustRange(request).kvs, (std::vector<KeyValue>{{"k", "v", 2, 2, 1, 0}}));
}

}  // namespace
}  // namespace aio::store::conformance
