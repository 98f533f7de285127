#include "protocol/nats/parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aio::protocol::nats {
namespace {

struct Parsed {
  OpType type;
  std::string subject, reply, queue, sid, headers, payload, json;
  int64_t max_msgs;
};

// Feeds `wire` one byte at a time, as a slow socket would, collecting every op. Fails the test
// on a parse error.
std::vector<Parsed> ParseByteByByte(std::string_view wire, ParseLimits limits = {}) {
  Parser parser(limits);
  std::vector<Parsed> out;
  std::string buffer;
  for (char c : wire) {
    buffer.push_back(c);
    while (true) {
      ParseResult result = parser.Next(buffer);
      EXPECT_NE(result.status, ParseStatus::kError) << "at " << buffer;
      if (result.status != ParseStatus::kOp) break;
      const Op& op = result.op;
      out.push_back({op.type, std::string(op.subject), std::string(op.reply), std::string(op.queue),
                     std::string(op.sid), std::string(op.headers), std::string(op.payload),
                     std::string(op.json), op.max_msgs});
      buffer.erase(0, result.consumed);
    }
  }
  EXPECT_TRUE(buffer.empty()) << "left over: " << buffer;
  return out;
}

ParseResult ParseAll(std::string_view wire, ParseLimits limits = {}) {
  return Parser(limits).Next(wire);
}

TEST(NatsParserTest, ParsesEveryClientOperationOneByteAtATime) {
  const std::string wire =
      "CONNECT {\"verbose\":false,\"headers\":true}\r\n"
      "PING\r\n"
      "pong\r\n"
      "SUB foo.* 1\r\n"
      "SUB jobs workers 2\r\n"
      "PUB foo.bar 5\r\nhello\r\n"
      "PUB foo.bar _INBOX.x 0\r\n\r\n"
      "HPUB foo.bar _INBOX.y 24 29\r\nNATS/1.0\r\nA: b\r\nX: 1\r\n\r\nworld\r\n"
      "UNSUB 1 10\r\n"
      "UNSUB 2\r\n";
  const std::vector<Parsed> ops = ParseByteByByte(wire);
  ASSERT_EQ(ops.size(), 10u);
  EXPECT_EQ(ops[0].type, OpType::kConnect);
  EXPECT_EQ(ops[0].json, "{\"verbose\":false,\"headers\":true}");
  EXPECT_EQ(ops[1].type, OpType::kPing);
  EXPECT_EQ(ops[2].type, OpType::kPong);
  EXPECT_EQ(ops[3].type, OpType::kSub);
  EXPECT_EQ(ops[3].subject, "foo.*");
  EXPECT_EQ(ops[3].sid, "1");
  EXPECT_EQ(ops[3].queue, "");
  EXPECT_EQ(ops[4].queue, "workers");
  EXPECT_EQ(ops[4].sid, "2");
  EXPECT_EQ(ops[5].type, OpType::kPub);
  EXPECT_EQ(ops[5].payload, "hello");
  EXPECT_EQ(ops[5].reply, "");
  EXPECT_EQ(ops[6].reply, "_INBOX.x");
  EXPECT_EQ(ops[6].payload, "");
  EXPECT_EQ(ops[7].type, OpType::kHpub);
  EXPECT_EQ(ops[7].headers, "NATS/1.0\r\nA: b\r\nX: 1\r\n\r\n");
  EXPECT_EQ(ops[7].payload, "world");
  EXPECT_EQ(ops[8].type, OpType::kUnsub);
  EXPECT_EQ(ops[8].max_msgs, 10);
  EXPECT_EQ(ops[9].max_msgs, 0);
}

TEST(NatsParserTest, PayloadMayContainCrLfAndTabsSeparateArguments) {
  const std::vector<Parsed> ops = ParseByteByByte("PUB\tfoo \t 4\r\na\r\nb\r\n");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].subject, "foo");
  EXPECT_EQ(ops[0].payload, "a\r\nb");
}

TEST(NatsParserTest, IncompleteInputNeedsMore) {
  EXPECT_EQ(ParseAll("PUB foo 5\r\nhel").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseAll("SUB foo").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseAll("").status, ParseStatus::kNeedMore);
}

TEST(NatsParserTest, MalformedLinesAreUnknownProtocolOperation) {
  for (const char* wire :
       {"FOO bar\r\n", "PUB foo\r\n", "PUB foo bar baz qux\r\n", "PUB foo -1\r\n", "PUB foo x\r\n",
        "SUB foo\r\n", "UNSUB\r\n", "UNSUB 1 x\r\n", "PING x\r\n", "CONNECT\r\n",
        "PUB foo 3\r\nabcXY", "HPUB foo 10 5\r\n0123456789\r\n", "HPUB foo 2 5\r\nab123\r\n"}) {
    ParseResult result = ParseAll(wire);
    EXPECT_EQ(result.status, ParseStatus::kError) << wire;
    EXPECT_EQ(ParseErrorText(result.error), "Unknown Protocol Operation") << wire;
  }
}

TEST(NatsParserTest, LimitsComeFromTheConstructor) {
  const ParseLimits limits{.max_control_line = 16, .max_payload = 8};
  ParseResult big = ParseAll("PUB foo 9\r\n", limits);
  EXPECT_EQ(big.status, ParseStatus::kError);
  EXPECT_EQ(ParseErrorText(big.error), "Maximum Payload Violation");
  // Detected from the size alone, before the payload arrives.
  ParseResult long_line = ParseAll("SUB aaaaaaaaaaaaaaaaaaaaaaaaaaaa", limits);
  EXPECT_EQ(long_line.status, ParseStatus::kError);
  EXPECT_EQ(ParseErrorText(long_line.error), "Maximum Control Line Exceeded");
  EXPECT_EQ(ParseAll("PUB foo 8\r\n12345678\r\n", limits).status, ParseStatus::kOp);
}

TEST(NatsParserTest, BareLineFeedEndsALine) {
  const std::vector<Parsed> ops = ParseByteByByte("PING\nSUB a 1\n");
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].sid, "1");
}

}  // namespace
}  // namespace aio::protocol::nats
