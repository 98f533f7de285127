// RespServer / RespConnection over real loopback sockets on a one-thread IoPool, with a fake
// Authenticator: AUTH's password check must not hold up the other connections of its I/O thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "cache/cache.h"
#include "gtest/gtest.h"
#include "net/io_pool.h"
#include "protocol/resp/resp_server.h"

namespace aio::protocol::resp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Knows alice/secret. A password check blocks until Release() (or 10 s), so a test can tell
// whether it holds up the I/O thread.
class BlockingAuthenticator : public auth::Authenticator {
 public:
  bool enabled() const override { return true; }
  absl::StatusOr<auth::Identity> AuthenticatePassword(std::string_view user,
                                                      std::string_view password,
                                                      std::string_view /*source*/) override {
    ++calls_;
    if (!entered_.HasBeenNotified()) entered_.Notify();
    if (user != "fast") release_.WaitForNotificationWithTimeout(absl::Seconds(10));
    if ((user == "alice" || user == "fast") && password == "secret") {
      return auth::Identity{.user = std::string(user), .admin = true};
    }
    return absl::UnauthenticatedError("wrong password");
  }
  absl::StatusOr<auth::Identity> AuthenticateToken(std::string_view /*token*/,
                                                   std::string_view /*source*/) override {
    return absl::UnauthenticatedError("no tokens here");
  }

  bool WaitEntered() { return entered_.WaitForNotificationWithTimeout(absl::Seconds(5)); }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  int calls() const { return calls_.load(); }

 private:
  absl::Notification entered_;
  absl::Notification release_;
  std::atomic<int> calls_{0};
};

// A blocking test client with a deadline on every read.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void Send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // The next line (without CRLF), or "<timeout>" / "<closed>".
  std::string ReadLine(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    std::string line = "<timeout>";
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n",
                           [&](boost::system::error_code ec, size_t n) {
                             if (ec) {
                               line = "<closed>";
                               return;
                             }
                             line = buffer_.substr(0, n - 2);
                             buffer_.erase(0, n);
                           });
    io_.restart();
    io_.run_for(timeout);
    if (!io_.stopped()) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
      line = "<timeout>";
    }
    return line;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string buffer_;
};

class RespConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_.Start();
    server_ = std::make_unique<RespServer>(&cache_, &pool_);
    absl::StatusOr<int> port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }
  void TearDown() override {
    authenticator_.Release();
    server_->Stop();
    pool_.Stop();
  }

  BlockingAuthenticator authenticator_;
  cache::Cache cache_{cache::CacheOptions{}, &authenticator_, nullptr};
  net::IoPool pool_{1};  // one I/O thread: every connection shares it
  std::unique_ptr<RespServer> server_;
  int port_ = 0;
};

TEST_F(RespConnectionTest, AuthDoesNotStallOtherConnectionsOnTheThread) {
  Client other(port_);
  other.Send("AUTH fast secret\r\n");
  ASSERT_EQ(other.ReadLine(), "+OK");

  Client slow(port_);
  // The PING in the same packet must wait for AUTH's answer.
  slow.Send("AUTH alice secret\r\nPING\r\n");
  ASSERT_TRUE(authenticator_.WaitEntered());

  // The password check is still running: the other connection on the same thread is served.
  other.Send("PING\r\n");
  EXPECT_EQ(other.ReadLine(), "+PONG") << "a password check blocked the I/O thread";
  EXPECT_EQ(slow.ReadLine(std::chrono::milliseconds(100)), "<timeout>");

  authenticator_.Release();
  EXPECT_EQ(slow.ReadLine(), "+OK");
  EXPECT_EQ(slow.ReadLine(), "+PONG");
  EXPECT_EQ(authenticator_.calls(), 2) << "each AUTH checks its password exactly once";
}

TEST_F(RespConnectionTest, HelloAuthWithWrongPasswordIsWrongPass) {
  authenticator_.Release();
  Client client(port_);
  client.Send("HELLO 2 AUTH alice nope\r\nPING\r\n");
  EXPECT_EQ(client.ReadLine(), "-WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(client.ReadLine().substr(0, 7), "-NOAUTH");
  client.Send("HELLO 2 AUTH alice secret\r\n");
  EXPECT_EQ(client.ReadLine(), "*14");
  EXPECT_EQ(authenticator_.calls(), 2);
}

}  // namespace
}  // namespace aio::protocol::resp
