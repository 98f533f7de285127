// The cache's counters on /metrics (aio_cache_*), read from cache::Cache at scrape time.
#pragma once

#include "cache/cache.h"
#include "protocol/http/metrics_writer.h"

namespace aio::protocol::http {

void WriteCacheMetrics(cache::Cache& cache, MetricsWriter& writer);

}  // namespace aio::protocol::http
