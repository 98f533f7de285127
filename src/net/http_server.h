// HttpServer: an HTTP/1.1 server (Boost.Beast, C++20 coroutines) serving an HttpRouter, with
// keep-alive and per-request read/write timeouts; HTTPS (TLS 1.2+) when given a certificate.
//
// Threading: `threads` I/O threads run one io_context; each connection runs on its own strand;
// handlers run on the I/O threads; an async handler (HttpRouter::AddAsync) may answer later from
// any thread, and Stop() answers the ones still pending with 503. Start() and Stop() are called
// from one owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "net/http_router.h"
#include "net/tls.h"

namespace aio::net {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IP address to bind
  int port = 0;                    // 0 = any free port
  int threads = 1;
  std::chrono::milliseconds read_timeout{30'000};   // to receive the first request
  std::chrono::milliseconds idle_timeout{60'000};   // to receive each next request (keep-alive)
  std::chrono::milliseconds write_timeout{30'000};  // to send one response
  bool keep_alive = true;
  int64_t max_body_bytes = 4 << 20;                // larger bodies get 413
  std::chrono::milliseconds drain_timeout{3'000};  // Stop() waits this long for in-flight requests
  // HTTPS with this PEM certificate and key when cert_file is set (ca_file is not used: no client
  // certificates). The TLS handshake must finish within read_timeout.
  TlsFiles tls;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpRouter router);
  ~HttpServer();  // Stop()s

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts serving. Returns the bound port. The error names the address
  // ("cannot listen on 127.0.0.1:8080: Address already in use") or the TLS file that does not load.
  absl::StatusOr<int> Start();

  // Stops accepting, closes idle connections, lets in-flight requests finish (up to
  // drain_timeout), then closes everything and joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aio::net
