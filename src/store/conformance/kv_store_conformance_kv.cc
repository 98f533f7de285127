// Conformance: revisions, Put and DeleteRange (etcd v3.4 KV service).
#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(KvConformance, FreshStoreIsAtRevisionOne) {
  EXPECT_EQ(kv().CurrentRevision(), 1);
  CONF_ASSERT_OK_AND_ASSIGN(RangeResponse all,
                            kv().Range(RangeOf(std::string(1, '\0'), std::string(1, '\0'))));
  EXPECT_EQ(all.revision, 1);
  EXPECT_THAT(all.kvs, IsEmpty());
  EXPECT_EQ(all.count, 0);
  EXPECT_FALSE(all.more);
}

TEST_P(KvConformance, EachPutIsOneRevision) {
  EXPECT_EQ(MustPut("a", "1").revision, 2);
  EXPECT_EQ(MustPut("b", "1").revision, 3);
  EXPECT_EQ(MustPut("a", "2").revision, 4);
  EXPECT_EQ(kv().CurrentRevision(), 4);
  EXPECT_EQ(MustRange(RangeOf("a")).revision, 4);
}

TEST_P(KvConformance, DeleteOfNothingDoesNotBumpRevision) {
  MustPut("a", "1");
  CONF_ASSERT_OK_AND_ASSIGN(DeleteRangeResponse single,
                            kv().DeleteRange(DeleteRangeRequest{.key = "missing"}));
  EXPECT_EQ(single.deleted, 0);
  EXPECT_EQ(single.revision, 2);
  CONF_ASSERT_OK_AND_ASSIGN(
      DeleteRangeResponse range,
      kv().DeleteRange(DeleteRangeRequest{.key = "x", .range_end = "z", .prev_kv = true}));
  EXPECT_EQ(range.deleted, 0);
  EXPECT_THAT(range.prev_kvs, IsEmpty());
  EXPECT_EQ(range.revision, 2);
  EXPECT_EQ(kv().CurrentRevision(), 2);
  EXPECT_EQ(MustPut("b", "1").revision, 3);
}

TEST_P(KvConformance, CreateModVersionProgression) {
  MustPut("k", "v1");  // rev 2
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v1", 2, 2, 1, 0}));
  MustPut("k", "v2");  // rev 3
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v2", 2, 3, 2, 0}));
  MustPut("other", "x");  // rev 4: does not touch k
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v2", 2, 3, 2, 0}));
  EXPECT_EQ(MustDelete("k").revision, 5);
  EXPECT_EQ(MustGet("k"), std::nullopt);
  MustPut("k", "v3");  // rev 6: a new generation, version starts again at 1
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v3", 6, 6, 1, 0}));
  MustPut("k", "v4");
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v4", 6, 7, 2, 0}));
}

TEST_P(KvConformance, PutPrevKv) {
  CONF_ASSERT_OK_AND_ASSIGN(PutResponse first,
                            kv().Put(PutRequest{.key = "k", .value = "v1", .prev_kv = true}));
  EXPECT_EQ(first.prev_kv, std::nullopt) << "a new key has no previous value";
  CONF_ASSERT_OK_AND_ASSIGN(PutResponse second,
                            kv().Put(PutRequest{.key = "k", .value = "v2", .prev_kv = true}));
  EXPECT_EQ(second.revision, 3);
  EXPECT_EQ(second.prev_kv, (KeyValue{"k", "v1", 2, 2, 1, 0}));
  CONF_ASSERT_OK_AND_ASSIGN(PutResponse third, kv().Put(PutRequest{.key = "k", .value = "v3"}));
  EXPECT_EQ(third.prev_kv, std::nullopt) << "prev_kv only when asked for";
}

TEST_P(KvConformance, BinaryKeysAndValuesRoundTrip) {
  const std::string key("bin\0key\xff", 8);
  const std::string value("\0\x01\xfe\xff value", 10);
  MustPut(key, value);
  MustPut(std::string("bin", 3), "short");
  std::optional<KeyValue> got = MustGet(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->key, key);
  EXPECT_EQ(got->value, value);
  EXPECT_EQ(MustRange(PrefixOf("bin")).count, 2);
}

TEST_P(KvConformance, PutEmptyKeyIsRejected) {
  EXPECT_THAT(kv().Put(PutRequest{.key = "", .value = "v"}), HasStatus(ErrEmptyKey()));
  EXPECT_EQ(kv().CurrentRevision(), 1);
}

TEST_P(KvConformance, PutWithLeaseAttachesIt) {
  const int64_t lease = MustGrant(60);
  ASSERT_NE(lease, 0);
  EXPECT_EQ(kv().CurrentRevision(), 1) << "granting a lease is not a revision";
  MustPut("k", "v", lease);
  std::optional<KeyValue> got = MustGet("k");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->lease, lease);
}

TEST_P(KvConformance, PutWithUnknownLeaseStoresNothing) {
  EXPECT_THAT(kv().Put(PutRequest{.key = "k", .value = "v", .lease = 0x1234}),
              HasStatus(ErrLeaseNotFound()));
  EXPECT_EQ(MustGet("k"), std::nullopt);
  EXPECT_EQ(kv().CurrentRevision(), 1);
}

TEST_P(KvConformance, PutIgnoreValueKeepsTheValue) {
  MustPut("k", "original");  // rev 2
  CONF_ASSERT_OK_AND_ASSIGN(PutResponse put,
                            kv().Put(PutRequest{.key = "k", .ignore_value = true}));
  EXPECT_EQ(put.revision, 3);
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "original", 2, 3, 2, 0}));
}

