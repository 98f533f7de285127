#include "protocol/nats/nats_connection.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <vector>

#include "base/logging.h"
#include "fmt/format.h"
#include "mq/subject.h"
#include "nlohmann/json.hpp"
#include "protocol/nats/encode.h"
#include "protocol/nats/errors.h"

namespace aio::protocol::nats {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kInitialReadBuffer = 64 << 10;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

NatsConnection::NatsConnection(NatsServer* server, tcp::socket socket, uint64_t cid)
    : server_(server),
      broker_(server->broker()),
      options_(server->options()),
      socket_(std::move(socket)),
      wake_timer_(socket_.get_executor()),
      cid_(cid),
      parser_(ParseLimits{.max_control_line = options_.max_control_line,
                          .max_payload = options_.max_payload}),
      start_ms_(SystemNowMs()) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_ip_ = remote.address().to_string();
    remote_port_ = remote.port();
  }
  next_ping_ = Clock::now() + options_.ping_interval;
  auth_deadline_ = Clock::now() + options_.auth_timeout;
  auth_required_ = options_.authenticator != nullptr && options_.authenticator->enabled();
}

NatsConnection::~NatsConnection() = default;

asio::awaitable<void> NatsConnection::Run() {
  auto self = shared_from_this();
  SendInfo();  // the writer starts by sending it
  wake_.clear();
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->WriteLoop(); }, asio::detached);
  co_await ReadLoop();
  RemoveAllSubscriptions();
  bool wake = false;
  {
    absl::MutexLock lock(&out_mu_);
    closing_ = true;
    closed_ = true;
    wake = writer_idle_;
    writer_idle_ = false;
  }
  if (wake) wake_timer_.cancel();
}

asio::awaitable<void> NatsConnection::ReadLoop() {
  std::vector<char> buffer(kInitialReadBuffer);
  const size_t max_buffer =
      static_cast<size_t>(options_.max_payload) + options_.max_control_line + 64;
  size_t begin = 0;
  size_t end = 0;
  while (true) {
    if (end == buffer.size()) {
      if (begin > 0) {
        std::memmove(buffer.data(), buffer.data() + begin, end - begin);
        end -= begin;
        begin = 0;
      } else {
        buffer.resize(std::min(max_buffer, buffer.size() * 2));
      }
    }
    boost::system::error_code ec;
    const size_t n =
        co_await socket_.async_read_some(asio::buffer(buffer.data() + end, buffer.size() - end),
                                         asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    end += n;
    while (begin < end) {
      ParseResult result = parser_.Next(std::string_view(buffer.data() + begin, end - begin));
      if (result.status == ParseStatus::kNeedMore) break;
      if (result.status == ParseStatus::kError) {
        mq::Add(broker_->stats()->protocol_errors_total, 1);
        FailWith(ParseErrorText(result.error));
        FlushBatch();
        co_return;
      }
      const Next next = result.op.type == OpType::kConnect ? co_await HandleConnect(result.op)
                                                           : HandleOp(result.op);
      begin += result.consumed;
      if (next == Next::kClose) {
        FlushBatch();
        co_return;
      }
    }
    if (begin == end) begin = end = 0;
    FlushBatch();
  }
}

asio::awaitable<void> NatsConnection::WriteLoop() {
  auto self = shared_from_this();
  std::string writing;
  while (true) {
    if (auth_required_ && !connected_ && Clock::now() >= auth_deadline_) {
      mq::Add(broker_->stats()->auth_failures_total, 1);
      FailWith(kErrAuthenticationTimeout);
    }
    if (Clock::now() >= next_ping_) {
      next_ping_ = Clock::now() + options_.ping_interval;
      if (pings_out_ >= options_.max_pings_out) {
        mq::Add(broker_->stats()->stale_connections_total, 1);
        base::GetLogger("mq")->info("stale connection cid={} ip={}", cid_, remote_ip_);
        FailWith(kErrStaleConnection);
      } else {
        ++pings_out_;
        Send(kPing);
      }
    }
    // Send()/FailWith() above may have listed this connection for a wake-up: the writer is this
    // coroutine and reads the buffer next. (The reader's list is empty between its batches.)
    wake_.clear();
    bool closing = false;
    int64_t msgs = 0;
    int64_t bytes = 0;
    {
      absl::MutexLock lock(&out_mu_);
      closing = closing_;
      if (out_.empty()) {
        writer_idle_ = !closing;
      } else {
        writing.swap(out_);
        msgs = out_msgs_;
        bytes = out_bytes_;
        out_msgs_ = out_bytes_ = 0;
        writer_idle_ = false;
      }
    }
    if (writing.empty()) {
      if (closing) break;
      wake_timer_.expires_at(auth_required_ && !connected_ ? std::min(next_ping_, auth_deadline_)
                                                           : next_ping_);
      boost::system::error_code ec;
      co_await wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!socket_.is_open()) break;
      continue;
    }
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(writing),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    mq::Stats* stats = broker_->stats();
    mq::Add(stats->msgs_out_total, msgs);
    mq::Add(stats->bytes_out_total, bytes);
    writing.clear();
    if (writing.capacity() > (4 << 20)) writing.shrink_to_fit();
  }
  {
    absl::MutexLock lock(&out_mu_);
    closed_ = true;
    out_.clear();
  }
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

bool NatsConnection::Deliver(const mq::Subscription& sub, const mq::Message& msg) {
  absl::MutexLock lock(&out_mu_);
  if (closed_) return false;
  const size_t size = msg.headers.size() + msg.payload.size();
  if (out_.size() + size > static_cast<size_t>(options_.max_pending)) {
    // Slow consumer: nats-server drops the connection rather than buffer without bound.
    closed_ = true;
    closing_ = true;
    out_.clear();
    if (!slow_consumer_.exchange(true)) {
      mq::Add(broker_->stats()->slow_consumers_total, 1);
      base::GetLogger("mq")->warn("slow consumer cid={} ip={} pending_bytes>{}", cid_, remote_ip_,
                                  options_.max_pending);
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
        self->wake_timer_.cancel();
      });
    }
    return false;
  }
  AppendMsg(out_, msg.subject, sub.sid, msg.reply, msg.headers, msg.payload);
  ++out_msgs_;
  out_bytes_ += static_cast<int64_t>(size);
  if (!writer_idle_) return false;
  writer_idle_ = false;
  return true;
}

