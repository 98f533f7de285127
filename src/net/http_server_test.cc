#include "net/http_server.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// A blocking HTTP client over one connection.
class Client {
 public:
  explicit Client(int port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  http::response<http::string_body> Send(http::verb verb, const std::string& target,
                                         const std::string& body = "") {
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = body;
    request.prepare_payload();
    http::write(socket_, request);
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response);
    return response;
  }

  // True when the server has closed the connection.
  bool Closed() {
    boost::system::error_code ec;
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response, ec);
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

HttpRouter EchoRouter() {
  HttpRouter router;
  router.Add("GET", "/hello", [](const HttpRequest& r) {
    return HttpResponse{.content_type = "text/plain", .body = "hello " + r.query};
  });
  router.Add("POST", "/echo", [](const HttpRequest& r) { return HttpResponse{.body = r.body}; });
  router.Add("GET", "/throw",
             [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  return router;
}

TEST(HttpServerTest, ServesRoutesWithKeepAlive) {
  HttpServer server({.port = 0}, EchoRouter());
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_GT(*port, 0);

  Client client(*port);
  auto response = client.Send(http::verb::get, "/hello?name=x");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "hello name=x");
  EXPECT_EQ(response[http::field::content_type], "text/plain");
  EXPECT_TRUE(response.keep_alive());
  // Same connection, next request.
  response = client.Send(http::verb::post, "/echo", "payload");
  EXPECT_EQ(response.body(), "payload");
  EXPECT_EQ(client.Send(http::verb::get, "/missing").result_int(), 404);
  response = client.Send(http::verb::delete_, "/echo");
  EXPECT_EQ(response.result_int(), 405);
  EXPECT_EQ(response[http::field::allow], "POST");
  response = client.Send(http::verb::get, "/throw");
  EXPECT_EQ(response.result_int(), 500);
  EXPECT_THAT(response.body(), HasSubstr("boom"));
  server.Stop();
}

TEST(HttpServerTest, OversizedBodyIs413) {
  HttpServer server({.port = 0, .max_body_bytes = 16}, EchoRouter());
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok());
  Client client(*port);
  EXPECT_EQ(client.Send(http::verb::post, "/echo", std::string(100, 'x')).result_int(), 413);
}

TEST(HttpServerTest, BindFailureNamesTheAddress) {
  HttpServer first({.port = 0}, EchoRouter());
  absl::StatusOr<int> port = first.Start();
  ASSERT_TRUE(port.ok());
  HttpServer second({.port = *port}, EchoRouter());
  absl::StatusOr<int> failed = second.Start();
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(),
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(*port) +
                        ": Address already in use"));

  HttpServer bad({.host = "not-an-ip", .port = 0}, EchoRouter());
  EXPECT_THAT(bad.Start().status().message(), HasSubstr("cannot listen on not-an-ip:0"));
}

TEST(HttpServerTest, StopFinishesInFlightRequestsAndClosesIdleOnes) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  HttpRouter router;
  router.Add("GET", "/slow", [&](const HttpRequest&) {
    entered.set_value();
    released.wait();
    return HttpResponse{.body = "done"};
  });
  router.Add("GET", "/fast", [](const HttpRequest&) { return HttpResponse{.body = "fast"}; });
  // Two I/O threads: the slow handler holds one.
  HttpServer server({.port = 0, .threads = 2}, std::move(router));
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok());

  Client idle(*port);
  EXPECT_EQ(idle.Send(http::verb::get, "/fast").body(), "fast");

  auto slow = std::async(std::launch::async, [&] {
    Client client(*port);
    return client.Send(http::verb::get, "/slow");
  });
  entered.get_future().wait();
  std::thread stopper([&] { server.Stop(); });
  EXPECT_TRUE(idle.Closed());
  release.set_value();
  auto response = slow.get();
  EXPECT_EQ(response.body(), "done");
  EXPECT_FALSE(response.keep_alive());  // the server is stopping: no more requests on it
  stopper.join();

  boost::system::error_code ec;
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), *port), ec);
  EXPECT_TRUE(ec) << "the listener is closed after Stop()";
}

TEST(HttpServerTest, AsyncHandlerAnswersLaterFromAnotherThreadWithoutHoldingAnIoThread) {
  std::promise<HttpRespond> parked;
  HttpRouter router;
  router.AddAsync("GET", "/later", [&](const HttpRequest&, HttpRespond respond) {
    parked.set_value(std::move(respond));
  });
  router.Add("GET", "/fast", [](const HttpRequest&) { return HttpResponse{.body = "fast"}; });
  HttpServer server({.port = 0, .threads = 1}, std::move(router));
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok());

  auto later = std::async(std::launch::async, [&] {
    Client client(*port);
    return client.Send(http::verb::get, "/later");
  });
  HttpRespond respond = parked.get_future().get();
  // The only I/O thread is free while the first request waits.
  Client other(*port);
  EXPECT_EQ(other.Send(http::verb::get, "/fast").body(), "fast");
  std::thread([&] {
    respond(HttpResponse{.body = "first"});
    respond(HttpResponse{.body = "second"});  // ignored
  }).join();
  EXPECT_EQ(later.get().body(), "first");
}

TEST(HttpServerTest, StopAnswersPendingAsyncRequestsWith503) {
  std::promise<void> entered;
  HttpRespond kept;
  HttpRouter router;
  router.AddAsync("GET", "/never", [&](const HttpRequest&, HttpRespond respond) {
    kept = std::move(respond);
    entered.set_value();
  });
  HttpServer server({.port = 0}, std::move(router));
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok());
  auto pending = std::async(std::launch::async, [&] {
    Client client(*port);
    return client.Send(http::verb::get, "/never");
  });
  entered.get_future().wait();
  server.Stop();
  EXPECT_EQ(pending.get().result_int(), 503);
  kept(HttpResponse{.body = "too late"});  // after Stop: ignored, no crash
}

}  // namespace
}  // namespace aio::net
