// RespServer / RespConnection over real loopback sockets on a one-thread IoPool, with a fake
// Authenticator: AUTH's password check must not hold up the other connections of its I/O thread.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "cache/cache.h"
#include "gtest/gtest.h"
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
    server_ = std::make_unique<RespServer>(&cache_, 1);  // every connection on one I/O thread
    absl::StatusOr<int> port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }
  void TearDown() override {
    authenticator_.Release();
    server_->Stop();
  }

  BlockingAuthenticator authenticator_;
  cache::Cache cache_{cache::CacheOptions{}, &authenticator_, nullptr};
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

TEST_F(RespConnectionTest, ReplyLargerThanTheSocketBufferArrivesWholeAndInOrder) {
  Client client(port_);
  client.Send("AUTH fast secret\r\n");
  ASSERT_EQ(client.ReadLine(), "+OK");
  const std::string value(8 << 20, 'v');
  client.Send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" + value +
              "\r\n");
  ASSERT_EQ(client.ReadLine(), "+OK");
  // Nobody reads while the 8 MiB reply is written: the first send() takes part of it, the rest
  // waits for the socket, and the PING's reply must queue behind it.
  client.Send("GET big\r\nPING\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(client.ReadLine(), "$" + std::to_string(value.size()));
  EXPECT_EQ(client.ReadLine(), value);
  EXPECT_EQ(client.ReadLine(), "+PONG");
}

TEST_F(RespConnectionTest, BlockedClientsAreServedInOrderAndAClosedOneLeavesTheQueue) {
  authenticator_.Release();
  auto login = [this] {
    auto client = std::make_unique<Client>(port_);
    client->Send("AUTH fast secret\r\n");
    EXPECT_EQ(client->ReadLine(), "+OK");
    return client;
  };
  auto blocked_reaches = [this](size_t n) {
    for (int i = 0; i < 200 && cache_.blocked_clients() != n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cache_.blocked_clients() == n;
  };
  std::unique_ptr<Client> gone = login();
  std::unique_ptr<Client> second = login();
  std::unique_ptr<Client> third = login();
  std::unique_ptr<Client> pusher = login();
  gone->Send("BLPOP q 0\r\n");
  ASSERT_TRUE(blocked_reaches(1));
  second->Send("BLPOP q 0\r\n");
  ASSERT_TRUE(blocked_reaches(2));
  third->Send("BLPOP q 0\r\n");
  ASSERT_TRUE(blocked_reaches(3));
  // A request sent while blocked waits for the blocked one's reply.
  third->Send("PING\r\n");
  EXPECT_EQ(third->ReadLine(std::chrono::milliseconds(100)), "<timeout>");

  gone.reset();  // closes its socket while blocked (BLPOP 0)
  ASSERT_TRUE(blocked_reaches(2)) << "a closed connection must leave the queue";

  pusher->Send("RPUSH q a\r\n");
  EXPECT_EQ(pusher->ReadLine(), ":1");
  for (const char* line : {"*2", "$1", "q", "$1", "a"}) EXPECT_EQ(second->ReadLine(), line);
  pusher->Send("RPUSH q b\r\n");
  EXPECT_EQ(pusher->ReadLine(), ":1");
  for (const char* line : {"*2", "$1", "q", "$1", "b", "+PONG"}) {
    EXPECT_EQ(third->ReadLine(), line);
  }
  pusher->Send("LLEN q\r\n");
  EXPECT_EQ(pusher->ReadLine(), ":0");
}

TEST(RespServerThreads, DefaultIsHalfTheCoresAtLeastOne) {
  cache::Cache cache{cache::CacheOptions{}, nullptr, nullptr};
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(RespServer(&cache, 0).io_threads(), std::max<size_t>(1, cores / 2));
  EXPECT_EQ(RespServer(&cache, 3).io_threads(), 3u);
}

}  // namespace
}  // namespace aio::protocol::resp
