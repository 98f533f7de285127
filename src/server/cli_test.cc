#include "server/cli.h"

#include "gtest/gtest.h"

namespace aio::server {
namespace {

using Args = std::vector<std::string>;

TEST(CliTest, RewritesSeedSingleDashOptions) {
  EXPECT_EQ(NormalizeArgs({"aio", "-config", "./conf"}), (Args{"aio", "--config", "./conf"}));
  EXPECT_EQ(NormalizeArgs({"aio", "-config=./conf"}), (Args{"aio", "--config=./conf"}));
  EXPECT_EQ(NormalizeArgs({"aio", "-version"}), (Args{"aio", "--version"}));
  EXPECT_EQ(NormalizeArgs({"aio", "-print-config"}), (Args{"aio", "--print-config"}));
  // Already double-dash, short options and values stay as they are.
  EXPECT_EQ(NormalizeArgs({"aio", "--config", "-version", "-c", "x"}),
            (Args{"aio", "--config", "--version", "-c", "x"}));
  EXPECT_EQ(NormalizeArgs({"aio", "-configure"}), (Args{"aio", "-configure"}));
}

TEST(CliTest, ParsesConfigAndPrintConfig) {
  int exit_code = -1;
  std::optional<CommandLine> parsed =
      ParseCommandLine({"aio", "-config", "conf", "--print-config"}, &exit_code);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->config_path, "conf");
  EXPECT_TRUE(parsed->print_config);

  parsed = ParseCommandLine({"aio"}, &exit_code);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->config_path, "");
  EXPECT_FALSE(parsed->print_config);
}

TEST(CliTest, VersionHelpAndUsageErrorsExit) {
  int exit_code = -1;
  EXPECT_FALSE(ParseCommandLine({"aio", "-version"}, &exit_code).has_value());
  EXPECT_EQ(exit_code, kExitOk);
  exit_code = -1;
  EXPECT_FALSE(ParseCommandLine({"aio", "--help"}, &exit_code).has_value());
  EXPECT_EQ(exit_code, kExitOk);
  EXPECT_FALSE(ParseCommandLine({"aio", "--no-such-flag"}, &exit_code).has_value());
  EXPECT_EQ(exit_code, kExitConfigError);
  EXPECT_FALSE(ParseCommandLine({"aio", "--config"}, &exit_code).has_value());
  EXPECT_EQ(exit_code, kExitConfigError);
}

}  // namespace
}  // namespace aio::server
