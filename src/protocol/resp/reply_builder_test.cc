#include "protocol/resp/reply_builder.h"

#include <limits>

#include "gtest/gtest.h"

namespace aio::protocol::resp {
namespace {

TEST(ReplyBuilderTest, Resp2Frames) {
  std::string out;
  ReplyBuilder rb(&out);
  rb.Ok();
  rb.Error("ERR syntax error");
  rb.Int(-42);
  rb.Bulk("hi");
  rb.Null();
  rb.NullArray();
  rb.Map(1);
  rb.Double(1.5);
  rb.Bool(true);
  EXPECT_EQ(
      out,
      "+OK\r\n-ERR syntax error\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n$3\r\n1.5\r\n:1\r\n");
}

TEST(ReplyBuilderTest, Resp3Frames) {
  std::string out;
  ReplyBuilder rb(&out);
  rb.set_resp3(true);
  rb.Null();
  rb.Map(2);
  rb.Set(1);
  rb.Push(3);
  rb.Double(2);
  rb.Bool(false);
  rb.Verbatim("ab");
  EXPECT_EQ(out, "_\r\n%2\r\n~1\r\n>3\r\n,2\r\n#f\r\n=6\r\ntxt:ab\r\n");
}

TEST(ReplyBuilderTest, ErrorsCannotBreakTheFrame) {
  std::string out;
  ReplyBuilder rb(&out);
  rb.Error("ERR bad\r\nthing");
  EXPECT_EQ(out, "-ERR bad  thing\r\n");
}

TEST(ReplyBuilderTest, DoublesAsRedisPrintsThem) {
  EXPECT_EQ(ReplyBuilder::FormatDouble(3.0), "3");
  EXPECT_EQ(ReplyBuilder::FormatDouble(0.1), "0.1");
  EXPECT_EQ(ReplyBuilder::FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(ReplyBuilder::FormatDouble(10.5), "10.5");
}

}  // namespace
}  // namespace aio::protocol::resp
