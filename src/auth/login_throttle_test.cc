#include "auth/login_throttle.h"

#include "gtest/gtest.h"

namespace aio::auth {
namespace {

TEST(LoginThrottleTest, BacksOffExponentiallyAfterTheFreeFailures) {
  base::ManualClock clock;
  LoginThrottle throttle(&clock, {.free_failures = 3, .base_delay_ms = 1000, .max_delay_ms = 8000});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(throttle.Check("alice", "10.0.0.1").ok());
    throttle.RecordFailure("alice", "10.0.0.1");
  }
  // 4th failure: 1 s, then 2 s, 4 s, 8 s, capped at 8 s.
  EXPECT_TRUE(throttle.Check("alice", "10.0.0.1").ok());
  for (int64_t wait : {1000, 2000, 4000, 8000, 8000}) {
    throttle.RecordFailure("alice", "10.0.0.1");
    absl::Status blocked = throttle.Check("alice", "10.0.0.1");
    EXPECT_EQ(blocked.code(), absl::StatusCode::kResourceExhausted) << wait;
    EXPECT_NE(blocked.message().find("retry in " + std::to_string(wait / 1000) + " s"),
              std::string::npos)
        << blocked;
    clock.AdvanceMs(wait - 1);
    EXPECT_FALSE(throttle.Check("alice", "10.0.0.1").ok());
    clock.AdvanceMs(1);
    EXPECT_TRUE(throttle.Check("alice", "10.0.0.1").ok());
  }
}

TEST(LoginThrottleTest, ThrottlesPerUserAndPerAddress) {
  base::ManualClock clock;
  LoginThrottle throttle(&clock, {.free_failures = 0, .base_delay_ms = 1000});
  throttle.RecordFailure("alice", "10.0.0.1");
  // The same user from elsewhere and anyone from the same address wait.
  EXPECT_FALSE(throttle.Check("alice", "10.0.0.2").ok());
  EXPECT_FALSE(throttle.Check("bob", "10.0.0.1").ok());
  EXPECT_TRUE(throttle.Check("bob", "10.0.0.2").ok());
}

TEST(LoginThrottleTest, SuccessClearsTheRecord) {
  base::ManualClock clock;
  LoginThrottle throttle(&clock, {.free_failures = 1, .base_delay_ms = 1000});
  throttle.RecordFailure("alice", "h");
  throttle.RecordFailure("alice", "h");
  clock.AdvanceMs(1000);
  throttle.RecordSuccess("alice", "h");
  throttle.RecordFailure("alice", "h");  // back to the free failure
  EXPECT_TRUE(throttle.Check("alice", "h").ok());
}

}  // namespace
}  // namespace aio::auth
