// IoPool and TcpServer: the I/O threads of the data planes (RESP cache, NATS message queue).
//
// IoPool runs N threads, one io_context each. TcpServer accepts connections and pins each one to
// one pool thread for life (round robin), where its handler runs as a C++20 coroutine; so all of
// a connection's state is touched by one thread and needs no lock.
//
// Threading: Start()/Stop() from one owner thread; Next() from any thread.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace aio::net {

class IoPool {
 public:
  // threads 0 = one per core.
  explicit IoPool(size_t threads);
  ~IoPool();  // Stop()s

  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  void Start();
  // Stops every io_context (pending handlers and coroutines are destroyed) and joins. Idempotent.
  void Stop();

  size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(size_t i) { return *contexts_[i]; }
  boost::asio::io_context& Next();  // round robin

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

class TcpServer {
 public:
  // Runs one connection; returns when it is done (the socket closes with it).
  using Handler = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

  TcpServer(IoPool* pool, Handler handler);
  ~TcpServer();  // Stop()s

  // Binds host:port (port 0 = any free port) and starts accepting. Returns the bound port; the
  // error names the address ("cannot listen on 127.0.0.1:6379: Address already in use").
  absl::StatusOr<int> Listen(const std::string& host, int port);
  // Stops accepting. Open connections end when their handler returns or the pool stops.
  void Stop();

 private:
  boost::asio::awaitable<void> AcceptLoop();

  IoPool* const pool_;
  const Handler handler_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
};

}  // namespace aio::net
