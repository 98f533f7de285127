#include "base/logging.h"

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/rotating_file_sink.h"
#include "spdlog/sinks/dist_sink.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace aio::base {
namespace {

constexpr char kPattern[] = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";

// Every logger writes to one shared distribution sink, so reconfiguring swaps its children and
// never touches a logger's own sink list (which spdlog does not guard).
struct LogState {
  std::mutex mu;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> sink;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  spdlog::level::level_enum level = spdlog::level::info;
  std::shared_ptr<RotatingFileSink> file;
};

std::shared_ptr<spdlog::sinks::sink> StderrSink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  sink->set_pattern(kPattern);
  return sink;
}

LogState& State() {
  static LogState* state = [] {
    auto* s = new LogState;
    s->sink = std::make_shared<spdlog::sinks::dist_sink_mt>();
    s->sink->set_sinks({StderrSink()});
    spdlog::flush_every(std::chrono::seconds(1));
    return s;
  }();
  return *state;
}

}  // namespace

absl::Status InitLogging(const LoggerConfig& config) {
  std::vector<std::shared_ptr<spdlog::sinks::sink>> sinks;
  if (config.console) sinks.push_back(StderrSink());
  std::shared_ptr<RotatingFileSink> file;
  if (!config.file.empty()) {
    absl::StatusOr<std::shared_ptr<RotatingFileSink>> created = RotatingFileSink::Create({
        .path = config.file,
        .max_size_bytes = config.max_size * 1024 * 1024,
        .max_backups = config.max_backups,
        .max_age_days = config.max_age,
        .compress = config.compress,
    });
    if (!created.ok()) {
      return absl::Status(created.status().code(),
                          std::string("logger.file: ") + std::string(created.status().message()));
    }
    file = *created;
    file->set_pattern(kPattern);
    sinks.push_back(file);
  }
  LogState& state = State();
  std::lock_guard lock(state.mu);
  state.level = spdlog::level::from_str(config.level);
  state.sink->set_sinks(sinks);
  state.file = file;
  for (auto& [name, logger] : state.loggers) logger->set_level(state.level);
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> GetLogger(std::string_view component) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  auto it = state.loggers.find(component);
  if (it != state.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(component), state.sink);
  logger->set_level(state.level);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  state.loggers.emplace(std::string(component), logger);
  return logger;
}

void FlushLogs() {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  for (auto& [name, logger] : state.loggers) logger->flush();
}

void ShutdownLogging() {
  FlushLogs();
  LogState& state = State();
  std::lock_guard lock(state.mu);
  state.sink->set_sinks({StderrSink()});
  // The file sink closes the file and joins its housekeeping thread when its last user is gone.
  state.file.reset();
}

}  // namespace aio::base
