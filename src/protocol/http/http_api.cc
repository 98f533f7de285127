#include "protocol/http/http_api.h"

#include <utility>

#include "base/version.h"
#include "protocol/http/envelope.h"
#include "protocol/http/metrics_writer.h"
#include "protocol/http/process_metrics.h"

namespace aio::protocol::http {
namespace {

void WriteStoreStats(const store::mvcc::Stats& stats, MetricsWriter& writer) {
  const auto counter = [&](const char* name, const char* help, const std::atomic<int64_t>& value) {
    writer.Counter(name, help, static_cast<double>(value.load(std::memory_order_relaxed)));
  };
  const auto gauge = [&](const char* name, const char* help, const std::atomic<int64_t>& value) {
    writer.Gauge(name, help, static_cast<double>(value.load(std::memory_order_relaxed)));
  };
  counter("aio_store_ranges_total", "Range requests served.", stats.ranges_total);
  counter("aio_store_puts_total", "Put requests applied.", stats.puts_total);
  counter("aio_store_deletes_total", "DeleteRange requests applied.", stats.deletes_total);
  counter("aio_store_txns_total", "Txn requests applied.", stats.txns_total);
  counter("aio_store_compactions_total", "Compactions run.", stats.compactions_total);
  counter("aio_store_wal_syncs_total", "Group commits (one WAL sync each).", stats.wal_syncs_total);
  counter("aio_store_committed_requests_total", "Write requests acknowledged.",
          stats.committed_requests_total);
  counter("aio_store_write_errors_total", "Write requests failed by the backend.",
          stats.write_errors_total);
  counter("aio_store_leases_granted_total", "Leases granted.", stats.leases_granted_total);
  counter("aio_store_leases_expired_total", "Leases revoked on expiry.",
          stats.leases_expired_total);
  gauge("aio_store_watchers", "Active watchers.", stats.watchers);
  gauge("aio_store_slow_watchers", "Watchers catching up from history.", stats.slow_watchers);
  counter("aio_store_watch_events_total", "Events handed to watch streams.",
          stats.watch_events_total);
  gauge("aio_store_keys", "Live keys at the current revision.", stats.keys);
}

void WriteStoreStatus(const store::StoreStatus& status, MetricsWriter& writer) {
  writer.Gauge("aio_store_revision", "Current revision of the store.",
               static_cast<double>(status.revision));
  writer.Gauge("aio_store_compact_revision", "Revision of the last compaction.",
               static_cast<double>(status.compact_revision));
  writer.Gauge("aio_store_db_size_bytes", "Size of the store on disk in bytes.",
               static_cast<double>(status.db_size_bytes));
  writer.Gauge("aio_store_db_size_in_use_bytes", "Estimated live data in the store in bytes.",
               static_cast<double>(status.db_size_in_use));
  writer.Gauge("aio_store_nospace_alarm", "1 while the NOSPACE alarm is raised.",
               status.nospace_alarm ? 1 : 0);
}

}  // namespace

HttpApi::HttpApi(HttpApiOptions options, store::KvStore* store, const store::mvcc::Stats* stats)
    : options_(std::move(options)), store_(store), stats_(stats) {}

void HttpApi::Register(net::HttpRouter& router) {
  router.Add("GET", "/api/health", [this](const net::HttpRequest&) { return Health(); });
  router.Add("GET", "/api/ready", [this](const net::HttpRequest&) { return Ready(); });
  router.Add("GET", "/api/version", [this](const net::HttpRequest&) { return Version(); });
  router.Add("GET", "/metrics", [this](const net::HttpRequest&) { return Metrics(); });
  router.SetNotFound(
      [](const net::HttpRequest& request) { return Failure(404, "not found: " + request.path); });
  router.SetMethodNotAllowed([](const net::HttpRequest& request) {
    return Failure(405, "method not allowed: " + request.method + " " + request.path);
  });
}

net::HttpResponse HttpApi::Health() const {
  const auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  return Success(
      {{"status", "ok"}, {"node_id", options_.node_id}, {"uptime_seconds", uptime.count()}});
}

net::HttpResponse HttpApi::Ready() const {
  if (!ready_) return Failure(503, "not ready: listeners are not up");
  absl::StatusOr<store::StoreStatus> status = store_->Status();
  if (!status.ok()) {
    return Failure(503, "not ready: store: " + std::string(status.status().message()));
  }
  return Success({{"ready", true}, {"revision", status->revision}});
}

net::HttpResponse HttpApi::Version() const {
  return Success({{"name", "aio"},
                  {"version", std::string(base::kVersion)},
                  {"mode", options_.mode},
                  {"node_id", options_.node_id}});
}

net::HttpResponse HttpApi::Metrics() const {
  MetricsWriter writer;
  if (std::optional<ProcessSample> process = ReadProcessSample()) {
    WriteProcessMetrics(*process, writer);
  }
  if (stats_ != nullptr) WriteStoreStats(*stats_, writer);
  if (absl::StatusOr<store::StoreStatus> status = store_->Status(); status.ok()) {
    WriteStoreStatus(*status, writer);
  }
  for (const auto& source : metric_sources_) source(writer);
  writer.Gauge("aio_ready", "1 when the server is ready to serve.", ready_ ? 1 : 0);
  return net::HttpResponse{
      .status = 200, .content_type = kPrometheusContentType, .body = writer.text()};
}

}  // namespace aio::protocol::http
