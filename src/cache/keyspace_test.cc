// Dict (the open-addressing table) and Keyspace's storage of entries: lookups against a reference
// set through random inserts and deletes, SCAN's guarantee across a grow and a shrink mid-scan,
// string entries (embedded, raw after APPEND), TTLs surviving rewrites, and memory accounting.
#include "cache/keyspace.h"

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cache/dict.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

struct Item {
  std::string name;
  std::string_view key() const { return name; }
};

class DictTest : public ::testing::Test {
 protected:
  Item* Add(const std::string& key) {
    items_[key] = std::make_unique<Item>(Item{key});
    dict_.Insert(items_[key].get());
    return items_[key].get();
  }
  void Drop(const std::string& key) {
    ASSERT_EQ(dict_.Remove(key), items_[key].get());
    items_.erase(key);
  }
  // Scans from `cursor` up to `steps` calls, adding what it returns to *seen.
  uint64_t ScanSteps(uint64_t cursor, int steps, std::set<std::string>* seen) {
    for (int i = 0; i < steps; ++i) {
      cursor = dict_.Scan(cursor, [&](Item* item) { seen->insert(item->name); });
      if (cursor == 0) break;
    }
    return cursor;
  }

  Dict<Item> dict_;
  std::map<std::string, std::unique_ptr<Item>> items_;
};

TEST_F(DictTest, MatchesReferenceThroughRandomInsertsAndRemoves) {
  std::mt19937 rng(7);
  for (int op = 0; op < 20000; ++op) {
    const std::string key = fmt::format("k{}", rng() % 2000);
    if (items_.count(key) != 0) {
      Drop(key);
    } else {
      Add(key);
    }
    if (op % 1000 == 0) {
      ASSERT_EQ(dict_.size(), items_.size());
      for (int k = 0; k < 2000; ++k) {
        const std::string probe = fmt::format("k{}", k);
        auto it = items_.find(probe);
        ASSERT_EQ(dict_.Find(probe), it == items_.end() ? nullptr : it->second.get()) << probe;
      }
    }
  }
  // Removing everything shrinks the table back.
  while (!items_.empty()) Drop(items_.begin()->first);
  EXPECT_EQ(dict_.size(), 0u);
  EXPECT_LE(dict_.capacity(), 16u);
  EXPECT_EQ(dict_.Find("k1"), nullptr);
}

TEST_F(DictTest, ReplacePointsTheKeyAtANewElement) {
  Add("a");
  auto moved = std::make_unique<Item>(Item{"a"});
  dict_.Replace(moved.get());
  EXPECT_EQ(dict_.Find("a"), moved.get());
  EXPECT_EQ(dict_.size(), 1u);
}

TEST_F(DictTest, FullScanReturnsEveryElementOnce) {
  for (int i = 0; i < 1000; ++i) Add(fmt::format("k{}", i));
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = dict_.Scan(cursor, [&](Item* item) { seen.insert(item->name); });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  for (const auto& [key, item] : items_) EXPECT_EQ(seen.count(key), 1u) << key;
}

TEST_F(DictTest, ScanReturnsEveryStableElementAcrossAGrowMidScan) {
  for (int i = 0; i < 200; ++i) Add(fmt::format("stable{}", i));
  const size_t before = dict_.capacity();
  std::set<std::string> seen;
  uint64_t cursor = ScanSteps(0, 100, &seen);
  ASSERT_NE(cursor, 0u);
  for (int i = 0; i < 5000; ++i) Add(fmt::format("new{}", i));
  ASSERT_GT(dict_.capacity(), before * 8);
  ScanSteps(cursor, 1 << 30, &seen);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen.count(fmt::format("stable{}", i)), 1u) << i;
}

TEST_F(DictTest, ScanReturnsEveryStableElementAcrossAShrinkMidScan) {
  for (int i = 0; i < 200; ++i) Add(fmt::format("stable{}", i));
  for (int i = 0; i < 5000; ++i) Add(fmt::format("gone{}", i));
  const size_t before = dict_.capacity();
  std::set<std::string> seen;
  uint64_t cursor = ScanSteps(0, dict_.capacity() / 3, &seen);
  ASSERT_NE(cursor, 0u);
  for (int i = 0; i < 5000; ++i) Drop(fmt::format("gone{}", i));
  ASSERT_LT(dict_.capacity() * 8, before);
  ScanSteps(cursor, 1 << 30, &seen);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen.count(fmt::format("stable{}", i)), 1u) << i;
}

