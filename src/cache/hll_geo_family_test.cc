// HyperLogLog (PFADD PFCOUNT PFMERGE PFDEBUG) and GEO commands. Expected values are
// redis-server 7.0.15's replies for the same input.
#include <cmath>
#include <string>
#include <vector>

#include "cache/cache_test_harness.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::cache {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// PFADD key e<from> .. e<to - 1>, in batches of 1000.
void AddRange(CacheHarness& h, std::string_view key, int from, int to) {
  for (int start = from; start < to; start += 1000) {
    std::vector<std::string> args = {"PFADD", std::string(key)};
    for (int i = start; i < std::min(to, start + 1000); ++i) args.push_back(fmt::format("e{}", i));
    h.Run(args);
  }
}

int64_t IntReply(const std::string& reply) { return std::stoll(reply.substr(1)); }

std::string Bulk(std::string_view s) { return fmt::format("${}\r\n{}\r\n", s.size(), s); }

TEST(HllTest, EmptyHllIsRedisSparseBytes) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"PFADD", "h"}), ":1\r\n");
  EXPECT_EQ(h.Run({"PFADD", "h"}), ":0\r\n");
  EXPECT_EQ(h.Run({"TYPE", "h"}), "+string\r\n");
  const std::string empty("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff", 18);
  EXPECT_EQ(h.Run({"GET", "h"}), Bulk(empty));
  EXPECT_EQ(h.Run({"PFCOUNT", "h"}), ":0\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "nokey"}), ":0\r\n");
}

TEST(HllTest, PfAddReportsRegisterChangesAndCachesTheCount) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"PFADD", "h", "a", "b", "c"}), ":1\r\n");
  EXPECT_EQ(h.Run({"PFADD", "h", "a", "b"}), ":0\r\n");  // no register grew
  EXPECT_EQ(h.Run({"PFDEBUG", "DECODE", "h"}),
            Bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
  EXPECT_EQ(h.Run({"PFCOUNT", "h"}), ":3\r\n");
  // The count is cached in the header, little endian, valid bit clear (as redis-server's bytes).
  const std::string value = h.Run({"GET", "h"});
  EXPECT_EQ(value.substr(value.find('\n') + 1, 16),
            std::string("HYLL\x01\0\0\0\x03\0\0\0\0\0\0\0", 16));
  EXPECT_EQ(h.Run({"PFADD", "h", "d", "e", "f", "g"}), ":1\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "h"}), ":7\r\n");
}

TEST(HllTest, CountIsWithinStandardErrorAndMatchesRedis) {
  CacheHarness h;
  AddRange(h, "k1", 0, 1000);
  AddRange(h, "k100", 0, 100000);
  const int64_t small = IntReply(h.Run({"PFCOUNT", "k1"}));
  const int64_t large = IntReply(h.Run({"PFCOUNT", "k100"}));
  EXPECT_EQ(small, 1008);  // redis-server 7.0.15, same elements
  EXPECT_EQ(large, 100853);
  // 3 standard errors (0.81% each).
  EXPECT_LT(std::abs(small - 1000), 1000 * 0.0243);
  EXPECT_LT(std::abs(large - 100000), 100000 * 0.0243);
  EXPECT_EQ(h.Run({"PFCOUNT", "k1", "k100"}), ":100853\r\n");  // k1 is a subset of k100
}

TEST(HllTest, SparseTurnsDenseAtTheConfiguredSize) {
  CacheHarness h;
  AddRange(h, "k", 0, 1000);
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "k"}), "+sparse\r\n");
  AddRange(h, "k", 1000, 2000);
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "k"}), "+dense\r\n");
  EXPECT_EQ(h.Run({"STRLEN", "k"}), ":12304\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "k"}), ":2000\r\n");

  EXPECT_EQ(h.Run({"CONFIG", "SET", "hll-sparse-max-bytes", "100"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"CONFIG", "GET", "hll-sparse-max-bytes"}),
            "*2\r\n$20\r\nhll-sparse-max-bytes\r\n$3\r\n100\r\n");
  AddRange(h, "small", 0, 100);
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "small"}), "+dense\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "small"}), ":100\r\n");
  EXPECT_THAT(h.Run({"CONFIG", "SET", "hll-sparse-max-bytes", "x"}),
              HasSubstr("argument must be a memory value"));
}

