#include "protocol/http/query.h"

#include "gtest/gtest.h"

namespace aio::protocol::http {
namespace {

TEST(QueryTest, DecodesPairs) {
  const auto query = ParseQuery("keys=a%2Cb&env=prod&flag&x=1+2&&y=%zz");
  EXPECT_EQ(query.at("keys"), "a,b");
  EXPECT_EQ(query.at("env"), "prod");
  EXPECT_EQ(query.at("flag"), "");
  EXPECT_EQ(query.at("x"), "1 2");
  EXPECT_EQ(query.at("y"), "%zz");  // not an escape: kept
  EXPECT_EQ(query.size(), 5u);
  EXPECT_TRUE(ParseQuery("").empty());
}

}  // namespace
}  // namespace aio::protocol::http
