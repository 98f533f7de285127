// LoginThrottle: exponential back-off after failed logins, per user name and per source address.
// The first `free_failures` failures cost nothing; each one after that doubles the wait (from
// `base_delay_ms` up to `max_delay_ms`) before that user or address may try again. A success
// clears the user's and the address's record. Kept in memory per node: a brute force against one
// node is slowed there; the audit log records every failure cluster-wide.
//
// Thread-safe. Times come from a base::Clock (ManualClock in tests).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace aio::auth {

struct ThrottleOptions {
  int64_t free_failures = 3;
  int64_t base_delay_ms = 1000;
  int64_t max_delay_ms = 5 * 60 * 1000;
  size_t max_entries = 100'000;  // beyond it the oldest records are dropped
};

class LoginThrottle {
 public:
  LoginThrottle(base::Clock* clock, ThrottleOptions options = {});

  // OK, or ResourceExhausted "too many failed logins for ...; retry in N s" while `user` or
  // `source` is backing off.
  absl::Status Check(std::string_view user, std::string_view source);
  void RecordFailure(std::string_view user, std::string_view source);
  void RecordSuccess(std::string_view user, std::string_view source);

 private:
  struct Entry {
    int64_t failures = 0;
    int64_t retry_at_ms = 0;
    int64_t last_ms = 0;
  };
  void Fail(const std::string& key, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Prune(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  base::Clock* const clock_;
  const ThrottleOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aio::auth
