// NatsConnection: one NATS client connection. Two coroutines on the connection's pinned I/O
// thread: the reader parses ops (Parser) and routes PUBs through mq::Broker; the writer sends the
// outbound buffer, which publishers on any thread append MSG/HMSG to (Deliver) under out_mu_, and
// pings the client every ping_interval (Stale Connection after max_pings_out unanswered).
// A client whose outbound buffer passes max_pending is a slow consumer and is disconnected.
//
// CONNECT with user/pass is checked on the server's auth pool (password hashing is blocking
// work); the reader waits for the answer on the pinned thread and parses nothing else meanwhile.
//
// Threading: Deliver/Wake/Close/Info from any thread; everything else on the pinned thread.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "auth/authenticator.h"
#include "mq/broker.h"
#include "protocol/nats/nats_server.h"
#include "protocol/nats/parser.h"

namespace aio::protocol::nats {

class NatsConnection : public mq::Subscriber, public std::enable_shared_from_this<NatsConnection> {
 public:
  NatsConnection(NatsServer* server, boost::asio::ip::tcp::socket socket, uint64_t cid);
  ~NatsConnection() override;

  // Serves the connection until it closes. Runs on the socket's executor.
  boost::asio::awaitable<void> Run();

  bool Deliver(const mq::Subscription& sub, const mq::Message& msg) override;
  void Wake() override;
  // Closes the socket (from any thread); Run() returns soon after.
  void Close();
  ConnectionInfo Info() const;
  uint64_t cid() const { return cid_; }

 private:
  enum class Next { kContinue, kClose };

  boost::asio::awaitable<void> ReadLoop();
  boost::asio::awaitable<void> WriteLoop();
  // Every op but CONNECT.
  Next HandleOp(const Op& op);
  boost::asio::awaitable<Next> HandleConnect(const Op& op);
  Next HandlePub(const Op& op);
  Next HandleSub(const Op& op);
  Next HandleUnsub(const Op& op);
  bool MayPublish(std::string_view subject);
  bool MaySubscribe(std::string_view subject);
  void SendInfo();
  // Appends to the outbound buffer (reader thread); the writer is woken after the read batch.
  void Send(std::string_view bytes);
  void SendErr(std::string_view text);
  // Sends -ERR `text` then closes after the buffer is flushed.
  Next FailWith(std::string_view text);
  void RemoveAllSubscriptions();
  void FlushBatch();

  NatsServer* const server_;
  mq::Broker* const broker_;
  const NatsServerOptions& options_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer wake_timer_;
  const uint64_t cid_;
  const Parser parser_;
  std::string remote_ip_;
  int remote_port_ = 0;
  const int64_t start_ms_;

  // Reader state (pinned thread only).
  bool connected_ = false;  // CONNECT seen
  bool verbose_ = false;
  bool pedantic_ = false;
  bool echo_ = true;
  bool headers_ = false;
  bool no_responders_ = false;
  std::optional<auth::Identity> identity_;
  absl::flat_hash_map<std::string, bool> publish_allowed_;      // authorizer answers, per subject
  absl::flat_hash_map<std::string, mq::SubscriptionPtr> subs_;  // by sid
  mq::MatchCache match_cache_;
  mq::WakeList wake_;
  int64_t batch_msgs_in_ = 0;
  int64_t batch_bytes_in_ = 0;
  int pings_out_ = 0;
  std::chrono::steady_clock::time_point next_ping_;
  std::chrono::steady_clock::time_point auth_deadline_;  // CONNECT due by then (auth required)
  bool auth_required_ = false;

  // Outbound buffer: appended by publishers on any thread, drained by the writer.
  mutable absl::Mutex out_mu_;
  std::string out_ ABSL_GUARDED_BY(out_mu_);
  bool writer_idle_ ABSL_GUARDED_BY(out_mu_) = false;
  bool closing_ ABSL_GUARDED_BY(out_mu_) = false;  // flush what is queued, then close
  bool closed_ ABSL_GUARDED_BY(out_mu_) = false;   // accept nothing more
  int64_t out_msgs_ ABSL_GUARDED_BY(out_mu_) = 0;
  int64_t out_bytes_ ABSL_GUARDED_BY(out_mu_) = 0;
  std::atomic<bool> slow_consumer_{false};

  // For Info(): written on the pinned thread, read from any.
  mutable absl::Mutex info_mu_;
  std::string name_ ABSL_GUARDED_BY(info_mu_), lang_ ABSL_GUARDED_BY(info_mu_),
      version_ ABSL_GUARDED_BY(info_mu_);
  std::atomic<int64_t> in_msgs_{0}, in_bytes_{0}, sub_count_{0};
};

}  // namespace aio::protocol::nats
