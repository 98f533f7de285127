#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

constexpr char kWrongType[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

TEST(HashFamilyTest, FieldsCountersAndErrors) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2"}), ":2\r\n");
  EXPECT_EQ(h.Run({"HSET", "h", "a", "3"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "a"}), "$1\r\n3\r\n");
  EXPECT_EQ(h.Run({"HMGET", "h", "a", "x"}), "*2\r\n$1\r\n3\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"HSETNX", "h", "a", "9"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "b", "5"}), ":7\r\n");
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "b", "0.5"}), "$3\r\n7.5\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "b", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(h.Run({"HLEN", "h"}), ":2\r\n");
  EXPECT_EQ(h.Run({"HSTRLEN", "h", "b"}), ":3\r\n");
  EXPECT_EQ(h.Run({"HEXISTS", "h", "zz"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HDEL", "h", "a", "b", "c"}), ":2\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "h"}), ":0\r\n");  // emptied aggregates are deleted
  EXPECT_EQ(h.Run({"HSET", "h", "a"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  h.Run({"SET", "s", "v"});
  EXPECT_EQ(h.Run({"HGET", "s", "a"}), kWrongType);
}

TEST(ListFamilyTest, PushPopRangeAndEdit) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(h.Run({"LPUSH", "l", "z"}), ":4\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}),
            "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "l", "-1"}), "$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LSET", "l", "9", "x"}), "-ERR index out of range\r\n");
  EXPECT_EQ(h.Run({"LSET", "nolist", "0", "x"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"LINSERT", "l", "BEFORE", "b", "q"}), ":5\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "b"}), ":3\r\n");
  EXPECT_EQ(h.Run({"LREM", "l", "0", "q"}), ":1\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "2"}), "*2\r\n$1\r\nz\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"RPOP", "l"}), "$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LMOVE", "l", "m", "LEFT", "RIGHT"}), "$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "1"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"LPUSHX", "l", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"RPUSH", "t", "1", "2", "3", "4"}), ":4\r\n");
  EXPECT_EQ(h.Run({"LTRIM", "t", "1", "2"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "t", "0", "-1"}), "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
}

TEST(SetFamilyTest, MembersAndAlgebra) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"SADD", "a", "1", "2", "3", "3"}), ":3\r\n");
  EXPECT_EQ(h.Run({"SADD", "b", "2", "3", "4"}), ":3\r\n");
  EXPECT_EQ(h.Run({"SCARD", "a"}), ":3\r\n");
  EXPECT_EQ(h.Run({"SISMEMBER", "a", "2"}), ":1\r\n");
  EXPECT_EQ(h.Run({"SMISMEMBER", "a", "2", "9"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(h.Run({"SINTERSTORE", "i", "a", "b"}), ":2\r\n");
  EXPECT_EQ(h.Run({"SUNIONSTORE", "u", "a", "b"}), ":4\r\n");
  EXPECT_EQ(h.Run({"SDIFF", "a", "b"}), "*1\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"SMOVE", "a", "b", "1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"SREM", "b", "1", "2", "3", "4"}), ":4\r\n");
  EXPECT_EQ(h.Run({"TYPE", "b"}), "+none\r\n");
  EXPECT_EQ(h.Run({"SPOP", "i", "5"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "i"}), ":0\r\n");
}

TEST(ZSetFamilyTest, ScoresRanksAndRanges) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}), ":3\r\n");
  EXPECT_EQ(h.Run({"ZADD", "z", "XX", "CH", "5", "a", "9", "new"}), ":1\r\n");
  EXPECT_EQ(h.Run({"ZADD", "z", "GT", "1", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"ZADD", "z", "NX", "XX", "1", "a"}),
            "-ERR XX and NX options at the same time are not compatible\r\n");
  EXPECT_EQ(h.Run({"ZADD", "z", "x", "a"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "z", "a"}), "$1\r\n5\r\n");
  EXPECT_EQ(h.Run({"ZINCRBY", "z", "0.5", "b"}), "$3\r\n2.5\r\n");
  EXPECT_EQ(h.Run({"ZRANK", "z", "a"}), ":2\r\n");
  EXPECT_EQ(h.Run({"ZREVRANK", "z", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1"}), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "0", "WITHSCORES"}), "*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
  EXPECT_EQ(h.Run({"ZRANGEBYSCORE", "z", "(2.5", "+inf"}), "*2\r\n$1\r\nc\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "0", "1"}),
            "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "z", "5", "3", "BYSCORE", "REV"}), "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"ZREVRANGE", "z", "0", "0"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(h.Run({"ZCOUNT", "z", "-inf", "(5"}), ":2\r\n");
  EXPECT_EQ(h.Run({"ZRANGEBYSCORE", "z", "x", "1"}), "-ERR min or max is not a float\r\n");
  EXPECT_EQ(h.Run({"ZPOPMIN", "z"}), "*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
  EXPECT_EQ(h.Run({"ZCARD", "z"}), ":2\r\n");
  h.Run({"ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"});
  EXPECT_EQ(h.Run({"ZRANGEBYLEX", "lex", "(a", "[c"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"ZLEXCOUNT", "lex", "-", "+"}), ":4\r\n");
  EXPECT_EQ(h.Run({"ZREMRANGEBYLEX", "lex", "[a", "(c"}), ":2\r\n");
  EXPECT_EQ(h.Run({"ZREMRANGEBYRANK", "lex", "0", "0"}), ":1\r\n");
  h.Run({"ZADD", "z2", "1", "c", "10", "x"});
  EXPECT_EQ(h.Run({"ZUNIONSTORE", "out", "2", "z", "z2", "WEIGHTS", "1", "2"}), ":3\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "out", "c"}), "$1\r\n5\r\n");
  EXPECT_EQ(h.Run({"ZINTERSTORE", "out", "2", "z", "z2", "AGGREGATE", "MAX"}), ":1\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "out", "c"}), "$1\r\n3\r\n");
}

}  // namespace
}  // namespace aio::cache
