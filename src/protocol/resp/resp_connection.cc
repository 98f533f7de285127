#include "protocol/resp/resp_connection.h"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "net/address.h"
#include "net/run_blocking.h"
#include "protocol/resp/resp_server.h"

namespace aio::protocol::resp {

namespace asio = boost::asio;

namespace {

constexpr size_t kInitialBuffer = 16 * 1024;

std::string Endpoint(const asio::ip::tcp::endpoint& e) {
  return net::JoinHostPort(e.address().to_string(), e.port());
}

ParserLimits LimitsOf(const cache::CacheOptions& options) {
  ParserLimits limits;
  limits.max_bulk_len = options.proto_max_bulk_len;
  return limits;
}

}  // namespace

RespConnection::RespConnection(cache::Cache* cache, RespServer* server,
                               asio::ip::tcp::socket socket)
    : cache_(cache),
      server_(server),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      parser_(LimitsOf(cache->options())),
      rb_(&out_) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);  // StartFlush's write_some must never wait
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) addr = Endpoint(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) laddr = Endpoint(local);
}

RespConnection::~RespConnection() {
  if (registered_) cache_->UnregisterClient(this);
  cache_->stats().net_input_bytes.fetch_add(bytes_in_, std::memory_order_relaxed);
  cache_->stats().net_output_bytes.fetch_add(bytes_out_, std::memory_order_relaxed);
}

// Deliver, Wake and Kill may race with the connection's end: a connection being destroyed is
// skipped (weak_from_this), never resurrected.
void RespConnection::Deliver(std::string bytes) {
  std::shared_ptr<RespConnection> self = weak_from_this().lock();
  if (self == nullptr) return;
  asio::post(socket_.get_executor(), [self = std::move(self), bytes = std::move(bytes)] {
    if (self->closed_) return;
    self->out_.append(bytes);
    self->StartFlush();
  });
}

void RespConnection::Wake() {
  std::shared_ptr<RespConnection> self = weak_from_this().lock();
  if (self == nullptr) return;
  asio::post(socket_.get_executor(), [self = std::move(self)] {
    self->wake_pending_ = true;
    self->timer_.cancel();
  });
}

void RespConnection::Kill() {
  std::shared_ptr<RespConnection> self = weak_from_this().lock();
  if (self == nullptr) return;
  asio::post(socket_.get_executor(), [self = std::move(self)] { self->Close(); });
}

void RespConnection::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
}

void RespConnection::Compact() {
  std::memmove(in_.data(), in_.data() + in_start_, in_len_ - in_start_);
  in_len_ -= in_start_;
  in_start_ = 0;
}

void RespConnection::StartFlush() {
  if (writing_ || out_.empty() || closed_) return;
  // As Redis's writeToClient: one send() straight from the reply buffer. An async_write would
  // make the same speculative send() and then queue its completion for a later turn of the loop.
  boost::system::error_code ec;
  size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
  } else if (ec) {
    Close();
    return;
  }
  bytes_out_ += n;
  if (n == out_.size()) {
    out_.clear();
    return;
  }
  out_.erase(0, n);
  writing_ = true;
  writing_buf_.swap(out_);
  out_.clear();
  asio::async_write(socket_, asio::buffer(writing_buf_),
                    [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                      self->writing_ = false;
                      self->bytes_out_ += n;
                      self->writing_buf_.clear();
                      if (ec) {
                        self->Close();
                        return;
                      }
                      self->StartFlush();
                    });
}

