// EtcdGrpcServer: the etcd v3 gRPC API (KV, Watch, Lease, Cluster, Maintenance, and Auth when given
// an auth::AuthService; etcd v3.4 wire format and error texts) over one store::KvStore, so etcdctl,
// clientv3 and python-etcd3 work unmodified.
//
// Lifecycle: Start() binds every listen address, Stop() refuses new calls, ends open streams,
// lets unary calls in flight finish for up to 2 s, then cancels what remains. The store must
// outlive the server. Start/Stop from one thread; bound_ports() is thread-safe after Start.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "auth/auth_service.h"
#include "net/tls.h"
#include "store/errors.h"
#include "store/kv_store.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace aio::protocol::grpc {

struct EtcdServerOptions {
  // host:port (IPv6 as [::1]:port); port 0 picks a free port, see bound_ports().
  std::vector<std::string> listen_addresses;
  // etcd --max-request-bytes; give the store the same value (mvcc::Options::max_request_bytes):
  // the store rejects larger requests ("etcdserver: request is too large"), gRPC itself refuses
  // messages over this plus 512 KiB of framing overhead (as etcd).
  int64_t max_request_bytes = store::kDefaultMaxRequestBytes;
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  std::string member_name;
  // Further services served on the same listeners (etcd's Lock and Election, AIO's aio.v1
  // services); not owned, must outlive the server.
  std::vector<::grpc::Service*> extra_services;
  // TLS on every listener when tls.cert_file is set (PEM files; client URLs become https://).
  // With require_client_cert, clients must present a certificate that chains to tls.ca_file
  // (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY).
  net::TlsFiles tls;
  bool require_client_cert = false;
};

class EtcdServiceContext;
class KvService;
class WatchService;
class LeaseService;
class ClusterService;
class MaintenanceService;
class EtcdAuthService;

class EtcdGrpcServer {
 public:
  // `auth` (may be null: no Auth service, the KV API always open) must outlive the server.
  EtcdGrpcServer(store::KvStore* store, EtcdServerOptions options,
                 auth::AuthService* auth = nullptr);
  ~EtcdGrpcServer();  // Stop()s

  EtcdGrpcServer(const EtcdGrpcServer&) = delete;
  EtcdGrpcServer& operator=(const EtcdGrpcServer&) = delete;

  // Binds every listen address and starts serving. Errors: no address given, an address that
  // cannot be bound (named in the message), or a TLS file that does not load.
  absl::Status Start();
  // The bound port of each listen address, in order; empty before Start().
  std::vector<int> bound_ports() const;
  // Idempotent; returns within about 2 s.
  void Stop();

 private:
  const EtcdServerOptions options_;
  std::unique_ptr<EtcdServiceContext> context_;
  std::unique_ptr<KvService> kv_;
  std::unique_ptr<WatchService> watch_;
  std::unique_ptr<LeaseService> lease_;
  std::unique_ptr<ClusterService> cluster_;
  std::unique_ptr<MaintenanceService> maintenance_;
  std::unique_ptr<EtcdAuthService> auth_;  // null without an auth::AuthService
  std::unique_ptr<::grpc::Server> server_;
  std::vector<int> ports_;
  bool stopped_ = false;
};

}  // namespace aio::protocol::grpc
