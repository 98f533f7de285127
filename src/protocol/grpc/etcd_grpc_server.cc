#include "protocol/grpc/etcd_grpc_server.h"

#include <grpc/grpc.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/grpc/etcd_auth.h"
#include "protocol/grpc/etcd_services.h"
#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {
namespace {

// etcd's grpcOverheadBytes: room for gRPC framing on top of --max-request-bytes.
constexpr int64_t kGrpcOverheadBytes = 512 * 1024;
// etcd's --grpc-keepalive-min-time: clients may ping this often (etcdctl pings every 10 s).
constexpr int kMinClientPingIntervalMs = 5000;
constexpr auto kStopGrace = std::chrono::seconds(2);
constexpr int kMaxIdlePollers = 256;
constexpr auto kGoAwayLead = std::chrono::milliseconds(200);

// "http://host:port" (https with TLS) for a listen address whose port may have been 0.
std::string ClientUrl(const std::string& address, int port, bool tls) {
  const size_t colon = address.rfind(':');
  const std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  return absl::StrCat(tls ? "https://" : "http://", host, ":", port);
}

// The listeners' credentials: plaintext, or TLS from the PEM files of `options`.
absl::StatusOr<std::shared_ptr<::grpc::ServerCredentials>> Credentials(
    const EtcdServerOptions& options) {
  if (options.tls.cert_file.empty()) return ::grpc::InsecureServerCredentials();
  if (absl::Status loaded = net::CheckTlsFiles(options.tls); !loaded.ok()) return loaded;
  absl::StatusOr<std::string> cert = net::ReadTlsFile(options.tls.cert_file);
  absl::StatusOr<std::string> key = net::ReadTlsFile(options.tls.key_file);
  if (!cert.ok()) return cert.status();
  if (!key.ok()) return key.status();
  ::grpc::SslServerCredentialsOptions ssl(
      options.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                  : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!options.tls.ca_file.empty()) {
    absl::StatusOr<std::string> ca = net::ReadTlsFile(options.tls.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  return ::grpc::SslServerCredentials(ssl);
}

}  // namespace

EtcdGrpcServer::EtcdGrpcServer(store::KvStore* store, EtcdServerOptions options,
                               auth::AuthService* auth)
    : options_(std::move(options)),
      context_(std::make_unique<EtcdServiceContext>(store, options_.cluster_id, options_.member_id,
                                                    options_.member_name, auth)),
      kv_(std::make_unique<KvService>(context_.get())),
      watch_(std::make_unique<WatchService>(context_.get())),
      lease_(std::make_unique<LeaseService>(context_.get())),
      cluster_(std::make_unique<ClusterService>(context_.get())),
      maintenance_(std::make_unique<MaintenanceService>(context_.get())),
      auth_(auth == nullptr ? nullptr : std::make_unique<EtcdAuthService>(context_.get(), auth)) {}

EtcdGrpcServer::~EtcdGrpcServer() { Stop(); }

absl::Status EtcdGrpcServer::Start() {
  if (server_ != nullptr) return absl::FailedPreconditionError("etcd gRPC server already started");
  if (options_.listen_addresses.empty()) {
    return absl::InvalidArgumentError("etcd gRPC server: no listen address given");
  }
  absl::StatusOr<std::shared_ptr<::grpc::ServerCredentials>> credentials = Credentials(options_);
  if (!credentials.ok()) return credentials.status();
  ::grpc::ServerBuilder builder;
  std::vector<int> ports(options_.listen_addresses.size(), 0);
  for (size_t i = 0; i < ports.size(); ++i) {
    builder.AddListeningPort(options_.listen_addresses[i], *credentials, &ports[i]);
  }
  builder.RegisterService(kv_.get());
  builder.RegisterService(watch_.get());
  builder.RegisterService(lease_.get());
  builder.RegisterService(cluster_.get());
  builder.RegisterService(maintenance_.get());
  if (auth_ != nullptr) builder.RegisterService(auth_.get());
  for (::grpc::Service* service : options_.extra_services) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<int64_t>(options_.max_request_bytes + kGrpcOverheadBytes, INT_MAX)));
  // Without this, a second process could bind the same port and steal half the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinClientPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // The sync unary calls (reads, lease grant and revoke) hold a thread each. With the default
  // of 2 idle pollers, gRPC creates and destroys a thread for most calls under load; keeping up
  // to kMaxIdlePollers idle threads lets concurrent callers reuse them.
  builder.SetSyncServerOption(::grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              kMaxIdlePollers);

  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    // Ports are bound in order and the first failure stops the build.
    const auto failed = std::find(ports.begin(), ports.end(), 0);
    if (failed == ports.end()) return absl::InternalError("etcd gRPC server failed to start");
    return absl::UnavailableError(absl::StrCat(
        "etcd gRPC server: cannot listen on ", options_.listen_addresses[failed - ports.begin()],
        " (address in use, not permitted, or not a valid host:port)"));
  }
  std::vector<std::string> urls;
  for (size_t i = 0; i < ports.size(); ++i) {
    urls.push_back(
        ClientUrl(options_.listen_addresses[i], ports[i], !options_.tls.cert_file.empty()));
  }
  context_->set_client_urls(std::move(urls));
  ports_ = std::move(ports);
  return absl::OkStatus();
}

std::vector<int> EtcdGrpcServer::bound_ports() const { return ports_; }

void EtcdGrpcServer::Stop() {
  if (server_ == nullptr || stopped_) return;
  stopped_ = true;
  // Shutdown first refuses new calls (clients see UNAVAILABLE), then waits for the calls in
  // flight. Open streams would hold it for the whole grace period, so they are ended meanwhile
  // with UNAVAILABLE: a client such as etcdctl retries a watch on UNAVAILABLE but gives it up on
  // the CANCELLED that Shutdown sends to whatever is left at its deadline.
  // The pause lets Shutdown's GOAWAY reach the clients first, so the watch a client reopens
  // after our UNAVAILABLE goes to a new connection (refused: UNAVAILABLE again, retried with
  // back-off) instead of arriving on this one mid-shutdown, where gRPC cancels it.
  std::thread shutdown(
      [this] { server_->Shutdown(std::chrono::system_clock::now() + kStopGrace); });
  std::this_thread::sleep_for(kGoAwayLead);
  context_->streams()->EndAll(ToGrpcStatus(store::ErrStopped()));
  shutdown.join();
  // Shutdown cancels what is left at the deadline; each stream is deleted after its OnDone.
  context_->streams()->WaitEmpty();
}

}  // namespace aio::protocol::grpc
