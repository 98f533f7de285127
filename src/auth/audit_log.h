// AuditLog: who changed an identity or permission, and which requests were denied, kept in the
// store under /aio/auth/audit/ for `retention` (each record is attached to a lease of its hour,
// so expired records disappear with their lease). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "store/kv_store.h"

namespace aio::auth {

struct AuditRecord {
  int64_t time_ms = 0;   // Unix ms; filled by Record() when 0
  std::string actor;     // user or client_key; "" = anonymous
  std::string action;    // "user.add", "role.grant", "login.failed", "request.denied", ...
  std::string target;    // what the action was about (user, role, key, subject)
  std::string protocol;  // http, grpc, etcd, resp, nats
  std::string source;    // peer address
  std::string result;    // "ok" or the error text
};

struct AuditFilter {
  std::string actor;     // "" = any
  std::string action;    // prefix match ("user." = every user change); "" = any
  std::string protocol;  // "" = any
  std::string source;    // peer address, exact match; "" = any
  int64_t since_ms = 0;  // Unix ms, inclusive; 0 = no bound
  int64_t until_ms = 0;  // Unix ms, exclusive; 0 = no bound
  int64_t limit = 100;   // newest first
};

class AuditLog {
 public:
  AuditLog(store::KvStore* store, base::Clock* wall_clock, int64_t retention_s);

  // Best effort: a failure is logged (and counted) but never fails the audited request.
  void Record(AuditRecord record);
  absl::StatusOr<std::vector<AuditRecord>> Query(const AuditFilter& filter);

  int64_t write_errors() const { return write_errors_.load(); }

 private:
  absl::StatusOr<int64_t> LeaseFor(int64_t time_ms);

  store::KvStore* const store_;
  base::Clock* const wall_clock_;
  const int64_t retention_s_;
  std::atomic<int64_t> seq_{0};
  std::atomic<int64_t> write_errors_{0};
  absl::Mutex mu_;
  int64_t lease_hour_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t lease_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace aio::auth
