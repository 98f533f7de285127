// Locks, elections, leadership and ID generation on an in-process MvccStore with a ManualClock
// (lease expiry is driven by advancing the clock; the store's threads deliver watch events).
#include <atomic>
#include <filesystem>
#include <future>
#include <random>
#include <set>
#include <thread>

#include "coord/election.h"
#include "coord/idgen.h"
#include "coord/leadership.h"
#include "coord/lock.h"
#include "coord/watcher.h"
#include "gtest/gtest.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::coord {
namespace {

using std::chrono::seconds;

// Collects the one result of an async call.
struct Result {
  std::promise<absl::StatusOr<QueueTurn>> promise;
  std::future<absl::StatusOr<QueueTurn>> future = promise.get_future();
  std::function<void(absl::StatusOr<QueueTurn>)> Callback() {
    return [this](absl::StatusOr<QueueTurn> turn) { promise.set_value(std::move(turn)); };
  }
  bool Ready(int ms = 0) {
    return future.wait_for(std::chrono::milliseconds(ms)) == std::future_status::ready;
  }
};

class CoordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-coord-" + std::to_string(std::random_device{}()));
    auto store = store::mvcc::MvccStore::Open({.data_dir = dir_.string(),
                                               .sync_writes = false,
                                               .background_threads = true,  // watch delivery
                                               .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    watcher_ = std::make_unique<Watcher>(store_.get());
  }
  void TearDown() override {
    watcher_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  int64_t Lease(int64_t ttl = 10) {
    auto lease = store_->LeaseGrant(0, ttl);
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? lease->id : 0;
  }
  bool Exists(const std::string& key) {
    auto r = store_->Range({.key = key});
    return r.ok() && !r->kvs.empty();
  }
  void Expire(int64_t ms) {
    clock_.AdvanceMs(ms);
    store_->CheckLeases();
  }

  std::filesystem::path dir_;
  base::ManualClock clock_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<Watcher> watcher_;
};

TEST_F(CoordTest, SecondLockerWaitsForUnlockAndGetsALargerFencingToken) {
  Locker locker(watcher_.get());
  const int64_t a = Lease(), b = Lease();
  Result first, second;
  locker.Lock("jobs", a, first.Callback());
  ASSERT_TRUE(first.Ready());
  absl::StatusOr<QueueTurn> held = first.future.get();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->key, "jobs/" + LeaseHex(a));

  auto ticket = locker.Lock("jobs", b, second.Callback());
  EXPECT_FALSE(second.Ready(100));
  ASSERT_TRUE(locker.Unlock(held->key).ok());
  ASSERT_TRUE(second.Ready(2000));
  absl::StatusOr<QueueTurn> next = second.future.get();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->key, "jobs/" + LeaseHex(b));
  EXPECT_GT(next->create_revision, held->create_revision);
}

TEST_F(CoordTest, ExpiredHolderLeaseReleasesTheLockInQueueOrder) {
  Locker locker(watcher_.get());
  const int64_t a = Lease(5), b = Lease(60), c = Lease(60);
  Result first, second, third;
  locker.Lock("q", a, first.Callback());
  ASSERT_TRUE(first.Ready() && first.future.get().ok());
  locker.Lock("q", b, second.Callback());
  locker.Lock("q", c, third.Callback());
  EXPECT_FALSE(second.Ready(50));
  Expire(6000);  // a's lease expires: b is next, c still waits for b
  ASSERT_TRUE(second.Ready(2000));
  EXPECT_TRUE(second.future.get().ok());
  EXPECT_FALSE(third.Ready(100));
}

TEST_F(CoordTest, CanceledWaitDeletesItsKey) {
  Locker locker(watcher_.get());
  const int64_t a = Lease(), b = Lease();
  Result first, second;
  locker.Lock("x", a, first.Callback());
  auto ticket = locker.Lock("x", b, second.Callback());
  ASSERT_TRUE(Exists("x/" + LeaseHex(b)));
  ticket->Cancel();
  ASSERT_TRUE(second.Ready(1000));
  EXPECT_EQ(second.future.get().status(), absl::CancelledError("coord: wait canceled"));
  EXPECT_FALSE(Exists("x/" + LeaseHex(b)));
  EXPECT_TRUE(Exists("x/" + LeaseHex(a)));
}

