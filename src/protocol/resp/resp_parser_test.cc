#include "protocol/resp/resp_parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::protocol::resp {
namespace {

using ::testing::ElementsAre;
using Result = RequestParser::Result;

// Feeds `wire` one byte at a time, as a slow client would, and collects every request.
std::vector<std::vector<std::string>> FeedByteByByte(const std::string& wire,
                                                     RequestParser& parser) {
  std::vector<std::vector<std::string>> requests;
  std::string buffer;
  for (char c : wire) {
    buffer.push_back(c);
    while (!buffer.empty()) {
      Result result = parser.Parse(buffer);
      if (result == Result::kNeedMore) break;
      EXPECT_EQ(result, Result::kOk) << parser.error();
      if (result != Result::kOk) return requests;
      requests.emplace_back(parser.args().begin(), parser.args().end());
      buffer.erase(0, parser.consumed());
    }
  }
  EXPECT_TRUE(buffer.empty()) << "left over: " << buffer;
  return requests;
}

TEST(RespParserTest, MultibulkOneByteAtATime) {
  RequestParser parser;
  auto requests = FeedByteByByte(
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", parser);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(requests[0], ElementsAre("SET", "key", "value"));
  EXPECT_THAT(requests[1], ElementsAre("GET", "key"));
}

TEST(RespParserTest, BinarySafeArguments) {
  RequestParser parser;
  const std::string value("a\r\nb\0c", 6);
  auto requests = FeedByteByByte("*2\r\n$4\r\nECHO\r\n$6\r\n" + value + "\r\n", parser);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0][1], value);
}

TEST(RespParserTest, InlineCommandsWithQuotes) {
  RequestParser parser;
  auto requests = FeedByteByByte("PING\r\nSET k \"a b\\n\" \r\nSET 'it\\'s' v\n", parser);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_THAT(requests[0], ElementsAre("PING"));
  EXPECT_THAT(requests[1], ElementsAre("SET", "k", "a b\n"));
  EXPECT_THAT(requests[2], ElementsAre("SET", "it's", "v"));
}

TEST(RespParserTest, InlineHexEscapeAndEmptyLine) {
  RequestParser parser;
  auto requests = FeedByteByByte("\r\nECHO \"\\x41\\x42\"\r\n", parser);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[0].empty());
  EXPECT_THAT(requests[1], ElementsAre("ECHO", "AB"));
}

TEST(RespParserTest, UnbalancedQuotesIsRedisError) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("SET k \"abc\r\n"), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: unbalanced quotes in request");
}

TEST(RespParserTest, BadBulkLengthIsRedisError) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*1\r\n$abc\r\n"), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid bulk length");
}

TEST(RespParserTest, BulkOverLimitIsRejectedBeforeItsData) {
  RequestParser parser(ParserLimits{.max_bulk_len = 10});
  EXPECT_EQ(parser.Parse("*1\r\n$11\r\n"), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid bulk length");
}

TEST(RespParserTest, ExpectedDollarIsRedisError) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*1\r\n:1\r\n"), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: expected '$', got ':'");
}

TEST(RespParserTest, InvalidMultibulkLength) {
  RequestParser parser;
  EXPECT_EQ(parser.Parse("*x\r\n"), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid multibulk length");
  RequestParser small(ParserLimits{.max_multibulk_len = 4});
  EXPECT_EQ(small.Parse("*5\r\n"), Result::kError);
}

TEST(RespParserTest, TooBigInlineRequest) {
  RequestParser parser(ParserLimits{.max_inline_len = 16});
  EXPECT_EQ(parser.Parse(std::string(17, 'a')), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: too big inline request");
}

TEST(RespParserTest, BufferMayMoveBetweenCalls) {
  RequestParser parser;
  std::string first = "*2\r\n$3\r\nGET\r\n$3\r\nk";
  EXPECT_EQ(parser.Parse(first), Result::kNeedMore);
  std::string moved = first + "ey\r\n";  // a different allocation holding the same bytes
  ASSERT_EQ(parser.Parse(moved), Result::kOk);
  EXPECT_THAT(parser.args(), ElementsAre("GET", "key"));
  EXPECT_EQ(parser.consumed(), moved.size());
}

TEST(RespParserTest, LargeValueInOnePieceAndSplit) {
  RequestParser parser;
  const std::string value(1 << 20, 'x');
  const std::string wire =
      "*2\r\n$4\r\nECHO\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  EXPECT_EQ(parser.Parse(std::string_view(wire).substr(0, wire.size() / 2)), Result::kNeedMore);
  ASSERT_EQ(parser.Parse(wire), Result::kOk);
  EXPECT_EQ(parser.args()[1].size(), value.size());
}

}  // namespace
}  // namespace aio::protocol::resp
