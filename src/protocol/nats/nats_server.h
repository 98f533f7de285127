// NatsServer: the NATS client-protocol listener of the message queue. Accepts connections on the
// shared net::IoPool (each pinned to one I/O thread) and runs a NatsConnection for each, routing
// through one mq::Broker. Implements nats-server's client behaviour: INFO on connect, CONNECT
// options, max_connections, auth through auth::Authenticator/Authorizer (nullptr = disabled).
// Password checks (Argon2id, tens of ms) run on the server's own small auth pool, never on an I/O
// thread; the connection waits for the answer on its pinned thread.
//
// Threading: Start()/Stop() from the owner thread; Connections() from any thread.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/authenticator.h"
#include "mq/broker.h"
#include "net/io_pool.h"

namespace aio::protocol::nats {

// The nats-server release whose client-protocol behaviour AIO implements; clients switch
// features on INFO.version (Debian bookworm ships this release, the one the tests compare with).
inline constexpr char kEmulatedVersion[] = "2.9.10";

struct NatsServerOptions {
  std::string host = "127.0.0.1";
  int port = 4222;  // 0 = any free port
  std::string server_id;
  std::string server_name;
  int64_t max_payload = 1 << 20;
  size_t max_control_line = 4096;
  int64_t max_connections = 65536;
  int64_t max_pending = 64 << 20;  // bytes queued to one client before it is a slow consumer
  std::chrono::milliseconds ping_interval{120'000};
  int max_pings_out = 2;
  std::chrono::milliseconds auth_timeout{2000};
  // Threads that run AuthenticatePassword (blocking: password hashing) off the I/O threads.
  int auth_threads = 2;
  auth::Authenticator* authenticator = nullptr;
  auth::Authorizer* authorizer = nullptr;
  // INFO advertises "jetstream": true (the JetStream service answers $JS.API.>).
  bool jetstream = false;
};

// A connection as the HTTP API shows it.
struct ConnectionInfo {
  uint64_t cid = 0;
  std::string ip;
  int port = 0;
  std::string name, lang, version;
  std::string user;
  int64_t subscriptions = 0;
  int64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  int64_t pending_bytes = 0;
  int64_t start_ms = 0;  // system clock, ms since the epoch
};

class NatsConnection;

class NatsServer {
 public:
  NatsServer(NatsServerOptions options, net::IoPool* pool, mq::Broker* broker);
  ~NatsServer();  // Stop()s

  // Listens on host:port; returns the bound port.
  absl::StatusOr<int> Start();
  // Stops accepting and closes every connection. Idempotent.
  void Stop();

  std::vector<ConnectionInfo> Connections() const;

  const NatsServerOptions& options() const { return options_; }
  mq::Broker* broker() { return broker_; }
  // Where blocking auth work runs (password hashing). Thread-safe.
  boost::asio::thread_pool& auth_pool() { return auth_pool_; }

 private:
  friend class NatsConnection;
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket);
  void Register(const std::shared_ptr<NatsConnection>& conn);
  void Unregister(uint64_t cid);

  const NatsServerOptions options_;
  net::IoPool* const pool_;
  mq::Broker* const broker_;
  std::unique_ptr<net::TcpServer> tcp_;
  int bound_port_ = 0;
  // Declared after options_ (sized from it); joined in Stop() after the connections are gone.
  boost::asio::thread_pool auth_pool_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::weak_ptr<NatsConnection>> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aio::protocol::nats
