#include "cache/snapshot.h"

#include <filesystem>
#include <fstream>

#include "cache/cache_test_harness.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-snapshot-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "cache" / "dump.aio").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CacheOptions Options() const { return CacheOptions{.snapshot_path = path_}; }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SnapshotTest, EveryTypeAndTtlSurviveSaveAndLoad) {
  {
    CacheHarness h(Options());
    h.Run({"SET", "s", std::string("bin\0ary", 7)});
    h.Run({"HSET", "h", "f1", "v1", "f2", "v2"});
    h.Run({"RPUSH", "l", "a", "b", "c"});
    h.Run({"SADD", "set", "x", "y"});
    h.Run({"ZADD", "z", "1.5", "one", "-2", "two"});
    h.Run({"SET", "ttl", "v", "EX", "1000"});
    h.Run({"SELECT", "3"});
    h.Run({"SET", "in3", "v"});
    EXPECT_EQ(h.Run({"SAVE"}), "+OK\r\n");
  }
  CacheHarness h(Options());
  ASSERT_TRUE(h.cache.LoadSnapshot().ok());
  EXPECT_EQ(h.Run({"GET", "s"}), std::string("$7\r\nbin\0ary\r\n", 13));
  EXPECT_EQ(h.Run({"HGET", "h", "f2"}), "$2\r\nv2\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"SISMEMBER", "set", "y"}), ":1\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            "*4\r\n$3\r\ntwo\r\n$2\r\n-2\r\n$3\r\none\r\n$3\r\n1.5\r\n");
  const std::string ttl = h.Run({"TTL", "ttl"});
  EXPECT_TRUE(ttl == ":1000\r\n" || ttl == ":999\r\n") << ttl;
  EXPECT_EQ(h.Run({"DBSIZE"}), ":6\r\n");
  h.Run({"SELECT", "3"});
  EXPECT_EQ(h.Run({"GET", "in3"}), "$1\r\nv\r\n");
  // Memory is charged for what was loaded.
  EXPECT_GT(h.cache.keyspace().UsedMemory(), 0);
}

TEST_F(SnapshotTest, ExpiredKeysAreNotLoaded) {
  CacheHarness h(Options());
  h.Run({"SET", "gone", "v", "PX", "50"});
  h.Run({"SET", "kept", "v"});
  const int64_t now = h.cache.NowMs();
  ASSERT_TRUE(SaveSnapshot(h.cache.keyspace(), path_, now).ok());
  CacheHarness loaded(Options());
  absl::StatusOr<SnapshotStats> stats = LoadSnapshot(loaded.cache.keyspace(), path_, now + 100);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->keys, 1);
  EXPECT_EQ(loaded.Run({"EXISTS", "gone", "kept"}), ":1\r\n");
}

TEST_F(SnapshotTest, MissingFileLoadsNothing) {
  CacheHarness h(Options());
  EXPECT_TRUE(h.cache.LoadSnapshot().ok());
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(SnapshotTest, CorruptOrTruncatedFileIsRefusedAndLoadsNothing) {
  {
    CacheHarness h(Options());
    for (int i = 0; i < 100; ++i) h.Run({"SET", "k" + std::to_string(i), "value"});
    ASSERT_EQ(h.Run({"SAVE"}), "+OK\r\n");
  }
  const auto size = std::filesystem::file_size(path_);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put('\x7f');
  }
  CacheHarness flipped(Options());
  absl::Status status = flipped.cache.LoadSnapshot();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("checksum mismatch"), std::string::npos) << status;
  EXPECT_EQ(flipped.Run({"DBSIZE"}), ":0\r\n");

  std::filesystem::resize_file(path_, size - 7);
  CacheHarness truncated(Options());
  EXPECT_EQ(truncated.cache.LoadSnapshot().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(truncated.Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(SnapshotTest, FailedSaveIsAnErrorAndKeepsThePreviousSnapshot) {
  CacheHarness h(Options());
  h.Run({"SET", "a", "1"});
  ASSERT_EQ(h.Run({"SAVE"}), "+OK\r\n");
  const auto before = std::filesystem::file_size(path_);
  h.Run({"SET", "b", "2"});
  // A directory where the temporary file goes: the save fails (even as root).
  std::filesystem::create_directory(path_ + ".tmp");
  const std::string reply = h.Run({"SAVE"});
  EXPECT_TRUE(reply.starts_with("-ERR cannot create")) << reply;
  EXPECT_EQ(std::filesystem::file_size(path_), before);
  EXPECT_NE(h.Run({"INFO", "persistence"}).find("rdb_last_bgsave_status:err"), std::string::npos);
  CacheHarness loaded(Options());
  ASSERT_TRUE(loaded.cache.LoadSnapshot().ok());
  EXPECT_EQ(loaded.Run({"EXISTS", "a", "b"}), ":1\r\n");
}

TEST_F(SnapshotTest, CommandsWithoutPersistenceAreRefused) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"SAVE"}),
            "-ERR persistence is disabled (set cache.persistence: true in the AIO config)\r\n");
  EXPECT_EQ(h.Run({"BGSAVE"}),
            "-ERR persistence is disabled (set cache.persistence: true in the AIO config)\r\n");
  EXPECT_EQ(h.Run({"BGSAVE", "NOW"}), "-ERR syntax error\r\n");
  EXPECT_TRUE(h.Run({"LASTSAVE"}).starts_with(":"));
}

TEST_F(SnapshotTest, BgsaveWritesOnTheSnapshotThreadAndStopSavesAgain) {
  {
    CacheHarness h(Options());
    h.cache.Start();
    h.Run({"SET", "a", "1"});
    EXPECT_EQ(h.Run({"BGSAVE"}), "+Background saving started\r\n");
    for (int i = 0; i < 200 && !std::filesystem::exists(path_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(std::filesystem::exists(path_));
    h.Run({"SET", "b", "2"});
    h.cache.Stop();  // the shutdown snapshot has b too
  }
  CacheHarness h(Options());
  ASSERT_TRUE(h.cache.LoadSnapshot().ok());
  EXPECT_EQ(h.Run({"EXISTS", "a", "b"}), ":2\r\n");
}

}  // namespace
}  // namespace aio::cache