TEST_F(CoordTest, TryLockGivesUpAfterItsTimeout) {
  Locker locker(watcher_.get());
  const int64_t a = Lease(), b = Lease();
  Result first, timed, tried;
  locker.Lock("t", a, first.Callback());
  auto lock_b = [&](auto done) { return locker.Lock("t", b, std::move(done)); };
  WithTimeout(watcher_.get(), absl::Milliseconds(100), "not within 100 ms", lock_b,
              timed.Callback());
  EXPECT_FALSE(timed.Ready(20));
  ASSERT_TRUE(timed.Ready(2000));
  EXPECT_EQ(timed.future.get().status(), absl::DeadlineExceededError("not within 100 ms"));
  EXPECT_FALSE(Exists("t/" + LeaseHex(b)));
  // Timeout zero is a try-lock: an answer at once.
  WithTimeout(watcher_.get(), absl::ZeroDuration(), "busy", lock_b, tried.Callback());
  ASSERT_TRUE(tried.Ready());
  EXPECT_EQ(tried.future.get().status(), absl::DeadlineExceededError("busy"));
}

TEST_F(CoordTest, LockWithUnknownLeaseIsRefusedAndStoresNothing) {
  Locker locker(watcher_.get());
  Result result;
  locker.Lock("x", 12345, result.Callback());
  ASSERT_TRUE(result.Ready());
  EXPECT_EQ(result.future.get().status().message(), "etcdserver: requested lease not found");
  EXPECT_FALSE(Exists("x/" + LeaseHex(12345)));
}

TEST_F(CoordTest, ElectionLeaderProclaimObserveAndResign) {
  Elector elector(watcher_.get());
  const int64_t a = Lease(), b = Lease();
  EXPECT_EQ(elector.Leader("e").status(), absl::NotFoundError("election: no leader"));

  absl::Mutex mu;
  std::vector<std::string> seen;
  auto observation = elector.Observe("e", [&](const store::KeyValue& kv, int64_t) {
    absl::MutexLock lock(&mu);
    seen.push_back(kv.value);
  });
  ASSERT_TRUE(observation.ok());

  Result first, second;
  elector.Campaign("e", a, "node-a", first.Callback());
  ASSERT_TRUE(first.Ready());
  QueueTurn lead = *first.future.get();
  elector.Campaign("e", b, "node-b", second.Callback());
  EXPECT_FALSE(second.Ready(50));
  EXPECT_EQ(elector.Leader("e")->first.value, "node-a");

  const LeaderKey key{.name = "e", .key = lead.key, .rev = lead.create_revision, .lease = a};
  ASSERT_TRUE(elector.Proclaim(key, "node-a2").ok());
  EXPECT_EQ(elector.Leader("e")->first.value, "node-a2");
  ASSERT_TRUE(elector.Resign(key).ok());
  ASSERT_TRUE(second.Ready(2000));
  EXPECT_EQ(elector.Leader("e")->first.value, "node-b");
  EXPECT_EQ(elector.Proclaim(key, "late").status(),
            absl::FailedPreconditionError("election: not leader"));

  for (int i = 0; i < 200; ++i) {
    {
      absl::MutexLock lock(&mu);
      if (seen.size() >= 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*observation)->Cancel();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"node-a", "node-a2", "node-b"}));
}

