#include "base/rotating_file_sink.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <vector>

#include "fmt/format.h"

namespace aio::base {
namespace fs = std::filesystem;
namespace {

constexpr auto kHousekeepingPeriod = std::chrono::hours(1);
constexpr std::string_view kGzipSuffix = ".gz";
// "2024-05-01T10-00-00.000"
constexpr size_t kTimestampLength = 23;

struct Backup {
  fs::path path;
  std::chrono::system_clock::time_point time;
  bool compressed = false;
};

// Parses the timestamp of a rotated file name, false if `name` is not a backup of `stem`/`ext`.
bool ParseBackupName(const std::string& name, const std::string& stem, const std::string& ext,
                     Backup* backup) {
  const std::string prefix = stem + "-";
  if (name.size() < prefix.size() + kTimestampLength + ext.size() || name.rfind(prefix, 0) != 0) {
    return false;
  }
  std::string rest = name.substr(prefix.size() + kTimestampLength);
  backup->compressed = false;
  if (rest == ext + std::string(kGzipSuffix)) {
    backup->compressed = true;
  } else if (rest != ext) {
    return false;
  }
  std::tm tm{};
  int ms = 0;
  const std::string stamp = name.substr(prefix.size(), kTimestampLength);
  if (std::sscanf(stamp.c_str(), "%4d-%2d-%2dT%2d-%2d-%2d.%3d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  backup->time =
      std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(ms);
  return true;
}

std::vector<Backup> ListBackups(const fs::path& live) {
  std::vector<Backup> backups;
  const std::string stem = live.stem().string();
  const std::string ext = live.extension().string();
  std::error_code ec;
  const fs::path dir = live.has_parent_path() ? live.parent_path() : fs::path(".");
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    Backup backup;
    if (entry.is_regular_file(ec) &&
        ParseBackupName(entry.path().filename().string(), stem, ext, &backup)) {
      backup.path = entry.path();
      backups.push_back(std::move(backup));
    }
  }
  // Newest first.
  std::sort(backups.begin(), backups.end(),
            [](const Backup& a, const Backup& b) { return a.time > b.time; });
  return backups;
}

// Gzips `source` to `source`.gz (through a temporary file) and removes `source`.
bool Compress(const fs::path& source) {
  const std::string target = source.string() + std::string(kGzipSuffix);
  const std::string temp = target + ".tmp";
  std::FILE* in = std::fopen(source.c_str(), "rb");
  if (in == nullptr) return false;
  gzFile out = gzopen(temp.c_str(), "wb");
  bool ok = out != nullptr;
  char buffer[64 * 1024];
  while (ok) {
    const size_t n = std::fread(buffer, 1, sizeof(buffer), in);
    if (n == 0) break;
    ok = gzwrite(out, buffer, static_cast<unsigned>(n)) == static_cast<int>(n);
  }
  ok = ok && !std::ferror(in);
  std::fclose(in);
  if (out != nullptr && gzclose(out) != Z_OK) ok = false;
  std::error_code ec;
  if (ok) fs::rename(temp, target, ec);
  if (!ok || ec) {
    fs::remove(temp, ec);
    return false;
  }
  fs::remove(source, ec);
  return true;
}

}  // namespace

std::string BackupFileName(const std::string& path, std::chrono::system_clock::time_point time) {
  const fs::path live(path);
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() %
      1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H-%M-%S", &tm);
  const std::string name =
      fmt::format("{}-{}.{:03d}{}", live.stem().string(), stamp, ms, live.extension().string());
  return (live.parent_path() / name).string();
}

void CleanUpBackups(const RotatingFileOptions& options, std::chrono::system_clock::time_point now) {
  const fs::path live(options.path);
  if (options.compress) {
    for (const Backup& backup : ListBackups(live)) {
      if (!backup.compressed) Compress(backup.path);
    }
  }
  const auto oldest = now - std::chrono::hours(24) * options.max_age_days;
  std::vector<Backup> backups = ListBackups(live);
  for (size_t i = 0; i < backups.size(); ++i) {
    const bool too_many = options.max_backups > 0 && static_cast<int64_t>(i) >= options.max_backups;
    const bool too_old = options.max_age_days > 0 && backups[i].time < oldest;
    std::error_code ec;
    if (too_many || too_old) fs::remove(backups[i].path, ec);
  }
}

absl::StatusOr<std::shared_ptr<RotatingFileSink>> RotatingFileSink::Create(
    RotatingFileOptions options) {
  const fs::path live(options.path);
  std::error_code ec;
  if (live.has_parent_path()) {
    fs::create_directories(live.parent_path(), ec);
    if (ec) {
      return absl::PermissionDeniedError(fmt::format("cannot create log directory {}: {}",
                                                     live.parent_path().string(), ec.message()));
    }
  }
  std::FILE* file = std::fopen(options.path.c_str(), "ab");
  if (file == nullptr) {
    return absl::PermissionDeniedError(
        fmt::format("cannot open log file {}: {}", options.path, std::strerror(errno)));
  }
  const int64_t size = std::ftell(file);
  return std::shared_ptr<RotatingFileSink>(
      new RotatingFileSink(std::move(options), file, size < 0 ? 0 : size));
}

RotatingFileSink::RotatingFileSink(RotatingFileOptions options, std::FILE* file, int64_t size)
    : options_(std::move(options)), file_(file), size_(size) {
  pending_ = true;
  housekeeping_thread_ = std::thread([this] { HousekeepingLoop(); });
}

RotatingFileSink::~RotatingFileSink() {
  {
    std::lock_guard lock(housekeeping_mu_);
    stopping_ = true;
  }
  housekeeping_cv_.notify_all();
  housekeeping_thread_.join();
  if (file_ != nullptr) std::fclose(file_);
}

void RotatingFileSink::WaitForHousekeeping() {
  std::unique_lock lock(housekeeping_mu_);
  housekeeping_cv_.wait(lock, [this] { return (!pending_ && !running_) || stopping_; });
}

void RotatingFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  const auto length = static_cast<int64_t>(formatted.size());
  if (size_ > 0 && size_ + length > options_.max_size_bytes) Rotate();
  if (file_ == nullptr) return;
  if (std::fwrite(formatted.data(), 1, formatted.size(), file_) == formatted.size()) {
    size_ += length;
  }
}

void RotatingFileSink::flush_() {
  if (file_ != nullptr) std::fflush(file_);
}

void RotatingFileSink::Rotate() {
  std::fclose(file_);
  file_ = nullptr;
  std::string backup = BackupFileName(options_.path, std::chrono::system_clock::now());
  std::error_code ec;
  // Two rotations within one millisecond: keep both files.
  for (int i = 1; fs::exists(backup, ec) || fs::exists(backup + std::string(kGzipSuffix), ec);
       ++i) {
    backup = BackupFileName(options_.path,
                            std::chrono::system_clock::now() + std::chrono::milliseconds(i));
  }
  fs::rename(options_.path, backup, ec);
  // On a failed rename the file is truncated rather than grown without bound.
  file_ = std::fopen(options_.path.c_str(), "wb");
  size_ = 0;
  RequestHousekeeping();
}

void RotatingFileSink::RequestHousekeeping() {
  {
    std::lock_guard lock(housekeeping_mu_);
    pending_ = true;
  }
  housekeeping_cv_.notify_all();
}

void RotatingFileSink::HousekeepingLoop() {
  std::unique_lock lock(housekeeping_mu_);
  while (!stopping_) {
    housekeeping_cv_.wait_for(lock, kHousekeepingPeriod, [this] { return pending_ || stopping_; });
    if (stopping_) break;
    pending_ = false;
    running_ = true;
    lock.unlock();
    CleanUpBackups(options_, std::chrono::system_clock::now());
    lock.lock();
    running_ = false;
    housekeeping_cv_.notify_all();
  }
}

}  // namespace aio::base
