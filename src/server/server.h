// Server: AIO's composition root. Builds this milestone's components from a base::Config and runs
// them: the embedded store (store::mvcc::MvccStore in system.data_dir), the etcd v3 gRPC API on
// store.etcd_compat_port and protocol.port, and the HTTP API on network.http_port. Start() brings
// them up in dependency order, Stop() takes them down in reverse: stop accepting, finish in-flight
// requests, close the store.
//
// Start() and Stop() are called from one thread (main).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "auth/auth_service.h"
#include "base/config.h"
#include "cache/cache.h"
#include "coord/election.h"
#include "coord/idgen.h"
#include "coord/leadership.h"
#include "coord/lock.h"
#include "mq/broker.h"
#include "mq/jetstream/service.h"
#include "net/http_server.h"
#include "net/io_pool.h"
#include "protocol/grpc/aio_auth_service.h"
#include "protocol/grpc/config_service.h"
#include "protocol/grpc/etcd_election_service.h"
#include "protocol/grpc/etcd_grpc_server.h"
#include "protocol/grpc/etcd_lock_service.h"
#include "protocol/grpc/id_service.h"
#include "protocol/grpc/lock_service.h"
#include "protocol/grpc/registry_service.h"
#include "protocol/http/auth_api.h"
#include "protocol/http/config_api.h"
#include "protocol/http/coord_api.h"
#include "protocol/http/http_api.h"
#include "protocol/http/mq_api.h"
#include "protocol/http/registry_api.h"
#include "protocol/nats/nats_server.h"
#include "protocol/resp/resp_server.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::server {

// A stable non-zero 64-bit ID derived from `text` (FNV-1a): cluster and member IDs from node_id.
uint64_t StableId(std::string_view text);

class Server {
 public:
  explicit Server(base::Config config);
  ~Server();  // Stop()s

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates system.data_dir, opens the store and starts the listeners, logging one line per
  // listener with its bound address. Errors name the directory or address; what was started is
  // stopped again.
  absl::Status Start();

  // Idempotent.
  void Stop();

  // Ports actually bound (port 0 in the config picks a free one); 0 before Start().
  struct Ports {
    int etcd = 0;   // store.etcd_compat_port
    int grpc = 0;   // protocol.port
    int http = 0;   // network.http_port
    int mq = 0;     // mq.port (0 when mq.enabled is false)
    int cache = 0;  // cache.port (0 when cache.enabled is false)
  };
  Ports ports() const { return ports_; }

 private:
  absl::Status PrepareDataDir() const;
  // The NATS front-end's I/O threads, created on first use (the cache's are its RespServer's).
  net::IoPool* DataPool();
  absl::Status StartMq();
  absl::Status StartCache();
  absl::Status StartAuth();
  // Locks, elections and ID generation (coord/) and their etcd, aio.v1 and HTTP front-ends.
  void StartCoord();

  const base::Config config_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  // Standalone: the auth records live in their own embedded store (<data_dir>/auth), so etcd
  // clients of the user keyspace can neither read password hashes and signing keys nor delete
  // them; in cluster mode they share the etcd cluster under /aio/auth/.
  std::unique_ptr<store::mvcc::MvccStore> auth_store_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<protocol::http::AuthHttpApi> auth_http_;
  std::unique_ptr<protocol::grpc::AioClientAuthService> aio_client_auth_;
  std::unique_ptr<protocol::grpc::AioAuthService> aio_auth_;
  // Elects the one node whose registry sweeps instances offline (seed 003's scheduler).
  std::unique_ptr<coord::Leadership> sweep_leadership_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<protocol::grpc::RegistryGrpcService> registry_grpc_;
  std::unique_ptr<protocol::http::RegistryHttpApi> registry_http_;
  std::unique_ptr<configcenter::ConfigCenter> config_center_;
  std::unique_ptr<protocol::grpc::ConfigGrpcService> config_grpc_;
  std::unique_ptr<protocol::http::ConfigApi> config_http_;
  std::unique_ptr<coord::Watcher> coord_watcher_;
  std::unique_ptr<coord::Locker> locker_;
  std::unique_ptr<coord::Elector> elector_;
  std::unique_ptr<coord::Snowflake> snowflake_;
  std::unique_ptr<coord::Sequences> sequences_;
  std::unique_ptr<protocol::grpc::EtcdServiceContext> coord_context_;  // headers of Lock/Election
  std::unique_ptr<protocol::grpc::CallGuard> coord_guard_;
  std::unique_ptr<protocol::grpc::EtcdLockService> etcd_lock_;
  std::unique_ptr<protocol::grpc::EtcdElectionService> etcd_election_;
  std::unique_ptr<protocol::grpc::LockService> lock_grpc_;
  std::unique_ptr<protocol::grpc::IdService> id_grpc_;
  std::unique_ptr<protocol::http::CoordHttpApi> coord_http_;
  std::unique_ptr<protocol::grpc::EtcdGrpcServer> grpc_;
  std::unique_ptr<net::IoPool> io_pool_;
  mq::Stats mq_stats_;
  std::unique_ptr<mq::Broker> mq_broker_;
  // Stopped after nats_ (no publisher left) and before the broker goes.
  std::unique_ptr<mq::jetstream::JetStreamService> jetstream_;
  std::unique_ptr<protocol::nats::NatsServer> nats_;
  std::unique_ptr<cache::Cache> cache_;  // outlives resp_'s I/O threads: connections unregister
  std::unique_ptr<protocol::resp::RespServer> resp_;
  std::unique_ptr<protocol::http::HttpApi> http_api_;
  std::unique_ptr<protocol::http::MqApi> mq_api_;
  std::unique_ptr<net::HttpServer> http_;
  Ports ports_;
};

}  // namespace aio::server
