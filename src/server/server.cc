#include "server/server.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "base/version.h"
#include "fmt/format.h"
#include "net/address.h"
#include "protocol/http/cache_metrics.h"

namespace aio::server {
namespace {

// HTTP gets 1 s to finish in-flight requests and gRPC about 2 s, so a stop stays under 5 s.
constexpr std::chrono::milliseconds kHttpDrainTimeout{1000};

}  // namespace

uint64_t StableId(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a offset basis
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV prime
  }
  return hash == 0 ? 1 : hash;
}

Server::Server(base::Config config) : config_(std::move(config)) {}

Server::~Server() { Stop(); }

absl::Status Server::PrepareDataDir() const {
  namespace fs = std::filesystem;
  const fs::path dir(config_.system.data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        fmt::format("system.data_dir: cannot create {}: {}", dir.string(), ec.message()));
  }
  const fs::path probe = dir / ".aio-write-probe";
  if (!std::ofstream(probe).good()) {
    return absl::PermissionDeniedError(
        fmt::format("system.data_dir: {} is not writable", dir.string()));
  }
  fs::remove(probe, ec);
  return absl::OkStatus();
}

net::IoPool* Server::DataPool() {
  if (io_pool_ == nullptr) {
    io_pool_ = std::make_unique<net::IoPool>(0);
    io_pool_->Start();
  }
  return io_pool_.get();
}

absl::Status Server::StartCache() {
  const base::CacheConfig& c = config_.cache;
  const std::string host = base::ListenHost(c.allow_external, config_.network.bind_ip);
  // Without cache.require_auth the cache is open, as Redis without a password.
  const bool auth = c.require_auth && auth_ != nullptr;
  cache_ = std::make_unique<cache::Cache>(
      cache::CacheOptions{
          .databases = static_cast<int>(c.databases),
          .maxmemory = c.maxmemory,
          .maxmemory_policy = c.maxmemory_policy,
          .notify_keyspace_events = c.notify_keyspace_events,
          .max_clients = c.max_clients,
          .proto_max_bulk_len = c.proto_max_bulk_len,
          .hz = c.hz,
          .port = static_cast<int>(c.port),
      },
      auth ? auth_.get() : nullptr, auth ? auth_.get() : nullptr);
  cache_->Start();
  resp_ = std::make_unique<protocol::resp::RespServer>(cache_.get(), DataPool());
  absl::StatusOr<int> port = resp_->Start(host, static_cast<int>(c.port));
  if (!port.ok()) {
    resp_.reset();
    return port.status();
  }
  ports_.cache = *port;
  base::GetLogger("server")->info("listening component=cache address={}",
                                  net::JoinHostPort(host, ports_.cache));
  return absl::OkStatus();
}

absl::Status Server::StartMq() {
  const base::MqConfig& mq = config_.mq;
  const std::string host = base::ListenHost(mq.allow_external, config_.network.bind_ip);
  mq_broker_ = std::make_unique<mq::Broker>(&mq_stats_);
  nats_ = std::make_unique<protocol::nats::NatsServer>(
      protocol::nats::NatsServerOptions{
          .host = host,
          .port = static_cast<int>(mq.port),
          .server_id = fmt::format("N{:016X}", StableId("aio-mq/" + config_.system.node_id)),
          .server_name = config_.system.node_id,
          .max_payload = mq.max_payload,
          .max_control_line = static_cast<size_t>(mq.max_control_line),
          .max_connections = mq.max_connections,
          .max_pending = mq.max_pending,
          .ping_interval = mq.ping_interval,
          .max_pings_out = static_cast<int>(mq.max_pings_out),
          .auth_timeout = mq.auth_timeout,
          .authenticator = auth_.get(),
          .authorizer = auth_.get(),
      },
      DataPool(), mq_broker_.get());
  absl::StatusOr<int> port = nats_->Start();
  if (!port.ok()) {
    nats_.reset();
    return port.status();
  }
  ports_.mq = *port;
  base::GetLogger("server")->info("listening component=mq address={}",
                                  net::JoinHostPort(host, ports_.mq));
  return absl::OkStatus();
}

