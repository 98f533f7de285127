#include "net/io_pool.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Echoes each line back and records the threads it ran on.
class EchoRecorder {
 public:
  TcpServer::Handler handler() {
    return [this](tcp::socket socket) -> asio::awaitable<void> {
      std::set<std::thread::id> seen;
      char buf[256];
      while (true) {
        seen.insert(std::this_thread::get_id());
        boost::system::error_code ec;
        size_t n = co_await socket.async_read_some(asio::buffer(buf),
                                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        seen.insert(std::this_thread::get_id());
        co_await asio::async_write(socket, asio::buffer(buf, n),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      std::lock_guard<std::mutex> lock(mu_);
      per_connection_.push_back(seen);
    };
  }

  std::vector<std::set<std::thread::id>> connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return per_connection_;
  }

 private:
  std::mutex mu_;
  std::vector<std::set<std::thread::id>> per_connection_;
};

TEST(IoPoolTest, ConnectionsArePinnedAndSpreadRoundRobin) {
  IoPool pool(2);
  pool.Start();
  EchoRecorder recorder;
  TcpServer server(&pool, recorder.handler());
  absl::StatusOr<int> port = server.Listen("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_GT(*port, 0);

  asio::io_context client_io;
  for (int c = 0; c < 4; ++c) {
    tcp::socket socket(client_io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), *port));
    for (int i = 0; i < 5; ++i) {
      const std::string msg = "hello " + std::to_string(i);
      asio::write(socket, asio::buffer(msg));
      std::string reply(msg.size(), '\0');
      asio::read(socket, asio::buffer(reply));
      EXPECT_EQ(reply, msg);
    }
    socket.close();
  }
  for (int i = 0; i < 200 && recorder.connections().size() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.Stop();
  pool.Stop();
  const auto connections = recorder.connections();
  ASSERT_EQ(connections.size(), 4u);
  std::set<std::thread::id> all;
  for (const auto& threads : connections) {
    EXPECT_EQ(threads.size(), 1u) << "a connection ran on more than one thread";
    all.insert(threads.begin(), threads.end());
  }
  EXPECT_EQ(all.size(), 2u) << "connections were not spread over the pool";
}

TEST(IoPoolTest, ListenErrorNamesTheAddress) {
  IoPool pool(1);
  pool.Start();
  TcpServer first(&pool, [](tcp::socket) -> asio::awaitable<void> { co_return; });
  absl::StatusOr<int> port = first.Listen("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  TcpServer second(&pool, [](tcp::socket) -> asio::awaitable<void> { co_return; });
  absl::StatusOr<int> clash = second.Listen("127.0.0.1", *port);
  ASSERT_FALSE(clash.ok());
  EXPECT_THAT(std::string(clash.status().message()),
              ::testing::HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(*port)));
  second.Stop();
  first.Stop();
  pool.Stop();
}

TEST(IoPoolTest, StopIsIdempotentAndNextCyclesContexts) {
  IoPool pool(3);
  EXPECT_EQ(pool.size(), 3u);
  std::set<asio::io_context*> seen;
  for (int i = 0; i < 6; ++i) seen.insert(&pool.Next());
  EXPECT_EQ(seen.size(), 3u);
  pool.Start();
  pool.Stop();
  pool.Stop();
}

}  // namespace
}  // namespace aio::net
