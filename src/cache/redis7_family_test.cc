// Redis 7 commands: LMPOP BLMPOP ZMPOP BZMPOP ZRANGESTORE SORT SORT_RO, sharded pub/sub and
// COMMAND DOCS/LIST/GETKEYS. Expected replies are redis-server 7.0.15's bytes for the same input.
#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(MPopTest, LmpopPopsFromTheFirstNonEmptyList) {
  CacheHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(h.Run({"LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"}),
            "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "left", "count", "10"}),
            "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "LEFT"}), "*-1\r\n");
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "LEFT"}), "_\r\n");
}

TEST(MPopTest, LmpopErrors) {
  CacheHarness h;
  h.Run({"SET", "s", "v"});
  EXPECT_EQ(h.Run({"LMPOP", "0", "l", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "x", "l", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "2", "l", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "99999999999", "l", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "MIDDLE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "LEFT", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l", "LEFT", "COUNT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "2", "nokey", "s", "LEFT"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "l"}), "-ERR wrong number of arguments for 'lmpop' command\r\n");
  // numkeys is checked before the timeout, as Redis does.
  EXPECT_EQ(h.Run({"BLMPOP", "x", "0", "l", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"BLMPOP", "x", "1", "l", "LEFT"}),
            "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(h.Run({"BLMPOP", "-1", "1", "l", "LEFT"}), "-ERR timeout is negative\r\n");
}

TEST(MPopTest, BlmpopBlocksUntilAPushAndNotInsideMulti) {
  CacheHarness h;
  TestClient* pusher = h.NewClient();
  EXPECT_EQ(h.Run({"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"}), "");
  EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  h.Run({"RPUSH", "b", "x", "y", "z"}, pusher);
  EXPECT_EQ(h.client->wakes, 1);
  h.cache.Unblock(*h.client);
  EXPECT_EQ(h.Run({"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"}),
            "*2\r\n$1\r\nb\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
  h.Run({"MULTI"});
  h.Run({"BLMPOP", "0", "1", "a", "LEFT"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n*-1\r\n");
}

TEST(MPopTest, ZmpopRepliesMemberScorePairs) {
  CacheHarness h;
  h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(h.Run({"ZMPOP", "1", "z", "MAX", "COUNT", "2"}),
            "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"ZMPOP", "1", "z", "MIN"}), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
  EXPECT_EQ(h.Run({"ZMPOP", "1", "z", "MIN"}), "_\r\n");
  EXPECT_EQ(h.Run({"ZMPOP", "1", "z", "MINX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "z", "MIN"}), "");
  EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  // A blocked pop that times out answers a null (array).
  std::string out;
  protocol::resp::ReplyBuilder rb(&out);
  rb.set_resp3(true);
  h.cache.TimeoutBlocked(*h.client, rb);
  EXPECT_EQ(out, "_\r\n");
}

TEST(ZRangeStoreTest, StoresTheRangeZrangeWouldReply) {
  CacheHarness h;
  h.Run({"ZADD", "z", "3", "c", "1", "a", "2", "b"});
  h.Run({"SET", "str", "v"});
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "z", "0", "-1"}), ":3\r\n");
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1"}),
            ":1\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "dz", "0", "-1", "WITHSCORES"}), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  h.Run({"ZADD", "lz", "0", "a", "0", "b", "0", "c"});
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "lz", "[b", "-", "BYLEX", "REV"}), ":2\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "dz", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"ZRANGESTORE", "z", "z", "0", "0"}), ":1\r\n");  // the source may be dst
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "z", "0", "-1", "WITHSCORES"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "z", "0", "-1", "LIMIT", "0", "1"}),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX\r\n");
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "str", "0", "-1"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"ZRANGESTORE", "dz", "nokey", "0", "-1"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "dz"}), ":0\r\n");
}

TEST(SortTest, NumericAlphaLimitAndPatterns) {
  CacheHarness h;
  h.Run({"RPUSH", "l", "3", "1", "2", "10"});
  h.Run({"MSET", "w_3", "1", "w_1", "3", "w_2", "2"});
  h.Run({"HSET", "h_1", "f", "x"});
  EXPECT_EQ(h.Run({"SORT", "l"}), "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
  EXPECT_EQ(h.Run({"SORT", "l", "DESC", "LIMIT", "1", "2"}), "*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
  EXPECT_EQ(h.Run({"SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "h_*->f"}),
            "*12\r\n$2\r\n10\r\n$-1\r\n$-1\r\n$1\r\n3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n$1\r\n2\r\n"
            "$-1\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\nx\r\n");
  EXPECT_EQ(h.Run({"SORT", "l", "BY", "nosort", "DESC"}),
            "*4\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n");
  EXPECT_EQ(h.Run({"SORT", "l", "BY", "w_*", "STORE", "dst"}), ":4\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "dst", "0", "-1"}),
            "*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"SORT_RO", "l", "LIMIT", "0", "1"}), "*1\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"SORT", "nokey"}), "*0\r\n");
}

TEST(SortTest, SetsSortedSetsAndErrors) {
  CacheHarness h;
  h.Run({"SADD", "s", "b", "a", "c"});
  h.Run({"ZADD", "z", "3", "c", "1", "a", "2", "b"});
  h.Run({"SET", "str", "v"});
  EXPECT_EQ(h.Run({"SORT", "s", "ALPHA"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"SORT", "s"}), "-ERR One or more scores can't be converted into double\r\n");
  // A set stored with BY nosort is sorted, so the result does not depend on hash order.
  EXPECT_EQ(h.Run({"SORT", "s", "BY", "nosort", "STORE", "d2"}), ":3\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "d2", "0", "-1"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"}),
            "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"SORT_RO", "s", "STORE", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SORT", "s", "LIMIT", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SORT", "s", "LIMIT", "x", "1"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"SORT", "str"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  // Bad input stores nothing; an empty result deletes the destination.
  EXPECT_EQ(h.Run({"SORT", "s", "STORE", "d2"}),
            "-ERR One or more scores can't be converted into double\r\n");
  EXPECT_EQ(h.Run({"LLEN", "d2"}), ":3\r\n");
  EXPECT_EQ(h.Run({"SORT", "nokey", "STORE", "d2"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "d2"}), ":0\r\n");
}

TEST(SortTest, StoreInvalidatesWatch) {
  CacheHarness h;
  TestClient* other = h.NewClient();
  h.Run({"RPUSH", "l", "2", "1"});
  h.Run({"WATCH", "dst"}, other);
  h.Run({"MULTI"}, other);
  h.Run({"PING"}, other);
  EXPECT_EQ(h.Run({"SORT", "l", "STORE", "dst"}), ":2\r\n");
  EXPECT_EQ(h.Run({"EXEC"}, other), "*-1\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "SORT", "l", "LIMIT", "0", "1", "STORE", "d"}),
            "*2\r\n$1\r\nl\r\n$1\r\nd\r\n");
}

TEST(ShardedPubSubTest, SsubscribeSpublishAndCounts) {
  CacheHarness h;
  TestClient* sub = h.NewClient();
  EXPECT_EQ(h.Run({"SUBSCRIBE", "a"}, sub), "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(
      h.Run({"SSUBSCRIBE", "b", "c"}, sub),
      "*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:1\r\n*3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n:2\r\n");
  EXPECT_THAT(h.Run({"CLIENT", "LIST"}), HasSubstr(" flags=P db=0 sub=1 psub=0 ssub=2 "));
  EXPECT_EQ(h.Run({"SPUBLISH", "b", "hi"}), ":1\r\n");
  EXPECT_EQ(h.Run({"PUBLISH", "b", "not-sharded"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SPUBLISH", "a", "not-sharded"}), ":0\r\n");
  ASSERT_EQ(sub->delivered.size(), 1u);
  EXPECT_EQ(sub->delivered[0], "*3\r\n$8\r\nsmessage\r\n$1\r\nb\r\n$2\r\nhi\r\n");
  EXPECT_EQ(h.Run({"PUBSUB", "SHARDNUMSUB", "b", "a"}), "*4\r\n$1\r\nb\r\n:1\r\n$1\r\na\r\n:0\r\n");
  EXPECT_EQ(h.Run({"PUBSUB", "SHARDCHANNELS", "b*"}), "*1\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"PUBSUB", "CHANNELS"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"SUNSUBSCRIBE", "b"}, sub), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nb\r\n:1\r\n");
  EXPECT_EQ(h.Run({"UNSUBSCRIBE"}, sub), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
  // Still subscribed to a shard channel: RESP2 allows only the pub/sub commands.
  EXPECT_THAT(h.Run({"GET", "x"}, sub), HasSubstr("only (P|S)SUBSCRIBE"));
  EXPECT_EQ(h.Run({"SUNSUBSCRIBE"}, sub), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:0\r\n");
  EXPECT_EQ(h.Run({"SUNSUBSCRIBE"}, sub), "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(h.Run({"GET", "x"}, sub), "$-1\r\n");
}

TEST(ShardedPubSubTest, Resp3PushFramesAndReset) {
  CacheHarness h;
  TestClient* sub = h.NewClient();
  h.Run({"HELLO", "3"}, sub);
  EXPECT_EQ(h.Run({"SSUBSCRIBE", "c"}, sub), ">3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n:1\r\n");
  h.Run({"SPUBLISH", "c", "m"});
  ASSERT_EQ(sub->delivered.size(), 1u);
  EXPECT_EQ(sub->delivered[0], ">3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
  EXPECT_EQ(h.Run({"RESET"}, sub), "+RESET\r\n");
  EXPECT_EQ(h.Run({"SPUBLISH", "c", "m"}), ":0\r\n");
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"PUBSUB", "SHARDNUMSUB", "c"}), "*2\r\n$1\r\nc\r\n:0\r\n");
}

TEST(CommandTest, DocsInfoListAndGetKeys) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "DOCS", "get", "nosuch"}),
            "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
            "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n"
            "$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
            "$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
  h.Run({"HELLO", "3"});
  // Nested oneof arguments with tokens and flags, and a deprecated command's doc flags.
  EXPECT_THAT(
      h.Run({"COMMAND", "DOCS", "lmpop"}),
      HasSubstr("$5\r\nwhere\r\n$4\r\ntype\r\n$5\r\noneof\r\n$9\r\narguments\r\n*2\r\n%3\r\n"
                "$4\r\nname\r\n$4\r\nleft\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken"
                "\r\n$4\r\nLEFT\r\n"));
  EXPECT_THAT(h.Run({"COMMAND", "DOCS", "rpoplpush"}),
              HasSubstr("$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n"
                        "6.2.0\r\n"));
  EXPECT_EQ(h.Run({"COMMAND", "COUNT", "x"}),
            "-ERR wrong number of arguments for 'command|count' command\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "zm*"}),
            "*2\r\n$7\r\nzmscore\r\n$5\r\nzmpop\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}), "*0\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "LIST", "FILTERBY", "foo", "x"}), "-ERR syntax error\r\n");
  EXPECT_THAT(h.Run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "blocking"}), HasSubstr("blmpop"));
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "get", "a", "b"}),
            "-ERR Invalid number of arguments specified for command\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "ping", "x"}),
            "-ERR The command has no key arguments\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "lmpop", "0", "a", "left"}),
            "-ERR Invalid arguments specified for command\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "blmpop", "0", "2", "a", "b", "left"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_THAT(h.Run({"COMMAND", "INFO", "lmpop"}),
              StartsWith("*1\r\n*10\r\n$5\r\nlmpop\r\n:-4\r\n~2\r\n+write\r\n+movablekeys\r\n"));
}

