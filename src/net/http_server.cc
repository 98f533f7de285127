#include "net/http_server.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "net/address.h"

namespace aio::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Request line plus header fields (Beast's default is 8 KiB; a Bearer token may be up to 8 KiB).
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

// One accepted socket, plaintext or TLS. `busy` is touched only on the connection's strand.
struct Connection {
  Connection(tcp::socket socket, asio::ssl::context* tls) {
    if (tls == nullptr) {
      plain.emplace(std::move(socket));
    } else {
      secure.emplace(beast::tcp_stream(std::move(socket)), *tls);
    }
  }
  beast::tcp_stream& stream() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  bool busy = false;  // a request has been read and its response is not written yet
};

// The answer awaited from an async handler: the first Answer() resumes the request's coroutine
// (on its connection's executor), later ones are ignored.
class PendingResponse {
 public:
  std::function<void(HttpResponse)> finish;  // set before the handler runs

  void Answer(HttpResponse response) {
    std::function<void(HttpResponse)> take;
    {
      std::lock_guard lock(mu_);
      take.swap(finish);
    }
    if (take) take(std::move(response));
  }

 private:
  std::mutex mu_;
};

HttpResponse PlainError(int status, std::string body) {
  return HttpResponse{.status = status, .content_type = "text/plain", .body = std::move(body)};
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpRouter router)
      : options_(std::move(options)),
        router_(std::move(router)),
        acceptor_strand_(asio::make_strand(ioc_)),
        acceptor_(acceptor_strand_) {}

  absl::StatusOr<int> Start() {
    const std::string address = JoinHostPort(options_.host, options_.port);
    boost::system::error_code ec;
    if (!options_.tls.cert_file.empty()) {
      if (absl::Status loaded = CheckTlsFiles(options_.tls); !loaded.ok()) return loaded;
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
      if (tls_->use_certificate_chain_file(options_.tls.cert_file, ec) ||
          tls_->use_private_key_file(options_.tls.key_file, asio::ssl::context::pem, ec)) {
        return absl::InvalidArgumentError(
            fmt::format("HTTPS on {}: {}: {}", address, options_.tls.cert_file, ec.message()));
      }
    }
    const asio::ip::address ip = asio::ip::make_address(options_.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("cannot listen on {}: not an IP address", address));
    }
    const tcp::endpoint endpoint(ip, static_cast<uint16_t>(options_.port));
    if (acceptor_.open(endpoint.protocol(), ec) ||
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
        acceptor_.bind(endpoint, ec) ||
        acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
      const std::string reason = ec.message();
      acceptor_.close(ec);
      return absl::UnavailableError(fmt::format("cannot listen on {}: {}", address, reason));
    }
    const int port = acceptor_.local_endpoint().port();
    work_.emplace(ioc_.get_executor());
    asio::co_spawn(acceptor_strand_, Accept(), asio::detached);
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return port;
  }

  void Stop() {
    if (threads_.empty()) return;
    std::vector<std::shared_ptr<Connection>> open;
    std::set<std::shared_ptr<PendingResponse>> pending;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      open.assign(connections_.begin(), connections_.end());
      pending.swap(pending_);
    }
    // Async handlers still holding a request (long-polls) are answered now, so the drain ends.
    for (const auto& request : pending) request->Answer(PlainError(503, "server is stopping\n"));
    asio::post(acceptor_strand_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    for (const auto& connection : open) CloseIfIdle(connection);
    {
      std::unique_lock lock(mu_);
      drained_.wait_for(lock, options_.drain_timeout, [this] { return connections_.empty(); });
    }
    work_.reset();
    ioc_.stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    // No thread runs the connections any more: close what the drain left open.
    std::lock_guard lock(mu_);
    for (const auto& connection : connections_) {
      boost::system::error_code ec;
      connection->stream().socket().close(ec);
    }
  }

 private:
  bool Stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // Closes `connection` unless it is serving a request (it then closes itself after the response).
  void CloseIfIdle(const std::shared_ptr<Connection>& connection) {
    asio::post(connection->stream().get_executor(), [connection] {
      if (connection->busy) return;
      boost::system::error_code ec;
      connection->stream().socket().shutdown(tcp::socket::shutdown_both, ec);
      connection->stream().socket().close(ec);
    });
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kNoThrow);
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: back off instead of spinning.
        asio::steady_timer timer(acceptor_strand_, std::chrono::milliseconds(50));
        co_await timer.async_wait(kNoThrow);
        continue;
      }
      auto connection = std::make_shared<Connection>(std::move(socket), tls_ ? &*tls_ : nullptr);
      {
        std::lock_guard lock(mu_);
        if (stopping_) co_return;
        connections_.insert(connection);
      }
      asio::co_spawn(connection->stream().get_executor(), Serve(connection), asio::detached);
    }
  }

  asio::awaitable<void> Serve(std::shared_ptr<Connection> connection) {
    if (connection->secure) {
      connection->stream().expires_after(options_.read_timeout);
      auto [handshake_error] =
          co_await connection->secure->async_handshake(asio::ssl::stream_base::server, kNoThrow);
      if (!handshake_error) co_await ServeRequests(*connection, *connection->secure);
    } else {
      co_await ServeRequests(*connection, *connection->plain);
    }
    boost::system::error_code ec;
    connection->stream().socket().shutdown(tcp::socket::shutdown_both, ec);
    connection->stream().socket().close(ec);
    std::lock_guard lock(mu_);
    connections_.erase(connection);
    drained_.notify_all();
  }

  // The keep-alive loop of one connection over `stream` (a tcp_stream or an ssl_stream over one).
  template <class Stream>
  asio::awaitable<void> ServeRequests(Connection& connection, Stream& stream) {
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(static_cast<uint64_t>(options_.max_body_bytes));
      parser.header_limit(kMaxHeaderBytes);
      connection.stream().expires_after(first ? options_.read_timeout : options_.idle_timeout);
      auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (read_error) {
        if (read_error == http::error::body_limit) {
          co_await Write(connection, stream, PlainError(413, "request body too large\n"), 11,
                         false);
        } else if (read_error == http::error::header_limit) {
          co_await Write(connection, stream, PlainError(431, "request header fields too large\n"),
                         11, false);
        }
        break;
      }
      connection.busy = true;
      http::request<http::string_body> request = parser.release();
      boost::system::error_code peer_error;
      const auto peer = connection.stream().socket().remote_endpoint(peer_error);
      // Not a conditional inside the co_await: GCC 12 destroys such a temporary twice.
      std::string remote = peer_error ? "" : peer.address().to_string();
      HttpResponse response = co_await Handle(request, std::move(remote));
      const bool keep_alive = request.keep_alive() && options_.keep_alive && !Stopping();
      const bool written =
          co_await Write(connection, stream, std::move(response), request.version(), keep_alive);
      connection.busy = false;
      // Stop() skips connections that are busy: one that was busy then must notice on its own.
      if (!written || !keep_alive || Stopping()) break;
    }
  }

  // Dispatches `request` and completes on the connection's executor once its handler has
  // answered; an async handler may answer later from any thread.
  asio::awaitable<HttpResponse> Handle(const http::request<http::string_body>& request,
                                       std::string remote) {
    HttpRequest in;
    in.authorization = std::string(request[http::field::authorization]);
    in.remote_address = std::move(remote);
    in.method = std::string(request.method_string());
    const std::string_view target = request.target();
    const size_t question = target.find('?');
    in.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) in.query = std::string(target.substr(question + 1));
    in.content_type = std::string(request[http::field::content_type]);
    in.body = request.body();
    auto pending = std::make_shared<PendingResponse>();
    HttpResponse response =
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpResponse)>(
            [&](auto handler) {
              auto resume = std::make_shared<decltype(handler)>(std::move(handler));
              pending->finish = [resume](HttpResponse out) {
                asio::post(asio::get_associated_executor(*resume),
                           [resume, out = std::move(out)]() mutable {
                             std::move (*resume)(std::move(out));
                           });
              };
              HttpRespond respond = [pending](HttpResponse out) {
                pending->Answer(std::move(out));
              };
              try {
                router_.Dispatch(in, respond);
              } catch (const std::exception& e) {
                respond(PlainError(500, fmt::format("internal error: {}\n", e.what())));
              }
              // Not answered yet: an async handler holds the request, which Stop() must answer.
              std::unique_lock lock(mu_);
              if (!stopping_) {
                pending_.insert(pending);
              } else {
                lock.unlock();
                respond(PlainError(503, "server is stopping\n"));
              }
            },
            asio::use_awaitable);
    {
      std::lock_guard lock(mu_);
      pending_.erase(pending);
    }
    co_return response;
  }

  template <class Stream>
  asio::awaitable<bool> Write(Connection& connection, Stream& stream, HttpResponse out,
                              unsigned version, bool keep_alive) {
    http::response<http::string_body> response(static_cast<http::status>(out.status), version);
    response.set(http::field::server, "aio");
    response.set(http::field::content_type, out.content_type);
    for (auto& [name, value] : out.headers) response.set(name, value);
    response.body() = std::move(out.body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    connection.stream().expires_after(options_.write_timeout);
    auto [ec, bytes] = co_await http::async_write(stream, response, kNoThrow);
    co_return !ec;
  }

  const HttpServerOptions options_;
  const HttpRouter router_;
  std::optional<asio::ssl::context> tls_;  // set by Start() for HTTPS
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> acceptor_strand_;
  tcp::acceptor acceptor_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;

  // Open connections, so Stop() can close idle ones and wait for busy ones.
  std::mutex mu_;
  std::condition_variable drained_;
  bool stopping_ = false;                               // guarded by mu_
  std::set<std::shared_ptr<Connection>> connections_;   // guarded by mu_
  std::set<std::shared_ptr<PendingResponse>> pending_;  // guarded by mu_: async answers awaited
};

HttpServer::HttpServer(HttpServerOptions options, HttpRouter router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<int> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace aio::net
