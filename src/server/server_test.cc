#include "server/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>

#include "etcd/rpc.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace aio::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using ::testing::HasSubstr;

// GET http://127.0.0.1:port/target; returns status and body.
std::pair<int, std::string> HttpGet(int port, const std::string& target) {
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  http::request<http::string_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return {response.result_int(), response.body()};
}

// Put and Get through the etcd KV service on 127.0.0.1:port.
bool EtcdPut(int port, const std::string& key, const std::string& value) {
  auto kv = etcdserverpb::KV::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  grpc::ClientContext context;
  return kv->Put(&context, request, &response).ok();
}

etcdserverpb::RangeResponse EtcdGet(int port, const std::string& key) {
  auto kv = etcdserverpb::KV::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  etcdserverpb::RangeResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(kv->Range(&context, request, &response).ok());
  return response;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio_server_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    config_ = base::DefaultConfig();
    config_.system.data_dir = (dir_ / "data").string();
    config_.store.etcd_compat_port = 0;
    config_.protocol.port = 0;
    config_.network.http_port = 0;
    config_.network.http_allow_external = false;
    config_.mq.port = 0;
    config_.cache.port = 0;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  base::Config config_;
};

TEST_F(ServerTest, ServesEtcdOnBothPortsAndHttp) {
  Server server(config_);
  ASSERT_TRUE(server.Start().ok());
  const Server::Ports ports = server.ports();
  ASSERT_GT(ports.etcd, 0);
  ASSERT_GT(ports.grpc, 0);
  ASSERT_GT(ports.http, 0);
  EXPECT_NE(ports.etcd, ports.grpc);

  // A put through the etcd-compatible port is read back through AIO's port: one store.
  ASSERT_TRUE(EtcdPut(ports.etcd, "foo", "bar"));
  etcdserverpb::RangeResponse range = EtcdGet(ports.grpc, "foo");
  ASSERT_EQ(range.kvs_size(), 1);
  EXPECT_EQ(range.kvs(0).value(), "bar");
  EXPECT_EQ(range.header().cluster_id(), StableId("aio-cluster/node1"));
  EXPECT_EQ(range.header().member_id(), StableId("aio-member/node1"));

  auto [status, body] = HttpGet(ports.http, "/api/ready");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(nlohmann::json::parse(body)["code"], 20000);
  std::tie(status, body) = HttpGet(ports.http, "/metrics");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("aio_store_puts_total 1\n"));
  EXPECT_THAT(body, HasSubstr("aio_cache_connections 0\n"));
  EXPECT_GT(ports.cache, 0);

  server.Stop();
  server.Stop();  // idempotent
}

TEST_F(ServerTest, RestartKeepsTheData) {
  {
    Server server(config_);
    ASSERT_TRUE(server.Start().ok());
    ASSERT_TRUE(EtcdPut(server.ports().etcd, "kept", "yes"));
  }
  Server server(config_);
  ASSERT_TRUE(server.Start().ok());
  etcdserverpb::RangeResponse range = EtcdGet(server.ports().etcd, "kept");
  ASSERT_EQ(range.kvs_size(), 1);
  EXPECT_EQ(range.kvs(0).value(), "yes");
}

TEST_F(ServerTest, UnwritableDataDirNamesTheDirectory) {
  config_.system.data_dir = "/proc/aio-data";
  Server server(config_);
  absl::Status status = server.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("system.data_dir: cannot create /proc/aio-data"));
}

TEST_F(ServerTest, PortInUseFailsAndReleasesTheStore) {
  Server first(config_);
  ASSERT_TRUE(first.Start().ok());
  base::Config second_config = config_;
  second_config.system.data_dir = (dir_ / "data2").string();
  second_config.network.http_port = first.ports().http;
  Server second(second_config);
  absl::Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("127.0.0.1:" + std::to_string(first.ports().http)));
  // The failed server closed its store: it can be opened again.
  second_config.network.http_port = 0;
  Server third(second_config);
  EXPECT_TRUE(third.Start().ok());
}

TEST(StableIdTest, StableAndNonZero) {
  EXPECT_EQ(StableId("node1"), StableId("node1"));
  EXPECT_NE(StableId("node1"), StableId("node2"));
  EXPECT_NE(StableId(""), 0u);
}

}  // namespace
}  // namespace aio::server
