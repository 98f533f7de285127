#include "auth/audit_log.h"

#include <algorithm>

#include "auth/permission.h"
#include "auth/records.h"
#include "base/logging.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace aio::auth {
namespace {

using nlohmann::json;

constexpr int64_t kHourMs = 3600 * 1000;

// Keys sort by time: 16 digits of Unix ms, then a per-process sequence number.
std::string AuditKey(int64_t time_ms, int64_t seq) {
  return fmt::format("{}{:016d}-{:08d}", kAuditPrefix, time_ms, seq % 100'000'000);
}

}  // namespace

AuditLog::AuditLog(store::KvStore* store, base::Clock* wall_clock, int64_t retention_s)
    : store_(store), wall_clock_(wall_clock), retention_s_(retention_s) {}

absl::StatusOr<int64_t> AuditLog::LeaseFor(int64_t time_ms) {
  const int64_t hour = time_ms / kHourMs;
  absl::MutexLock lock(&mu_);
  if (hour == lease_hour_) return lease_id_;
  // The lease outlives every record of its hour by at least `retention`.
  absl::StatusOr<store::LeaseGrantResponse> lease = store_->LeaseGrant(0, retention_s_ + 3600);
  if (!lease.ok()) return lease.status();
  lease_hour_ = hour;
  lease_id_ = lease->id;
  return lease_id_;
}

void AuditLog::Record(AuditRecord record) {
  if (record.time_ms == 0) record.time_ms = wall_clock_->NowMs();
  const json doc = {{"time_ms", record.time_ms},   {"actor", record.actor},
                    {"action", record.action},     {"target", record.target},
                    {"protocol", record.protocol}, {"source", record.source},
                    {"result", record.result}};
  absl::StatusOr<int64_t> lease = LeaseFor(record.time_ms);
  absl::Status status = lease.status();
  if (lease.ok()) {
    status = store_
                 ->Put({.key = AuditKey(record.time_ms, seq_++),
                        .value = doc.dump(-1, ' ', false, json::error_handler_t::replace),
                        .lease = *lease})
                 .status();
    if (!status.ok()) {
      absl::MutexLock lock(&mu_);
      lease_hour_ = -1;  // the lease may be gone: take a new one next time
    }
  }
  if (!status.ok()) {
    write_errors_++;
    base::GetLogger("auth")->warn("audit record {} by {} not stored: {}", record.action,
                                  record.actor, std::string(status.message()));
  }
}

absl::StatusOr<std::vector<AuditRecord>> AuditLog::Query(const AuditFilter& filter) {
  store::RangeRequest request;
  request.key = filter.since_ms > 0 ? AuditKey(filter.since_ms, 0) : std::string(kAuditPrefix);
  request.range_end = filter.until_ms > 0 ? AuditKey(filter.until_ms, 0)
                                          : store::PrefixEnd(std::string(kAuditPrefix));
  request.sort_order = store::SortOrder::kDescend;
  absl::StatusOr<store::RangeResponse> range = store_->Range(request);
  if (!range.ok()) return range.status();
  std::vector<AuditRecord> out;
  const int64_t limit = filter.limit > 0 ? std::min<int64_t>(filter.limit, 10'000) : 100;
  for (const store::KeyValue& kv : range->kvs) {
    const json doc = json::parse(kv.value, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) continue;
    AuditRecord r{.time_ms = doc.value("time_ms", int64_t{0}),
                  .actor = doc.value("actor", ""),
                  .action = doc.value("action", ""),
                  .target = doc.value("target", ""),
                  .protocol = doc.value("protocol", ""),
                  .source = doc.value("source", ""),
                  .result = doc.value("result", "")};
    if (!filter.actor.empty() && r.actor != filter.actor) continue;
    if (!filter.action.empty() && r.action.rfind(filter.action, 0) != 0) continue;
    if (!filter.protocol.empty() && r.protocol != filter.protocol) continue;
    if (!filter.source.empty() && r.source != filter.source) continue;
    out.push_back(std::move(r));
    if (static_cast<int64_t>(out.size()) >= limit) break;
  }
  return out;
}

}  // namespace aio::auth
