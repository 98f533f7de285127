// Stream commands through the in-process harness: replies and error texts as redis-server 7.0.15
// gives them (checked with redis-cli against it).
#include <filesystem>
#include <string>
#include <vector>

#include "cache/cache_test_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kInvalidId[] = "-ERR Invalid stream ID specified as stream command argument\r\n";
constexpr char kTopItem[] =
    "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n";

// "*2\r\n$<n>\r\n<id>\r\n*<2k>\r\n..." for one entry.
std::string Entry(const std::string& id, const std::vector<std::string>& fields) {
  std::string out = "*2\r\n$" + std::to_string(id.size()) + "\r\n" + id + "\r\n*" +
                    std::to_string(fields.size()) + "\r\n";
  for (const std::string& f : fields) out += "$" + std::to_string(f.size()) + "\r\n" + f + "\r\n";
  return out;
}

TEST(StreamFamilyTest, XAddIdsAndErrors) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"XADD", "s", "5-1", "a", "1"}), "$3\r\n5-1\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "5-1", "a", "1"}), kTopItem);
  EXPECT_EQ(h.Run({"XADD", "s", "4", "a", "1"}), kTopItem);
  EXPECT_EQ(h.Run({"XADD", "s", "0-0", "a", "1"}),
            "-ERR The ID specified in XADD must be greater than 0-0\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "5-*", "a", "1"}), "$3\r\n5-2\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "7-*", "a", "1"}), "$3\r\n7-0\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "0-*", "a", "1"}), kTopItem);
  EXPECT_EQ(h.Run({"XADD", "s", "abc", "a", "1"}), kInvalidId);
  EXPECT_EQ(h.Run({"XADD", "s", "1-x", "a", "1"}), kInvalidId);
  EXPECT_EQ(h.Run({"XADD", "s", "-", "a", "1"}), kInvalidId);
  EXPECT_EQ(h.Run({"XADD", "s", "9", "a"}),
            "-ERR wrong number of arguments for 'xadd' command\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "MAXLEN", "-1", "*", "a", "1"}),
            "-ERR The MAXLEN argument must be >= 0.\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "LIMIT", "5", "*", "a", "1"}),
            "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "MAXLEN", "1", "LIMIT", "5", "*", "a", "1"}),
            "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "MAXLEN", "1", "MINID", "0", "*", "a", "1"}),
            "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n");
  EXPECT_EQ(h.Run({"XLEN", "s"}), ":3\r\n");  // nothing stored by the failed ones
  // `*` takes the clock, or the last ID's sequence + 1 when the clock is behind.
  EXPECT_EQ(h.Run({"XADD", "t", "99999999999999-5", "a", "1"}), "$16\r\n99999999999999-5\r\n");
  EXPECT_EQ(h.Run({"XADD", "t", "*", "a", "1"}), "$16\r\n99999999999999-6\r\n");
  EXPECT_THAT(h.Run({"XADD", "n", "*", "a", "1"}), ::testing::EndsWith("-0\r\n"));
  // NOMKSTREAM on a missing key: null, nothing created.
  EXPECT_EQ(h.Run({"XADD", "none", "NOMKSTREAM", "*", "a", "1"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "none"}), ":0\r\n");
  h.Run({"SET", "str", "v"});
  EXPECT_THAT(h.Run({"XADD", "str", "*", "a", "1"}), StartsWith("-WRONGTYPE"));
}

TEST(StreamFamilyTest, IdOverflow) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"XADD", "s", "18446744073709551615-18446744073709551614", "a", "1"}),
            "$41\r\n18446744073709551615-18446744073709551614\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "18446744073709551616-0", "a", "1"}), kInvalidId);
  EXPECT_EQ(h.Run({"XADD", "s", "*", "a", "1"}),
            "$41\r\n18446744073709551615-18446744073709551615\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "*", "a", "1"}),
            "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n");
  // ms-* with the sequence exhausted.
  EXPECT_EQ(h.Run({"XADD", "q", "5-18446744073709551615", "a", "1"}),
            "$22\r\n5-18446744073709551615\r\n");
  EXPECT_EQ(h.Run({"XADD", "q", "5-*", "a", "1"}), kTopItem);
  EXPECT_EQ(h.Run({"XADD", "q", "6-*", "a", "1"}), "$3\r\n6-0\r\n");
}

