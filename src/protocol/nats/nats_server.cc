#include "protocol/nats/nats_server.h"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "base/logging.h"
#include "protocol/nats/encode.h"
#include "protocol/nats/errors.h"
#include "protocol/nats/nats_connection.h"

namespace aio::protocol::nats {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Connections get this long to close at Stop() before the pool is stopped under them.
constexpr std::chrono::milliseconds kCloseTimeout{2000};

}  // namespace

NatsServer::NatsServer(NatsServerOptions options, net::IoPool* pool, mq::Broker* broker)
    : options_(std::move(options)),
      pool_(pool),
      broker_(broker),
      auth_pool_(static_cast<size_t>(std::max(1, options_.auth_threads))) {}

NatsServer::~NatsServer() { Stop(); }

absl::StatusOr<int> NatsServer::Start() {
  // A plain lambda returning the member coroutine: the coroutine frame must not refer to the
  // lambda's captures.
  tcp_ = std::make_unique<net::TcpServer>(
      pool_, [this](tcp::socket socket) { return Serve(std::move(socket)); });
  absl::StatusOr<int> port = tcp_->Listen(options_.host, options_.port);
  if (!port.ok()) {
    tcp_.reset();
    return port.status();
  }
  bound_port_ = *port;
  return *port;
}

asio::awaitable<void> NatsServer::Serve(tcp::socket socket) {
  mq::Stats* stats = broker_->stats();
  if (stats->connections.load() >= options_.max_connections) {
    mq::Add(stats->connections_rejected_total, 1);
    std::string line;
    AppendErr(line, kErrMaxConnections);
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(line), ec);
    co_return;
  }
  auto conn = std::make_shared<NatsConnection>(this, std::move(socket), broker_->NextClientId());
  mq::Add(stats->connections, 1);
  mq::Add(stats->connections_total, 1);
  Register(conn);
  co_await conn->Run();
  Unregister(conn->cid());
  mq::Add(stats->connections, -1);
}

void NatsServer::Stop() {
  if (tcp_ == nullptr) return;
  tcp_->Stop();
  {
    absl::MutexLock lock(&mu_);
    for (auto& [cid, weak] : connections_) {
      if (auto conn = weak.lock()) conn->Close();
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + kCloseTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      absl::MutexLock lock(&mu_);
      if (connections_.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  tcp_.reset();
  // Lets a password check still in flight finish; its answer goes to a closed connection.
  auth_pool_.join();
}

std::vector<ConnectionInfo> NatsServer::Connections() const {
  std::vector<std::shared_ptr<NatsConnection>> live;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [cid, weak] : connections_) {
      if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
  }
  std::vector<ConnectionInfo> out;
  for (const auto& conn : live) out.push_back(conn->Info());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.cid < b.cid; });
  return out;
}

void NatsServer::Register(const std::shared_ptr<NatsConnection>& conn) {
  absl::MutexLock lock(&mu_);
  connections_[conn->cid()] = conn;
}

void NatsServer::Unregister(uint64_t cid) {
  absl::MutexLock lock(&mu_);
  connections_.erase(cid);
}

}  // namespace aio::protocol::nats