TEST(CommandTest, EveryCommandHasDocs) {
  for (const CommandSpec& spec : CommandTable()) {
    EXPECT_NE(*spec.doc.summary, '\0') << spec.name;
    EXPECT_NE(*spec.doc.since, '\0') << spec.name;
    EXPECT_NE(*spec.doc.group, '\0') << spec.name;
  }
}

TEST(Redis7NotifyTest, KeyspaceEventsOfTheNewWrites) {
  CacheHarness h;
  TestClient* sub = h.NewClient();
  h.Run({"CONFIG", "SET", "notify-keyspace-events", "E$lzg"});
  h.Run({"PSUBSCRIBE", "__keyevent@0__:*"}, sub);
  h.Run({"RPUSH", "l", "2", "1"});
  h.Run({"ZADD", "z", "1", "a"});
  sub->delivered.clear();
  h.Run({"SORT", "l", "STORE", "sorted"});
  h.Run({"ZRANGESTORE", "zs", "z", "0", "-1"});
  h.Run({"LMPOP", "1", "l", "RIGHT", "COUNT", "5"});
  h.Run({"ZMPOP", "1", "z", "MIN"});
  std::vector<std::string> events;
  for (const std::string& frame : sub->delivered) {
    const size_t at = frame.rfind("__keyevent@0__:");  // the channel, after the pattern
    const size_t end = frame.find('\r', at);
    events.push_back(frame.substr(at + 15, end - at - 15));
  }
  EXPECT_THAT(events,
              ::testing::ElementsAre("sortstore", "zrangestore", "rpop", "del", "zpopmin", "del"));
}

