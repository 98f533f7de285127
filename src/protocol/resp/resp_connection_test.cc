// RespServer / RespConnection over real loopback sockets on a one-thread IoPool, with a fake
// Authenticator: AUTH's password check must not hold up the other connections of its I/O thread.
#include <chrono>
#include <memory>
#include <string>

#include "cache/cache.h"
#include "gtest/gtest.h"
#include "net/io_pool.h"
#include "protocol/resp/resp_server.h"
#include "testing/blocking_authenticator.h"
#include "testing/line_client.h"

namespace aio::protocol::resp {
namespace {

using aio::testing::BlockingAuthenticator;
using Client = aio::testing::LineClient;

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
