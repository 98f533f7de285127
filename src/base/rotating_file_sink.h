// RotatingFileSink: the spdlog sink behind logger.file. One live file, rotated by size the way the
// seed's Go logger (lumberjack) does it: aio.log is renamed to aio-2024-05-01T10-00-00.000.log
// (UTC time of the rotation) and a new aio.log is started; with compress the rotated file becomes
// aio-....log.gz. Housekeeping (compression, then deleting rotated files beyond max_backups or
// older than max_age days) runs on a background thread at start, after every rotation and hourly.
//
// Thread-safe (spdlog's base_sink serializes writes with its mutex).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "spdlog/sinks/base_sink.h"

namespace aio::base {

struct RotatingFileOptions {
  std::string path;            // the live log file; its directory is created if missing
  int64_t max_size_bytes = 0;  // rotate before a write would exceed this; > 0
  int64_t max_backups = 0;     // rotated files kept; 0 = no count limit
  int64_t max_age_days = 0;    // rotated files kept at most this many days; 0 = no age limit
  bool compress = false;       // gzip rotated files
};

class RotatingFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Opens (appends to) options.path. Errors name the file and the OS reason.
  static absl::StatusOr<std::shared_ptr<RotatingFileSink>> Create(RotatingFileOptions options);
  ~RotatingFileSink() override;

  // Blocks until requested housekeeping has run (tests and shutdown).
  void WaitForHousekeeping();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  RotatingFileSink(RotatingFileOptions options, std::FILE* file, int64_t size);
  void Rotate();
  void RequestHousekeeping();
  void HousekeepingLoop();

  const RotatingFileOptions options_;
  std::FILE* file_;  // guarded by base_sink::mutex_
  int64_t size_;     // bytes in file_; guarded by base_sink::mutex_

  // The housekeeping thread's state; its own mutex so logging never waits for a gzip.
  std::mutex housekeeping_mu_;
  std::condition_variable housekeeping_cv_;
  bool pending_ = false;
  bool running_ = false;
  bool stopping_ = false;
  std::thread housekeeping_thread_;
};

// The name a file rotated at `time` gets: <stem>-<UTC timestamp><ext>.
std::string BackupFileName(const std::string& path, std::chrono::system_clock::time_point time);

// One housekeeping pass over the rotated files of options.path, `now` being the current time:
// compresses (if asked) and deletes by count and age. Errors on single files are skipped.
void CleanUpBackups(const RotatingFileOptions& options, std::chrono::system_clock::time_point now);

}  // namespace aio::base
