#include "base/rotating_file_sink.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "spdlog/logger.h"

namespace aio::base {
namespace {

namespace fs = std::filesystem;

class RotatingFileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aio_sink_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    path_ = (dir_ / "logs" / "aio.log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::set<std::string> Files() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_ / "logs")) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  void Touch(const std::string& path) { std::ofstream(path) << "old\n"; }

  fs::path dir_;
  std::string path_;
};

TEST_F(RotatingFileSinkTest, RotatesBySizeAndKeepsMaxBackups) {
  absl::StatusOr<std::shared_ptr<RotatingFileSink>> sink = RotatingFileSink::Create(
      {.path = path_, .max_size_bytes = 200, .max_backups = 2, .compress = false});
  ASSERT_TRUE(sink.ok()) << sink.status();
  spdlog::logger logger("test", *sink);
  logger.set_pattern("%v");
  for (int i = 0; i < 40; ++i) logger.info("line {:02d} {}", i, std::string(40, 'x'));
  logger.flush();
  (*sink)->WaitForHousekeeping();

  std::set<std::string> files = Files();
  EXPECT_EQ(files.size(), 3u);  // the live file and two backups
  EXPECT_TRUE(files.count("aio.log"));
  EXPECT_LE(fs::file_size(path_), 200u);
  std::ifstream live(path_);
  std::string last;
  for (std::string line; std::getline(live, line);) last = line;
  EXPECT_EQ(last.substr(0, 7), "line 39");
}

TEST_F(RotatingFileSinkTest, CompressesRotatedFiles) {
  absl::StatusOr<std::shared_ptr<RotatingFileSink>> sink = RotatingFileSink::Create(
      {.path = path_, .max_size_bytes = 100, .max_backups = 0, .compress = true});
  ASSERT_TRUE(sink.ok()) << sink.status();
  spdlog::logger logger("test", *sink);
  for (int i = 0; i < 5; ++i) logger.info("{}", std::string(80, 'a' + i));
  logger.flush();
  (*sink)->WaitForHousekeeping();
  int compressed = 0;
  for (const std::string& name : Files()) {
    if (name == "aio.log") continue;
    EXPECT_EQ(name.substr(name.size() - 7), ".log.gz") << name;
    ++compressed;
  }
  EXPECT_EQ(compressed, 4);
}

TEST_F(RotatingFileSinkTest, CleanUpDeletesByAge) {
  fs::create_directories(dir_ / "logs");
  const auto now = std::chrono::system_clock::now();
  const std::string fresh = BackupFileName(path_, now - std::chrono::hours(24));
  const std::string stale = BackupFileName(path_, now - std::chrono::hours(24 * 8));
  const std::string stale_gz = BackupFileName(path_, now - std::chrono::hours(24 * 9)) + ".gz";
  const std::string unrelated = (dir_ / "logs" / "other.log").string();
  for (const std::string& file : {fresh, stale, stale_gz, unrelated}) Touch(file);

  CleanUpBackups({.path = path_, .max_size_bytes = 1, .max_backups = 0, .max_age_days = 7}, now);
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(stale_gz));
  EXPECT_TRUE(fs::exists(unrelated));
}

TEST_F(RotatingFileSinkTest, BackupNameCarriesUtcTimestamp) {
  const auto time = std::chrono::system_clock::from_time_t(1714557600) +
                    std::chrono::milliseconds(42);  // 2024-05-01T10:00:00.042Z
  EXPECT_EQ(BackupFileName("/var/log/aio.log", time), "/var/log/aio-2024-05-01T10-00-00.042.log");
}

TEST_F(RotatingFileSinkTest, UnwritableDirectoryIsAnError) {
  absl::StatusOr<std::shared_ptr<RotatingFileSink>> sink =
      RotatingFileSink::Create({.path = "/proc/aio/aio.log", .max_size_bytes = 100});
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("/proc/aio"), std::string::npos);
}

}  // namespace
}  // namespace aio::base