asio::awaitable<void> RespConnection::Run() {
  auto self = shared_from_this();
  if (!cache_->RegisterClient(this)) {
    out_ = "-ERR max number of clients reached\r\n";
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(out_),
                               asio::redirect_error(asio::use_awaitable, ec));
    Close();
    co_return;
  }
  registered_ = true;
  in_.resize(kInitialBuffer);
  const size_t limit = static_cast<size_t>(cache_->options().client_query_buffer_limit);
  while (!closed_) {
    if (in_len_ == in_.size()) {
      if (in_start_ > 0) Compact();
      if (in_len_ == in_.size()) {
        if (in_.size() >= limit) break;  // client-query-buffer-limit: Redis closes the client
        in_.resize(std::min(in_.size() * 2, limit));
      }
    }
    boost::system::error_code ec;
    const size_t n =
        co_await socket_.async_read_some(asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
                                         asio::redirect_error(asio::use_awaitable, ec));
    if (ec || closed_) break;
    in_len_ += n;
    bytes_in_ += n;
    const int64_t clock_us = cache::Cache::NowUs();
    last_interaction_ms.store(clock_us / 1000, std::memory_order_relaxed);
    const bool keep = co_await ProcessInput(clock_us);
    StartFlush();
    if (!keep) break;
    if (in_start_ == in_len_) {
      in_start_ = in_len_ = 0;
    } else if (in_start_ > in_.size() / 2) {
      Compact();
    }
  }
  // Let the last replies (QUIT's +OK, a protocol error) leave before closing.
  if (!closed_ && (writing_ || !out_.empty())) {
    StartFlush();
    asio::steady_timer wait(socket_.get_executor());
    for (int i = 0; i < 100 && (writing_ || !out_.empty()) && !closed_; ++i) {
      wait.expires_after(std::chrono::milliseconds(10));
      boost::system::error_code ec;
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  Close();
  // Leave the registries while this object is still owned, so no publisher can reach it after.
  cache_->UnregisterClient(this);
  registered_ = false;
}

asio::awaitable<bool> RespConnection::ProcessInput(int64_t clock_us) {
  while (!closed_ && in_start_ < in_len_) {
    const RequestParser::Result result =
        parser_.Parse(std::string_view(in_.data() + in_start_, in_len_ - in_start_));
    if (result == RequestParser::Result::kNeedMore) co_return true;
    if (result == RequestParser::Result::kError) {
      cache_->stats().protocol_errors.fetch_add(1, std::memory_order_relaxed);
      rb_.Error("ERR " + parser_.error());
      co_return false;
    }
    in_start_ += parser_.consumed();
    const auto& args = parser_.args();
    if (args.empty()) continue;
    rb_.set_resp3(resp == 3);
    if (!in_multi && cache_->auth_required()) {
      if (std::optional<cache::PasswordRequest> request = cache::PasswordRequestOf(args)) {
        // Password hashing is blocking work: run it on the auth pool and resume here, on this
        // connection's thread; no other request of this client runs meanwhile. The arguments
        // stay valid: the input buffer is not touched while waiting.
        StartFlush();
        cache::PasswordCheck check;
        check.user = request->user;
        check.password = request->password;
        auth::Authenticator* authenticator = cache_->authenticator();
        check.result = co_await net::RunBlocking(
            server_->auth_pool_.get_executor(),
            [&] { return authenticator->AuthenticatePassword(check.user, check.password, addr); },
            asio::use_awaitable);
        if (closed_) co_return false;
        password_check = std::move(check);
        clock_us = 0;
      }
    }
    int64_t timeout_ms = 0;
    cache::Cache::Outcome outcome = cache_->Execute(*this, args, rb_, &timeout_ms, &clock_us);
    password_check.reset();
    if (outcome == cache::Cache::Outcome::kClose) co_return false;
    if (outcome != cache::Cache::Outcome::kBlocked) continue;
    // A blocked pop: wait for a wakeup or the timeout, then run the command again; it stays in
    // the keys' queues (cache.h, BlockOn) until served, timed out or closed. The arguments stay
    // valid: the input buffer is not touched while blocked (input arriving meanwhile waits in
    // blocked_input_).
    const std::vector<std::string_view> saved(args.begin(), args.end());
    const auto deadline =
        timeout_ms > 0 ? std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms)
                       : std::chrono::steady_clock::time_point::max();
    StartFlush();
    blocked_ = true;
    WatchWhileBlocked();
    while (true) {
      if (!wake_pending_) {
        timer_.expires_at(deadline);
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (closed_) {
        // Gone while blocked: leaves the queues without taking anything.
        cache_->Unblock(*this);
        co_return false;
      }
      if (!wake_pending_) {
        cache_->TimeoutBlocked(*this, rb_);
        break;
      }
      wake_pending_ = false;
      outcome = cache_->Execute(*this, saved, rb_, &timeout_ms);
      if (outcome != cache::Cache::Outcome::kBlocked) {
        cache_->Unblock(*this);  // refused before running (the handler's run unblocks itself)
        break;
      }
    }
    blocked_ = false;
    clock_us = 0;
    if (!blocked_input_.empty()) {
      // The request's arguments are no longer used: the buffer may move.
      const size_t n = blocked_input_.size();
      if (in_.size() - in_len_ < n) {
        Compact();
        if (in_.size() - in_len_ < n) in_.resize(in_len_ + n);
      }
      std::memcpy(in_.data() + in_len_, blocked_input_.data(), n);
      in_len_ += n;
      blocked_input_.clear();
    }
  }
  co_return true;
}

void RespConnection::WatchWhileBlocked() {
  if (watching_ || closed_) return;
  watching_ = true;
  socket_.async_wait(
      asio::ip::tcp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        self->watching_ = false;
        if (ec || self->closed_ || !self->blocked_) return;
        // As Redis, which keeps reading a blocked client: the peer's close ends the wait; more
        // requests are kept for after it.
        const size_t limit = static_cast<size_t>(self->cache_->options().client_query_buffer_limit);
        char chunk[4096];
        for (;;) {
          const ssize_t n =
              ::recv(self->socket_.native_handle(), chunk, sizeof(chunk), MSG_DONTWAIT);
          if (n > 0) {
            self->bytes_in_ += static_cast<uint64_t>(n);
            self->blocked_input_.append(chunk, static_cast<size_t>(n));
            if (self->blocked_input_.size() + self->in_len_ > limit) break;
            continue;
          }
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            self->WatchWhileBlocked();
            return;
          }
          break;  // 0: the peer closed; or a socket error
        }
        self->Close();
      });
}

}  // namespace aio::protocol::resp
