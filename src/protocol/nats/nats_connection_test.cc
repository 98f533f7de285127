// NatsConnection over real loopback sockets on a one-thread IoPool, with a fake Authenticator.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "gtest/gtest.h"
#include "mq/broker.h"
#include "mq/stats.h"
#include "net/io_pool.h"
#include "protocol/nats/nats_server.h"

namespace aio::protocol::nats {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Accepts token "good" at once; a password check blocks until Release() (or 10 s), so a test
// can tell whether it holds up the I/O thread.
class BlockingAuthenticator : public auth::Authenticator {
 public:
  bool enabled() const override { return true; }
  absl::StatusOr<auth::Identity> AuthenticatePassword(std::string_view user,
                                                      std::string_view password,
                                                      std::string_view /*source*/) override {
    if (!entered_.HasBeenNotified()) entered_.Notify();
    release_.WaitForNotificationWithTimeout(absl::Seconds(10));
    if (user == "alice" && password == "secret") return auth::Identity{.user = "alice"};
    return absl::UnauthenticatedError("wrong password");
  }
  absl::StatusOr<auth::Identity> AuthenticateToken(std::string_view token,
                                                   std::string_view /*source*/) override {
    if (token == "good") return auth::Identity{.user = "token-user"};
    return absl::UnauthenticatedError("bad token");
  }

  bool WaitEntered() { return entered_.WaitForNotificationWithTimeout(absl::Seconds(5)); }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

 private:
  absl::Notification entered_;
  absl::Notification release_;
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

class NatsConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_.Start();
    NatsServerOptions options;
    options.port = 0;
    options.authenticator = &authenticator_;
    server_ = std::make_unique<NatsServer>(options, &pool_, &broker_);
    absl::StatusOr<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }
  void TearDown() override {
    authenticator_.Release();
    server_->Stop();
    pool_.Stop();
  }

  BlockingAuthenticator authenticator_;
  net::IoPool pool_{1};  // one I/O thread: every connection shares it
  mq::Stats stats_;
  mq::Broker broker_{&stats_};
  std::unique_ptr<NatsServer> server_;
  int port_ = 0;
};

TEST_F(NatsConnectionTest, PasswordCheckDoesNotStallOtherConnectionsOnTheThread) {
  Client other(port_);
  ASSERT_EQ(other.ReadLine().substr(0, 5), "INFO ");
  other.Send("CONNECT {\"auth_token\":\"good\"}\r\nPING\r\n");
  ASSERT_EQ(other.ReadLine(), "PONG");

  Client slow(port_);
  ASSERT_EQ(slow.ReadLine().substr(0, 5), "INFO ");
  // The PING in the same packet must wait for CONNECT's answer.
  slow.Send("CONNECT {\"user\":\"alice\",\"pass\":\"secret\",\"verbose\":true}\r\nPING\r\n");
  ASSERT_TRUE(authenticator_.WaitEntered());

  // The password check is still running: the other connection on the same thread is served.
  other.Send("PING\r\n");
  EXPECT_EQ(other.ReadLine(), "PONG") << "a password check blocked the I/O thread";
  // And the slow connection answered nothing yet.
  EXPECT_EQ(slow.ReadLine(std::chrono::milliseconds(100)), "<timeout>");

  authenticator_.Release();
  EXPECT_EQ(slow.ReadLine(), "+OK");
  EXPECT_EQ(slow.ReadLine(), "PONG");
}

TEST_F(NatsConnectionTest, WrongPasswordIsAnAuthorizationViolation) {
  authenticator_.Release();
  Client client(port_);
  ASSERT_EQ(client.ReadLine().substr(0, 5), "INFO ");
  client.Send("CONNECT {\"user\":\"alice\",\"pass\":\"nope\"}\r\nPING\r\n");
  EXPECT_EQ(client.ReadLine(), "-ERR 'Authorization Violation'");
  EXPECT_EQ(client.ReadLine(), "<closed>");
  EXPECT_EQ(stats_.auth_failures_total.load(), 1);
}

}  // namespace
}  // namespace aio::protocol::nats
