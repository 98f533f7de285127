#include "base/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "base/duration.h"
#include "fmt/format.h"
#include "yaml-cpp/yaml.h"

extern char** environ;

namespace aio::base {
namespace {

std::string Quoted(std::string_view text) { return fmt::format("\"{}\"", text); }

// A whole-string base-10 integer.
bool ParseInt64(std::string_view text, int64_t* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && !text.empty();
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") return false;
  return absl::InvalidArgumentError(fmt::format("expected true or false, got {}", Quoted(text)));
}

absl::StatusOr<int64_t> ParseInt(std::string_view text, int64_t min, int64_t max,
                                 std::string_view what) {
  int64_t value = 0;
  if (!ParseInt64(text, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        fmt::format("expected {} {}-{}, got {}", what, min, max, Quoted(text)));
  }
  return value;
}

bool IsIpAddress(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// Builds the settings of one section; each method binds a key to a field of the section struct.
template <typename Section>
class SectionBuilder {
 public:
  SectionBuilder(std::string section, Section Config::*member, std::vector<Setting>* out)
      : section_(std::move(section)), member_(member), out_(out) {}

  SectionBuilder& Bool(std::string name, bool Section::*field, std::string def, std::string help) {
    return Add(
        std::move(name), "bool", std::move(def), std::move(help),
        [m = member_, field](std::string_view text, Config& c) -> absl::Status {
          absl::StatusOr<bool> v = ParseBool(text);
          if (!v.ok()) return v.status();
          c.*m.*field = *v;
          return absl::OkStatus();
        },
        [m = member_, field](const Config& c) -> std::string {
          return c.*m.*field ? "true" : "false";
        });
  }

  // An integer in [min, max]; `what` names it in errors ("an integer", "an integer port").
  SectionBuilder& Int(std::string name, int64_t Section::*field, int64_t min, int64_t max,
                      std::string def, std::string help, std::string what = "an integer") {
    return Add(
        std::move(name), "int", std::move(def), std::move(help),
        [m = member_, field, min, max, what](std::string_view text, Config& c) -> absl::Status {
          absl::StatusOr<int64_t> v = ParseInt(text, min, max, what);
          if (!v.ok()) return v.status();
          c.*m.*field = *v;
          return absl::OkStatus();
        },
        [m = member_, field](const Config& c) { return std::to_string(c.*m.*field); });
  }

  SectionBuilder& Port(std::string name, int64_t Section::*field, std::string def,
                       std::string help) {
    return Int(std::move(name), field, 0, 65535, std::move(def), std::move(help),
               "an integer port");
  }

  // A string; `check` (optional) returns an error text for a bad value.
  SectionBuilder& String(std::string name, std::string Section::*field, std::string def,
                         std::string help,
                         std::function<std::string(const std::string&)> check = nullptr) {
    return Add(
        std::move(name), "string", std::move(def), std::move(help),
        [m = member_, field, check](std::string_view text, Config& c) -> absl::Status {
          std::string value(text);
          if (check) {
            if (std::string error = check(value); !error.empty()) {
              return absl::InvalidArgumentError(error);
            }
          }
          c.*m.*field = std::move(value);
          return absl::OkStatus();
        },
        [m = member_, field](const Config& c) { return c.*m.*field; });
  }

  SectionBuilder& Duration(std::string name, std::chrono::milliseconds Section::*field,
                           std::string def, std::string help) {
    return Add(
        std::move(name), "duration", std::move(def), std::move(help),
        [m = member_, field](std::string_view text, Config& c) -> absl::Status {
          absl::StatusOr<std::chrono::milliseconds> v = ParseDuration(text);
          if (!v.ok()) return v.status();
          c.*m.*field = *v;
          return absl::OkStatus();
        },
        [m = member_, field](const Config& c) { return FormatDuration(c.*m.*field); });
  }

  SectionBuilder& Enum(std::string name, std::string Section::*field,
                       std::vector<std::string> choices, std::string def, std::string help) {
    std::vector<std::string> shown;
    for (const std::string& choice : choices) shown.push_back(choice.empty() ? "\"\"" : choice);
    std::string type = fmt::format("{}", fmt::join(shown, "|"));
    return Add(
        std::move(name), type, std::move(def), std::move(help),
        [m = member_, field, choices, shown](std::string_view text, Config& c) -> absl::Status {
          if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
            return absl::InvalidArgumentError(
                fmt::format("expected one of {}, got {}", fmt::join(shown, ", "), Quoted(text)));
          }
          c.*m.*field = std::string(text);
          return absl::OkStatus();
        },
        [m = member_, field](const Config& c) { return c.*m.*field; });
  }

 private:
  SectionBuilder& Add(std::string name, std::string type, std::string def, std::string help,
                      std::function<absl::Status(std::string_view, Config&)> set,
                      std::function<std::string(const Config&)> get) {
    out_->push_back(Setting{section_, std::move(name), std::move(type), std::move(def),
                            std::move(help), std::move(set), std::move(get)});
    return *this;
  }

  std::string section_;
  Section Config::*member_;
  std::vector<Setting>* out_;
};

std::string CheckNonEmpty(const std::string& value) {
  return value.empty() ? "expected a non-empty string, got \"\"" : "";
}

std::string CheckBindIp(const std::string& value) {
  if (value == "localhost" || IsIpAddress(value)) return "";
  return fmt::format("expected an IP address or \"localhost\", got {}", Quoted(value));
}

std::vector<Setting> BuildSettings() {
  constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
  std::vector<Setting> s;
  SectionBuilder<ErrorsConfig>("errors", &Config::errors, &s)
      .Bool("debug_mode", &ErrorsConfig::debug_mode, "true",
            "include internal error details in API error messages");
  SectionBuilder<LoggerConfig>("logger", &Config::logger, &s)
      .Bool("compress", &LoggerConfig::compress, "true", "gzip rotated log files")
      .Bool("console", &LoggerConfig::console, "true", "log to stderr")
      .String("file", &LoggerConfig::file, "./logs/aio.log", "log file; \"\" = no log file")
      .Enum("level", &LoggerConfig::level, {"trace", "debug", "info", "warn", "error"}, "info",
            "minimum level logged")
      .Int("max_age", &LoggerConfig::max_age, 0, 36500, "7",
           "days a rotated log file is kept; 0 = no age limit")
      .Int("max_backups", &LoggerConfig::max_backups, 0, 100000, "10",
           "rotated log files kept; 0 = no count limit")
      .Int("max_size", &LoggerConfig::max_size, 1, 1 << 20, "100",
           "MB written to the log file before it is rotated");
  SectionBuilder<NetworkConfig>("network", &Config::network, &s)
      .Bool("allow_external", &NetworkConfig::allow_external, "false",
            "gRPC listeners bind 0.0.0.0 instead of bind_ip")
      .String("bind_ip", &NetworkConfig::bind_ip, "localhost",
              "address the listeners bind when external access is off", CheckBindIp)
      .Bool("http_allow_external", &NetworkConfig::http_allow_external, "true",
            "the HTTP listener binds 0.0.0.0 instead of bind_ip")
      .Port("http_port", &NetworkConfig::http_port, "8080", "HTTP API port; 0 = any free port");
  SectionBuilder<ProtocolConfig>("protocol", &Config::protocol, &s)
      .Int("buffer_size", &ProtocolConfig::buffer_size, 512, 64 << 20, "4096",
           "bytes per connection read buffer")
      .Bool("enable_auth", &ProtocolConfig::enable_auth, "true", "require client credentials")
      .Bool("enable_keep_alive", &ProtocolConfig::enable_keep_alive, "true",
            "keep HTTP connections open between requests")
      .Duration("heartbeat_timeout", &ProtocolConfig::heartbeat_timeout, "30s",
                "a client missing heartbeats this long is offline")
      .Duration("idle_timeout", &ProtocolConfig::idle_timeout, "60s",
                "an idle connection is closed after this long")
      .Int("max_connections", &ProtocolConfig::max_connections, 1, 1000000, "1000",
           "concurrent client connections")
      .Port("port", &ProtocolConfig::port, "6666", "AIO gRPC port (etcd v3 API); 0 = any free port")
      .Duration("read_timeout", &ProtocolConfig::read_timeout, "30s",
                "longest time to receive one request")
      .Duration("write_timeout", &ProtocolConfig::write_timeout, "30s",
                "longest time to send one response");
  SectionBuilder<SystemConfig>("system", &Config::system, &s)
      .String("config_salt", &SystemConfig::config_salt, "",
              "salt for encrypted config values; set a unique random value per deployment")
      .String("data_dir", &SystemConfig::data_dir, "./data", "directory of the persistent state",
              CheckNonEmpty)
      .Enum("mode", &SystemConfig::mode, {"standalone", "cluster"}, "standalone",
            "standalone (embedded store) or cluster (not implemented yet)")
      .String("node_id", &SystemConfig::node_id, "node1", "this node's name, unique in a cluster",
              CheckNonEmpty);
  SectionBuilder<StoreConfig>("store", &Config::store, &s)
      .Port("etcd_compat_port", &StoreConfig::etcd_compat_port, "2379",
            "etcd-compatible gRPC port; 0 = any free port")
      .Int("max_request_bytes", &StoreConfig::max_request_bytes, 1024, 64 << 20, "1572864",
           "largest request accepted (etcd --max-request-bytes)")
      .Int("quota_backend_bytes", &StoreConfig::quota_backend_bytes, 1 << 20, kMaxInt, "2147483648",
           "database size that raises the NOSPACE alarm (etcd --quota-backend-bytes)")
      .Enum("auto_compaction_mode", &StoreConfig::auto_compaction_mode,
            {"", "periodic", "revision"}, "",
            "automatic compaction: \"\" (off), periodic or revision (etcd --auto-compaction-mode)")
      .String("auto_compaction_retention", &StoreConfig::auto_compaction_retention, "0",
              "periodic: a duration (\"1h\") or hours; revision: revisions kept; 0 = off")
      .Duration("progress_notify_interval", &StoreConfig::progress_notify_interval, "10m",
                "interval of watch progress notifications");
  SectionBuilder<AuthConfig>("auth", &Config::auth, &s)
      .Bool("enabled", &AuthConfig::enabled, "true",
            "AIO's HTTP and gRPC APIs require a token (the etcd API follows `etcdctl auth enable`)")
      .Duration("token_ttl", &AuthConfig::token_ttl, "24h", "lifetime of an access token")
      .String("initial_admin_password", &AuthConfig::initial_admin_password, "",
              "password of the first admin; \"\" = random, written to "
              "<data_dir>/initial-admin-password (also AIO_ADMIN_PASSWORD)")
      .Duration("audit_retention", &AuthConfig::audit_retention, "168h",
                "how long audit records are kept");
  SectionBuilder<TlsConfig>("tls", &Config::tls, &s)
      .Bool("auto", &TlsConfig::auto_generate, "false",
            "create a CA and a server certificate in <data_dir>/tls at first start")
      .String("cert_file", &TlsConfig::cert_file, "",
              "PEM server certificate (chain); with key_file, instead of tls.auto")
      .String("key_file", &TlsConfig::key_file, "", "PEM private key of cert_file")
      .String("ca_file", &TlsConfig::ca_file, "",
              "PEM CA for client certificates (tls.auto: the generated CA)")
      .Bool("client_auth", &TlsConfig::client_auth, "false",
            "gRPC clients must present a certificate signed by the CA")
      .Bool("grpc", &TlsConfig::grpc, "true", "the gRPC listeners use TLS when TLS is configured")
      .Bool("http", &TlsConfig::http, "true", "the HTTP listener uses TLS when TLS is configured");
  SectionBuilder<RegistryConfig>("registry", &Config::registry, &s)
      .String("prefix", &RegistryConfig::prefix, "/aio/registry",
              "store key prefix of the service registry: <prefix>/<name>/<id>",
              [](const std::string& v) -> std::string {
                return v.starts_with("/") && !v.ends_with("/")
                           ? ""
                           : fmt::format(
                                 "expected a key prefix starting and not ending with /, "
                                 "got {}",
                                 Quoted(v));
              })
      .Duration("ttl", &RegistryConfig::ttl, "30s",
                "an instance not renewed for this long is marked offline (kept, not deleted)")
      .Duration("renew_interval", &RegistryConfig::renew_interval, "10s",
                "how often the elected node sweeps for instances past their ttl");
  SectionBuilder<MqConfig>("mq", &Config::mq, &s)
      .Bool("enabled", &MqConfig::enabled, "true", "serve the NATS-protocol message queue")
      .Port("port", &MqConfig::port, "4222", "NATS client port; 0 = any free port")
      .Bool("allow_external", &MqConfig::allow_external, "false",
            "the NATS listener binds 0.0.0.0 instead of network.bind_ip")
      .Int("max_payload", &MqConfig::max_payload, 1, 64 << 20, "1048576",
           "largest message payload in bytes, headers included (nats-server max_payload)")
      .Int("max_control_line", &MqConfig::max_control_line, 256, 1 << 20, "4096",
           "longest protocol line in bytes (nats-server max_control_line)")
      .Int("max_connections", &MqConfig::max_connections, 1, 10000000, "65536",
           "concurrent client connections")
      .Int("max_pending", &MqConfig::max_pending, 1024, int64_t{1} << 40, "67108864",
           "bytes queued to one client before it is disconnected as a slow consumer")
      .Duration("ping_interval", &MqConfig::ping_interval, "2m",
                "interval of server PINGs to each client")
      .Int("max_pings_out", &MqConfig::max_pings_out, 1, 1000, "2",
           "unanswered PINGs before a connection is closed as stale")
      .Duration("auth_timeout", &MqConfig::auth_timeout, "2s",
                "time a client has to send CONNECT when auth is required")
      .Bool("jetstream", &MqConfig::jetstream, "true",
            "serve JetStream (persistent streams and consumers over $JS.API.>)")
      .String("store_dir", &MqConfig::store_dir, "",
              "JetStream storage directory; \"\" = <data_dir>/mq")
      .Bool("jetstream_sync_always", &MqConfig::jetstream_sync_always, "false",
            "fsync every JetStream write (acknowledged publishes survive power loss)")
      .Duration("jetstream_sync_interval", &MqConfig::jetstream_sync_interval, "2m",
                "fsync JetStream's store this often when not syncing every write "
                "(nats-server's sync_interval default)");
  SectionBuilder<CacheConfig>("cache", &Config::cache, &s)
      .Bool("enabled", &CacheConfig::enabled, "true", "serve the Redis-protocol cache")
      .Port("port", &CacheConfig::port, "6379", "Redis-protocol port; 0 = any free port")
      .Bool("allow_external", &CacheConfig::allow_external, "false",
            "the cache listener binds 0.0.0.0 instead of network.bind_ip")
      .Int("databases", &CacheConfig::databases, 1, 1024, "16",
           "logical databases (SELECT 0..n-1; Redis databases)")
      .Int("maxmemory", &CacheConfig::maxmemory, 0, kMaxInt, "0",
           "bytes of data before eviction or OOM errors; 0 = no limit (Redis maxmemory)")
      .Enum("maxmemory_policy", &CacheConfig::maxmemory_policy,
            {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru",
             "volatile-lfu", "volatile-random", "volatile-ttl"},
            "noeviction", "what goes when maxmemory is reached (Redis maxmemory-policy)")
      .String("notify_keyspace_events", &CacheConfig::notify_keyspace_events, "",
              "keyspace notification classes, e.g. \"KEA\" (Redis notify-keyspace-events)")
      .Int("max_clients", &CacheConfig::max_clients, 1, 10000000, "10000",
           "concurrent client connections (Redis maxclients)")
      .Int("proto_max_bulk_len", &CacheConfig::proto_max_bulk_len, 1024, int64_t{1} << 32,
           "536870912", "largest bulk string in a request, bytes (Redis proto-max-bulk-len)")
      .Bool("require_auth", &CacheConfig::require_auth, "false",
            "clients must AUTH (a user's password or a JWT) when auth.enabled; false = open, "
            "as Redis without a password")
      .Int("hz", &CacheConfig::hz, 1, 500, "10", "active expiry cycles per second (Redis hz)")
      .Int("io_threads", &CacheConfig::io_threads, 0, 256, "0",
           "I/O threads serving the cache's connections; 0 = half the cores, at least one "
           "(Redis io-threads)")
      .Bool("persistence", &CacheConfig::persistence, "false",
            "keep a snapshot in data_dir/cache/dump.aio: loaded at start, written on the "
            "interval, at shutdown and by SAVE/BGSAVE (Redis RDB)")
      .Duration("snapshot_interval", &CacheConfig::snapshot_interval, "5m",
                "with persistence, how often a snapshot is written; 0 = only at shutdown and on "
                "SAVE/BGSAVE");
  return s;
}

absl::Status KeyError(std::string_view where, const Setting& setting, const absl::Status& error) {
  return absl::InvalidArgumentError(
      fmt::format("{}{}: {}", where, setting.Key(), std::string(error.message())));
}

std::string NodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "a value";
  }
}

