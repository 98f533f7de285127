#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

using ::testing::HasSubstr;

TEST(ServerFamilyTest, PingEchoAndErrorsWithRedisTexts) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(h.Run({"ping", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(h.Run({"ECHO", "x"}), "$1\r\nx\r\n");
  EXPECT_EQ(h.Run({"NOSUCH", "a", "b"}),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(h.Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "NOPE"}), "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
}

TEST(ServerFamilyTest, SelectIsolatesDatabases) {
  CacheHarness h;
  h.Run({"SET", "k", "zero"});
  EXPECT_EQ(h.Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h.Run({"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
  h.Run({"SELECT", "0"});
  EXPECT_EQ(h.Run({"GET", "k"}), "$4\r\nzero\r\n");
  EXPECT_EQ(h.Run({"SWAPDB", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
}

TEST(ServerFamilyTest, HelloSwitchesToResp3) {
  CacheHarness h;
  const std::string reply = h.Run({"HELLO", "3"});
  EXPECT_EQ(reply.substr(0, 4), "%7\r\n");
  EXPECT_THAT(reply, HasSubstr("$5\r\nproto\r\n:3\r\n"));
  EXPECT_EQ(h.Run({"GET", "missing"}), "_\r\n");
  h.Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(h.Run({"HGETALL", "h"}), "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(h.Run({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
}

TEST(ServerFamilyTest, AuthWithoutPasswordConfiguredAnswersAsRedis) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"AUTH", "secret"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(h.Run({"AUTH", "default", "anything"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"AUTH", "alice", "pw"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
}

// What a front-end checks off its I/O thread before running AUTH / HELLO AUTH.
TEST(ServerFamilyTest, PasswordRequestOfFindsAuthAndHelloCredentials) {
  auto of = [](std::vector<std::string_view> args) -> std::string {
    std::optional<PasswordRequest> request = PasswordRequestOf(args);
    if (!request.has_value()) return "none";
    return std::string(request->user) + "/" + std::string(request->password);
  };
  EXPECT_EQ(of({"AUTH", "pw"}), "default/pw");
  EXPECT_EQ(of({"auth", "alice", "pw"}), "alice/pw");
  EXPECT_EQ(of({"AUTH", "a", "b", "c"}), "none");
  EXPECT_EQ(of({"HELLO", "3", "AUTH", "alice", "pw"}), "alice/pw");
  EXPECT_EQ(of({"hello", "2", "SETNAME", "n", "auth", "alice", "pw"}), "alice/pw");
  EXPECT_EQ(of({"HELLO", "3"}), "none");
  EXPECT_EQ(of({"HELLO", "3", "AUTH", "alice"}), "none");
  EXPECT_EQ(of({"GET", "AUTH"}), "none");
}

TEST(ServerFamilyTest, ConfigGetSetAndFlush) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"CONFIG", "SET", "maxmemory", "1mb"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n");
  EXPECT_EQ(h.Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), "+OK\r\n");
  EXPECT_THAT(
      h.Run({"CONFIG", "SET", "maxmemory-policy", "bogus"}),
      HasSubstr("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "nosuch", "1"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  h.Run({"SET", "a", "1"});
  h.Run({"SELECT", "2"});
  h.Run({"SET", "b", "1"});
  EXPECT_EQ(h.Run({"FLUSHDB"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
  h.Run({"SELECT", "0"});
  EXPECT_EQ(h.Run({"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(h.Run({"FLUSHALL", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
}

TEST(ServerFamilyTest, InfoReportsKeyspaceStatsAndCommandstats) {
  CacheHarness h;
  h.Run({"SET", "k", "v"});
  h.Run({"GET", "k"});
  h.Run({"GET", "nope"});
  const std::string info = h.Run({"INFO", "everything"});
  EXPECT_THAT(info, HasSubstr("db0:keys=1,expires=0"));
  EXPECT_THAT(info, HasSubstr("keyspace_hits:1\r\n"));
  EXPECT_THAT(info, HasSubstr("keyspace_misses:1\r\n"));
  EXPECT_THAT(info, HasSubstr("cmdstat_get:calls=2"));
  EXPECT_THAT(info, HasSubstr("used_memory:"));
}

TEST(ServerFamilyTest, CommandCountAndInfo) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "COUNT"}), ":" + std::to_string(CommandTable().size()) + "\r\n");
  EXPECT_THAT(h.Run({"COMMAND", "INFO", "get"}), HasSubstr("$3\r\nget\r\n:2\r\n"));
}

TEST(ServerFamilyTest, ClientNameAndId) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "SETNAME", "worker"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), "$6\r\nworker\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "ID"}), ":" + std::to_string(h.client->id) + "\r\n");
  EXPECT_THAT(h.Run({"CLIENT", "LIST"}), HasSubstr("name=worker"));
}

}  // namespace
}  // namespace aio::cache