TEST_P(KvConformance, PutIgnoreLeaseKeepsTheLease) {
  const int64_t lease = MustGrant(60);
  MustPut("k", "v1", lease);  // rev 2
  CONF_ASSERT_OK_AND_ASSIGN(PutResponse put,
                            kv().Put(PutRequest{.key = "k", .value = "v2", .ignore_lease = true}));
  EXPECT_EQ(put.revision, 3);
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v2", 2, 3, 2, lease}));
}

TEST_P(KvConformance, PutIgnoreFlagsOnMissingKeyFail) {
  EXPECT_THAT(kv().Put(PutRequest{.key = "missing", .ignore_value = true}),
              HasStatus(ErrKeyNotFound()));
  EXPECT_THAT(kv().Put(PutRequest{.key = "missing", .value = "v", .ignore_lease = true}),
              HasStatus(ErrKeyNotFound()));
  EXPECT_EQ(MustGet("missing"), std::nullopt);
  EXPECT_EQ(kv().CurrentRevision(), 1);
}

TEST_P(KvConformance, PutIgnoreFlagsRejectAValueOrLease) {
  MustPut("k", "v");
  const int64_t lease = MustGrant(60);
  EXPECT_THAT(kv().Put(PutRequest{.key = "k", .value = "new", .ignore_value = true}),
              HasStatus(ErrValueProvided()));
  EXPECT_THAT(
      kv().Put(PutRequest{.key = "k", .value = "new", .lease = lease, .ignore_lease = true}),
      HasStatus(ErrLeaseProvided()));
  EXPECT_EQ(MustGet("k"), (KeyValue{"k", "v", 2, 2, 1, 0}));
  EXPECT_EQ(kv().CurrentRevision(), 2);
}

TEST_P(KvConformance, PutLargerThanMaxRequestBytesIsRejected) {
  const std::string too_large(kDefaultMaxRequestBytes + 1, 'x');
  EXPECT_THAT(kv().Put(PutRequest{.key = "big", .value = too_large}),
              HasStatus(ErrRequestTooLarge()));
  EXPECT_EQ(MustGet("big"), std::nullopt);
  EXPECT_EQ(kv().CurrentRevision(), 1);

  const std::string one_mib(1 << 20, 'y');  // under the limit: accepted and read back intact
  MustPut("big", one_mib);
  std::optional<KeyValue> got = MustGet("big");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value.size(), one_mib.size());
  EXPECT_EQ(got->value, one_mib);
}

TEST_P(KvConformance, DeleteRangeCountsPrevKvsAndIsOneRevision) {
  MustPut("a", "1");   // 2
  MustPut("b", "2");   // 3
  MustPut("c", "3");   // 4
  MustPut("d", "4");   // 5
  MustPut("b", "2'");  // 6
  CONF_ASSERT_OK_AND_ASSIGN(
      DeleteRangeResponse deleted,
      kv().DeleteRange(DeleteRangeRequest{.key = "b", .range_end = "d", .prev_kv = true}));
  EXPECT_EQ(deleted.deleted, 2);
  EXPECT_EQ(deleted.revision, 7);
  EXPECT_EQ(kv().CurrentRevision(), 7);
  EXPECT_THAT(deleted.prev_kvs,
              ElementsAre(KeyValue{"b", "2'", 3, 6, 2, 0}, KeyValue{"c", "3", 4, 4, 1, 0}));
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("a", "d"));
  // Both keys were still there one revision before.
  RangeRequest before = RangeOf("a", "z");
  before.revision = 6;
  EXPECT_THAT(KeysOf(MustRange(before).kvs), ElementsAre("a", "b", "c", "d"));
}

TEST_P(KvConformance, DeleteSingleKeyWithoutPrevKv) {
  MustPut("a", "1");
  MustPut("ab", "1");
  CONF_ASSERT_OK_AND_ASSIGN(DeleteRangeResponse deleted,
                            kv().DeleteRange(DeleteRangeRequest{.key = "a"}));
  EXPECT_EQ(deleted.deleted, 1);
  EXPECT_THAT(deleted.prev_kvs, IsEmpty());
  EXPECT_EQ(MustGet("a"), std::nullopt);
  EXPECT_TRUE(MustGet("ab").has_value()) << "a single-key delete must not act as a prefix";
}

TEST_P(KvConformance, DeletePrefixAndFromKeyAndAll) {
  MustPut("p/1", "x");
  MustPut("p/2", "x");
  MustPut("p0", "x");  // just past the prefix
  MustPut("q", "x");
  MustPut("r", "x");
  EXPECT_EQ(MustDelete("p/", PrefixEnd("p/")).deleted, 2);
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("p0", "q", "r"));
  EXPECT_EQ(MustDelete("q", std::string(1, '\0')).deleted, 2);  // every key >= "q"
  EXPECT_THAT(KeysOf(MustRange(RangeOf("a", "z")).kvs), ElementsAre("p0"));
  MustPut("z", "x");
  EXPECT_EQ(MustDelete(std::string(1, '\0'), std::string(1, '\0')).deleted, 2);  // all keys
  EXPECT_EQ(MustRange(RangeOf(std::string(1, '\0'), std::string(1, '\0'))).count, 0);
}

TEST_P(KvConformance, DeleteEmptyKeyIsRejected) {
  MustPut("a", "1");
  EXPECT_THAT(kv().DeleteRange(DeleteRangeRequest{.key = ""}), HasStatus(ErrEmptyKey()));
  EXPECT_TRUE(MustGet("a").has_value());
  EXPECT_EQ(kv().CurrentRevision(), 2);
}

}  // namespace
}  // namespace aio::store::conformance
