#include "base/config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace aio::base {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `yaml` to <dir>/aio.yaml and returns the file's path.
  std::string Write(const std::string& yaml) {
    const std::string path = (dir_ / "aio.yaml").string();
    std::ofstream(path) << yaml;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsMatchTheSeed) {
  Config config = DefaultConfig();
  EXPECT_TRUE(config.errors.debug_mode);
  EXPECT_TRUE(config.logger.compress);
  EXPECT_TRUE(config.logger.console);
  EXPECT_EQ(config.logger.file, "./logs/aio.log");
  EXPECT_EQ(config.logger.level, "info");
  EXPECT_EQ(config.logger.max_age, 7);
  EXPECT_EQ(config.logger.max_backups, 10);
  EXPECT_EQ(config.logger.max_size, 100);
  EXPECT_FALSE(config.network.allow_external);
  EXPECT_EQ(config.network.bind_ip, "localhost");
  EXPECT_TRUE(config.network.http_allow_external);
  EXPECT_EQ(config.network.http_port, 8080);
  EXPECT_EQ(config.protocol.buffer_size, 4096);
  EXPECT_EQ(config.protocol.heartbeat_timeout, milliseconds(30'000));
  EXPECT_EQ(config.protocol.idle_timeout, milliseconds(60'000));
  EXPECT_EQ(config.protocol.max_connections, 1000);
  EXPECT_EQ(config.protocol.port, 6666);
  EXPECT_EQ(config.system.data_dir, "./data");
  EXPECT_EQ(config.system.mode, "standalone");
  EXPECT_EQ(config.system.node_id, "node1");
  EXPECT_EQ(config.store.etcd_compat_port, 2379);
  EXPECT_EQ(config.store.max_request_bytes, 1572864);
  EXPECT_EQ(config.store.quota_backend_bytes, 2147483648);
  EXPECT_EQ(config.store.auto_compaction_mode, "");
  EXPECT_EQ(config.store.auto_compaction_retention, "0");
  EXPECT_EQ(config.store.progress_notify_interval, milliseconds(600'000));
}

TEST_F(ConfigTest, LoadsTheSeedFileFromADirectory) {
  Write(R"(
errors:
    debug_mode: false
logger:
    compress: true
    console: true
    file: ./logs/aio.log
    level: debug
    max_age: 3
    max_backups: 5
    max_size: 10
network:
    allow_external: true
    bind_ip: 10.0.0.5
    http_allow_external: false
    http_port: 0
protocol:
    heartbeat_timeout: 45s
    port: 7777
    read_timeout: 500ms
system:
    config_salt: "123456789087654321"
    data_dir: /var/lib/aio
    mode: standalone
    node_id: n2
store:
    etcd_compat_port: 12379
    auto_compaction_mode: periodic
    auto_compaction_retention: 1h
)");
  absl::StatusOr<Config> config = LoadConfig(dir_.string(), {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->errors.debug_mode);
  EXPECT_EQ(config->logger.level, "debug");
  EXPECT_EQ(config->logger.max_size, 10);
  EXPECT_TRUE(config->network.allow_external);
  EXPECT_EQ(config->network.bind_ip, "10.0.0.5");
  EXPECT_EQ(config->network.http_port, 0);
  EXPECT_EQ(config->protocol.heartbeat_timeout, milliseconds(45'000));
  EXPECT_EQ(config->protocol.read_timeout, milliseconds(500));
  EXPECT_EQ(config->protocol.write_timeout, milliseconds(30'000));  // default kept
  EXPECT_EQ(config->protocol.port, 7777);
  EXPECT_EQ(config->system.config_salt, "123456789087654321");
  EXPECT_EQ(config->system.data_dir, "/var/lib/aio");
  EXPECT_EQ(config->store.etcd_compat_port, 12379);
  EXPECT_EQ(*CompactionRetention(config->store), 3'600'000);
}

TEST_F(ConfigTest, AcceptsAFilePathAndAnEmptyFile) {
  EXPECT_TRUE(LoadConfig(Write(""), {}).ok());
  EXPECT_TRUE(LoadConfig(Write("store:\n"), {}).ok());
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<Config> config = LoadConfig((dir_ / "nope.yaml").string(), {});
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("nope.yaml"));
}

TEST_F(ConfigTest, WrongTypeNamesTheKey) {
  absl::StatusOr<Config> config = LoadConfig(Write("store:\n  etcd_compat_port: abc\n"), {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(),
              HasSubstr("store.etcd_compat_port: expected an integer port 0-65535, got \"abc\""));

  config = LoadConfig(Write("logger:\n  console: maybe\n"), {});
  EXPECT_THAT(config.status().message(),
              HasSubstr("logger.console: expected true or false, got \"maybe\""));
  config = LoadConfig(Write("protocol:\n  idle_timeout: 10\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("protocol.idle_timeout: expected a duration"));
  config = LoadConfig(Write("logger:\n  level: loud\n"), {});
  EXPECT_THAT(config.status().message(),
              HasSubstr("logger.level: expected one of trace, debug, info, warn, error, got "
                        "\"loud\""));
  config = LoadConfig(Write("network:\n  http_port: [1, 2]\n"), {});
  EXPECT_THAT(config.status().message(),
              HasSubstr("network.http_port: expected a single int value, got a list"));
}

TEST_F(ConfigTest, BadValuesNameTheKey) {
  absl::StatusOr<Config> config = LoadConfig(Write("store:\n  etcd_compat_port: 70000\n"), {});
  EXPECT_THAT(config.status().message(),
              HasSubstr("store.etcd_compat_port: expected an integer port 0-65535, got \"70000\""));
  config = LoadConfig(Write("network:\n  bind_ip: example\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("network.bind_ip: expected an IP address"));
  config = LoadConfig(Write("system:\n  node_id: \"\"\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("system.node_id: expected a non-empty"));
  config = LoadConfig(Write("system:\n  mode: galaxy\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("system.mode: expected one of standalone"));
}

TEST_F(ConfigTest, UnknownKeysAndSectionsAreErrors) {
  absl::StatusOr<Config> config = LoadConfig(Write("store:\n  etcd_port: 1\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("store.etcd_port: unknown key"));
  config = LoadConfig(Write("storage:\n  x: 1\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("storage: unknown section"));
  config = LoadConfig(Write("- a\n- b\n"), {});
  EXPECT_FALSE(config.ok());
}

TEST_F(ConfigTest, InvalidYamlNamesTheLine) {
  absl::StatusOr<Config> config = LoadConfig(Write("store:\n  etcd_compat_port: [1\n"), {});
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("invalid YAML"));
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  const std::string file = Write("store:\n  etcd_compat_port: 3000\n");
  absl::StatusOr<Config> config = LoadConfig(file, {{"AIO_STORE_ETCD_COMPAT_PORT", "12379"},
                                                    {"AIO_SYSTEM_DATA_DIR", "/tmp/x"},
                                                    {"AIO_PROTOCOL_IDLE_TIMEOUT", "5m"},
                                                    {"AIO_LOGGER_CONSOLE", "false"},
                                                    {"AIO_UNRELATED", "ignored"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store.etcd_compat_port, 12379);
  EXPECT_EQ(config->system.data_dir, "/tmp/x");
  EXPECT_EQ(config->protocol.idle_timeout, milliseconds(300'000));
  EXPECT_FALSE(config->logger.console);
}

TEST_F(ConfigTest, BadEnvironmentValueNamesKeyAndVariable) {
  absl::StatusOr<Config> config = LoadConfig("", {{"AIO_STORE_ETCD_COMPAT_PORT", "abc"}});
  EXPECT_THAT(config.status().message(),
              HasSubstr("store.etcd_compat_port (from AIO_STORE_ETCD_COMPAT_PORT): expected an "
                        "integer port 0-65535, got \"abc\""));
  config = LoadConfig("", {{"AIO_STORE_ETCD_PORT", "1"}});
  EXPECT_THAT(config.status().message(), HasSubstr("AIO_STORE_ETCD_PORT: unknown key"));
}

TEST_F(ConfigTest, CrossKeyValidation) {
  absl::StatusOr<Config> config = LoadConfig(Write("protocol:\n  port: 2379\n"), {});
  EXPECT_THAT(config.status().message(),
              HasSubstr("protocol.port: port 2379 is already used by store.etcd_compat_port"));
  // Port 0 twice is fine: each listener gets its own free port.
  EXPECT_TRUE(LoadConfig(Write("protocol:\n  port: 0\nstore:\n  etcd_compat_port: 0\n"), {}).ok());

  config = LoadConfig(
      Write("store:\n  auto_compaction_mode: revision\n  auto_compaction_retention: 1h\n"), {});
  EXPECT_THAT(config.status().message(), HasSubstr("store.auto_compaction_retention: expected"));
  config = LoadConfig(
      Write("store:\n  auto_compaction_mode: revision\n  auto_compaction_retention: \"1000\"\n"),
      {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*CompactionRetention(config->store), 1000);
  config = LoadConfig(
      Write("store:\n  auto_compaction_mode: periodic\n  auto_compaction_retention: \"2\"\n"), {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(*CompactionRetention(config->store), 2 * 3'600'000);  // bare number = hours, as etcd
}

TEST_F(ConfigTest, DumpIsLoadableAndRoundTrips) {
  absl::StatusOr<Config> config = LoadConfig(
      "", {{"AIO_STORE_ETCD_COMPAT_PORT", "12379"}, {"AIO_PROTOCOL_READ_TIMEOUT", "1h30m"}});
  ASSERT_TRUE(config.ok());
  const std::string dump = DumpConfig(*config);
  EXPECT_THAT(dump, HasSubstr("etcd_compat_port: 12379"));
  EXPECT_THAT(dump, HasSubstr("read_timeout: 1h30m"));
  EXPECT_THAT(dump, HasSubstr("file: \"./logs/aio.log\""));
  absl::StatusOr<Config> reloaded = LoadConfig(Write(dump), {});
  ASSERT_TRUE(reloaded.ok()) << reloaded.status() << "\n" << dump;
  EXPECT_EQ(DumpConfig(*reloaded), dump);
}

TEST_F(ConfigTest, EveryDefaultParses) {
  for (const Setting& setting : Settings()) {
    Config config{};
    EXPECT_TRUE(setting.set(setting.default_value, config).ok()) << setting.Key();
    EXPECT_EQ(setting.EnvName().rfind("AIO_", 0), 0u);
  }
}

TEST(ListenHostTest, ExternalLocalhostAndExplicit) {
  EXPECT_EQ(ListenHost(true, "localhost"), "0.0.0.0");
  EXPECT_EQ(ListenHost(false, "localhost"), "127.0.0.1");
  EXPECT_EQ(ListenHost(false, "10.1.2.3"), "10.1.2.3");
}

}  // namespace
}  // namespace aio::base
