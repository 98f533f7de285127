// Watch delivery of the embedded engine: slow streams catch up from history without losing or
// repeating events, progress notifications on the clock, prev_kv for late watchers.
#include <filesystem>
#include <random>

#include "gtest/gtest.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::store::mvcc {
namespace {

class WatchHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-watch-" + std::to_string(std::random_device{}()));
    auto store = MvccStore::Open(Options{.data_dir = dir_.string(),
                                         .progress_notify_interval_ms = 1000,
                                         .watch_stream_queue_limit = 4,
                                         .sync_writes = false,
                                         .background_threads = false,
                                         .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Drains a stream, running hub rounds, until nothing more comes.
  std::vector<WatchResponse> Drain(WatchStream* stream) {
    std::vector<WatchResponse> out;
    for (int idle = 0; idle < 3;) {
      store_->SyncWatchers();
      bool got = false;
      while (auto r = stream->Next()) {
        out.push_back(std::move(*r));
        got = true;
      }
      idle = got ? 0 : idle + 1;
    }
    return out;
  }

  std::filesystem::path dir_;
  base::ManualClock clock_;
  std::unique_ptr<MvccStore> store_;
};

TEST_F(WatchHubTest, SlowStreamGetsEveryEventOnceInOrder) {
  int ready_calls = 0;
  auto stream = store_->NewWatchStream([&] { ++ready_calls; });
  auto id = stream->Watch(WatchRequest{.key = "p/", .range_end = "p0"});
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(store_->Put(PutRequest{.key = "p/" + std::to_string(i % 7), .value = "v"}).ok());
    if (i % 50 == 0) store_->SyncWatchers();  // the queue (4 responses) overflows
  }
  ASSERT_TRUE(store_->Put(PutRequest{.key = "q", .value = "not watched"}).ok());
  auto responses = Drain(stream.get());
  EXPECT_GT(ready_calls, 0);
  ASSERT_FALSE(responses.empty());
  EXPECT_TRUE(responses[0].created);
  std::vector<int64_t> revs;
  for (const auto& r : responses) {
    for (const auto& e : r.events) revs.push_back(e.kv.mod_revision);
  }
  ASSERT_EQ(revs.size(), 500u);
  for (size_t i = 0; i < revs.size(); ++i) EXPECT_EQ(revs[i], static_cast<int64_t>(i) + 2);
  EXPECT_EQ(store_->stats().slow_watchers.load(), 0);
}

TEST_F(WatchHubTest, HistoricalWatchWithPrevKvReplaysThenGoesLive) {
  ASSERT_TRUE(store_->Put(PutRequest{.key = "k", .value = "1"}).ok());
  ASSERT_TRUE(store_->Put(PutRequest{.key = "k", .value = "2"}).ok());
  auto stream = store_->NewWatchStream(nullptr);
  ASSERT_TRUE(stream->Watch(WatchRequest{.key = "k", .start_revision = 2, .prev_kv = true}).ok());
  ASSERT_TRUE(store_->DeleteRange(DeleteRangeRequest{.key = "k"}).ok());
  std::vector<Event> events;
  for (const auto& r : Drain(stream.get()))
    events.insert(events.end(), r.events.begin(), r.events.end());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(events[0].prev_kv.has_value());
  EXPECT_EQ(events[1].prev_kv->value, "1");
  EXPECT_EQ(events[2].type, Event::Type::kDelete);
  EXPECT_EQ(events[2].prev_kv->value, "2");
  EXPECT_EQ(events[2].kv.mod_revision, 4);
}

TEST_F(WatchHubTest, ProgressNotifyFollowsTheClock) {
  auto stream = store_->NewWatchStream(nullptr);
  ASSERT_TRUE(stream->Watch(WatchRequest{.key = "k", .progress_notify = true}).ok());
  ASSERT_TRUE(store_->Put(PutRequest{.key = "other", .value = "1"}).ok());
  auto first = Drain(stream.get());
  ASSERT_EQ(first.size(), 1u);  // only `created`
  clock_.AdvanceMs(1000);
  auto progress = Drain(stream.get());
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_TRUE(progress[0].events.empty());
  EXPECT_EQ(progress[0].revision, 2);
  stream->RequestProgress();
  auto requested = Drain(stream.get());
  ASSERT_EQ(requested.size(), 1u);
  EXPECT_EQ(requested[0].watch_id, -1);
}

TEST_F(WatchHubTest, CompactedStartRevisionCancelsTheWatcher) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->Put(PutRequest{.key = "k", .value = "v"}).ok());
  ASSERT_TRUE(store_->Compact(4, true).ok());
  auto stream = store_->NewWatchStream(nullptr);
  ASSERT_TRUE(stream->Watch(WatchRequest{.key = "k", .start_revision = 2}).ok());
  auto responses = Drain(stream.get());
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_TRUE(responses[1].canceled);
  EXPECT_EQ(responses[1].compact_revision, 4);
  EXPECT_EQ(store_->stats().watchers.load(), 0);
}

}  // namespace
}  // namespace aio::store::mvcc
