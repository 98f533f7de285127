// Engine-specific behaviour of MvccStore: recovery, group commit, lease expiry on a ManualClock,
// quota. The etcd semantics shared with every KvStore are in store/conformance.
#include "store/mvcc/mvcc_store.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace aio::store::mvcc {
namespace {

class MvccStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-mvcc-" + std::to_string(std::random_device{}()));
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Options MakeOptions() {
    return Options{.data_dir = dir_.string(),
                   .quota_bytes = quota_,
                   .sync_writes = sync_,
                   .background_threads = false,
                   .clock = &clock_};
  }
  void Open() {
    store_.reset();
    auto store = MvccStore::Open(MakeOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  int64_t Put(const std::string& key, const std::string& value, int64_t lease = 0) {
    auto r = store_->Put(PutRequest{.key = key, .value = value, .lease = lease});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->revision : -1;
  }
  std::optional<KeyValue> Get(const std::string& key, int64_t rev = 0) {
    auto r = store_->Range(RangeRequest{.key = key, .revision = rev});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->kvs.empty()) return std::nullopt;
    return r->kvs[0];
  }

  std::filesystem::path dir_;
  base::ManualClock clock_;
  int64_t quota_ = kDefaultQuotaBytes;
  bool sync_ = false;
  std::unique_ptr<MvccStore> store_;
};

TEST_F(MvccStoreTest, ReopenRestoresKeysHistoryRevisionLeasesAndCompaction) {
  auto lease = store_->LeaseGrant(0, 30);
  ASSERT_TRUE(lease.ok());
  int64_t r1 = Put("a", "1");
  Put("a", "2");
  Put("leased", "x", lease->id);
  Put("gone", "x");
  ASSERT_TRUE(store_->DeleteRange(DeleteRangeRequest{.key = "gone"}).ok());
  ASSERT_TRUE(store_->Compact(r1, true).ok());
  int64_t rev = store_->CurrentRevision();
  clock_.AdvanceMs(20'000);

  Open();
  EXPECT_EQ(store_->CurrentRevision(), rev);
  EXPECT_EQ(Get("a")->value, "2");
  EXPECT_EQ(Get("a")->version, 2);
  EXPECT_EQ(Get("a", r1)->value, "1");
  EXPECT_FALSE(Get("gone").has_value());
  EXPECT_EQ(store_->Range(RangeRequest{.key = "a", .revision = r1 - 1}).status().message(),
            "etcdserver: mvcc: required revision has been compacted");
  // The lease is back with its full TTL (etcd's rule on recovery) and its key attached.
  auto ttl = store_->LeaseTimeToLive(lease->id, true);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->ttl, 30);
  EXPECT_EQ(ttl->keys, std::vector<std::string>({"leased"}));
  EXPECT_EQ(Put("b", "1"), rev + 1);
}

TEST_F(MvccStoreTest, ConcurrentDurableWritersShareSyncsAndGetDistinctRevisions) {
  sync_ = true;
  Open();
  constexpr int kThreads = 32;
  constexpr int kPuts = 20;
  std::vector<std::vector<int64_t>> revs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        auto r = store_->Put(
            PutRequest{.key = "k" + std::to_string(t) + "-" + std::to_string(i), .value = "v"});
        revs[t].push_back(r.ok() ? r->revision : -1);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (auto& v : revs) all.insert(v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPuts));
  EXPECT_EQ(*all.begin(), 2);
  EXPECT_EQ(*all.rbegin(), 1 + kThreads * kPuts);
  EXPECT_LT(store_->stats().wal_syncs_total.load(), kThreads * kPuts);
}