TEST(StreamFamilyTest, RangesAndDelete) {
  CacheHarness h;
  for (const char* id : {"1-1", "1-2", "2-0", "3-5"}) h.Run({"XADD", "s", id, "f", id});
  EXPECT_EQ(h.Run({"XRANGE", "s", "-", "+", "COUNT", "2"}),
            "*2\r\n" + Entry("1-1", {"f", "1-1"}) + Entry("1-2", {"f", "1-2"}));
  EXPECT_EQ(h.Run({"XRANGE", "s", "(1-2", "2"}), "*1\r\n" + Entry("2-0", {"f", "2-0"}));
  EXPECT_EQ(h.Run({"XRANGE", "s", "1", "1"}),
            "*2\r\n" + Entry("1-1", {"f", "1-1"}) + Entry("1-2", {"f", "1-2"}));
  EXPECT_EQ(h.Run({"XREVRANGE", "s", "+", "(1-2", "COUNT", "1"}),
            "*1\r\n" + Entry("3-5", {"f", "3-5"}));
  EXPECT_EQ(h.Run({"XRANGE", "s", "3", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "s", "-", "+", "COUNT", "0"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "nokey", "-", "+"}), "*0\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "s", "(-", "+"}), kInvalidId);
  EXPECT_EQ(h.Run({"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}),
            "-ERR invalid start ID for the interval\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "s", "-", "(0-0"}), "-ERR invalid end ID for the interval\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "s", "-", "+", "LIMIT", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"XDEL", "s", "1-2", "9-9", "bad"}), kInvalidId);
  EXPECT_EQ(h.Run({"XDEL", "s", "1-2", "9-9"}), ":1\r\n");
  EXPECT_EQ(h.Run({"XDEL", "s", "1-1", "2-0", "3-5"}), ":3\r\n");
  // An emptied stream stays, with its counters.
  EXPECT_EQ(h.Run({"XLEN", "s"}), ":0\r\n");
  EXPECT_EQ(h.Run({"TYPE", "s"}), "+stream\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "3-5", "a", "1"}), kTopItem);
}

TEST(StreamFamilyTest, Trimming) {
  CacheHarness h;
  for (int i = 1; i <= 250; ++i) h.Run({"XADD", "s", std::to_string(i), "f", "v"});
  // ~ removes whole 100-entry nodes only (the counts are redis-server's for the same calls).
  EXPECT_EQ(h.Run({"XTRIM", "s", "MAXLEN", "~", "120"}), ":100\r\n");
  EXPECT_EQ(h.Run({"XTRIM", "s", "MAXLEN", "~", "100", "LIMIT", "10"}), ":0\r\n");
  EXPECT_EQ(h.Run({"XTRIM", "s", "MAXLEN", "=", "100"}), ":50\r\n");
  EXPECT_EQ(h.Run({"XTRIM", "s", "MINID", "211"}), ":60\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "s", "-", "-"}), "*0\r\n");
  EXPECT_EQ(h.Run({"XRANGE", "s", "-", "+", "COUNT", "1"}), "*1\r\n" + Entry("211-0", {"f", "v"}));
  EXPECT_EQ(h.Run({"XLEN", "s"}), ":40\r\n");
  EXPECT_EQ(h.Run({"XADD", "s", "MAXLEN", "2", "*", "f", "v"}),
            h.Run({"XADD", "x", "*", "f", "v"}));
  EXPECT_EQ(h.Run({"XLEN", "s"}), ":2\r\n");
  EXPECT_EQ(h.Run({"XTRIM", "s", "LIMIT", "1"}),
            "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n");
  EXPECT_EQ(h.Run({"XTRIM", "s", "FOO", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"XTRIM", "nokey", "MAXLEN", "0"}), ":0\r\n");
  // A last, partly filled node goes whole too.
  h.Run({"XADD", "one", "1-0", "f", "v"});
  EXPECT_EQ(h.Run({"XTRIM", "one", "MAXLEN", "~", "0"}), ":1\r\n");
}

TEST(StreamFamilyTest, XSetIdAndInfo) {
  CacheHarness h;
  h.Run({"XADD", "s", "1-1", "a", "1"});
  h.Run({"XADD", "s", "2-1", "b", "2"});
  EXPECT_EQ(h.Run({"XSETID", "s", "1-1"}),
            "-ERR The ID specified in XSETID is smaller than the target stream top item\r\n");
  EXPECT_EQ(h.Run({"XSETID", "nokey", "1-1"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"XSETID", "s", "9-9", "ENTRIESADDED", "1"}),
            "-ERR The entries_added specified in XSETID is smaller than the target stream "
            "length\r\n");
  EXPECT_EQ(h.Run({"XSETID", "s", "9-9", "MAXDELETEDID", "10-0"}),
            "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
            "\r\n");
  EXPECT_EQ(h.Run({"XSETID", "s", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "1-5"}), "+OK\r\n");
  // An empty stream takes any ID, even below its max deleted ID (redis-server 7.0.15).
  h.Run({"XADD", "z", "5-0", "a", "1"});
  h.Run({"XDEL", "z", "5-0"});
  EXPECT_EQ(h.Run({"XSETID", "z", "1-0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"XINFO", "STREAM", "s"}),
            "*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes"
            "\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n9-9\r\n$20\r\nmax-deleted-entry-id\r\n"
            "$3\r\n1-5\r\n$13\r\nentries-added\r\n:7\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n"
            "1-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n" +
                Entry("1-1", {"a", "1"}) + "$10\r\nlast-entry\r\n" + Entry("2-1", {"b", "2"}));
  EXPECT_EQ(h.Run({"XINFO", "STREAM", "s", "FULL", "COUNT"}),
            "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO "
            "HELP.\r\n");
  EXPECT_EQ(h.Run({"XINFO", "STREAM", "nokey"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"XINFO", "FOO", "s"}), "-ERR unknown subcommand 'FOO'. Try XINFO HELP.\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), "$6\r\nstream\r\n");
  EXPECT_THAT(h.Run({"SCAN", "0", "TYPE", "stream"}), HasSubstr("$1\r\ns\r\n"));
}

TEST(StreamFamilyTest, XReadAndBlocking) {
  CacheHarness h;
  h.Run({"XADD", "a", "1-1", "f", "1"});
  h.Run({"XADD", "a", "2-1", "f", "2"});
  EXPECT_EQ(h.Run({"XREAD", "COUNT", "1", "STREAMS", "a", "b", "1-1", "0"}),
            "*1\r\n*2\r\n$1\r\na\r\n*1\r\n" + Entry("2-1", {"f", "2"}));
  EXPECT_EQ(h.Run({"XREAD", "STREAMS", "a", "$"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"XREAD", "STREAMS", "a", "b", "0"}),
            "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.\r\n");
  EXPECT_EQ(h.Run({"XREAD", "STREAMS", "a", ">"}),
            "-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.\r\n");
  EXPECT_EQ(h.Run({"XREAD", "BLOCK", "-1", "STREAMS", "a", "0"}), "-ERR timeout is negative\r\n");
  // RESP3: a map of key -> entries.
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"XREAD", "STREAMS", "a", "2-0"}),
            "%1\r\n$1\r\na\r\n*1\r\n" + Entry("2-1", {"f", "2"}));
  h.Run({"HELLO", "2"});

  // BLOCK with $: an XADD from another client wakes it; the new entry only is returned.
  TestClient* reader = h.NewClient();
  EXPECT_EQ(h.Run({"XREAD", "BLOCK", "0", "STREAMS", "a", "$"}, reader), "");
  EXPECT_EQ(h.last_outcome(), Cache::Outcome::kBlocked);
  h.Run({"XADD", "a", "3-1", "f", "3"});
  EXPECT_EQ(reader->wakes, 1);
  EXPECT_EQ(h.Run({"XREAD", "BLOCK", "0", "STREAMS", "a", "$"}, reader),
            "*1\r\n*2\r\n$1\r\na\r\n*1\r\n" + Entry("3-1", {"f", "3"}));
  // Inside MULTI XREAD BLOCK never blocks.
  h.Run({"MULTI"});
  h.Run({"XREAD", "BLOCK", "0", "STREAMS", "a", "$"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n*-1\r\n");
}

TEST(StreamFamilyTest, ConsumerGroupFlow) {
  CacheHarness h;
  EXPECT_THAT(h.Run({"XGROUP", "CREATE", "s", "g", "0"}),
              StartsWith("-ERR The XGROUP subcommand requires the key to exist."));
  EXPECT_EQ(h.Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "CREATE", "s", "g", "0"}),
            "-BUSYGROUP Consumer Group name already exists\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "SETID", "s", "nog", "0"}),
            "-NOGROUP No such consumer group 'nog' for key name 's'\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "CREATE", "s"}),
            "-ERR wrong number of arguments for 'xgroup|create' command\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "FOO", "s"}), "-ERR unknown subcommand 'FOO'. Try XGROUP HELP.\r\n");
  for (const char* id : {"1-0", "2-0", "3-0"}) h.Run({"XADD", "s", id, "f", id});
  EXPECT_EQ(h.Run({"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"}),
            "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n");
  EXPECT_EQ(
      h.Run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"}),
      "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n" + Entry("1-0", {"f", "1-0"}) + Entry("2-0", {"f", "2-0"}));
  EXPECT_EQ(h.Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}),
            "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n" + Entry("3-0", {"f", "3-0"}));
  EXPECT_EQ(h.Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"XPENDING", "s", "g"}),
            "*4\r\n:3\r\n$3\r\n1-0\r\n$3\r\n3-0\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n2\r\n*2\r\n"
            "$3\r\nbob\r\n$1\r\n1\r\n");
  // History: alice's pending entries, delivered once more.
  EXPECT_EQ(
      h.Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}),
      "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n" + Entry("1-0", {"f", "1-0"}) + Entry("2-0", {"f", "2-0"}));
  EXPECT_THAT(h.Run({"XPENDING", "s", "g", "-", "+", "10", "alice"}),
              HasSubstr("$3\r\n1-0\r\n$5\r\nalice\r\n"));
  EXPECT_EQ(h.Run({"XACK", "s", "g", "1-0", "9-0"}), ":1\r\n");
  EXPECT_EQ(h.Run({"XACK", "s", "g", "bad"}), kInvalidId);
  // Claim bob's entry for alice, then delete an entry and auto-claim: it is reported deleted.
  EXPECT_EQ(h.Run({"XCLAIM", "s", "g", "alice", "0", "3-0", "JUSTID"}), "*1\r\n$3\r\n3-0\r\n");
  EXPECT_EQ(h.Run({"XPENDING", "s", "g"}),
            "*4\r\n:2\r\n$3\r\n2-0\r\n$3\r\n3-0\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n2\r\n");
  h.Run({"XDEL", "s", "2-0"});
  EXPECT_EQ(h.Run({"XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "10"}),
            "*3\r\n$3\r\n0-0\r\n*1\r\n" + Entry("3-0", {"f", "3-0"}) + "*1\r\n$3\r\n2-0\r\n");
  EXPECT_EQ(h.Run({"XPENDING", "s", "g", "-", "+", "10"}),
            "*1\r\n*4\r\n$3\r\n3-0\r\n$3\r\nbob\r\n:0\r\n:2\r\n");
  EXPECT_EQ(h.Run({"XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "0"}),
            "-ERR COUNT must be > 0\r\n");
  EXPECT_EQ(h.Run({"XCLAIM", "s", "g", "c", "0", "0", "bogus"}),
            "-ERR Unrecognized XCLAIM option 'bogus'\r\n");
  EXPECT_EQ(h.Run({"XPENDING", "s", "nog"}),
            "-NOGROUP No such key 's' or consumer group 'nog'\r\n");
  EXPECT_EQ(h.Run({"XINFO", "GROUPS", "s"}),
            "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:1"
            "\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag"
            "\r\n:0\r\n");
  EXPECT_THAT(h.Run({"XINFO", "CONSUMERS", "s", "g"}),
              StartsWith("*2\r\n*6\r\n$4\r\nname\r\n$5\r\nalice\r\n$7\r\npending\r\n:0\r\n"));
  EXPECT_EQ(h.Run({"XGROUP", "CREATECONSUMER", "s", "g", "carol"}), ":1\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "CREATECONSUMER", "s", "g", "carol"}), ":0\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "DELCONSUMER", "s", "g", "bob"}), ":1\r\n");
  EXPECT_EQ(h.Run({"XPENDING", "s", "g"}), "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "DESTROY", "s", "g"}), ":1\r\n");
  EXPECT_EQ(h.Run({"XGROUP", "DESTROY", "s", "g"}), ":0\r\n");
}

TEST(StreamFamilyTest, XInfoFullShowsPels) {
  CacheHarness h;
  h.Run({"XADD", "s", "1-0", "f", "v"});
  h.Run({"XADD", "s", "2-0", "f", "w"});
  h.Run({"XGROUP", "CREATE", "s", "g", "0"});
  h.Run({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"});
  const std::string full = h.Run({"XINFO", "STREAM", "s", "FULL", "COUNT", "1"});
  EXPECT_THAT(full, HasSubstr("$7\r\nentries\r\n*1\r\n" + Entry("1-0", {"f", "v"}) + "$6\r\n"));
  // The group's PEL: [id, consumer, delivery time, count]; the consumer's: [id, time, count].
  EXPECT_THAT(full, HasSubstr("$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n$9\r\npel-count"
                              "\r\n:1\r\n$7\r\npending\r\n*1\r\n*4\r\n$3\r\n1-0\r\n$1\r\nc\r\n:"));
  EXPECT_THAT(full, HasSubstr("$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n1-0"
                              "\r\n:"));
}

TEST(StreamFamilyTest, BlockedGroupReaderIsServed) {
  CacheHarness h;
  h.Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  TestClient* reader = h.NewClient();
  EXPECT_EQ(h.Run({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}, reader),
            "");
  h.Run({"XADD", "s", "1-0", "f", "v"});
  EXPECT_EQ(reader->wakes, 1);
  EXPECT_EQ(h.Run({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}, reader),
            "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n" + Entry("1-0", {"f", "v"}));
  EXPECT_EQ(h.Run({"XPENDING", "s", "g"}),
            "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n");
}

TEST(StreamFamilyTest, GenericCommandsAndMemory) {
  CacheHarness h;
  const int64_t before = h.cache.keyspace().UsedMemory();
  h.Run({"XADD", "s", "1-0", "field", std::string(1000, 'x')});
  h.Run({"XGROUP", "CREATE", "s", "g", "0"});
  const int64_t with_group = h.cache.keyspace().UsedMemory();
  EXPECT_GT(with_group, before + 1000);
  // Consumers and pending entries are charged, and given back by XACK.
  h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  EXPECT_GT(h.cache.keyspace().UsedMemory(), with_group);
  h.Run({"XACK", "s", "g", "1-0"});
  h.Run({"XGROUP", "DELCONSUMER", "s", "g", "c"});
  EXPECT_EQ(h.cache.keyspace().UsedMemory(), with_group);
  EXPECT_EQ(h.Run({"COPY", "s", "c"}), ":1\r\n");
  EXPECT_EQ(h.Run({"RENAME", "c", "d"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"XLEN", "d"}), ":1\r\n");
  EXPECT_THAT(h.Run({"XINFO", "GROUPS", "d"}), HasSubstr("$1\r\ng\r\n"));
  EXPECT_EQ(h.Run({"DEL", "s", "d"}), ":2\r\n");
  EXPECT_EQ(h.cache.keyspace().UsedMemory(), before);
}

TEST(StreamFamilyTest, Notifications) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"CONFIG", "SET", "notify-keyspace-events", "Et"}), "+OK\r\n");
  TestClient* sub = h.NewClient();
  h.Run({"PSUBSCRIBE", "__keyevent@0__:*"}, sub);
  h.Run({"XADD", "s", "MAXLEN", "0", "1-0", "f", "v"});
  h.Run({"XGROUP", "CREATE", "s", "g", "0"});
  h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  std::string events;
  for (const std::string& m : sub->delivered) events += m;
  for (const char* e : {"xadd", "xtrim", "xgroup-create"})
    EXPECT_THAT(events, HasSubstr(std::string("__keyevent@0__:") + e)) << e;
  EXPECT_EQ(h.Run({"CONFIG", "GET", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\ntE\r\n");
}

TEST(StreamFamilyTest, SnapshotRoundTrip) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "aio_stream_snapshot_test.snap").string();
  std::string before;
  {
    CacheOptions options;
    options.snapshot_path = path;
    CacheHarness h(options);
    h.Run({"XADD", "s", "1-0", "a", "1", "b", "2"});
    h.Run({"XADD", "s", "2-0", "c", "3"});
    h.Run({"XDEL", "s", "1-0"});
    h.Run({"XGROUP", "CREATE", "s", "g", "0"});
    h.Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
    h.Run({"XGROUP", "CREATE", "s", "empty", "$"});
    before = h.Run({"XINFO", "STREAM", "s", "FULL"});
    ASSERT_EQ(h.Run({"SAVE"}), "+OK\r\n");
  }
  CacheOptions options;
  options.snapshot_path = path;
  CacheHarness h(options);
  ASSERT_TRUE(h.cache.LoadSnapshot().ok());
  // seen-time and delivery times are absolute: the FULL reply is identical.
  EXPECT_EQ(h.Run({"XINFO", "STREAM", "s", "FULL"}), before);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace aio::cache