void NatsConnection::Wake() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->wake_timer_.cancel(); });
}

void NatsConnection::Close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->socket_.close(ignored);
    self->wake_timer_.cancel();
  });
}

ConnectionInfo NatsConnection::Info() const {
  ConnectionInfo info;
  info.cid = cid_;
  info.ip = remote_ip_;
  info.port = remote_port_;
  {
    absl::MutexLock lock(&info_mu_);
    info.name = name_;
    info.lang = lang_;
    info.version = version_;
  }
  info.subscriptions = sub_count_.load(std::memory_order_relaxed);
  info.in_msgs = in_msgs_.load(std::memory_order_relaxed);
  info.in_bytes = in_bytes_.load(std::memory_order_relaxed);
  {
    absl::MutexLock lock(&out_mu_);
    info.pending_bytes = static_cast<int64_t>(out_.size());
  }
  info.start_ms = start_ms_;
  return info;
}

void NatsConnection::Send(std::string_view bytes) {
  bool wake = false;
  {
    absl::MutexLock lock(&out_mu_);
    if (closed_ && !closing_) return;
    out_.append(bytes);
    wake = writer_idle_;
    writer_idle_ = false;
  }
  if (wake) wake_.push_back(shared_from_this());
}

void NatsConnection::SendErr(std::string_view text) {
  std::string line;
  AppendErr(line, text);
  Send(line);
}

NatsConnection::Next NatsConnection::FailWith(std::string_view text) {
  SendErr(text);
  bool wake = false;
  {
    absl::MutexLock lock(&out_mu_);
    closing_ = true;
    closed_ = true;
    wake = writer_idle_;
    writer_idle_ = false;
  }
  if (wake) wake_.push_back(shared_from_this());
  return Next::kClose;
}

void NatsConnection::FlushBatch() {
  if (batch_msgs_in_ > 0) {
    mq::Stats* stats = broker_->stats();
    mq::Add(stats->msgs_in_total, batch_msgs_in_);
    mq::Add(stats->bytes_in_total, batch_bytes_in_);
    in_msgs_.fetch_add(batch_msgs_in_, std::memory_order_relaxed);
    in_bytes_.fetch_add(batch_bytes_in_, std::memory_order_relaxed);
    batch_msgs_in_ = batch_bytes_in_ = 0;
  }
  for (const std::shared_ptr<mq::Subscriber>& subscriber : wake_) subscriber->Wake();
  wake_.clear();
}

void NatsConnection::RemoveAllSubscriptions() {
  for (auto& [sid, sub] : subs_) broker_->Unsubscribe(sub);
  subs_.clear();
  sub_count_ = 0;
}

void NatsConnection::SendInfo() {
  nlohmann::json info = {
      {"server_id", options_.server_id},
      {"server_name", options_.server_name},
      {"version", kEmulatedVersion},
      {"proto", 1},
      {"go", "aio"},
      {"host", options_.host},
      {"port", server_->bound_port_},
      {"headers", true},
      {"max_payload", options_.max_payload},
      {"client_id", cid_},
      {"client_ip", remote_ip_},
  };
  if (options_.authenticator != nullptr && options_.authenticator->enabled()) {
    info["auth_required"] = true;
  }
  if (options_.jetstream) info["jetstream"] = true;
  Send("INFO " + info.dump() + "\r\n");
}

}  // namespace aio::protocol::nats