TEST_F(CoordTest, LeadershipFailsOverWhenTheLeaderStops) {
  Leadership one(store_.get(), "/aio/leader/sweep", "n1", seconds(3));
  Leadership two(store_.get(), "/aio/leader/sweep", "n2", seconds(3));
  one.Start();
  for (int i = 0; i < 200 && !one.IsLeader(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(one.IsLeader());
  two.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(two.IsLeader());
  one.Stop();
  EXPECT_FALSE(one.IsLeader());
  for (int i = 0; i < 200 && !two.IsLeader(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(two.IsLeader());
}

TEST_F(CoordTest, SnowflakeIdsIncreaseAndWorkerIdsAreRecycledAfterLeaseExpiry) {
  Snowflake a(store_.get(),
              {.node_id = "a", .lease_ttl_s = 5, .clock = &clock_, .keep_alive_thread = false});
  Snowflake b(store_.get(),
              {.node_id = "b", .lease_ttl_s = 5, .clock = &clock_, .keep_alive_thread = false});
  EXPECT_EQ(a.worker_id(), -1);
  clock_.SetMs(kSnowflakeEpochMs + 1000);
  ASSERT_TRUE(a.Next().ok());  // the first ID leases the worker ID
  ASSERT_TRUE(b.Start().ok());
  EXPECT_EQ(a.worker_id(), 0);
  EXPECT_EQ(b.worker_id(), 1);
  auto ids = a.Next(1000);
  ASSERT_TRUE(ids.ok()) << ids.status();
  for (size_t i = 1; i < ids->size(); ++i) ASSERT_GT((*ids)[i], (*ids)[i - 1]);
  EXPECT_EQ(((*ids)[0] >> 12) & 1023, 0);
  EXPECT_EQ((*ids)[0] >> 22, 1000);

  Expire(6000);  // both leases expire; the first to notice gets worker 0 back
  ASSERT_TRUE(b.KeepAlive().ok());
  EXPECT_EQ(b.worker_id(), 0);
  ASSERT_TRUE(a.KeepAlive().ok());
  EXPECT_EQ(a.worker_id(), 1);
}

TEST_F(CoordTest, SnowflakeNeverGoesBackwardsWhenTheClockJumpsBack) {
  Snowflake gen(store_.get(),
                {.max_backward_wait_ms = 50, .clock = &clock_, .keep_alive_thread = false});
  ASSERT_TRUE(gen.Start().ok());
  clock_.SetMs(kSnowflakeEpochMs + 10'000);
  const int64_t before = *gen.Next();

  // A small jump back: the generator waits for the clock to catch up.
  clock_.SetMs(kSnowflakeEpochMs + 9'990);
  std::thread catch_up([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    clock_.SetMs(kSnowflakeEpochMs + 10'001);
  });
  absl::StatusOr<int64_t> after = gen.Next();
  catch_up.join();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_GT(*after, before);

  // A large jump back: refused with a clear error, and nothing goes backwards afterwards.
  clock_.SetMs(kSnowflakeEpochMs + 5'000);
  EXPECT_EQ(gen.Next().status(),
            absl::UnavailableError("snowflake: clock moved backwards by 5001 ms (more than the 50 "
                                   "ms the generator waits); refusing to issue IDs until it "
                                   "catches up"));
  clock_.SetMs(kSnowflakeEpochMs + 10'002);
  EXPECT_GT(*gen.Next(), *after);
}

TEST_F(CoordTest, ConcurrentSegmentAllocatorsNeverOverlap) {
  Sequences one(store_.get(), 10), two(store_.get(), 10);
  std::vector<Segment> a, b;
  auto run = [](Sequences* seq, std::vector<Segment>* out) {
    for (int i = 0; i < 200; ++i) {
      absl::StatusOr<Segment> s = seq->Allocate("orders", 1 + i % 7);
      ASSERT_TRUE(s.ok()) << s.status();
      out->push_back(*s);
    }
  };
  std::thread t1(run, &one, &a), t2(run, &two, &b);
  t1.join();
  t2.join();
  std::vector<Segment> all = a;
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end(), [](Segment x, Segment y) { return x.start < y.start; });
  EXPECT_EQ(all.front().start, 1);
  for (size_t i = 1; i < all.size(); ++i) ASSERT_EQ(all[i].start, all[i - 1].end);

  // Buffered values from both instances are distinct too.
  std::set<int64_t> values;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(values.insert(*one.Next("ids")).second);
    ASSERT_TRUE(values.insert(*two.Next("ids")).second);
  }
  auto batch = one.Next("ids", 25);
  ASSERT_TRUE(batch.ok());
  for (int64_t v : *batch) ASSERT_TRUE(values.insert(v).second);
}

TEST_F(CoordTest, BadSequenceInputIsRefusedAndStoresNothing) {
  Sequences seq(store_.get());
  const int64_t revision = store_->CurrentRevision();
  EXPECT_EQ(seq.Allocate("a/b", 1).status(),
            absl::InvalidArgumentError(
                "coord: sequence name must be 1-128 characters of [A-Za-z0-9._-]"));
  EXPECT_EQ(seq.Allocate("ok", 0).status(),
            absl::InvalidArgumentError("coord: count must be between 1 and 10000000"));
  EXPECT_EQ(store_->CurrentRevision(), revision);
  ASSERT_TRUE(store_->Put({.key = "/aio/coord/idgen/seq/bad", .value = "x1"}).ok());
  EXPECT_EQ(seq.Allocate("bad", 1).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace aio::coord
