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

// The cache's ACL USERS / LIST / GETUSER view of AIO's users: admin, and the cache permissions
// of their roles.
absl::StatusOr<std::vector<cache::AclUser>> CacheAclUsers(auth::AuthService* service) {
  absl::StatusOr<std::vector<auth::User>> users = service->ListUsers();
  if (!users.ok()) return users.status();
  absl::StatusOr<std::vector<auth::Role>> roles = service->ListRoles();
  if (!roles.ok()) return roles.status();
  std::vector<cache::AclUser> out;
  for (const auth::User& user : *users) {
    cache::AclUser& acl = out.emplace_back(cache::AclUser{
        .name = user.name,
        .enabled = !user.disabled,
        .admin = std::any_of(user.roles.begin(), user.roles.end(), auth::IsSuperRole)});
    for (const auth::Role& role : *roles) {
      if (std::find(user.roles.begin(), user.roles.end(), role.name) == user.roles.end()) continue;
      for (const auth::Permission& p : role.permissions) {
        if (p.resource == auth::Resource::kAdmin) acl.admin = true;
        if (p.resource != auth::Resource::kCache) continue;
        acl.keys.push_back(
            {p.key, (p.actions & auth::kRead) != 0, (p.actions & auth::kWrite) != 0});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

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
          .snapshot_path =
              c.persistence
                  ? (std::filesystem::path(config_.system.data_dir) / "cache" / "dump.aio").string()
                  : "",
          .snapshot_interval_ms = c.snapshot_interval.count(),
      },
      auth ? auth_.get() : nullptr, auth ? auth_.get() : nullptr);
  if (auth) {
    cache_->set_acl_users([service = auth_.get()] { return CacheAclUsers(service); });
  }
  if (absl::Status status = cache_->LoadSnapshot(); !status.ok()) {
    return absl::Status(status.code(),
                        fmt::format("cache.persistence: {}", std::string(status.message())));
  }
  cache_->Start();
  resp_ =
      std::make_unique<protocol::resp::RespServer>(cache_.get(), static_cast<size_t>(c.io_threads));
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
  if (mq.jetstream) {
    const std::string store_dir =
        mq.store_dir.empty() ? (std::filesystem::path(config_.system.data_dir) / "mq").string()
                             : mq.store_dir;
    absl::StatusOr<std::unique_ptr<mq::jetstream::JetStream>> engine =
        mq::jetstream::JetStream::Open({
            .store_dir = store_dir,
            .sync_always = mq.jetstream_sync_always,
            .max_payload = mq.max_payload,
            .has_interest = [broker = mq_broker_.get()](
                                std::string_view subject) { return broker->HasInterest(subject); },
        });
    if (!engine.ok()) return engine.status();
    jetstream_ = std::make_unique<mq::jetstream::JetStreamService>(
        mq_broker_.get(), std::move(*engine),
        mq::jetstream::JetStreamServiceOptions{.sync_interval = mq.jetstream_sync_always
                                                                    ? std::chrono::milliseconds(0)
                                                                    : mq.jetstream_sync_interval});
    jetstream_->Start();
  }
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
          .jetstream = jetstream_ != nullptr,
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
  aio_client_auth_ = std::make_unique<protocol::grpc::AioClientAuthService>(auth_.get());
  aio_auth_ = std::make_unique<protocol::grpc::AioAuthService>(auth_.get());
  if (!config_.auth.enabled) {
    log->warn(
        "AUTH IS DISABLED (auth.enabled: false): every AIO API is open to anyone who can reach "
        "it; set auth.enabled: true outside of development");
  }
  return absl::OkStatus();
}

void Server::StartCoord() {
  coord_watcher_ = std::make_unique<coord::Watcher>(store_.get());
  locker_ = std::make_unique<coord::Locker>(coord_watcher_.get());
  elector_ = std::make_unique<coord::Elector>(coord_watcher_.get());
  // Leases its worker ID at the first ID asked for: an idle server writes nothing.
  snowflake_ = std::make_unique<coord::Snowflake>(
      store_.get(), coord::SnowflakeOptions{.node_id = config_.system.node_id});
  sequences_ = std::make_unique<coord::Sequences>(store_.get());
  coord_context_ = std::make_unique<protocol::grpc::EtcdServiceContext>(
      store_.get(), StableId("aio-cluster/" + config_.system.node_id),
      StableId("aio-member/" + config_.system.node_id), config_.system.node_id, auth_.get());
  coord_guard_ = std::make_unique<protocol::grpc::CallGuard>(auth_.get());
  etcd_lock_ =
      std::make_unique<protocol::grpc::EtcdLockService>(coord_context_.get(), locker_.get());
  etcd_election_ =
      std::make_unique<protocol::grpc::EtcdElectionService>(coord_context_.get(), elector_.get());
  lock_grpc_ = std::make_unique<protocol::grpc::LockService>(coord_guard_.get(), locker_.get());
  id_grpc_ = std::make_unique<protocol::grpc::IdService>(coord_guard_.get(), snowflake_.get(),
                                                         sequences_.get());
  coord_http_ = std::make_unique<protocol::http::CoordHttpApi>(
      protocol::http::CoordServices{.watcher = coord_watcher_.get(),
                                    .locker = locker_.get(),
                                    .elector = elector_.get(),
                                    .snowflake = snowflake_.get(),
                                    .sequences = sequences_.get()},
      auth_http_.get(), auth_.get());
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
  sweep_leadership_ = std::make_unique<coord::Leadership>(
      store_.get(), "/aio/election/registry-sweep", config_.system.node_id,
      std::chrono::duration_cast<std::chrono::seconds>(config_.registry.ttl));
  registry_ = std::make_unique<registry::Registry>(
      store_.get(), registry::RegistryOptions{
                        .prefix = config_.registry.prefix,
                        .ttl_ms = config_.registry.ttl.count(),
                        .renew_interval_ms = config_.registry.renew_interval.count(),
                        // The node that wins the election sweeps. The campaign starts
                        // when the first sweep is due, so an unused registry writes nothing.
                        .is_sweep_leader =
                            [this] {
                              sweep_leadership_->Start();
                              return sweep_leadership_->IsLeader();
                            },
                    });
  if (absl::Status status = registry_->Start(); !status.ok()) {
    Stop();
    return status;
  }
  registry_grpc_ =
      std::make_unique<protocol::grpc::RegistryGrpcService>(registry_.get(), auth_.get());
  config_center_ = std::make_unique<configcenter::ConfigCenter>(
      store_.get(), auth_.get(),
      configcenter::ConfigCenterOptions{.config_salt = config_.system.config_salt});
  if (absl::Status status = config_center_->Start(); !status.ok()) {
    Stop();
    return status;
  }
  config_grpc_ =
      std::make_unique<protocol::grpc::ConfigGrpcService>(config_center_.get(), auth_.get());
  StartCoord();

  absl::StatusOr<net::TlsFiles> tls = net::ListenerTlsFiles(config_.tls, config_.system.data_dir);
  if (!tls.ok()) {
    Stop();
    return tls.status();
  }
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
          .extra_services = {aio_client_auth_.get(), aio_auth_.get(), registry_grpc_.get(),
                             etcd_lock_.get(), etcd_election_.get(), lock_grpc_.get(),
                             id_grpc_.get(), config_grpc_.get()},
          .tls = config_.tls.grpc ? *tls : net::TlsFiles{},
          .require_client_cert = config_.tls.client_auth,
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
    mq_api_ = std::make_unique<protocol::http::MqApi>(
        mq_broker_.get(), nats_.get(), jetstream_ != nullptr ? jetstream_->engine() : nullptr);
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
  registry_http_ = std::make_unique<protocol::http::RegistryHttpApi>(registry_.get(),
                                                                     auth_http_.get(), auth_.get());
  registry_http_->Register(router);
  config_http_ =
      std::make_unique<protocol::http::ConfigApi>(config_center_.get(), auth_http_.get());
  config_http_->Register(router);
  coord_http_->Register(router);
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
          .tls = config_.tls.http ? *tls : net::TlsFiles{},
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
  if (jetstream_ != nullptr) {
    jetstream_->Stop();
    log->info("stopped component=jetstream");
  }
  if (resp_ != nullptr) {
    resp_->Stop();
    log->info("stopped component=cache");
  }
  if (io_pool_ != nullptr) io_pool_->Stop();
  if (registry_grpc_ != nullptr) registry_grpc_->Stop();
  if (config_grpc_ != nullptr) config_grpc_->Stop();
  if (grpc_ != nullptr) {
    grpc_->Stop();
    log->info("stopped component=etcd-grpc");
  }
  // After the front-ends: pending lock/campaign waits were canceled with their calls.
  if (snowflake_ != nullptr) snowflake_->Stop();
  if (coord_watcher_ != nullptr) coord_watcher_->Stop();
  if (auth_store_ != nullptr) auth_store_->Stop();
  if (registry_ != nullptr) registry_->Stop();
  if (sweep_leadership_ != nullptr) sweep_leadership_->Stop();  // resigns
  if (config_center_ != nullptr) config_center_->Stop();
  const int64_t revision = store_->CurrentRevision();
  store_->Stop();
  log->info("stopped component=store revision={}", revision);
  http_.reset();
  http_api_.reset();
  mq_api_.reset();
  nats_.reset();
  jetstream_.reset();
  mq_broker_.reset();
  resp_.reset();
  io_pool_.reset();
  if (cache_ != nullptr) cache_->Stop();
  cache_.reset();
  grpc_.reset();
  coord_http_.reset();
  id_grpc_.reset();
  lock_grpc_.reset();
  etcd_election_.reset();
  etcd_lock_.reset();
  coord_guard_.reset();
  coord_context_.reset();
  sequences_.reset();
  snowflake_.reset();
  elector_.reset();
  locker_.reset();
  coord_watcher_.reset();
  registry_http_.reset();
  registry_grpc_.reset();
  registry_.reset();
  sweep_leadership_.reset();
  config_http_.reset();
  config_grpc_.reset();
  config_center_.reset();
  auth_http_.reset();
  aio_client_auth_.reset();
  aio_auth_.reset();
  auth_.reset();
  auth_store_.reset();
  store_.reset();
}

}  // namespace aio::server
