// Clock: the source of time for everything that expires (leases, TTLs, heartbeats), so tests can
// drive time with ManualClock instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace aio::base {

// Thread-safe. Times are steady (monotonic) milliseconds from an arbitrary origin.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // The process-wide instance.
  static SystemClock* Get() {
    static SystemClock clock;
    return &clock;
  }
};

// Unix-epoch milliseconds (std::chrono::system_clock): for times that are stored, shown or
// compared across nodes (token exp, registry renewals, config updated_at, snowflake IDs). Tests
// use a ManualClock set to Unix time instead.
class WallClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static WallClock* Get() {
    static WallClock clock;
    return &clock;
  }
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t ms) { now_ms_ += ms; }
  void SetMs(int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace aio::base