TEST(AclTest, OpenCacheHasRedisDefaultUser) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"ACL", "WHOAMI"}), "$7\r\ndefault\r\n");
  EXPECT_EQ(h.Run({"ACL", "USERS"}), "*1\r\n$7\r\ndefault\r\n");
  EXPECT_EQ(h.Run({"ACL", "LIST"}), "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n");
  EXPECT_EQ(h.Run({"ACL", "GETUSER", "nobody"}), "$-1\r\n");
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"ACL", "GETUSER", "default"}),
            "%6\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$6\r\nnopass\r\n$9\r\npasswords\r\n*0\r\n"
            "$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n$8\r\nchannels\r\n$2\r\n&*"
            "\r\n$9\r\nselectors\r\n*0\r\n");
  EXPECT_THAT(h.Run({"ACL", "CAT"}), StartsWith("*21\r\n$8\r\nkeyspace\r\n$4\r\nread\r\n"));
  EXPECT_EQ(h.Run({"ACL", "CAT", "nosuch"}), "-ERR Unknown category 'nosuch'\r\n");
  EXPECT_THAT(h.Run({"ACL", "CAT", "blocking"}), HasSubstr("$6\r\nblmpop\r\n"));
  EXPECT_EQ(h.Run({"ACL", "GENPASS", "5"}).size(), std::string("$2\r\nxx\r\n").size());
  EXPECT_EQ(h.Run({"ACL", "GENPASS", "0"}),
            "-ERR ACL GENPASS argument must be the number of bits for the output password, a "
            "positive number up to 4096\r\n");
  EXPECT_EQ(h.Run({"ACL", "WHOAMI", "x"}),
            "-ERR wrong number of arguments for 'acl|whoami' command\r\n");
  EXPECT_THAT(h.Run({"ACL", "SETUSER", "bob", "on"}),
              StartsWith("-ERR users are managed through AIO's auth API (/api/auth/users"));
  EXPECT_EQ(h.Run({"ACL", "FOO"}), "-ERR unknown subcommand 'FOO'. Try ACL HELP.\r\n");
}