TEST(HllTest, PfMerge) {
  CacheHarness h;
  h.Run({"PFADD", "a", "a", "b", "c"});
  h.Run({"PFADD", "b", "c", "d", "e"});
  EXPECT_EQ(h.Run({"PFMERGE", "m", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "m"}), ":5\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "a", "b"}), ":5\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "m"}), "+sparse\r\n");
  // Redis 7: the destination alone (created empty), and the destination counts as a source.
  EXPECT_EQ(h.Run({"PFMERGE", "d"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"TYPE", "d"}), "+string\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "d"}), ":0\r\n");
  EXPECT_EQ(h.Run({"PFMERGE", "m", "nokey"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "m"}), ":5\r\n");
  // A dense source makes the destination dense.
  AddRange(h, "big", 0, 5000);
  EXPECT_EQ(h.Run({"PFMERGE", "m", "big"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "m"}), "+dense\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "m"}), h.Run({"PFCOUNT", "big", "a", "b"}));
}

TEST(HllTest, NotAnHllAndCorruptedValues) {
  CacheHarness h;
  const std::string not_hll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
  const std::string wrong_type =
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  h.Run({"SET", "s", "abc"});
  h.Run({"LPUSH", "l", "x"});
  EXPECT_EQ(h.Run({"PFADD", "s", "x"}), not_hll);
  EXPECT_EQ(h.Run({"PFCOUNT", "s"}), not_hll);
  EXPECT_EQ(h.Run({"PFMERGE", "d", "s"}), not_hll);
  EXPECT_EQ(h.Run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(h.Run({"PFADD", "l", "x"}), wrong_type);
  EXPECT_EQ(h.Run({"PFMERGE", "l"}), wrong_type);
  // A dense header with the wrong length, an unknown encoding.
  h.Run({"SET", "d1", std::string("HYLL\x00\0\0\0\0\0\0\0\0\0\0\x80xx", 18)});
  EXPECT_EQ(h.Run({"PFCOUNT", "d1"}), not_hll);
  h.Run({"SET", "e2", std::string("HYLL\x02\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff", 18)});
  EXPECT_EQ(h.Run({"PFCOUNT", "e2"}), not_hll);
  // A sparse body that covers 1 register instead of 16384.
  const std::string corrupted("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x00", 17);
  h.Run({"SET", "c", corrupted});
  const std::string invalid = "-INVALIDOBJ Corrupted HLL object detected\r\n";
  EXPECT_EQ(h.Run({"PFCOUNT", "c"}), invalid);
  EXPECT_EQ(h.Run({"PFADD", "c", "x"}), invalid);
  EXPECT_EQ(h.Run({"PFCOUNT", "c", "s"}), invalid);
  EXPECT_EQ(h.Run({"PFMERGE", "m", "c"}), invalid);
  EXPECT_EQ(h.Run({"PFDEBUG", "TODENSE", "c"}), invalid);
  EXPECT_EQ(h.Run({"GET", "c"}), Bulk(corrupted));  // untouched
  EXPECT_EQ(h.Run({"EXISTS", "m"}), ":0\r\n");
}

TEST(HllTest, PfDebug) {
  CacheHarness h;
  h.Run({"PFADD", "h", "a", "b", "c"});
  EXPECT_EQ(h.Run({"PFDEBUG", "DECODE", "nokey"}), "-ERR The specified key does not exist\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "foo", "h"}), "-ERR Unknown PFDEBUG subcommand 'foo'\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "h"}), "+sparse\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "TODENSE", "h"}), ":1\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "TODENSE", "h"}), ":0\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "ENCODING", "h"}), "+dense\r\n");
  EXPECT_EQ(h.Run({"PFDEBUG", "DECODE", "h"}), "-ERR HLL encoding is not sparse\r\n");
  EXPECT_EQ(h.Run({"PFCOUNT", "h"}), ":3\r\n");
  const std::string regs = h.Run({"PFDEBUG", "GETREG", "h"});
  EXPECT_THAT(regs, StartsWith("*16384\r\n"));
  EXPECT_EQ(std::count(regs.begin(), regs.end(), ':'), 16384);
  EXPECT_THAT(regs, HasSubstr(":2\r\n"));  // "b" lands with a run of 2 (Z:8436 v:1,1 Z:4274 v:2,1)
  EXPECT_EQ(h.Run({"PFDEBUG", "GETREG"}),
            "-ERR wrong number of arguments for 'pfdebug' command\r\n");
}

