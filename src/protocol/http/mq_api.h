// MqApi: the message queue over HTTP for the console and operators, in AIO's envelope:
//   GET /api/mq/stats           counters (connections, messages and bytes in/out, ...)
//   GET /api/mq/connections     open client connections (name, lang, version, subs, traffic)
//   GET /api/mq/subscriptions   subscriptions (subject, queue group, sid, connection, delivered)
//   GET /api/mq/streams         JetStream streams (config + state, as STREAM.INFO)
//   GET /api/mq/streams/:name   one stream; 404 when absent
//   GET /api/mq/streams/:name/consumers   its consumers (CONSUMER.INFO, num_pending = lag)
// and the aio_mq_* families on /metrics (WriteMetrics), with aio_mq_stream_* and
// aio_mq_consumer_* per stream/consumer when JetStream is on.
//
// Thread-safe: handlers run on the HTTP server's I/O threads.
#pragma once

#include "mq/broker.h"
#include "mq/jetstream/jetstream.h"
#include "net/http_router.h"
#include "protocol/http/metrics_writer.h"
#include "protocol/nats/nats_server.h"

namespace aio::protocol::http {

class MqApi {
 public:
  // All must outlive the MqApi; `jetstream` is nullptr when mq.jetstream is off.
  MqApi(mq::Broker* broker, nats::NatsServer* server, mq::jetstream::JetStream* jetstream)
      : broker_(broker), server_(server), jetstream_(jetstream) {}

  void Register(net::HttpRouter& router);
  void WriteMetrics(MetricsWriter& writer) const;

  net::HttpResponse Stats() const;
  net::HttpResponse Connections() const;
  net::HttpResponse Subscriptions() const;
  net::HttpResponse Streams() const;
  net::HttpResponse Stream(std::string_view name) const;
  net::HttpResponse Consumers(std::string_view stream) const;

 private:
  mq::Broker* const broker_;
  nats::NatsServer* const server_;
  mq::jetstream::JetStream* const jetstream_;
};

}  // namespace aio::protocol::http
