#include "net/io_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "net/address.h"

namespace aio::net {

namespace asio = boost::asio;
using asio::ip::tcp;

IoPool::IoPool(size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
  }
}

IoPool::~IoPool() { Stop(); }

void IoPool::Start() {
  for (auto& context : contexts_) {
    guards_.push_back(asio::make_work_guard(*context));
    threads_.emplace_back([ctx = context.get()] { ctx->run(); });
  }
}

void IoPool::Stop() {
  guards_.clear();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

asio::io_context& IoPool::Next() { return *contexts_[next_++ % contexts_.size()]; }

TcpServer::TcpServer(IoPool* pool, Handler handler) : pool_(pool), handler_(std::move(handler)) {}

TcpServer::~TcpServer() { Stop(); }

absl::StatusOr<int> TcpServer::Listen(const std::string& host, int port) {
  auto fail = [&](const boost::system::error_code& ec) {
    return absl::UnavailableError("cannot listen on " + JoinHostPort(host, port) + ": " +
                                  ec.message());
  };
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) return fail(ec);
  // The acceptor lives on pool thread 0; accepted sockets move to their own thread.
  acceptor_ = std::make_unique<tcp::acceptor>(pool_->at(0));
  tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  if (acceptor_->open(endpoint.protocol(), ec); ec) return fail(ec);
  if (acceptor_->set_option(tcp::acceptor::reuse_address(true), ec); ec) return fail(ec);
  if (acceptor_->bind(endpoint, ec); ec) return fail(ec);
  if (acceptor_->listen(asio::socket_base::max_listen_connections, ec); ec) return fail(ec);
  int bound = acceptor_->local_endpoint().port();
  asio::co_spawn(pool_->at(0), AcceptLoop(), asio::detached);
  return bound;
}

void TcpServer::Stop() {
  if (!acceptor_) return;
  // Close on the acceptor's own thread, and wait, so no accept is running afterwards.
  std::promise<void> closed;
  asio::post(acceptor_->get_executor(), [&] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    closed.set_value();
  });
  if (closed.get_future().wait_for(std::chrono::seconds(2)) == std::future_status::ready) {
    acceptor_.reset();
  }
}

asio::awaitable<void> TcpServer::AcceptLoop() {
  while (acceptor_ && acceptor_->is_open()) {
    asio::io_context& home = pool_->Next();
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_->async_accept(home, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // e.g. EMFILE: keep serving the connections we have, and retry a little later.
      asio::steady_timer pause(acceptor_->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(home, handler_(std::move(socket)), asio::detached);
  }
}

}  // namespace aio::net