TEST(AclTest, ShowsAioUsersAsRedisRules) {
  CacheHarness h;
  h.cache.set_acl_users([] {
    return std::vector<AclUser>{
        AclUser{.name = "admin", .admin = true},
        AclUser{.name = "app",
                .enabled = false,
                .keys = {{"app:*", true, true}, {"ro:*", true, false}, {"wo:*", false, true}}}};
  });
  EXPECT_EQ(h.Run({"ACL", "USERS"}), "*2\r\n$5\r\nadmin\r\n$3\r\napp\r\n");
  EXPECT_EQ(h.Run({"ACL", "LIST"}),
            "*2\r\n$25\r\nuser admin on ~* &* +@all\r\n"
            "$64\r\nuser app off ~app:* %R~ro:* %W~wo:* &* +@all -@admin -@dangerous\r\n");
  EXPECT_EQ(h.Run({"ACL", "GETUSER", "app"}),
            "*12\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$9\r\npasswords\r\n*0\r\n$8\r\ncommands\r\n"
            "$25\r\n+@all -@admin -@dangerous\r\n$4\r\nkeys\r\n$22\r\n~app:* %R~ro:* %W~wo:*\r\n"
            "$8\r\nchannels\r\n$2\r\n&*\r\n$9\r\nselectors\r\n*0\r\n");
}

}  // namespace
}  // namespace aio::cache
