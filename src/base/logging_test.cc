#include "base/logging.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aio::base {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(LoggingTest, SameComponentSameLogger) {
  EXPECT_EQ(GetLogger("alpha"), GetLogger("alpha"));
  EXPECT_NE(GetLogger("alpha"), GetLogger("beta"));
  EXPECT_EQ(GetLogger("alpha")->name(), "alpha");
}

TEST(LoggingTest, WritesToTheFileAtTheConfiguredLevel) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("aio_logging_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  LoggerConfig config = DefaultConfig().logger;
  config.console = false;
  config.file = (dir / "aio.log").string();
  config.level = "warn";
  auto early = GetLogger("early");  // created before InitLogging: reconfigured too
  ASSERT_TRUE(InitLogging(config).ok());
  early->info("hidden info");
  early->warn("visible warning");
  GetLogger("late")->error("late error {}", 7);
  ShutdownLogging();

  std::stringstream text;
  text << std::ifstream(config.file).rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("[early] visible warning"));
  EXPECT_THAT(text.str(), HasSubstr("[late] late error 7"));
  EXPECT_THAT(text.str(), Not(HasSubstr("hidden info")));
  std::filesystem::remove_all(dir);
}

TEST(LoggingTest, UnwritableFileNamesTheKey) {
  LoggerConfig config = DefaultConfig().logger;
  config.file = "/proc/aio/aio.log";
  absl::Status status = InitLogging(config);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("logger.file: cannot create log directory /proc/aio"));
}

}  // namespace
}  // namespace aio::base
