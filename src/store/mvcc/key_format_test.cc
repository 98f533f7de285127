#include "store/mvcc/key_format.h"

#include "gtest/gtest.h"

namespace aio::store::mvcc {
namespace {

TEST(KeyFormatTest, RevisionKeysSortInRevisionOrder) {
  std::vector<Revision> revs = {{1, 0}, {1, 1}, {2, 0}, {255, 7}, {256, 0}, {1LL << 40, 3}};
  for (size_t i = 1; i < revs.size(); ++i) {
    EXPECT_LT(RevisionKey(revs[i - 1]), RevisionKey(revs[i]));
  }
  for (Revision rev : revs) {
    ASSERT_TRUE(IsRevisionKey(RevisionKey(rev)));
    EXPECT_EQ(ParseRevisionKey(RevisionKey(rev)), rev);
  }
  EXPECT_FALSE(IsRevisionKey(LeaseKey(5)));
  EXPECT_EQ(ParseLeaseKey(LeaseKey(0x7fff1234abcdLL)), 0x7fff1234abcdLL);
}

TEST(KeyFormatTest, RecordRoundTripsWithBinaryKeysAndValues) {
  KeyValue kv{.key = std::string("k\0ey", 4),
              .value = std::string("\0\xff value", 8),
              .create_revision = 7,
              .version = 3,
              .lease = 0x1234567890LL};
  auto record = DecodeRecord(EncodeRecord(RecordType::kPut, kv), 42);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->type, RecordType::kPut);
  kv.mod_revision = 42;
  EXPECT_EQ(record->kv, kv);
}

TEST(KeyFormatTest, CorruptRecordsAreRejected) {
  std::string good = EncodeRecord(RecordType::kTombstone, KeyValue{.key = "abc"});
  EXPECT_TRUE(DecodeRecord(good, 1).has_value());
  EXPECT_FALSE(DecodeRecord(good.substr(0, good.size() - 1), 1).has_value());
  EXPECT_FALSE(DecodeRecord("", 1).has_value());
  std::string bad_type = good;
  bad_type[0] = 9;
  EXPECT_FALSE(DecodeRecord(bad_type, 1).has_value());
  EXPECT_FALSE(DecodeInt64("1234567").has_value());
  EXPECT_EQ(DecodeInt64(EncodeInt64(-5)), -5);
}

}  // namespace
}  // namespace aio::store::mvcc