std::string SectionNames() {
  std::vector<std::string> names;
  for (const Setting& setting : Settings()) {
    if (names.empty() || names.back() != setting.section) names.push_back(setting.section);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

absl::Status ApplyYaml(const std::string& file, Config& config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(fmt::format("{}: cannot read the config file", file));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        fmt::format("{}:{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: expected a map of sections ({})", file, SectionNames()));
  }
  const std::string where = file + ": ";
  for (const auto& section : root) {
    const std::string section_name = section.first.as<std::string>();
    std::vector<const Setting*> keys;
    for (const Setting& setting : Settings()) {
      if (setting.section == section_name) keys.push_back(&setting);
    }
    if (keys.empty()) {
      return absl::InvalidArgumentError(fmt::format("{}{}: unknown section (known sections: {})",
                                                    where, section_name, SectionNames()));
    }
    if (section.second.IsNull()) continue;
    if (!section.second.IsMap()) {
      return absl::InvalidArgumentError(fmt::format("{}{}: expected a map of keys, got {}", where,
                                                    section_name, NodeKind(section.second)));
    }
    for (const auto& entry : section.second) {
      const std::string key = entry.first.as<std::string>();
      auto it = std::find_if(keys.begin(), keys.end(),
                             [&](const Setting* setting) { return setting->name == key; });
      if (it == keys.end()) {
        return absl::InvalidArgumentError(
            fmt::format("{}{}.{}: unknown key", where, section_name, key));
      }
      const Setting& setting = **it;
      if (!entry.second.IsNull() && !entry.second.IsScalar()) {
        return absl::InvalidArgumentError(fmt::format("{}{}: expected a single {} value, got {}",
                                                      where, setting.Key(), setting.type,
                                                      NodeKind(entry.second)));
      }
      const std::string text = entry.second.IsNull() ? "" : entry.second.Scalar();
      if (absl::Status status = setting.set(text, config); !status.ok()) {
        return KeyError(where, setting, status);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyEnvironment(const Environment& env, Config& config) {
  std::set<std::string> sections;
  for (const Setting& setting : Settings()) {
    sections.insert("AIO_" + absl::AsciiStrToUpper(setting.section) + "_");
  }
  for (const auto& [name, value] : env) {
    const Setting* match = nullptr;
    for (const Setting& setting : Settings()) {
      if (setting.EnvName() == name) match = &setting;
    }
    if (match != nullptr) {
      if (absl::Status status = match->set(value, config); !status.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("{} (from {}): {}", match->Key(), name, std::string(status.message())));
      }
      continue;
    }
    for (const std::string& prefix : sections) {
      if (name.rfind(prefix, 0) == 0) {
        return absl::InvalidArgumentError(
            fmt::format("{}: unknown key in the environment (no such config key)", name));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Setting::EnvName() const {
  return absl::AsciiStrToUpper(fmt::format("AIO_{}_{}", section, name));
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = BuildSettings();
  return settings;
}

Config DefaultConfig() {
  Config config{};
  for (const Setting& setting : Settings()) {
    // Defaults are checked by the unit tests; a bad one is a programming error.
    absl::Status status = setting.set(setting.default_value, config);
    if (!status.ok()) std::abort();
  }
  return config;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (text.rfind("AIO_", 0) != 0) continue;
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

absl::StatusOr<int64_t> CompactionRetention(const StoreConfig& store) {
  const std::string& text = store.auto_compaction_retention;
  if (store.auto_compaction_mode == "revision") {
    int64_t revisions = 0;
    if (!ParseInt64(text, &revisions) || revisions < 0) {
      return absl::InvalidArgumentError(
          fmt::format("expected a number of revisions for auto_compaction_mode revision, got {}",
                      Quoted(text)));
    }
    return revisions;
  }
  int64_t hours = 0;
  if (ParseInt64(text, &hours) && hours >= 0) return hours * 60 * 60 * 1000;
  absl::StatusOr<std::chrono::milliseconds> duration = ParseDuration(text);
  if (!duration.ok()) return duration.status();
  return duration->count();
}

absl::Status ValidateConfig(const Config& config) {
  if (absl::StatusOr<int64_t> retention = CompactionRetention(config.store); !retention.ok()) {
    return absl::InvalidArgumentError(fmt::format("store.auto_compaction_retention: {}",
                                                  std::string(retention.status().message())));
  }
  const TlsConfig& tls = config.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError("tls.cert_file and tls.key_file must be given together");
  }
  if (tls.auto_generate && !tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "tls.auto and tls.cert_file exclude each other: generate certificates or give them");
  }
  if (tls.client_auth && tls.ca_file.empty() && !tls.auto_generate) {
    return absl::InvalidArgumentError("tls.client_auth needs tls.ca_file (or tls.auto)");
  }
  if (config.registry.ttl.count() <= 0 || config.registry.renew_interval.count() <= 0) {
    return absl::InvalidArgumentError(
        "registry.ttl and registry.renew_interval must be greater than 0");
  }
  const std::pair<const char*, int64_t> ports[] = {
      {"store.etcd_compat_port", config.store.etcd_compat_port},
      {"protocol.port", config.protocol.port},
      {"network.http_port", config.network.http_port},
      {"mq.port", config.mq.enabled ? config.mq.port : 0},
      {"cache.port", config.cache.enabled ? config.cache.port : 0},
  };
  for (size_t i = 0; i < std::size(ports); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ports[i].second != 0 && ports[i].second == ports[j].second) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: port {} is already used by {}", ports[i].first, ports[i].second, ports[j].first));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> LoadConfig(const std::string& path, const Environment& env) {
  Config config = DefaultConfig();
  if (!path.empty()) {
    std::error_code ec;
    std::string file = path;
    if (std::filesystem::is_directory(path, ec)) {
      file = (std::filesystem::path(path) / "aio.yaml").string();
    }
    if (!std::filesystem::exists(file, ec)) {
      return absl::NotFoundError(fmt::format("{}: config file not found", file));
    }
    if (absl::Status status = ApplyYaml(file, config); !status.ok()) return status;
  }
  if (absl::Status status = ApplyEnvironment(env, config); !status.ok()) return status;
  if (auto it = env.find("AIO_ADMIN_PASSWORD");
      it != env.end() && config.auth.initial_admin_password.empty()) {
    config.auth.initial_admin_password = it->second;
  }
  if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
  return config;
}

std::string DumpConfig(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string section;
  for (const Setting& setting : Settings()) {
    if (setting.section != section) {
      if (!section.empty()) out << YAML::EndMap;
      section = setting.section;
      out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << setting.name << YAML::Value;
    if (setting.type == "bool" || setting.type == "int" || setting.type == "duration") {
      out << setting.get(config);
    } else {
      out << YAML::DoubleQuoted << setting.get(config);
    }
    out << YAML::Comment(setting.help);
  }
  if (!section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string ListenHost(bool allow_external, const std::string& bind_ip) {
  if (allow_external) return "0.0.0.0";
  if (bind_ip == "localhost") return "127.0.0.1";
  return bind_ip;
}

}  // namespace aio::base
