#include "closed_loop.h"

#include <algorithm>
#include <utility>

namespace aio::bench {

ClosedLoop::ClosedLoop(int clients, LoopBudget budget, LatencyHistogram* latency, IssueFn issue)
    : clients_(clients), budget_(budget), latency_(latency), issue_(std::move(issue)) {}

LoopResult ClosedLoop::Run() {
  const Clock::time_point start = Clock::now();
  {
    std::lock_guard lock(mu_);
    running_ = clients_;
    last_stop_ = start;
  }
  for (int client = 0; client < clients_; ++client) IssueNext(client);

  std::unique_lock lock(mu_);
  all_stopped_.wait(lock, [this] { return running_ == 0; });
  return LoopResult{.ok = ok_.load(),
                    .errors = errors_.load(),
                    .seconds = std::chrono::duration<double>(last_stop_ - start).count(),
                    .first_error = first_error_};
}

void ClosedLoop::IssueNext(int client) {
  const uint64_t request = next_request_.fetch_add(1, std::memory_order_relaxed);
  const Clock::time_point start = Clock::now();
  if (request >= budget_.max_requests || start >= budget_.deadline) {
    std::lock_guard lock(mu_);
    last_stop_ = std::max(last_stop_, start);
    if (--running_ == 0) all_stopped_.notify_all();
    return;
  }
  issue_(client, request, [this, client, start](const absl::Status& status) {
    if (Complete(start, status)) IssueNext(client);
  });
}

bool ClosedLoop::Complete(Clock::time_point start, const absl::Status& status) {
  if (status.ok()) {
    latency_->Record(Clock::now() - start);
    ok_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  // A failed client stops: any error invalidates the run, and a dead server must not spin us.
  errors_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  if (first_error_.empty()) first_error_ = status.ToString();
  last_stop_ = std::max(last_stop_, Clock::now());
  if (--running_ == 0) all_stopped_.notify_all();
  return false;
}

}  // namespace aio::bench
