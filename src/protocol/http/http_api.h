// HttpApi: AIO's HTTP API routes of this milestone, registered on a net::HttpRouter:
//   GET /api/health   liveness: the process answers
//   GET /api/ready    readiness: every listener is up (SetReady) and the store answers Status()
//   GET /api/version  name, version, mode, node
//   GET /metrics      Prometheus text: process_* and aio_store_* (read at scrape time)
// Every /api answer uses the envelope of envelope.h; unknown routes get 404/40400 and a known path
// with another method 405/40500.
//
// Thread-safe: handlers run on the HTTP server's I/O threads.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "net/http_router.h"
#include "protocol/http/metrics_writer.h"
#include "store/kv_store.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::protocol::http {

struct HttpApiOptions {
  std::string node_id;
  std::string mode;  // standalone or cluster
};

class HttpApi {
 public:
  // `store` must outlive the HttpApi; `stats` may be null (a store without embedded counters).
  HttpApi(HttpApiOptions options, store::KvStore* store, const store::mvcc::Stats* stats);

  // Adds the routes and the envelope 404/405 handlers to `router`.
  void Register(net::HttpRouter& router);

  // Readiness as set by the server: true once every listener is up, false when stopping.
  void SetReady(bool ready) { ready_ = ready; }

  // Another component's metric families, written on each scrape after the store's (e.g. the
  // message queue's aio_mq_*). Call before the HTTP server starts; `source` must be thread-safe.
  void AddMetrics(std::function<void(MetricsWriter&)> source) {
    metric_sources_.push_back(std::move(source));
  }

  net::HttpResponse Health() const;
  net::HttpResponse Ready() const;
  net::HttpResponse Version() const;
  net::HttpResponse Metrics() const;

 private:
  const HttpApiOptions options_;
  store::KvStore* const store_;
  const store::mvcc::Stats* const stats_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> ready_{false};
  std::vector<std::function<void(MetricsWriter&)>> metric_sources_;
};

}  // namespace aio::protocol::http
