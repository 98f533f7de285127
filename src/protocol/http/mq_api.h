// MqApi: the message queue over HTTP for the console and operators, in AIO's envelope:
//   GET /api/mq/stats           counters (connections, messages and bytes in/out, ...)
//   GET /api/mq/connections     open client connections (name, lang, version, subs, traffic)
//   GET /api/mq/subscriptions   subscriptions (subject, queue group, sid, connection, delivered)
// and the aio_mq_* families on /metrics (WriteMetrics).
//
// Thread-safe: handlers run on the HTTP server's I/O threads.
#pragma once

#include "mq/broker.h"
#include "net/http_router.h"
#include "protocol/http/metrics_writer.h"
#include "protocol/nats/nats_server.h"

namespace aio::protocol::http {

class MqApi {
 public:
  // Both must outlive the MqApi.
  MqApi(mq::Broker* broker, nats::NatsServer* server) : broker_(broker), server_(server) {}

  void Register(net::HttpRouter& router);
  void WriteMetrics(MetricsWriter& writer) const;

  net::HttpResponse Stats() const;
  net::HttpResponse Connections() const;
  net::HttpResponse Subscriptions() const;

 private:
  mq::Broker* const broker_;
  nats::NatsServer* const server_;
};

}  // namespace aio::protocol::http
