#include "protocol/http/cache_metrics.h"

namespace aio::protocol::http {

void WriteCacheMetrics(cache::Cache& cache, MetricsWriter& writer) {
  const cache::Stats& stats = cache.stats();
  writer.Counter("aio_cache_commands_total", "Commands executed by the cache.",
                 static_cast<double>(cache.TotalCommands()));
  writer.Counter("aio_cache_keyspace_hits_total", "Key lookups that found a key.",
                 static_cast<double>(cache.KeyspaceHits()));
  writer.Counter("aio_cache_keyspace_misses_total", "Key lookups that found no key.",
                 static_cast<double>(cache.KeyspaceMisses()));
  writer.Gauge("aio_cache_keys", "Keys in all databases.", static_cast<double>(cache.KeyCount()));
  writer.Counter("aio_cache_expired_keys_total", "Keys removed because their TTL passed.",
                 static_cast<double>(stats.expired_keys.load()));
  writer.Counter("aio_cache_evicted_keys_total", "Keys evicted under maxmemory.",
                 static_cast<double>(stats.evicted_keys.load()));
  writer.Gauge("aio_cache_connections", "Open client connections.",
               static_cast<double>(stats.connected_clients.load()));
  writer.Counter("aio_cache_connections_total", "Client connections accepted.",
                 static_cast<double>(stats.connections_received.load()));
  writer.Counter("aio_cache_rejected_connections_total", "Connections refused past max_clients.",
                 static_cast<double>(stats.rejected_connections.load()));
  writer.Counter("aio_cache_protocol_errors_total", "Connections closed for a RESP protocol error.",
                 static_cast<double>(stats.protocol_errors.load()));
  writer.Counter("aio_cache_pubsub_messages_total", "Messages published.",
                 static_cast<double>(stats.pubsub_messages.load()));
  writer.Gauge("aio_cache_used_memory_bytes", "Bytes of data charged to maxmemory.",
               static_cast<double>(cache.keyspace().UsedMemory()));
  writer.Gauge("aio_cache_maxmemory_bytes", "The maxmemory limit; 0 = none.",
               static_cast<double>(cache.maxmemory()));
}

}  // namespace aio::protocol::http
