// MULTI/EXEC/WATCH, pub/sub, blocking pops, tracking, expiry and eviction through the harness.
#include <thread>

#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TransactionTest, ExecRunsQueuedCommands) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"INCR", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n+OK\r\n:2\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST(TransactionTest, QueueingErrorAbortsExec) {
  CacheHarness h;
  h.Run({"MULTI"});
  h.Run({"SET", "k", "1"});
  EXPECT_EQ(h.Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$-1\r\n");
}

TEST(TransactionTest, RuntimeErrorDoesNotAbortTheRest) {
  CacheHarness h;
  h.Run({"SET", "s", "x"});
  h.Run({"MULTI"});
  h.Run({"INCR", "s"});
  h.Run({"SET", "t", "y"});
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
}

TEST(TransactionTest, WatchedKeyWrittenByAnotherClientAbortsExec) {
  CacheHarness h;
  TestClient* other = h.NewClient();
  h.Run({"SET", "k", "1"});
  EXPECT_EQ(h.Run({"WATCH", "k"}), "+OK\r\n");
  h.Run({"SET", "k", "2"}, other);
  h.Run({"MULTI"});
  h.Run({"SET", "k", "3"});
  EXPECT_EQ(h.Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$1\r\n2\r\n");
  // The WATCH is gone after EXEC: the next transaction runs.
  h.Run({"MULTI"});
  h.Run({"SET", "k", "4"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST(TransactionTest, WatchedKeyThatExpiresAbortsExec) {
  CacheHarness h;
  h.Run({"SET", "k", "1", "PX", "20"});
  h.Run({"WATCH", "k"});
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  h.Run({"MULTI"});
  h.Run({"PING"});
  EXPECT_EQ(h.Run({"EXEC"}), "*-1\r\n");
}

TEST(PubSubTest, MessagesReachChannelAndPatternSubscribers) {
  CacheHarness h;
  TestClient* sub = h.NewClient();
  EXPECT_EQ(h.Run({"SUBSCRIBE", "news"}, sub), "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(h.Run({"PSUBSCRIBE", "n*"}, sub), "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:2\r\n");
  EXPECT_THAT(h.Run({"GET", "x"}, sub), HasSubstr("only (P|S)SUBSCRIBE"));
  EXPECT_EQ(h.Run({"PUBLISH", "news", "hi"}), ":2\r\n");
  ASSERT_EQ(sub->delivered.size(), 2u);
  EXPECT_EQ(sub->delivered[0], "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(sub->delivered[1], "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(h.Run({"PUBSUB", "NUMSUB", "news"}), "*2\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(h.Run({"UNSUBSCRIBE"}, sub), "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n");
}

TEST(PubSubTest, Resp3SubscribersGetPushFrames) {
  CacheHarness h;
  TestClient* sub = h.NewClient();
  h.Run({"HELLO", "3"}, sub);
  EXPECT_EQ(h.Run({"SUBSCRIBE", "c"}, sub), ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  EXPECT_EQ(h.Run({"GET", "x"}, sub), "_\r\n");  // RESP3 allows commands while subscribed
  h.Run({"PUBLISH", "c", "m"});
  ASSERT_EQ(sub->delivered.size(), 1u);
  EXPECT_EQ(sub->delivered[0], ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
}

TEST(BlockingTest, BlpopBlocksUntilAPushWakesIt) {
  CacheHarness h;
  TestClient* pusher = h.NewClient();
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}), "");
  EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  h.Run({"RPUSH", "q", "job"}, pusher);
  EXPECT_EQ(h.client->wakes, 1);
  h.cache.Unblock(*h.client);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}), "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  EXPECT_EQ(h.Run({"BLPOP", "q", "x"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(h.Run({"BLPOP", "q", "-1"}), "-ERR timeout is negative\r\n");
  h.Run({"MULTI"});
  h.Run({"BLPOP", "q", "0"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n*-1\r\n");  // inside MULTI a blocking pop does not block
}

// Redis's "clients are served in order": a push wakes only the client that blocked first on the
// key; the others, and newcomers, cannot take the element before it.
TEST(BlockingTest, ClientsBlockedOnAKeyAreServedInTheOrderTheyBlocked) {
  CacheHarness h;
  TestClient* a = h.NewClient();
  TestClient* b = h.NewClient();
  TestClient* c = h.NewClient();
  TestClient* pusher = h.NewClient();
  const std::string pop_q = "*2\r\n$1\r\nq\r\n$1\r\n";
  for (TestClient* who : {b, a, c}) {  // blocking order b, a, c: not the clients' creation order
    EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, who), "");
    EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  }
  EXPECT_EQ(h.Run({"RPUSH", "q", "1"}, pusher), ":1\r\n");
  EXPECT_EQ(b->wakes, 1);
  EXPECT_EQ(a->wakes + c->wakes, 0);
  // c runs again (as after a stray wakeup) before b: it gets nothing and keeps its place.
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, c), "");
  EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  // A newcomer does not jump the queue either: it blocks behind c.
  TestClient* late = h.NewClient();
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, late), "");
  EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, b), pop_q + "1\r\n");
  // b's pop wakes the next client, a, which finds the list empty and blocks again, still first.
  EXPECT_EQ(a->wakes, 1);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, a), "");
  EXPECT_EQ(h.Run({"RPUSH", "q", "2", "3"}, pusher), ":2\r\n");
  EXPECT_EQ(a->wakes, 2);
  EXPECT_EQ(c->wakes, 0);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, a), pop_q + "2\r\n");
  EXPECT_EQ(c->wakes, 1);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, c), pop_q + "3\r\n");
  EXPECT_EQ(late->wakes, 1);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, late), "");
  EXPECT_EQ(h.cache.blocked_clients(), 1u);
}

