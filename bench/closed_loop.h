// ClosedLoop: drives N concurrent closed-loop clients over an asynchronous RPC API. Each client
// issues one request, waits for its completion, records the latency, then issues the next, until
// the budget (a deadline or a number of requests) is spent or one of its requests fails.
//
// Thread-safety: Run() blocks the calling thread; the issue function and the completions run on
// gRPC's callback threads, one request in flight per client at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "histogram.h"

namespace aio::bench {

using Clock = std::chrono::steady_clock;

struct LoopBudget {
  Clock::time_point deadline = Clock::time_point::max();
  uint64_t max_requests = UINT64_MAX;  // requests numbered 0..max_requests-1 across all clients
};

struct LoopResult {
  uint64_t ok = 0;
  uint64_t errors = 0;
  double seconds = 0;       // from Run() to the last completion
  std::string first_error;  // empty when errors == 0
};

// Called once per request with the client index and the request number; must start exactly one
// asynchronous request and call `done` once when it completes: an error if the RPC failed or its
// answer is wrong (e.g. key not found).
using DoneFn = std::function<void(const absl::Status& status)>;
using IssueFn = std::function<void(int client, uint64_t request, DoneFn done)>;

class ClosedLoop {
 public:
  ClosedLoop(int clients, LoopBudget budget, LatencyHistogram* latency, IssueFn issue);

  LoopResult Run();

 private:
  void IssueNext(int client);
  // Records the request's outcome; false if the client must stop (the request failed).
  bool Complete(Clock::time_point start, const absl::Status& status);

  const int clients_;
  const LoopBudget budget_;
  LatencyHistogram* const latency_;
  const IssueFn issue_;

  std::atomic<uint64_t> next_request_{0};
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> errors_{0};

  // Guards the count of running clients and the first error, and wakes Run() when all stop.
  std::mutex mu_;
  std::condition_variable all_stopped_;
  int running_ = 0;
  std::string first_error_;
  Clock::time_point last_stop_;
};

}  // namespace aio::bench
