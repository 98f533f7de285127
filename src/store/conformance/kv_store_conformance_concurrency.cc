// Conformance: the store used from several threads at once (every KvStore method is thread-safe):
// revisions stay dense and unique, a compare-and-swap loop is atomic, a watcher sees concurrent
// writes in revision order.
#include <algorithm>
#include <atomic>
#include <thread>

#include "store/conformance/kv_store_conformance.h"

namespace aio::store::conformance {
namespace {

constexpr int kThreads = 4;

// Runs body(thread_index) on kThreads threads and joins them.
void RunThreads(const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
  for (std::thread& thread : threads) thread.join();
}

TEST_P(ConcurrencyConformance, ConcurrentPutsGetDistinctDenseRevisions) {
  constexpr int kPutsPerThread = 50;
  std::vector<std::vector<int64_t>> revisions(kThreads);
  RunThreads([&](int t) {
    for (int i = 0; i < kPutsPerThread; ++i) {
      absl::StatusOr<PutResponse> put =
          kv().Put(PutRequest{.key = "t" + std::to_string(t), .value = std::to_string(i)});
      EXPECT_THAT(put, IsOk());
      if (put.ok()) revisions[t].push_back(put->revision);
    }
  });
  std::vector<int64_t> all;
  for (const std::vector<int64_t>& mine : revisions) {
    EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end())) << "one thread's puts are ordered";
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected;
  for (int64_t r = 2; r < 2 + kThreads * kPutsPerThread; ++r) expected.push_back(r);
  EXPECT_EQ(all, expected) << "every put got its own revision, none skipped";
  EXPECT_EQ(kv().CurrentRevision(), 1 + kThreads * kPutsPerThread);
  for (int t = 0; t < kThreads; ++t) {
    std::optional<KeyValue> got = MustGet("t" + std::to_string(t));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->version, kPutsPerThread);
    EXPECT_EQ(got->value, std::to_string(kPutsPerThread - 1));
    EXPECT_EQ(got->mod_revision, revisions[t].back());
  }
}

TEST_P(ConcurrencyConformance, CompareAndSwapCounterIsAtomic) {
  constexpr int kIncrementsPerThread = 25;
  MustPut("counter", "0");
  std::atomic<int> conflicts{0};
  RunThreads([&](int) {
    for (int done = 0; done < kIncrementsPerThread;) {
      absl::StatusOr<RangeResponse> read = kv().Range(RangeOf("counter"));
      ASSERT_THAT(read, IsOk());
      ASSERT_EQ(read->kvs.size(), 1u);
      const KeyValue& current = read->kvs[0];
      TxnRequest cas;
      cas.compare = {CmpNumber("counter", Compare::Target::kMod, Compare::Result::kEqual,
                               current.mod_revision)};
      cas.success = {OpPut("counter", std::to_string(std::stoll(current.value) + 1))};
      absl::StatusOr<TxnResponse> txn = kv().Txn(cas);
      ASSERT_THAT(txn, IsOk());
      if (txn->succeeded) {
        ++done;
      } else {
        ++conflicts;
      }
    }
  });
  std::optional<KeyValue> counter = MustGet("counter");
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(counter->value, std::to_string(kThreads * kIncrementsPerThread))
      << "lost updates (" << conflicts.load() << " conflicts seen)";
  EXPECT_EQ(counter->version, 1 + kThreads * kIncrementsPerThread);
  EXPECT_EQ(kv().CurrentRevision(), 2 + kThreads * kIncrementsPerThread)
      << "failed compares write nothing";
}

TEST_P(ConcurrencyConformance, WatcherSeesConcurrentWritesInOrder) {
  constexpr int kPutsPerThread = 40;
  std::unique_ptr<WatchStream> stream = kv().NewWatchStream([] {});
  CONF_ASSERT_OK_AND_ASSIGN(int64_t id,
                            stream->Watch(WatchRequest{.key = "c/", .range_end = "c0"}));
  std::vector<WatchResponse> responses;
  std::thread writers([&] {
    RunThreads([&](int t) {
      for (int i = 0; i < kPutsPerThread; ++i) {
        EXPECT_THAT(kv().Put(PutRequest{.key = "c/" + std::to_string(t), .value = "v"}), IsOk());
      }
    });
  });
  responses = Collect(*stream, kThreads * kPutsPerThread);  // reads while the writers write
  writers.join();
  std::vector<WatchResponse> rest = Quiesce(*stream);
  responses.insert(responses.end(), rest.begin(), rest.end());
  std::vector<Event> events = EventsOf(responses, id);
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kPutsPerThread));
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].kv.mod_revision, static_cast<int64_t>(i) + 2)
        << "event " << i << ": revision order without gaps or duplicates";
  }
  std::vector<int64_t> versions(kThreads, 0);
  for (const Event& event : events) {
    const int t = std::stoi(event.kv.key.substr(2));
    EXPECT_EQ(event.kv.version, ++versions[t]) << "versions of one key count up in order";
  }
}

TEST_P(ConcurrencyConformance, ReadersNeverSeeAHalfAppliedTxn) {
  constexpr int kTxns = 60;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      absl::StatusOr<RangeResponse> read = kv().Range(RangeOf("pair/", "pair0"));
      if (!read.ok()) continue;
      if (read->kvs.size() == 2 && read->kvs[0].value != read->kvs[1].value) ++torn;
      if (read->kvs.size() == 1) ++torn;
    }
  });
  for (int i = 0; i < kTxns; ++i) {
    TxnRequest txn;
    txn.success = {OpPut("pair/a", std::to_string(i)), OpPut("pair/b", std::to_string(i))};
    MustTxn(txn);
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0) << "a reader saw one key of a txn without the other";
  EXPECT_THAT(MustRange(RangeOf("pair/", "pair0")).kvs, ::testing::SizeIs(2));
}

}  // namespace
}  // namespace aio::store::conformance
