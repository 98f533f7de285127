// RespConnection: one Redis-protocol client socket. Owned by its coroutine (Run) and by callbacks
// holding a shared_ptr; everything but Deliver/Wake/Kill runs on the connection's I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "cache/cache.h"
#include "cache/client.h"
#include "protocol/resp/reply_builder.h"
#include "protocol/resp/resp_parser.h"

namespace aio::protocol::resp {

class RespServer;

class RespConnection : public cache::Client, public std::enable_shared_from_this<RespConnection> {
 public:
  RespConnection(cache::Cache* cache, RespServer* server, boost::asio::ip::tcp::socket socket);
  ~RespConnection() override;

  boost::asio::awaitable<void> Run();

  void Deliver(std::string bytes) override;
  void Wake() override;
  void Kill() override;

 private:
  // Runs every complete request in the input buffer; clock_us is Cache::NowUs() read after the
  // read that brought them. Returns false to close.
  boost::asio::awaitable<bool> ProcessInput(int64_t clock_us);
  // Sends the pending replies: written at once as far as the socket takes them (no asio
  // operation for the usual reply that fits), the rest by one async_write at a time.
  void StartFlush();
  // While a pop is blocked (blocked_): waits for the socket to be readable, reads what came into
  // blocked_input_ and closes on the peer's close or past client-query-buffer-limit, so a client
  // gone while blocked leaves the queues and never takes an element.
  void WatchWhileBlocked();
  // Moves the unparsed input to the front of the buffer.
  void Compact();
  void Close();

  cache::Cache* const cache_;
  RespServer* const server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;  // blocked pops
  RequestParser parser_;
  std::string in_;
  size_t in_start_ = 0;
  size_t in_len_ = 0;
  std::string out_;
  std::string writing_buf_;
  ReplyBuilder rb_;
  bool writing_ = false;
  bool closed_ = false;
  bool registered_ = false;
  bool wake_pending_ = false;
  bool blocked_ = false;
  bool watching_ = false;      // a WatchWhileBlocked wait is pending
  std::string blocked_input_;  // requests read while blocked
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
};

}  // namespace aio::protocol::resp