TEST_F(DictTest, RandomReachesEveryElement) {
  for (int i = 0; i < 20; ++i) Add(fmt::format("k{}", i));
  std::minstd_rand rng(1);
  std::set<std::string> picked;
  for (int i = 0; i < 2000; ++i) picked.insert(dict_.Random(rng)->name);
  EXPECT_EQ(picked.size(), 20u);
}

class KeyspaceTest : public ::testing::Test {
 protected:
  Keyspace ks_{4, 2};
  const int64_t now_ = 1'000'000;
};

TEST_F(KeyspaceTest, StringEntryHoldsKeyAndValue) {
  Object& o = ks_.SetString(0, "user:1", "hello");
  EXPECT_EQ(o.key(), "user:1");
  EXPECT_EQ(o.str(), "hello");
  EXPECT_EQ(o.type(), Type::kString);
  EXPECT_EQ(ks_.Find(0, "user:1", now_), &o);
  EXPECT_EQ(ks_.Find(1, "user:1", now_), nullptr);
  EXPECT_EQ(ks_.UsedMemory(), Keyspace::EntryBytes(o));
}

TEST_F(KeyspaceTest, LongKeysAndValuesRoundTrip) {
  const std::string key(70000, 'k');
  const std::string value(100000, 'v');
  ks_.SetString(0, key, value);
  const Object* o = ks_.Find(0, key, now_);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->key(), key);
  EXPECT_EQ(o->str(), value);
  EXPECT_TRUE(ks_.Delete(0, key));
  EXPECT_EQ(ks_.UsedMemory(), 0);
}

TEST_F(KeyspaceTest, AppendMovesToRawAndKeepsTtl) {
  ks_.SetString(0, "k", "ab");
  ks_.SetExpire(0, "k", now_ + 5000);
  Object& first = ks_.AppendString(0, *ks_.Find(0, "k", now_), "cd");
  Object& second = ks_.AppendString(0, first, "ef");
  EXPECT_EQ(&first, &second);  // raw: appends in place
  EXPECT_EQ(ks_.Find(0, "k", now_)->str(), "abcdef");
  EXPECT_EQ(ks_.GetExpire(0, "k"), now_ + 5000);
  EXPECT_EQ(ks_.UsedMemory(), Keyspace::EntryBytes(second));
}

TEST_F(KeyspaceTest, SetStringDropsOrKeepsTtl) {
  ks_.SetString(0, "k", "1");
  ks_.SetExpire(0, "k", now_ + 5000);
  ks_.SetString(0, "k", "2", /*keep_ttl=*/true);
  EXPECT_EQ(ks_.GetExpire(0, "k"), now_ + 5000);
  ks_.SetString(0, "k", "3");
  EXPECT_EQ(ks_.GetExpire(0, "k"), -1);
  EXPECT_EQ(ks_.ExpiresCount(0), 0);
  EXPECT_EQ(ks_.Find(0, "k", now_)->str(), "3");
}

TEST_F(KeyspaceTest, SetStringRewritesInPlaceWhenTheBlockHoldsTheValue) {
  const std::string value(100, 'a');
  Object* first = &ks_.SetString(0, "k", value);
  ks_.SetExpire(0, "k", now_ + 5000);
  // Same size: the same block, the TTL kept or dropped as for a new entry.
  Object* same = &ks_.SetString(0, "k", std::string(100, 'b'), /*keep_ttl=*/true);
  EXPECT_EQ(same, first);
  EXPECT_EQ(ks_.GetExpire(0, "k"), now_ + 5000);
  Object* shorter = &ks_.SetString(0, HashedKey("k"), std::string(90, 'c'));
  EXPECT_EQ(shorter, first);
  EXPECT_EQ(shorter->str(), std::string(90, 'c'));
  EXPECT_EQ(ks_.GetExpire(0, "k"), -1);
  EXPECT_EQ(ks_.ExpiresCount(0), 0);
  EXPECT_EQ(ks_.UsedMemory(), Keyspace::EntryBytes(*shorter));
  // A value the block cannot hold, or one that would leave most of it empty, gets a new entry.
  Object* longer = &ks_.SetString(0, "k", std::string(1000, 'd'));
  EXPECT_EQ(longer->str(), std::string(1000, 'd'));
  Object* tiny = &ks_.SetString(0, "k", "e");
  EXPECT_NE(tiny, longer);
  EXPECT_EQ(ks_.Find(0, "k", now_)->str(), "e");
  EXPECT_EQ(ks_.UsedMemory(), Keyspace::EntryBytes(*tiny));
  EXPECT_EQ(ks_.DbSize(0), 1u);
}