absl::Status Server::StartAuth() {
  auto log = base::GetLogger("auth");
  const std::string dir = (std::filesystem::path(config_.system.data_dir) / "auth").string();
  absl::StatusOr<std::unique_ptr<store::mvcc::MvccStore>> store =
      store::mvcc::MvccStore::Open({.data_dir = dir});
  if (!store.ok()) {
    return absl::Status(store.status().code(), fmt::format("cannot open the auth store: {}",
                                                           std::string(store.status().message())));
  }
  auth_store_ = std::move(*store);
  auth_ = std::make_unique<auth::AuthService>(
      auth_store_.get(),
      auth::AuthOptions{
          .enabled = config_.auth.enabled,
          .token_ttl_s = std::max<int64_t>(config_.auth.token_ttl.count() / 1000, 1),
          .initial_admin_password = config_.auth.initial_admin_password,
          .data_dir = config_.system.data_dir,
          .audit_retention_s = std::max<int64_t>(config_.auth.audit_retention.count() / 1000, 1),
      });
  if (absl::Status status = auth_->Start(); !status.ok()) return status;
  auth_http_ = std::make_unique<protocol::http::AuthHttpApi>(auth_.get());
  if (!config_.auth.enabled) {
    log->warn(
        "AUTH IS DISABLED (auth.enabled: false): every AIO API is open to anyone who can reach "
        "it; set auth.enabled: true outside of development");
  }
  return absl::OkStatus();
}

