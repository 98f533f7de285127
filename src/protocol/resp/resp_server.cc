#include "protocol/resp/resp_server.h"

#include <boost/asio/post.hpp>

#include "protocol/resp/resp_connection.h"

namespace aio::protocol::resp {

namespace asio = boost::asio;

RespServer::RespServer(cache::Cache* cache, net::IoPool* pool) : cache_(cache), pool_(pool) {}

RespServer::~RespServer() { Stop(); }

absl::StatusOr<int> RespServer::Start(const std::string& host, int port) {
  tcp_ = std::make_unique<net::TcpServer>(
      pool_, [this](asio::ip::tcp::socket socket) -> asio::awaitable<void> {
        auto connection = std::make_shared<RespConnection>(cache_, this, std::move(socket));
        Track(connection);
        co_await connection->Run();
        Untrack(connection.get());
      });
  return tcp_->Listen(host, port);
}

void RespServer::Track(const std::shared_ptr<RespConnection>& connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) {
    connection->Kill();
    return;
  }
  connections_.insert(connection.get());
  weak_.push_back(connection);
  if (weak_.size() > 2 * connections_.size() + 64) {
    std::erase_if(weak_, [](const std::weak_ptr<RespConnection>& w) { return w.expired(); });
  }
}

void RespServer::Untrack(RespConnection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(connection);
}

void RespServer::Stop() {
  if (tcp_ != nullptr) tcp_->Stop();
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  for (auto& weak : weak_) {
    if (auto connection = weak.lock()) connection->Kill();
  }
  weak_.clear();
  auth_pool_.join();
}

}  // namespace aio::protocol::resp