TEST_F(KeyspaceTest, ExpiredKeyIsGoneOnLookup) {
  ks_.SetString(0, "k", "v");
  ks_.SetExpire(0, "k", now_ - 1);
  EXPECT_EQ(ks_.Find(0, "k", now_), nullptr);
  EXPECT_EQ(ks_.DbSize(0), 0u);
  EXPECT_EQ(ks_.ExpiresCount(0), 0);
  EXPECT_EQ(ks_.UsedMemory(), 0);
}

TEST_F(KeyspaceTest, TakeAndPutMoveAnAggregateWithItsCharge) {
  Object& set = ks_.Put(0, "src", Object::Make<SetValue>());
  set.set().insert("m");
  ks_.Charge("src", set, SetMemberBytes("m"));
  ks_.SetExpire(0, "src", now_ + 5000);
  ObjectPtr taken;
  int64_t expire = 0;
  ASSERT_TRUE(ks_.Take(0, "src", &taken, &expire));
  EXPECT_EQ(expire, now_ + 5000);
  EXPECT_EQ(ks_.ExpiresCount(0), 0);
  EXPECT_EQ(ks_.UsedMemory(), 0);
  Object& moved = ks_.Put(1, "dst", std::move(taken));
  EXPECT_EQ(moved.key(), "dst");
  EXPECT_EQ(moved.set().count("m"), 1u);
  EXPECT_EQ(moved.bytes(), SetMemberBytes("m"));
  EXPECT_EQ(ks_.UsedMemory(), Keyspace::EntryBytes(moved));
}

TEST_F(KeyspaceTest, ActiveExpiryRemovesEveryExpiredKey) {
  for (int i = 0; i < 500; ++i) {
    const std::string key = fmt::format("k{}", i);
    ks_.SetString(0, key, "v");
    ks_.SetExpire(0, key, i % 2 == 0 ? now_ - 1 : now_ + 100000);
  }
  for (int cycle = 0; cycle < 200 && ks_.DbSize(0) > 250; ++cycle) ks_.ActiveExpireCycle(now_);
  EXPECT_EQ(ks_.DbSize(0), 250u);
  EXPECT_EQ(ks_.ExpiresCount(0), 250);
}

TEST_F(KeyspaceTest, ScanReturnsEveryStableKeyWhileKeysComeAndGo) {
  for (int i = 0; i < 300; ++i) ks_.SetString(0, fmt::format("stable{}", i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = ks_.Scan(0, cursor, 10, now_,
                      [&](std::string_view key, Object&) { seen.insert(std::string(key)); });
    // Grow every shard's table, then shrink it again, while the scan runs.
    if (step == 3) {
      for (int i = 0; i < 4000; ++i) ks_.SetString(0, fmt::format("tmp{}", i), "v");
    } else if (step == 8) {
      for (int i = 0; i < 4000; ++i) ks_.Delete(0, fmt::format("tmp{}", i));
    }
    ++step;
  } while (cursor != 0);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(seen.count(fmt::format("stable{}", i)), 1u) << i;
}

TEST_F(KeyspaceTest, SwapAndFlushKeepAccounting) {
  ks_.SetString(0, "a", "1");
  ks_.SetString(1, "b", "2");
  ks_.SwapDb(0, 1);
  EXPECT_NE(ks_.Find(0, "b", now_), nullptr);
  EXPECT_NE(ks_.Find(1, "a", now_), nullptr);
  ks_.FlushDb(0);
  ks_.FlushDb(1);
  EXPECT_EQ(ks_.UsedMemory(), 0);
  EXPECT_EQ(ks_.DbSize(0) + ks_.DbSize(1), 0u);
}

}  // namespace
}  // namespace aio::cache
