// Logging: one named spdlog logger per component (GetLogger("store")), all writing to the sinks
// chosen by the logger.* config: stderr and/or a size-rotated file (RotatingFileSink). Before
// InitLogging() loggers write to stderr at info level. Lines look like
//   2024-05-01T10:00:00.000 info  [server] listening component=http address=127.0.0.1:8080
// Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "base/config.h"
#include "spdlog/logger.h"

namespace aio::base {

// Applies `config` to every logger, present and future. Errors (log file not writable) name the
// file. May be called again to reconfigure.
absl::Status InitLogging(const LoggerConfig& config);

// The logger of `component`, created on first use.
std::shared_ptr<spdlog::logger> GetLogger(std::string_view component);

// Flushes every logger. Warnings and errors are flushed as they are written, the rest every second.
void FlushLogs();

// Flushes and closes the log file; loggers fall back to stderr.
void ShutdownLogging();

}  // namespace aio::base
