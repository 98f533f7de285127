// `aio`: loads the config, sets up logging, runs the Server until SIGINT or SIGTERM.
// Exit codes: 0 after a clean stop, 1 on a runtime failure, 2 on a config or usage error.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "base/config.h"
#include "base/logging.h"
#include "fmt/format.h"
#include "server/cli.h"
#include "server/server.h"

namespace {

using aio::server::kExitConfigError;
using aio::server::kExitFailure;
using aio::server::kExitOk;

int Fail(int code, std::string_view what, const absl::Status& status) {
  fmt::print(stderr, "aio: {}: {}\n", what, std::string(status.message()));
  return code;
}

int Run(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which records a lock graph on every
  // lock: a cost on every request, for a debugging aid the tests do not need in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Blocked before any thread exists (logging starts threads too): every thread inherits the
  // mask, so SIGINT and SIGTERM are taken only by the sigwait() below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  int exit_code = kExitOk;
  std::optional<aio::server::CommandLine> command_line =
      aio::server::ParseCommandLine(std::vector<std::string>(argv, argv + argc), &exit_code);
  if (!command_line) return exit_code;

  absl::StatusOr<aio::base::Config> config =
      aio::base::LoadConfig(command_line->config_path, aio::base::ProcessEnvironment());
  if (!config.ok()) return Fail(kExitConfigError, "config error", config.status());
  if (command_line->print_config) {
    fmt::print("{}", aio::base::DumpConfig(*config));
    return kExitOk;
  }
  if (config->system.mode == "cluster") {
    return Fail(kExitConfigError, "config error",
                absl::UnimplementedError(
                    "system.mode: cluster mode is not implemented yet; use standalone"));
  }
  if (absl::Status status = aio::base::InitLogging(config->logger); !status.ok()) {
    return Fail(kExitFailure, "cannot start logging", status);
  }

  auto log = aio::base::GetLogger("server");
  aio::server::Server server(*config);
  if (absl::Status status = server.Start(); !status.ok()) {
    log->error("cannot start: {}", std::string(status.message()));
    server.Stop();
    aio::base::ShutdownLogging();
    return Fail(kExitFailure, "cannot start", status);
  }
  int signal = 0;
  sigwait(&signals, &signal);
  log->info("received {}, stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  log->info("stopped");
  aio::base::ShutdownLogging();
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