// A sorted set of a few cities, added as redis-server's examples do.
void AddCities(CacheHarness& h) {
  h.Run({"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"});
  h.Run({"GEOADD", "g", "2.349014", "48.864716", "Paris", "-0.127758", "51.507351", "London",
         "12.496366", "41.902782", "Rome", "13.404954", "52.520008", "Berlin"});
}

TEST(GeoTest, GeoAddStoresRedisScores) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
                   "Catania"}),
            ":2\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "g", "Palermo"}), "$16\r\n3479099956230698\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "g", "Catania"}), "$16\r\n3479447370796909\r\n");
  EXPECT_EQ(h.Run({"TYPE", "g"}), "+zset\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "XX", "CH", "13.361389", "38.2", "Palermo", "1", "1", "Nope"}),
            ":1\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "g", "Nope"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "NX", "1", "1", "Palermo"}), ":0\r\n");
  EXPECT_EQ(h.Run({"GEOPOS", "g", "Palermo"}),
            "*1\r\n*2\r\n$20\r\n13.36138933897018433\r\n$19\r\n38.2000006309196749\r\n");
}

TEST(GeoTest, GeoAddErrors) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"GEOADD", "g", "200", "100", "x"}),
            "-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "abc", "2", "a"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "NX", "XX", "1", "2", "a"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "1", "2", "a", "3"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "CH", "CH", "CH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"GEOADD", "g", "1", "2"}),
            "-ERR wrong number of arguments for 'geoadd' command\r\n");
  // A bad pair anywhere adds nothing.
  EXPECT_THAT(h.Run({"GEOADD", "g", "1", "2", "a", "1", "90", "b"}),
              StartsWith("-ERR invalid longitude,latitude pair 1.000000,90.000000"));
  EXPECT_EQ(h.Run({"EXISTS", "g"}), ":0\r\n");
}

TEST(GeoTest, DistHashPosMatchRedis) {
  CacheHarness h;
  AddCities(h);
  EXPECT_EQ(h.Run({"GEODIST", "g", "Palermo", "Catania"}), "$11\r\n166274.1516\r\n");
  EXPECT_EQ(h.Run({"GEODIST", "g", "Paris", "London", "km"}), "$8\r\n342.7483\r\n");
  EXPECT_EQ(h.Run({"GEODIST", "g", "Paris", "London", "MI"}), "$8\r\n212.9744\r\n");
  EXPECT_EQ(h.Run({"GEODIST", "g", "Paris", "nope"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"GEODIST", "nokey", "a", "b"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"GEODIST", "g", "Paris", "London", "foo"}),
            "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n");
  EXPECT_EQ(h.Run({"GEODIST", "g", "Paris", "London", "km", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"GEOHASH", "g", "Palermo", "Paris", "nope"}),
            "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nu09tvrw3xg0\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"GEOPOS", "g", "Paris", "nope"}),
            "*2\r\n*2\r\n$19\r\n2.34901160001754761\r\n$20\r\n48.86471570750150306\r\n*-1\r\n");
  EXPECT_EQ(h.Run({"GEOPOS", "nokey", "a"}), "*1\r\n*-1\r\n");
  h.Run({"HELLO", "3"});
  EXPECT_EQ(h.Run({"GEOPOS", "g", "Paris", "nope"}),
            "*2\r\n*2\r\n,2.34901160001754761\r\n,48.86471570750150306\r\n_\r\n");
  h.Run({"SET", "s", "x"});
  EXPECT_THAT(h.Run({"GEOPOS", "s", "a"}), StartsWith("-WRONGTYPE"));
}

