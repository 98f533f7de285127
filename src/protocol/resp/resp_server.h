// RespServer: the Redis-protocol front-end. Accepts connections on the shared net::IoPool
// (each pinned to one I/O thread for life) and runs one RespConnection per socket: read, parse
// (RequestParser), execute every complete request through cache::Cache, and send all of a
// batch's replies in one write. Pub/sub messages and tracking invalidations from other threads
// are posted to the connection's thread and written between requests. AUTH / HELLO AUTH check the
// password (blocking: hashing) on the server's small auth pool, never on an I/O thread.
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
  // `cache` and `pool` must outlive the server's connections (stop the pool first).
  RespServer(cache::Cache* cache, net::IoPool* pool);
  ~RespServer();

  // Binds host:port (0 = any free port) and starts accepting; returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Stops accepting, closes every open connection and waits for password checks in flight.
  // Idempotent.
  void Stop();

 private:
  friend class RespConnection;
  void Track(const std::shared_ptr<RespConnection>& connection);
  void Untrack(RespConnection* connection);

  cache::Cache* const cache_;
  net::IoPool* const pool_;
  boost::asio::thread_pool auth_pool_{2};  // AuthenticatePassword, off the I/O threads
  std::unique_ptr<net::TcpServer> tcp_;
  std::mutex mu_;
  absl::flat_hash_set<RespConnection*> connections_;
  std::vector<std::weak_ptr<RespConnection>> weak_;
  bool stopped_ = false;
};

}  // namespace aio::protocol::resp
