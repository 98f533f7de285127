#include "server/server.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "base/version.h"
#include "fmt/format.h"
#include "net/address.h"

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
      });
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

  http_api_ = std::make_unique<protocol::http::HttpApi>(
      protocol::http::HttpApiOptions{.node_id = config_.system.node_id,
                                     .mode = config_.system.mode},
      store_.get(), &store_->stats());
  net::HttpRouter router;
  http_api_->Register(router);
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
  if (grpc_ != nullptr) {
    grpc_->Stop();
    log->info("stopped component=etcd-grpc");
  }
  const int64_t revision = store_->CurrentRevision();
  store_->Stop();
  log->info("stopped component=store revision={}", revision);
  http_.reset();
  http_api_.reset();
  grpc_.reset();
  store_.reset();
}

}  // namespace aio::server
