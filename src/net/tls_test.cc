// tls.auto's certificates as a client checks them: the server and client certificates verify
// against the generated CA, the server's SANs, key files 0600, reuse at the next start, and
// reissue of a certificate that no longer verifies.
#include "net/tls.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "net/http_server.h"

namespace aio::net {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-tls-" + std::to_string(std::random_device{}()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

X509* Load(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return cert;
}

TEST_F(TlsTest, AutoCreatesCaAndServerCertificateWithSans) {
  absl::StatusOr<AutoTls> tls = EnsureAutoTls(dir_.string(), {"node-a.example"});
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_TRUE(tls->created_ca);
  EXPECT_EQ(tls->server.ca_file, (dir_ / "ca.crt").string());
  EXPECT_TRUE(VerifyCertificate(tls->server.cert_file, tls->server.ca_file).ok());
  EXPECT_TRUE(VerifyCertificate(tls->client_cert_file, tls->server.ca_file).ok());
  EXPECT_TRUE(CheckTlsFiles(tls->server).ok());
  // A certificate does not verify against itself unless it is the CA.
  EXPECT_FALSE(VerifyCertificate(tls->server.cert_file, tls->server.cert_file).ok());

  X509* server = Load(tls->server.cert_file);
  ASSERT_NE(server, nullptr);
  for (const char* host : {"localhost", "node-a.example"}) {
    EXPECT_EQ(X509_check_host(server, host, 0, 0, nullptr), 1) << host;
  }
  EXPECT_NE(X509_check_host(server, "other.example", 0, 0, nullptr), 1);
  for (const char* ip : {"127.0.0.1", "::1"}) {
    EXPECT_EQ(X509_check_ip_asc(server, ip, 0), 1) << ip;
  }
  EXPECT_EQ(X509_check_purpose(server, X509_PURPOSE_SSL_SERVER, 0), 1);
  X509_free(server);

  absl::StatusOr<std::string> fingerprint = CertificateFingerprint(tls->server.ca_file);
  ASSERT_TRUE(fingerprint.ok());
  EXPECT_EQ(*fingerprint, tls->ca_fingerprint);
  EXPECT_EQ(fingerprint->size(), 32u * 3 - 1);  // "AB:" x 32 without the last colon

  for (const char* key : {"ca.key", "server.key", "client.key"}) {
    const auto perms = std::filesystem::status(dir_ / key).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << key;
  }
}

TEST_F(TlsTest, SecondStartReusesTheFiles) {
  absl::StatusOr<AutoTls> first = EnsureAutoTls(dir_.string(), {"node-a.example"});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string server_pem = *ReadTlsFile(first->server.cert_file);
  absl::StatusOr<AutoTls> second = EnsureAutoTls(dir_.string(), {"node-a.example"});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->created_ca);
  EXPECT_EQ(second->ca_fingerprint, first->ca_fingerprint);
  EXPECT_EQ(*ReadTlsFile(second->server.cert_file), server_pem);

  // A new host name reissues the server certificate from the same CA.
  absl::StatusOr<AutoTls> renamed = EnsureAutoTls(dir_.string(), {"node-b.example"});
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->ca_fingerprint, first->ca_fingerprint);
  EXPECT_NE(*ReadTlsFile(renamed->server.cert_file), server_pem);
  EXPECT_TRUE(VerifyCertificate(renamed->server.cert_file, renamed->server.ca_file).ok());
}

TEST_F(TlsTest, BrokenFilesGiveClearErrors) {
  ASSERT_TRUE(EnsureAutoTls(dir_.string(), {}).ok());
  std::ofstream(dir_ / "ca.crt") << "not a certificate";
  absl::StatusOr<AutoTls> broken = EnsureAutoTls(dir_.string(), {});
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(broken.status().message().find("not a PEM certificate"), std::string::npos);

  const absl::Status missing = CheckTlsFiles(
      {.cert_file = (dir_ / "nope.crt").string(), .key_file = (dir_ / "server.key").string()});
  EXPECT_NE(missing.message().find("tls.cert_file"), std::string::npos) << missing;
  const absl::Status mismatch = CheckTlsFiles(
      {.cert_file = (dir_ / "server.crt").string(), .key_file = (dir_ / "client.key").string()});
  EXPECT_NE(mismatch.message().find("does not belong to"), std::string::npos) << mismatch;
}

TEST_F(TlsTest, HttpServerServesHttpsWithTheAutoCertificate) {
  absl::StatusOr<AutoTls> tls = EnsureAutoTls(dir_.string(), {});
  ASSERT_TRUE(tls.ok()) << tls.status();
  HttpRouter router;
  router.Add("GET", "/hello", [](const HttpRequest&) {
    return HttpResponse{.content_type = "text/plain", .body = "hello"};
  });
  HttpServer server({.tls = tls->server}, std::move(router));
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();

  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(tls->server.ca_file);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(*port)});
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> request(http::verb::get, "/hello", 11);
  request.set(http::field::host, "localhost");
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "hello");

  // A plaintext request gets no HTTP answer.
  asio::ip::tcp::socket plain(ioc);
  plain.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(*port)});
  http::write(plain, request);
  boost::system::error_code ec;
  http::response<http::string_body> refused;
  http::read(plain, buffer, refused, ec);
  EXPECT_TRUE(ec);
  server.Stop();
}

TEST_F(TlsTest, HttpServerRefusesToStartWithABadCertificate) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "bad.crt") << "garbage";
  HttpServer server(
      {.tls = {.cert_file = (dir_ / "bad.crt").string(), .key_file = (dir_ / "bad.key").string()}},
      HttpRouter());
  absl::StatusOr<int> port = server.Start();
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(port.status().message().find("not a PEM certificate"), std::string::npos)
      << port.status();
}

}  // namespace
}  // namespace aio::net
