// LatencyHistogram: a fixed-size log-linear histogram of durations in nanoseconds, in the spirit of
// HdrHistogram with 5 significant bits (every bucket is at most ~3% wide).
//
// Thread-safe: Record() may be called from any number of threads (relaxed atomic counters);
// Percentile() reads a consistent-enough snapshot once the recorders have stopped.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>

namespace aio::bench {

class LatencyHistogram {
 public:
  void Record(std::chrono::nanoseconds d) {
    const int64_t ns = d.count();
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    buckets_[Index(v < kMaxValue ? v : kMaxValue)].fetch_add(1, std::memory_order_relaxed);
  }

  uint64_t Count() const {
    uint64_t n = 0;
    for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
    return n;
  }

  // The value (µs) below which a fraction `q` (0..1) of the recorded durations fall; 0 if empty.
  double PercentileUs(double q) const {
    const uint64_t total = Count();
    if (total == 0) return 0;
    const auto rank = static_cast<uint64_t>(q * static_cast<double>(total - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i].load(std::memory_order_relaxed);
      if (seen >= rank) return static_cast<double>(Midpoint(i)) / 1000.0;
    }
    return static_cast<double>(kMaxValue) / 1000.0;
  }

 private:
  static constexpr int kSubBits = 5;                       // 32 sub-buckets per power of two
  static constexpr uint64_t kMaxValue = (1ULL << 41) - 1;  // ~36 minutes
  static constexpr size_t kBuckets = (41 - kSubBits + 1) << kSubBits;

  // Values below 64 map to themselves; above, bucket = 32 * e + (v >> e) with e = msb - 5.
  static size_t Index(uint64_t v) {
    if (v < (2ULL << kSubBits)) return v;
    const int e = std::bit_width(v) - 1 - kSubBits;
    return (static_cast<size_t>(e) << kSubBits) + (v >> e);
  }

  static uint64_t Midpoint(size_t index) {
    if (index < (2U << kSubBits)) return index;
    const int e = static_cast<int>(index >> kSubBits) - 1;
    const uint64_t lower = (index - (static_cast<size_t>(e) << kSubBits)) << e;
    return lower + ((1ULL << e) >> 1);
  }

  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
};

}  // namespace aio::bench