TEST(BlockingTest, FifoHoldsForSortedSetsAndMoves) {
  CacheHarness h;
  TestClient* first = h.NewClient();
  TestClient* second = h.NewClient();
  TestClient* pusher = h.NewClient();
  EXPECT_EQ(h.Run({"BZPOPMIN", "z", "0"}, first), "");
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "z", "MIN"}, second), "");
  h.Run({"ZADD", "z", "1", "m"}, pusher);
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "z", "MIN"}, second), "");  // not its turn
  EXPECT_EQ(h.Run({"BZPOPMIN", "z", "0"}, first), "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, first), "");
  EXPECT_EQ(h.Run({"BLMPOP", "0", "1", "src", "LEFT"}, second), "");
  h.Run({"RPUSH", "src", "e"}, pusher);
  EXPECT_EQ(h.Run({"BLMPOP", "0", "1", "src", "LEFT"}, second), "");
  EXPECT_EQ(h.Run({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, first), "$1\r\ne\r\n");
}

// A client gone while blocked (the connection closes and unregisters) leaves every queue and
// never takes an element; the next client gets it.
TEST(BlockingTest, ClientGoneWhileBlockedLeavesTheQueue) {
  CacheHarness h;
  TestClient* gone = h.NewClient();
  TestClient* next = h.NewClient();
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}, gone), "");
  EXPECT_EQ(h.Run({"BLPOP", "other", "q", "0"}, next), "");
  h.Run({"RPUSH", "q", "job"});
  EXPECT_EQ(gone->wakes, 1);
  EXPECT_EQ(next->wakes, 0);
  h.cache.UnregisterClient(gone);  // before it ran again
  EXPECT_EQ(next->wakes, 1) << "the element waits for the next client in line";
  EXPECT_EQ(h.Run({"BLPOP", "other", "q", "0"}, next), "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  EXPECT_EQ(h.cache.blocked_clients(), 0u);
}

// As Redis 7: SWAPDB serves a client blocked on a key the swap brings into its database.
TEST(BlockingTest, SwapDbServesClientsBlockedOnKeysItBrings) {
  CacheHarness h;
  TestClient* other = h.NewClient();
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}), "");
  h.Run({"SELECT", "1"}, other);
  h.Run({"RPUSH", "q", "job"}, other);
  EXPECT_EQ(h.client->wakes, 0) << "a push in another database";
  EXPECT_EQ(h.Run({"SWAPDB", "0", "1"}, other), "+OK\r\n");
  EXPECT_EQ(h.client->wakes, 1);
  EXPECT_EQ(h.Run({"BLPOP", "q", "0"}), "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
}

TEST(TrackingTest, DefaultModeInvalidatesKeysTheClientRead) {
  CacheHarness h;
  TestClient* writer = h.NewClient();
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"CLIENT", "TRACKING", "on"}), "+OK\r\n");
  h.Run({"SET", "k", "v"}, writer);
  h.Run({"GET", "k"});
  h.Run({"SET", "k", "w"}, writer);
  ASSERT_EQ(h.client->delivered.size(), 1u);
  EXPECT_EQ(h.client->delivered[0], ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  h.Run({"SET", "k", "x"}, writer);  // not read again: no second invalidation
  EXPECT_EQ(h.client->delivered.size(), 1u);
}

TEST(TrackingTest, BroadcastModeMatchesPrefixes) {
  CacheHarness h;
  TestClient* writer = h.NewClient();
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:"}), "+OK\r\n");
  h.Run({"SET", "user:1", "a"}, writer);
  h.Run({"SET", "order:1", "a"}, writer);
  ASSERT_EQ(h.client->delivered.size(), 1u);
  EXPECT_THAT(h.client->delivered[0], HasSubstr("user:1"));
}

