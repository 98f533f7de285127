#include <set>

#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

TEST(StringFamilyTest, SetOptions) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "v1", "NX"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v2", "NX"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v3", "XX", "GET"}), "$2\r\nv1\r\n");
  EXPECT_EQ(h.Run({"SET", "other", "v", "XX"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"TTL", "k"}), ":100\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "w", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"TTL", "k"}), ":100\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "w"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "1", "PX", "1"}), "-ERR syntax error\r\n");
}

TEST(StringFamilyTest, CountersAndTheirErrors) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(h.Run({"INCRBY", "n", "10"}), ":11\r\n");
  EXPECT_EQ(h.Run({"DECRBY", "n", "20"}), ":-9\r\n");
  EXPECT_EQ(h.Run({"DECR", "n"}), ":-10\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "1.5"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "0.25"}), "$4\r\n1.75\r\n");
  h.Run({"SET", "s", "abc"});
  EXPECT_EQ(h.Run({"INCR", "s"}), "-ERR value is not an integer or out of range\r\n");
  h.Run({"SET", "max", "9223372036854775807"});
  EXPECT_EQ(h.Run({"INCR", "max"}), "-ERR increment or decrement would overflow\r\n");
  h.Run({"LPUSH", "list", "a"});
  EXPECT_EQ(h.Run({"INCR", "list"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"GET", "list"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST(StringFamilyTest, MultiKeyAndRanges) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"MSET", "a", "1", "b", "2"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"MSET", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(h.Run({"MGET", "a", "x", "b"}), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(h.Run({"MSETNX", "a", "9", "c", "3"}), ":0\r\n");
  EXPECT_EQ(h.Run({"MSETNX", "c", "3", "d", "4"}), ":1\r\n");
  h.Run({"SET", "s", "Hello World"});
  EXPECT_EQ(h.Run({"GETRANGE", "s", "0", "4"}), "$5\r\nHello\r\n");
  EXPECT_EQ(h.Run({"GETRANGE", "s", "-5", "-1"}), "$5\r\nWorld\r\n");
  EXPECT_EQ(h.Run({"SETRANGE", "s", "6", "Redis"}), ":11\r\n");
  EXPECT_EQ(h.Run({"GET", "s"}), "$11\r\nHello Redis\r\n");
  EXPECT_EQ(h.Run({"APPEND", "s", "!"}), ":12\r\n");
  EXPECT_EQ(h.Run({"STRLEN", "s"}), ":12\r\n");
  EXPECT_EQ(h.Run({"GETDEL", "s"}), "$12\r\nHello Redis!\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "s"}), ":0\r\n");
}

TEST(StringFamilyTest, Bits) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"SETBIT", "b", "7", "1"}), ":0\r\n");
  EXPECT_EQ(h.Run({"GETBIT", "b", "7"}), ":1\r\n");
  EXPECT_EQ(h.Run({"GET", "b"}), "$1\r\n\x01\r\n");
  h.Run({"SET", "f", "foobar"});
  EXPECT_EQ(h.Run({"BITCOUNT", "f"}), ":26\r\n");
  EXPECT_EQ(h.Run({"BITCOUNT", "f", "1", "1"}), ":6\r\n");
  h.Run({"SET", "p", std::string("\xff\xf0\x00", 3)});
  EXPECT_EQ(h.Run({"BITPOS", "p", "0"}), ":12\r\n");
  EXPECT_EQ(h.Run({"SETBIT", "b", "1", "2"}), "-ERR bit is not an integer or out of range\r\n");
}

TEST(StringFamilyTest, KeyCommands) {
  CacheHarness h;
  h.Run({"SET", "a", "1"});
  EXPECT_EQ(h.Run({"TYPE", "a"}), "+string\r\n");
  EXPECT_EQ(h.Run({"TYPE", "zz"}), "+none\r\n");
  EXPECT_EQ(h.Run({"RENAME", "zz", "b"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"RENAME", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "b"}), "$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"COPY", "b", "c"}), ":1\r\n");
  EXPECT_EQ(h.Run({"COPY", "b", "c"}), ":0\r\n");
  EXPECT_EQ(h.Run({"MOVE", "c", "3"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "b", "c", "b"}), ":2\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "b", "100", "NX"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "b", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "b", "50", "LT"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "b", "50", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(h.Run({"PERSIST", "b"}), ":1\r\n");
  EXPECT_EQ(h.Run({"TTL", "b"}), ":-1\r\n");
  EXPECT_EQ(h.Run({"TTL", "none"}), ":-2\r\n");
  EXPECT_EQ(h.Run({"KEYS", "*"}), "*1\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "b"}), "$3\r\nint\r\n");
  EXPECT_EQ(h.Run({"DEL", "b", "b"}), ":1\r\n");
  EXPECT_EQ(h.Run({"RANDOMKEY"}), "$-1\r\n");
}

// Rewrites reallocate a string's entry (its value is stored inline): the TTL and value survive.
TEST(StringFamilyTest, RewritesKeepTheTtlAndLongValuesRoundTrip) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"SET", "s", "ab", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"APPEND", "s", "cd"}), ":4\r\n");
  EXPECT_EQ(h.Run({"APPEND", "s", "ef"}), ":6\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), "$3\r\nraw\r\n");  // as Redis after APPEND
  EXPECT_EQ(h.Run({"SETRANGE", "s", "0", "X"}), ":6\r\n");
  EXPECT_EQ(h.Run({"GET", "s"}), "$6\r\nXbcdef\r\n");
  EXPECT_EQ(h.Run({"TTL", "s"}), ":100\r\n");
  EXPECT_EQ(h.Run({"SET", "n", "5", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"INCR", "n"}), ":6\r\n");
  EXPECT_EQ(h.Run({"TTL", "n"}), ":100\r\n");
  EXPECT_EQ(h.Run({"SETBIT", "n", "0", "1"}), ":0\r\n");
  EXPECT_EQ(h.Run({"GET", "n"}), "$1\r\n\xb6\r\n");
  EXPECT_EQ(h.Run({"TTL", "n"}), ":100\r\n");
  const std::string big(70000, 'v');
  EXPECT_EQ(h.Run({"SET", "big", big}), "+OK\r\n");
  EXPECT_EQ(h.Run({"STRLEN", "big"}), ":70000\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "big"}), "$3\r\nraw\r\n");
  EXPECT_EQ(h.Run({"SET", "s", "plain"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"TTL", "s"}), ":-1\r\n");
}

TEST(StringFamilyTest, ScanVisitsEveryKeyOnce) {
  CacheHarness h;
  for (int i = 0; i < 500; ++i) h.Run({"SET", "key:" + std::to_string(i), "v"});
  h.Run({"HSET", "hash", "f", "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    std::string out;
    protocol::resp::ReplyBuilder rb(&out);
    std::vector<std::string> args = {"SCAN", cursor, "MATCH", "key:*", "COUNT", "50"};
    std::vector<std::string_view> views(args.begin(), args.end());
    h.cache.Execute(*h.client, views, rb);
    // *2\r\n$N\r\n<cursor>\r\n*M\r\n($L\r\n<key>\r\n)*
    size_t pos = out.find("\r\n", 5);
    const size_t len_end = out.find("\r\n", 4);
    const int cursor_len = std::stoi(out.substr(5, len_end - 5));
    cursor = out.substr(len_end + 2, cursor_len);
    pos = out.find('*', len_end + 2 + cursor_len);
    size_t p = out.find("\r\n", pos) + 2;
    while (p < out.size()) {
      const size_t e = out.find("\r\n", p);
      const int n = std::stoi(out.substr(p + 1, e - p - 1));
      const std::string key = out.substr(e + 2, n);
      EXPECT_TRUE(seen.insert(key).second) << "seen twice: " << key;
      p = e + 2 + n + 2;
    }
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 500u);
}

}  // namespace
}  // namespace aio::cache
