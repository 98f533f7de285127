#include "protocol/resp/resp_server.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <thread>

#include "protocol/resp/resp_connection.h"

namespace aio::protocol::resp {

namespace asio = boost::asio;

RespServer::RespServer(cache::Cache* cache, size_t io_threads)
    : cache_(cache), pool_(io_threads > 0 ? io_threads : DefaultIoThreads()) {}

RespServer::~RespServer() { Stop(); }

size_t RespServer::DefaultIoThreads() {
  return std::max<size_t>(1, std::thread::hardware_concurrency() / 2);
}

absl::StatusOr<int> RespServer::Start(const std::string& host, int port) {
  pool_.Start();
  tcp_ = std::make_unique<net::TcpServer>(
      &pool_, [this](asio::ip::tcp::socket socket) -> asio::awaitable<void> {
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    for (auto& weak : weak_) {
      if (auto connection = weak.lock()) connection->Kill();
    }
    weak_.clear();
  }
  auth_pool_.join();
  // Outside mu_: connections ending on the I/O threads take it (Untrack).
  pool_.Stop();
}

}  // namespace aio::protocol::resp