TEST(GeoTest, SearchOrderCountAndOptions) {
  CacheHarness h;
  AddCities(h);
  EXPECT_EQ(
      h.Run(
          {"GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST"}),
      "*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n");
  // Unsorted: Redis's box-by-box order.
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "FROMMEMBER", "Paris", "BYRADIUS", "1500", "km"}),
            "*5\r\n$5\r\nParis\r\n$6\r\nBerlin\r\n$7\r\nPalermo\r\n$4\r\nRome\r\n$6\r\nLondon\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "FROMMEMBER", "Paris", "BYRADIUS", "1500", "km", "COUNT", "2",
                   "DESC"}),
            "*2\r\n$7\r\nPalermo\r\n$4\r\nRome\r\n");
  EXPECT_EQ(
      h.Run({"GEOSEARCH", "g", "FROMLONLAT", "10", "45", "BYBOX", "2000", "1000", "km", "ASC"}),
      "*2\r\n$4\r\nRome\r\n$5\r\nParis\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "2000", "km", "WITHDIST",
                   "WITHCOORD", "WITHHASH", "COUNT", "1"}),
            "*1\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n"
            "$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n");
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "200", "km", "ASC"}),
            "*2\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n");
  EXPECT_EQ(h.Run({"GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "ASC"}),
            "*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "nokey", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"}), "*0\r\n");
}

TEST(GeoTest, StoreAndStoreDist) {
  CacheHarness h;
  AddCities(h);
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "2000", "km", "STOREDIST", "d", "COUNT", "3"}),
            ":3\r\n");
  // The km from (15, 37): redis-server prints the same double as 56.441257870158204.
  EXPECT_EQ(h.Run({"ZSCORE", "d", "Catania"}), "$16\r\n56.4412578701582\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "d", "0", "-1"}),
            "*3\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n$4\r\nRome\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCHSTORE", "d2", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"}),
            ":2\r\n");
  EXPECT_EQ(h.Run({"ZSCORE", "d2", "Palermo"}), "$16\r\n3479099956230698\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"}),
            ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "d2"}), ":0\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"}),
            ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "GETKEYS", "GEORADIUS", "g", "1", "2", "3", "km", "STORE", "a"}),
            "*2\r\n$1\r\ng\r\n$1\r\na\r\n");
}

TEST(GeoTest, SearchErrors) {
  CacheHarness h;
  AddCities(h);
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "1", "km", "COUNT", "0"}),
            "-ERR COUNT must be > 0\r\n");
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "-1", "km"}),
            "-ERR radius cannot be negative\r\n");
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "x", "km"}), "-ERR need numeric radius\r\n");
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "1", "km", "ANY"}),
            "-ERR the ANY argument requires COUNT argument\r\n");
  EXPECT_EQ(h.Run({"GEORADIUS", "g", "15", "37", "1", "km", "STORE", "d", "WITHDIST"}),
            "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
            "WITHCOORD options\r\n");
  EXPECT_EQ(h.Run({"GEORADIUS_RO", "g", "15", "37", "1", "km", "STORE", "d"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"GEORADIUSBYMEMBER", "g", "nope", "1", "km"}),
            "-ERR could not decode requested zset member\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "BYRADIUS", "10", "km", "ASC", "WITHDIST"}),
            "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "FROMLONLAT", "2", "48", "COUNT", "1", "ANY"}),
            "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "FROMLONLAT", "2", "48", "BYBOX", "-1", "1", "km"}),
            "-ERR height or width cannot be negative\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCH", "g", "FROMLONLAT", "2", "48", "BYRADIUS", "1", "km", "STORE", "x"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "2", "48", "BYRADIUS", "1", "km",
                   "WITHDIST"}),
            "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD "
            "options\r\n");
}

TEST(GeoTest, CommandInfoAndDocs) {
  CacheHarness h;
  EXPECT_EQ(h.Run({"COMMAND", "INFO", "georadius"}),
            "*1\r\n*10\r\n$9\r\ngeoradius\r\n:-6\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n"
            ":1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@geo\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n");
  EXPECT_THAT(h.Run({"COMMAND", "INFO", "pfadd"}),
              HasSubstr("*3\r\n+@write\r\n+@hyperloglog\r\n+@fast\r\n"));
  EXPECT_THAT(h.Run({"COMMAND", "DOCS", "geoadd"}),
              HasSubstr("Add one or more geospatial items in the geospatial index"));
}

}  // namespace
}  // namespace aio::cache
