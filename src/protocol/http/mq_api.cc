#include "protocol/http/mq_api.h"

#include "nlohmann/json.hpp"
#include "protocol/http/envelope.h"

namespace aio::protocol::http {
namespace {

int64_t Load(const std::atomic<int64_t>& value) { return value.load(std::memory_order_relaxed); }

}  // namespace

void MqApi::Register(net::HttpRouter& router) {
  router.Add("GET", "/api/mq/stats", [this](const net::HttpRequest&) { return Stats(); });
  router.Add("GET", "/api/mq/connections",
             [this](const net::HttpRequest&) { return Connections(); });
  router.Add("GET", "/api/mq/subscriptions",
             [this](const net::HttpRequest&) { return Subscriptions(); });
}

void MqApi::WriteMetrics(MetricsWriter& writer) const {
  const mq::Stats& s = *broker_->stats();
  writer.Gauge("aio_mq_connections", "Open NATS client connections.", Load(s.connections));
  writer.Counter("aio_mq_connections_total", "NATS client connections accepted.",
                 Load(s.connections_total));
  writer.Counter("aio_mq_connections_rejected_total", "Connections refused by mq.max_connections.",
                 Load(s.connections_rejected_total));
  writer.Gauge("aio_mq_subscriptions", "Active subscriptions.", Load(s.subscriptions));
  writer.Counter("aio_mq_msgs_in_total", "Messages published by clients.", Load(s.msgs_in_total));
  writer.Counter("aio_mq_bytes_in_total", "Payload bytes (headers included) published.",
                 Load(s.bytes_in_total));
  writer.Counter("aio_mq_msgs_out_total", "Messages delivered to clients.", Load(s.msgs_out_total));
  writer.Counter("aio_mq_bytes_out_total", "Payload bytes (headers included) delivered.",
                 Load(s.bytes_out_total));
  writer.Counter("aio_mq_slow_consumers_total", "Clients disconnected as slow consumers.",
                 Load(s.slow_consumers_total));
  writer.Counter("aio_mq_stale_connections_total", "Clients closed after unanswered PINGs.",
                 Load(s.stale_connections_total));
  writer.Counter("aio_mq_protocol_errors_total", "Connections closed for protocol errors.",
                 Load(s.protocol_errors_total));
  writer.Counter("aio_mq_auth_failures_total", "Authorization violations.",
                 Load(s.auth_failures_total));
  writer.Counter("aio_mq_permission_violations_total", "Publish/subscribe permission denials.",
                 Load(s.permission_violations_total));
  writer.Counter("aio_mq_no_responders_total", "Requests answered with a 503 no-responders.",
                 Load(s.no_responders_total));
}

net::HttpResponse MqApi::Stats() const {
  const mq::Stats& s = *broker_->stats();
  return Success({
      {"connections", Load(s.connections)},
      {"connections_total", Load(s.connections_total)},
      {"subscriptions", Load(s.subscriptions)},
      {"in_msgs", Load(s.msgs_in_total)},
      {"in_bytes", Load(s.bytes_in_total)},
      {"out_msgs", Load(s.msgs_out_total)},
      {"out_bytes", Load(s.bytes_out_total)},
      {"slow_consumers", Load(s.slow_consumers_total)},
      {"stale_connections", Load(s.stale_connections_total)},
      {"jetstream", false},
  });
}

net::HttpResponse MqApi::Connections() const {
  nlohmann::json list = nlohmann::json::array();
  for (const nats::ConnectionInfo& c : server_->Connections()) {
    list.push_back({{"cid", c.cid},
                    {"ip", c.ip},
                    {"port", c.port},
                    {"name", c.name},
                    {"lang", c.lang},
                    {"version", c.version},
                    {"subscriptions", c.subscriptions},
                    {"in_msgs", c.in_msgs},
                    {"in_bytes", c.in_bytes},
                    {"pending_bytes", c.pending_bytes},
                    {"start_ms", c.start_ms}});
  }
  return Success({{"total", list.size()}, {"connections", std::move(list)}});
}

net::HttpResponse MqApi::Subscriptions() const {
  nlohmann::json list = nlohmann::json::array();
  for (const mq::SubscriptionPtr& sub : broker_->sublist().All()) {
    list.push_back({{"subject", sub->subject},
                    {"queue", sub->queue},
                    {"sid", sub->sid},
                    {"cid", sub->client_id},
                    {"delivered", sub->delivered.load(std::memory_order_relaxed)},
                    {"max", sub->max.load(std::memory_order_relaxed)}});
  }
  return Success({{"total", list.size()}, {"subscriptions", std::move(list)}});
}

}  // namespace aio::protocol::http
