// NatsConnection over real loopback sockets on a one-thread IoPool, with a fake Authenticator.
#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "mq/broker.h"
#include "mq/stats.h"
#include "net/io_pool.h"
#include "protocol/nats/nats_server.h"
#include "testing/blocking_authenticator.h"
#include "testing/line_client.h"

namespace aio::protocol::nats {
namespace {

using aio::testing::BlockingAuthenticator;
using Client = aio::testing::LineClient;

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
