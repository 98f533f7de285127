// AioProcess: the real `aio` binary ($AIO_BINARY) on free loopback ports in a temp dir, for the
// message-queue system tests (the C++ counterpart of tests/system/aio_harness.py). The data dir
// survives Restart() and Kill(); the temp dir is removed by the destructor.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace aio::systest {

class AioProcess {
 public:
  // `config`: dotted keys over the defaults, e.g. {{"mq.max_payload", "1024"}}.
  explicit AioProcess(std::map<std::string, std::string> config = {});
  ~AioProcess();

  AioProcess(const AioProcess&) = delete;
  AioProcess& operator=(const AioProcess&) = delete;

  // Starts the binary and waits until the NATS port accepts; aborts the test process (with the
  // log) if it does not come up.
  void Start();
  // SIGTERM and wait; returns the exit status.
  int Stop();
  // SIGKILL: no chance to flush.
  void Kill();

  int mq_port() const { return mq_port_; }
  int http_port() const { return http_port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(mq_port_); }
  std::string log() const;
  // GET path on the HTTP port; returns the body ("" on failure).
  std::string HttpGet(const std::string& path) const;
  // The value of an unlabeled Prometheus sample on /metrics, -1 when absent.
  double Metric(const std::string& name) const;

 private:
  std::string dir_;
  int mq_port_ = 0, http_port_ = 0, etcd_port_ = 0, grpc_port_ = 0;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound to port 0 a moment ago).
int FreePort();

// A raw TCP connection to 127.0.0.1:port for protocol-level checks.
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  void Send(const std::string& bytes);
  // Reads until `needle` appears in what was received, the peer closes, or `timeout_ms`.
  // Returns everything received so far.
  std::string ReadUntil(const std::string& needle, int timeout_ms = 3000);
  // Whether the peer closed the connection (EOF or reset) within `timeout_ms`, draining data.
  bool WaitClosed(int timeout_ms = 3000);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace aio::systest
