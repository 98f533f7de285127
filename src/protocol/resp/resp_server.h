// RespServer: the Redis-protocol front-end. Accepts connections on its own net::IoPool (each
// pinned to one I/O thread for life) and runs one RespConnection per socket: read, parse
// (RequestParser), execute every complete request through cache::Cache, and send all of a
// batch's replies in one write. Pub/sub messages and tracking invalidations from other threads
// are posted to the connection's thread and written between requests. AUTH / HELLO AUTH check the
// password (blocking: hashing) on the server's small auth pool, never on an I/O thread.
//
// The pool is the cache's alone (not the NATS front-end's): its size trades CPU per request
// against parallelism. Every I/O thread sleeps in epoll_wait when it runs out of work and is woken
// per request, so on a small host one thread serving every connection (Redis's model) costs ~15%
// less CPU per request than one thread per core; the default is half the cores, at least one
// (docs/threading.md).
//
// Threading: Start()/Stop() from the owner thread. Connections run on the pool's threads.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "net/io_pool.h"
#include "protocol/resp/resp_parser.h"

namespace aio::protocol::resp {

class RespConnection;

class RespServer {
 public:
  // `cache` must outlive the server. io_threads: the I/O threads of the cache's connections,
  // 0 = DefaultIoThreads().
  RespServer(cache::Cache* cache, size_t io_threads);
  ~RespServer();

  // Half the cores, at least one.
  static size_t DefaultIoThreads();
  size_t io_threads() const { return pool_.size(); }

  // Binds host:port (0 = any free port) and starts accepting; returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Stops accepting, closes every open connection, waits for password checks in flight and stops
  // the I/O threads. Idempotent.
  void Stop();

 private:
  friend class RespConnection;
  void Track(const std::shared_ptr<RespConnection>& connection);
  void Untrack(RespConnection* connection);

  cache::Cache* const cache_;
  net::IoPool pool_;                       // declared before tcp_: the acceptor lives on it
  boost::asio::thread_pool auth_pool_{2};  // AuthenticatePassword, off the I/O threads
  std::unique_ptr<net::TcpServer> tcp_;
  std::mutex mu_;
  absl::flat_hash_set<RespConnection*> connections_;
  std::vector<std::weak_ptr<RespConnection>> weak_;
  bool stopped_ = false;
};

}  // namespace aio::protocol::resp