TEST_F(MvccStoreTest, ExpiredLeaseIsRevokedWithItsKeysInOneRevision) {
  auto lease = store_->LeaseGrant(7, 10);
  ASSERT_TRUE(lease.ok());
  Put("x", "1", 7);
  Put("y", "1", 7);
  Put("other", "1");
  int64_t rev = store_->CurrentRevision();
  clock_.AdvanceMs(9'000);
  store_->CheckLeases();
  EXPECT_TRUE(Get("x").has_value());
  ASSERT_TRUE(store_->LeaseKeepAlive(7).ok());  // back to 10 s
  clock_.AdvanceMs(9'000);
  store_->CheckLeases();
  EXPECT_TRUE(Get("x").has_value());
  clock_.AdvanceMs(2'000);
  EXPECT_EQ(store_->LeaseKeepAlive(7).status().message(), "etcdserver: requested lease not found");
  store_->CheckLeases();
  EXPECT_FALSE(Get("x").has_value());
  EXPECT_FALSE(Get("y").has_value());
  EXPECT_TRUE(Get("other").has_value());
  EXPECT_EQ(store_->CurrentRevision(), rev + 1);
  EXPECT_EQ(store_->LeaseTimeToLive(7, false)->ttl, -1);
  EXPECT_EQ(store_->stats().leases_expired_total.load(), 1);
}

TEST_F(MvccStoreTest, FailedRequestLeavesNothingBehind) {
  Put("a", "1");
  int64_t rev = store_->CurrentRevision();
  TxnRequest txn;
  txn.success.push_back(RequestOp{PutRequest{.key = "a", .value = "2"}});
  txn.success.push_back(RequestOp{DeleteRangeRequest{.key = "a", .range_end = "b"}});
  txn.success.push_back(RequestOp{PutRequest{.key = "c", .value = "3", .lease = 99}});
  EXPECT_EQ(store_->Txn(txn).status().message(), "etcdserver: duplicate key given in txn request");
  txn.success.erase(txn.success.begin() + 1);
  EXPECT_EQ(store_->Txn(txn).status().message(), "etcdserver: requested lease not found");
  EXPECT_EQ(store_->CurrentRevision(), rev);
  EXPECT_EQ(Get("a")->value, "1");
  EXPECT_EQ(Get("a")->version, 1);
  EXPECT_FALSE(Get("c").has_value());
  EXPECT_EQ(Put("d", "4"), rev + 1);
}

TEST_F(MvccStoreTest, OverQuotaRefusesWritesUntilCompactDefragAndDisarm) {
  quota_ = 2 << 20;
  Open();
  std::string value(4096, 'v');
  absl::Status last;
  int written = 0;
  for (; written < 1000; ++written) {
    auto r = store_->Put(PutRequest{.key = "k" + std::to_string(written % 8), .value = value});
    if (!r.ok()) {
      last = r.status();
      break;
    }
  }
  ASSERT_LT(written, 1000);
  EXPECT_EQ(last.message(), "etcdserver: mvcc: database space exceeded");
  EXPECT_TRUE(store_->Status()->nospace_alarm);
  EXPECT_TRUE(Get("k1").has_value());  // reads keep working
  EXPECT_EQ(store_->LeaseGrant(0, 10).status().code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(store_->DeleteRange(DeleteRangeRequest{.key = "k", .range_end = "l"}).ok());
  ASSERT_TRUE(store_->Compact(store_->CurrentRevision(), true).ok());
  ASSERT_TRUE(store_->Defragment().ok());
  EXPECT_LT(store_->Status()->db_size_bytes, quota_);
  ASSERT_TRUE(store_->DisarmNoSpaceAlarm().ok());
  auto after = store_->Put(PutRequest{.key = "after", .value = "ok"});
  EXPECT_TRUE(after.ok()) << after.status() << " size " << store_->Status()->db_size_bytes;
}

TEST(MvccStoreOpenTest, UnusableDataDirIsAClearError) {
  auto file = std::filesystem::temp_directory_path() / "aio-mvcc-not-a-dir";
  { std::ofstream(file.string()) << "x"; }
  auto store = MvccStore::Open(Options{.data_dir = file.string(), .background_threads = false});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(file.string()), std::string::npos) << store.status();
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace aio::store::mvcc
