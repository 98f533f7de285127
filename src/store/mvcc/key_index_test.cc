#include "store/mvcc/key_index.h"

#include "gtest/gtest.h"

namespace aio::store::mvcc {
namespace {

void Add(KeyIndex* index, const std::string& key, int64_t main, bool tombstone = false) {
  index->GetOrCreate(key).entries.push_back(KeyHistory::Entry{main, 0, tombstone});
}

std::vector<std::string> Keys(KeyIndex* index, std::string_view key, std::string_view end) {
  std::vector<std::string> out;
  index->ForRange(KeyRange{key, end}, [&](const std::string& k, const KeyHistory&) {
    out.push_back(k);
    return true;
  });
  return out;
}

TEST(KeyIndexTest, AtFindsTheNewestRevisionNotAfter) {
  KeyIndex index;
  Add(&index, "a", 2);
  Add(&index, "a", 5);
  Add(&index, "a", 9, true);
  const KeyHistory& h = *index.Find("a");
  EXPECT_EQ(h.At(1), nullptr);
  EXPECT_EQ(h.At(4)->main, 2);
  EXPECT_EQ(h.At(5)->main, 5);
  EXPECT_TRUE(h.At(100)->tombstone);
  EXPECT_EQ(h.Before(Revision{5, 0})->main, 2);
  EXPECT_EQ(h.Before(Revision{2, 0}), nullptr);
  EXPECT_FALSE(h.live());
}

TEST(KeyIndexTest, RangesFollowEtcdRules) {
  KeyIndex index;
  for (const char* k : {"a", "ab", "abc", "b", "c"}) Add(&index, k, 1);
  EXPECT_EQ(Keys(&index, "ab", ""), std::vector<std::string>({"ab"}));
  EXPECT_EQ(Keys(&index, "zz", ""), std::vector<std::string>());
  EXPECT_EQ(Keys(&index, "ab", "b"), std::vector<std::string>({"ab", "abc"}));
  EXPECT_EQ(Keys(&index, "b", std::string_view("\0", 1)), std::vector<std::string>({"b", "c"}));
  EXPECT_EQ(Keys(&index, "b", "a"), std::vector<std::string>());
}

TEST(KeyIndexTest, CompactKeepsTheNewestRevisionAtOrBeforeAndDropsTombstones) {
  KeyIndex index;
  Add(&index, "live", 2);
  Add(&index, "live", 4);
  Add(&index, "live", 8);
  Add(&index, "gone", 3);
  Add(&index, "gone", 5, true);
  Add(&index, "reborn", 1);
  Add(&index, "reborn", 2, true);
  Add(&index, "reborn", 7);
  std::vector<Revision> dropped;
  index.Compact(6, &dropped);
  EXPECT_EQ(index.Find("gone"), nullptr);
  ASSERT_NE(index.Find("live"), nullptr);
  EXPECT_EQ(index.Find("live")->entries.size(), 2u);  // 4 (newest <= 6) and 8
  EXPECT_EQ(index.Find("live")->entries.front().main, 4);
  EXPECT_EQ(index.Find("reborn")->entries.size(), 1u);
  std::sort(dropped.begin(), dropped.end());
  EXPECT_EQ(dropped, std::vector<Revision>({{1, 0}, {2, 0}, {2, 0}, {3, 0}, {5, 0}}));
}

}  // namespace
}  // namespace aio::store::mvcc
