// Stats: the message queue's counters, read by /metrics at scrape time
// (aio_mq_<thing>_<unit|total>). Connections add their message counts once per read batch.
// Thread-safe (relaxed atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace aio::mq {

struct Stats {
  std::atomic<int64_t> connections{0};                 // gauge
  std::atomic<int64_t> connections_total{0};           // accepted since start
  std::atomic<int64_t> connections_rejected_total{0};  // max_connections, auth
  std::atomic<int64_t> subscriptions{0};               // gauge
  std::atomic<int64_t> msgs_in_total{0};
  std::atomic<int64_t> bytes_in_total{0};
  std::atomic<int64_t> msgs_out_total{0};
  std::atomic<int64_t> bytes_out_total{0};
  std::atomic<int64_t> slow_consumers_total{0};
  std::atomic<int64_t> stale_connections_total{0};
  std::atomic<int64_t> protocol_errors_total{0};
  std::atomic<int64_t> auth_failures_total{0};
  std::atomic<int64_t> permission_violations_total{0};
  std::atomic<int64_t> no_responders_total{0};
};

inline void Add(std::atomic<int64_t>& counter, int64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace aio::mq