absl::Status Server::Start() {
  auto log = base::GetLogger("server");
  log->info("starting aio node_id={} mode={} data_dir={}", config_.system.node_id,
            config_.system.mode, config_.system.data_dir);
  if (absl::Status status = PrepareDataDir(); !status.ok()) return status;

  absl::StatusOr<int64_t> retention = base::CompactionRetention(config_.store);
  if (!retention.ok()) return retention.status();
  absl::StatusOr<std::unique_ptr<store::mvcc::MvccStore>> store = store::mvcc::MvccStore::Open({
      .data_dir = config_.system.data_dir,
      .max_request_bytes = config_.store.max_request_bytes,
      .quota_bytes = config_.store.quota_backend_bytes,
      .auto_compaction_mode = config_.store.auto_compaction_mode,
      .auto_compaction_retention = *retention,
      .progress_notify_interval_ms = config_.store.progress_notify_interval.count(),
  });
  if (!store.ok()) {
    return absl::Status(store.status().code(), fmt::format("cannot open the store: {}",
                                                           std::string(store.status().message())));
  }
  store_ = std::move(*store);
  if (absl::Status status = StartAuth(); !status.ok()) {
    Stop();
    return status;
  }
  log->info("store open revision={}", store_->CurrentRevision());

  const std::string grpc_host =
      base::ListenHost(config_.network.allow_external, config_.network.bind_ip);
  grpc_ = std::make_unique<protocol::grpc::EtcdGrpcServer>(
      store_.get(),
      protocol::grpc::EtcdServerOptions{
          .listen_addresses = {net::JoinHostPort(grpc_host,
                                                 static_cast<int>(config_.store.etcd_compat_port)),
                               net::JoinHostPort(grpc_host,
                                                 static_cast<int>(config_.protocol.port))},
          .max_request_bytes = config_.store.max_request_bytes,
          .cluster_id = StableId("aio-cluster/" + config_.system.node_id),
          .member_id = StableId("aio-member/" + config_.system.node_id),
          .member_name = config_.system.node_id,
      },
      auth_.get());
  if (absl::Status status = grpc_->Start(); !status.ok()) {
    grpc_.reset();
    Stop();
    return status;
  }
  const std::vector<int> grpc_ports = grpc_->bound_ports();
  ports_.etcd = grpc_ports.at(0);
  ports_.grpc = grpc_ports.at(1);
  log->info("listening component=etcd-grpc address={}", net::JoinHostPort(grpc_host, ports_.etcd));
  log->info("listening component=aio-grpc address={}", net::JoinHostPort(grpc_host, ports_.grpc));

  if (config_.mq.enabled) {
    if (absl::Status status = StartMq(); !status.ok()) {
      Stop();
      return status;
    }
  }

  if (config_.cache.enabled) {
    if (absl::Status status = StartCache(); !status.ok()) {
      Stop();
      return status;
    }
  }

  http_api_ = std::make_unique<protocol::http::HttpApi>(
      protocol::http::HttpApiOptions{.node_id = config_.system.node_id,
                                     .mode = config_.system.mode},
      store_.get(), &store_->stats());
  net::HttpRouter router;
  http_api_->Register(router);
  if (nats_ != nullptr) {
    mq_api_ = std::make_unique<protocol::http::MqApi>(mq_broker_.get(), nats_.get());
    mq_api_->Register(router);
    http_api_->AddMetrics([api = mq_api_.get()](protocol::http::MetricsWriter& writer) {
      api->WriteMetrics(writer);
    });
  }
  if (cache_ != nullptr) {
    http_api_->AddMetrics([cache = cache_.get()](protocol::http::MetricsWriter& writer) {
      protocol::http::WriteCacheMetrics(*cache, writer);
    });
  }
  auth_http_->Register(router);
  const std::string http_host =
      base::ListenHost(config_.network.http_allow_external, config_.network.bind_ip);
  http_ = std::make_unique<net::HttpServer>(
      net::HttpServerOptions{
          .host = http_host,
          .port = static_cast<int>(config_.network.http_port),
          .read_timeout = config_.protocol.read_timeout,
          .idle_timeout = config_.protocol.idle_timeout,
          .write_timeout = config_.protocol.write_timeout,
          .keep_alive = config_.protocol.enable_keep_alive,
          .max_body_bytes = config_.store.max_request_bytes,
          .drain_timeout = kHttpDrainTimeout,
      },
      std::move(router));
  absl::StatusOr<int> http_port = http_->Start();
  if (!http_port.ok()) {
    http_.reset();
    Stop();
    return http_port.status();
  }
  ports_.http = *http_port;
  log->info("listening component=http address={}", net::JoinHostPort(http_host, ports_.http));
  http_api_->SetReady(true);
  log->info("aio {} ready", base::kVersion);
  return absl::OkStatus();
}

void Server::Stop() {
  if (store_ == nullptr) return;
  auto log = base::GetLogger("server");
  log->info("stopping");
  if (http_api_ != nullptr) http_api_->SetReady(false);
  if (http_ != nullptr) {
    http_->Stop();
    log->info("stopped component=http");
  }
  if (nats_ != nullptr) {
    nats_->Stop();
    log->info("stopped component=mq");
  }
  if (resp_ != nullptr) {
    resp_->Stop();
    log->info("stopped component=cache");
  }
  if (io_pool_ != nullptr) io_pool_->Stop();
  if (grpc_ != nullptr) {
    grpc_->Stop();
    log->info("stopped component=etcd-grpc");
  }
  if (auth_store_ != nullptr) auth_store_->Stop();
  const int64_t revision = store_->CurrentRevision();
  store_->Stop();
  log->info("stopped component=store revision={}", revision);
  http_.reset();
  http_api_.reset();
  mq_api_.reset();
  nats_.reset();
  mq_broker_.reset();
  resp_.reset();
  io_pool_.reset();
  if (cache_ != nullptr) cache_->Stop();
  cache_.reset();
  grpc_.reset();
  auth_http_.reset();
  auth_.reset();
  auth_store_.reset();
  store_.reset();
}

}  // namespace aio::server
