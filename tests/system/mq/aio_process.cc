#include "aio_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace aio::systest {
namespace {

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

AioProcess::AioProcess(std::map<std::string, std::string> config) {
  char tmpl[] = "/tmp/aio-mq-systest-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  mq_port_ = FreePort();
  http_port_ = FreePort();
  etcd_port_ = FreePort();
  grpc_port_ = FreePort();
  std::map<std::string, std::string> keys = {
      {"system.data_dir", dir_ + "/data"},
      {"network.bind_ip", "127.0.0.1"},
      {"network.http_port", std::to_string(http_port_)},
      {"network.http_allow_external", "false"},
      {"protocol.port", std::to_string(grpc_port_)},
      {"store.etcd_compat_port", std::to_string(etcd_port_)},
      {"mq.port", std::to_string(mq_port_)},
      // Not needed here, and its fixed default port (6379) would collide between test programs.
      {"cache.enabled", "false"},
      {"auth.enabled", "false"},
      {"logger.file", "\"\""},
      {"logger.console", "true"},
  };
  for (auto& [key, value] : config) keys[key] = value;
  std::map<std::string, std::map<std::string, std::string>> sections;
  for (auto& [key, value] : keys) {
    const size_t dot = key.find('.');
    sections[key.substr(0, dot)][key.substr(dot + 1)] = value;
  }
  std::ofstream yaml(dir_ + "/aio.yaml");
  for (auto& [section, entries] : sections) {
    yaml << section << ":\n";
    for (auto& [name, value] : entries) yaml << "  " << name << ": " << value << "\n";
  }
}

AioProcess::~AioProcess() {
  if (pid_ > 0) Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void AioProcess::Start() {
  const char* binary = std::getenv("AIO_BINARY");
  if (binary == nullptr) {
    std::cerr << "AIO_BINARY is not set\n";
    std::abort();
  }
  const std::string config = dir_ + "/aio.yaml";
  const std::string log = dir_ + "/server.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    FILE* out = std::freopen(log.c_str(), "a", stdout);
    (void)out;
    ::dup2(::fileno(stdout), 2);
    ::chdir(dir_.c_str());
    ::execl(binary, binary, "--config", config.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      std::cerr << "aio exited before it was ready; log:\n" << this->log();
      std::abort();
    }
    const int fd = Connect(mq_port_);
    if (fd >= 0) {
      ::close(fd);
      // The HTTP listener starts last.
      const int http = Connect(http_port_);
      if (http >= 0) {
        ::close(http);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cerr << "aio not ready after 30s; log:\n" << this->log();
  std::abort();
}

int AioProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void AioProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string AioProcess::log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string AioProcess::HttpGet(const std::string& path) const {
  RawClient client(http_port_);
  client.Send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  client.WaitClosed(5000);
  std::string response = client.ReadUntil("", 0);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

double AioProcess::Metric(const std::string& name) const {
  std::istringstream lines(HttpGet("/metrics"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

RawClient::RawClient(int port) : fd_(Connect(port)) {}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string RawClient::ReadUntil(const std::string& needle, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (needle.empty() || received_.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) break;
    received_.append(buf, static_cast<size_t>(n));
  }
  return received_;
}

bool RawClient::WaitClosed(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;
    received_.append(buf, static_cast<size_t>(n));
  }
  return false;
}

}  // namespace aio::systest
