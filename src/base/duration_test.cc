#include "base/duration.h"

#include "gtest/gtest.h"

namespace aio::base {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesEachUnit) {
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("10m"), milliseconds(600'000));
  EXPECT_EQ(*ParseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
}

TEST(DurationTest, ParsesCombinationsAndFractions) {
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("1m30s250ms"), milliseconds(90'250));
  EXPECT_EQ(*ParseDuration("1.5h"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("0.5s"), milliseconds(500));
}

TEST(DurationTest, RejectsMalformedText) {
  for (const char* bad : {"", "abc", "30", "-5s", "5 s", "5x", "1..5s", "s", "1h-2m", ".s"}) {
    absl::StatusOr<milliseconds> parsed = ParseDuration(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("abc").status().message(),
            "expected a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\", got \"abc\"");
}

TEST(DurationTest, FormatsShortestText) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(milliseconds(30'000)), "30s");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
}

TEST(DurationTest, FormatRoundTrips) {
  for (int64_t ms : {1, 999, 1000, 61'000, 3'601'000, 86'400'000}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

}  // namespace
}  // namespace aio::base
