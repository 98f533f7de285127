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
  router.Add("GET", "/api/mq/streams", [this](const net::HttpRequest&) { return Streams(); });
  router.Add("GET", "/api/mq/streams/:name",
             [this](const net::HttpRequest& request) { return Stream(request.Param("name")); });
  router.Add("GET", "/api/mq/streams/:name/consumers",
             [this](const net::HttpRequest& request) { return Consumers(request.Param("name")); });
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
  if (jetstream_ == nullptr) return;
  const std::vector<mq::jetstream::StreamStats> streams = jetstream_->Stats();
  writer.Gauge("aio_mq_streams", "JetStream streams.", static_cast<double>(streams.size()));
  writer.Family("aio_mq_stream_messages", "gauge", "Messages stored in a stream.");
  for (const auto& st : streams) {
    writer.Sample("aio_mq_stream_messages", {{"stream", st.name}},
                  static_cast<double>(st.messages));
  }
  writer.Family("aio_mq_stream_bytes", "gauge",
                "Bytes stored in a stream (nats-server accounting).");
  for (const auto& st : streams) {
    writer.Sample("aio_mq_stream_bytes", {{"stream", st.name}}, static_cast<double>(st.bytes));
  }
  writer.Family("aio_mq_consumer_pending_messages", "gauge",
                "Consumer lag: stream messages matching the consumer not yet delivered.");
  for (const auto& st : streams) {
    for (const auto& c : st.consumers) {
      writer.Sample("aio_mq_consumer_pending_messages", {{"stream", st.name}, {"consumer", c.name}},
                    static_cast<double>(c.num_pending));
    }
  }
  writer.Family("aio_mq_consumer_ack_pending_messages", "gauge",
                "Messages delivered to a consumer and not yet acknowledged.");
  for (const auto& st : streams) {
    for (const auto& c : st.consumers) {
      writer.Sample("aio_mq_consumer_ack_pending_messages",
                    {{"stream", st.name}, {"consumer", c.name}},
                    static_cast<double>(c.num_ack_pending));
    }
  }
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
      {"jetstream", jetstream_ != nullptr},
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

net::HttpResponse MqApi::Streams() const {
  if (jetstream_ == nullptr) return Failure(404, "jetstream is disabled (mq.jetstream: false)");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& st : jetstream_->Stats()) {
    if (std::optional<nlohmann::json> info = jetstream_->StreamInfo(st.name)) {
      list.push_back(std::move(*info));
    }
  }
  return Success({{"total", list.size()}, {"streams", std::move(list)}});
}

net::HttpResponse MqApi::Stream(std::string_view name) const {
  if (jetstream_ == nullptr) return Failure(404, "jetstream is disabled (mq.jetstream: false)");
  std::optional<nlohmann::json> info = jetstream_->StreamInfo(name);
  if (!info) return Failure(404, "stream not found");
  return Success(std::move(*info));
}

net::HttpResponse MqApi::Consumers(std::string_view stream) const {
  if (jetstream_ == nullptr) return Failure(404, "jetstream is disabled (mq.jetstream: false)");
  std::optional<nlohmann::json> list = jetstream_->ConsumerInfos(stream);
  if (!list) return Failure(404, "stream not found");
  const size_t total = list->size();
  return Success({{"total", total}, {"consumers", std::move(*list)}});
}

}  // namespace aio::protocol::http