TEST(TrackingTest, OptInTracksOnlyReadsAfterClientCachingYes) {
  CacheHarness h;
  TestClient* writer = h.NewClient();
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"CLIENT", "CACHING", "yes"}),
            "-ERR CLIENT CACHING can be called only when the client is in tracking mode with "
            "OPTIN or OPTOUT mode enabled\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "TRACKING", "on", "OPTIN"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "CACHING", "no"}),
            "-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n");
  h.Run({"GET", "untracked"});
  EXPECT_EQ(h.Run({"CLIENT", "CACHING", "yes"}), "+OK\r\n");
  h.Run({"GET", "tracked"});
  h.Run({"GET", "later"});  // the flag covered one command only
  h.Run({"SET", "untracked", "1"}, writer);
  h.Run({"SET", "later", "1"}, writer);
  EXPECT_TRUE(h.client->delivered.empty());
  h.Run({"SET", "tracked", "1"}, writer);
  ASSERT_EQ(h.client->delivered.size(), 1u);
  EXPECT_THAT(h.client->delivered[0], HasSubstr("tracked"));
  // CLIENT CACHING yes before MULTI covers the whole transaction.
  h.Run({"CLIENT", "CACHING", "yes"});
  h.Run({"MULTI"});
  h.Run({"GET", "a"});
  h.Run({"GET", "b"});
  h.Run({"EXEC"});
  h.Run({"GET", "c"});
  h.Run({"MSET", "a", "1", "b", "1", "c", "1"}, writer);
  ASSERT_EQ(h.client->delivered.size(), 3u);
  EXPECT_THAT(h.client->delivered[1] + h.client->delivered[2], HasSubstr("$1\r\na"));
  EXPECT_THAT(h.client->delivered[1] + h.client->delivered[2], Not(HasSubstr("$1\r\nc")));
}

TEST(TrackingTest, OptOutSkipsReadsAfterClientCachingNoAndModesCannotBeMixed) {
  CacheHarness h;
  TestClient* writer = h.NewClient();
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"}),
            "-ERR You can't use both OPTIN and OPTOUT options\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "TRACKING", "on", "BCAST", "OPTOUT"}),
            "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "TRACKING", "on", "OPTOUT"}), "+OK\r\n");
  EXPECT_THAT(h.Run({"CLIENT", "TRACKING", "on", "OPTIN"}),
              HasSubstr("You can't switch OPTIN/OPTOUT mode"));
  EXPECT_EQ(h.Run({"CLIENT", "CACHING", "no"}), "+OK\r\n");
  h.Run({"GET", "skipped"});
  h.Run({"GET", "tracked"});
  h.Run({"SET", "skipped", "1"}, writer);
  EXPECT_TRUE(h.client->delivered.empty());
  h.Run({"SET", "tracked", "1"}, writer);
  EXPECT_EQ(h.client->delivered.size(), 1u);
}

TEST(KeyspaceEventsTest, NotificationsFollowTheConfiguredClasses) {
  CacheHarness h;
  TestClient* sub = h.NewClient();
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  h.Run({"PSUBSCRIBE", "__key*__:*"}, sub);
  h.Run({"SET", "k", "v"});
  h.Run({"DEL", "k"});
  ASSERT_EQ(sub->delivered.size(), 4u);
  EXPECT_THAT(sub->delivered[0], HasSubstr("__keyspace@0__:k\r\n$3\r\nset"));
  EXPECT_THAT(sub->delivered[3], HasSubstr("__keyevent@0__:del\r\n$1\r\nk"));
}

TEST(ExpiryTest, LazyAndActiveExpiry) {
  CacheHarness h;
  h.Run({"SET", "lazy", "v", "PX", "10"});
  for (int i = 0; i < 200; ++i) h.Run({"SET", "k" + std::to_string(i), "v", "PX", "10"});
  h.Run({"SET", "keep", "v"});
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(h.Run({"GET", "lazy"}), "$-1\r\n");
  // Untouched keys go away by sampling alone.
  for (int i = 0; i < 50 && h.cache.keyspace().ActiveExpireCycle(h.cache.NowMs()) > 0; ++i) {
  }
  EXPECT_EQ(h.Run({"DBSIZE"}), ":1\r\n");
  EXPECT_THAT(h.Run({"INFO", "stats"}), HasSubstr("expired_keys:201\r\n"));
}

TEST(EvictionTest, NoEvictionAnswersOom) {
  CacheHarness h(CacheOptions{.maxmemory = 20000});
  std::string reply;
  for (int i = 0; i < 1000 && reply.empty(); ++i) {
    std::string r = h.Run({"SET", "k" + std::to_string(i), std::string(100, 'x')});
    if (r != "+OK\r\n") reply = r;
  }
  EXPECT_EQ(reply, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(h.Run({"GET", "k1"}), "$100\r\n" + std::string(100, 'x') + "\r\n");  // reads work
}

TEST(EvictionTest, AllKeysLruStaysUnderMaxmemory) {
  CacheHarness h(CacheOptions{.maxmemory = 50000, .maxmemory_policy = "allkeys-lru"});
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(h.Run({"SET", "k" + std::to_string(i), std::string(100, 'x')}), "+OK\r\n");
  }
  EXPECT_LE(h.cache.keyspace().UsedMemory(), 50000 + 300);
  EXPECT_THAT(h.Run({"INFO", "stats"}), HasSubstr("evicted_keys:"));
  EXPECT_EQ(h.Run({"GET", "k1999"}), "$100\r\n" + std::string(100, 'x') + "\r\n");
}

}  // namespace
}  // namespace aio::cache
