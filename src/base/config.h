// AIO's configuration: one struct per section of conf/aio.yaml, one settings table (name, type,
// default, help) per section feeding the YAML loader, the AIO_<SECTION>_<KEY> environment
// overrides, validation and the effective-config dump (`aio --print-config`).
//
// The table in config.cc is the single home of every key and default. Errors name the key:
//   store.etcd_compat_port: expected an integer port 0-65535, got "abc"
// Relative paths are relative to the process working directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aio::base {

struct ErrorsConfig {
  bool debug_mode;
};

struct LoggerConfig {
  bool compress;        // gzip rotated files
  bool console;         // log to stderr
  std::string file;     // "" = no log file
  std::string level;    // trace, debug, info, warn, error
  int64_t max_age;      // days a rotated file is kept; 0 = no age limit
  int64_t max_backups;  // rotated files kept; 0 = no count limit
  int64_t max_size;     // MB before the file is rotated
};

struct NetworkConfig {
  bool allow_external;       // listen on 0.0.0.0 instead of bind_ip (gRPC listeners)
  std::string bind_ip;       // an IP address or "localhost"
  bool http_allow_external;  // the same, for the HTTP listener
  int64_t http_port;         // 0 = any free port
};

struct ProtocolConfig {
  int64_t buffer_size;
  bool enable_auth;
  bool enable_keep_alive;
  std::chrono::milliseconds heartbeat_timeout;
  std::chrono::milliseconds idle_timeout;
  int64_t max_connections;
  int64_t port;  // AIO's gRPC port (etcd v3 API); 0 = any free port
  std::chrono::milliseconds read_timeout;
  std::chrono::milliseconds write_timeout;
};

struct SystemConfig {
  std::string config_salt;
  std::string data_dir;
  std::string mode;  // standalone or cluster
  std::string node_id;
};

struct StoreConfig {
  int64_t etcd_compat_port;  // etcd-compatible gRPC port; 0 = any free port
  int64_t max_request_bytes;
  int64_t quota_backend_bytes;
  std::string auto_compaction_mode;       // "", periodic or revision
  std::string auto_compaction_retention;  // periodic: duration or hours; revision: revisions
  std::chrono::milliseconds progress_notify_interval;
};

// Identity and access (src/auth): users, roles, client credentials, JWTs, audit.
struct AuthConfig {
  bool enabled;                         // AIO's own APIs require a token
  std::chrono::milliseconds token_ttl;  // lifetime of an access token
  std::string initial_admin_password;   // "" = random, written to data_dir
  std::chrono::milliseconds audit_retention;
};

// TLS for the gRPC listeners (etcd and AIO ports) and the HTTP listener (src/net/tls.h). The
// Redis and NATS listeners stay plaintext.
struct TlsConfig {
  bool auto_generate;     // tls.auto: a CA and a server certificate in <data_dir>/tls
  std::string cert_file;  // PEM server certificate (chain); with key_file, instead of tls.auto
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM CA that client certificates must chain to
  bool client_auth;       // gRPC clients must present a certificate signed by the CA
  bool grpc;              // serve the gRPC listeners with TLS
  bool http;              // serve the HTTP listener with TLS
};

// The service registry (src/registry, seed 003's options).
struct RegistryConfig {
  std::string prefix;                        // keys are <prefix>/<name>/<id>
  std::chrono::milliseconds ttl;             // no renewal for this long -> offline (LeaseTTL)
  std::chrono::milliseconds renew_interval;  // period of the offline sweep (RenewInterval)
};

// The NATS-protocol message queue (src/mq, src/protocol/nats).
struct MqConfig {
  bool enabled;
  int64_t port;  // NATS client port; 0 = any free port
  bool allow_external;
  int64_t max_payload;       // bytes
  int64_t max_control_line;  // bytes
  int64_t max_connections;
  int64_t max_pending;  // bytes queued to one client before it is a slow consumer
  std::chrono::milliseconds ping_interval;
  int64_t max_pings_out;
  std::chrono::milliseconds auth_timeout;
  bool jetstream;                                     // serve the JetStream API ($JS.API.>)
  std::string store_dir;                              // "" = <data_dir>/mq
  bool jetstream_sync_always;                         // fsync every JetStream write
  std::chrono::milliseconds jetstream_sync_interval;  // else fsync this often
};

struct CacheConfig {
  bool enabled;
  int64_t port;  // Redis-protocol port; 0 = any free port
  bool allow_external;
  int64_t databases;
  int64_t maxmemory;  // bytes; 0 = no limit
  std::string maxmemory_policy;
  std::string notify_keyspace_events;
  int64_t max_clients;
  int64_t proto_max_bulk_len;  // bytes
  bool require_auth;           // AUTH through the shared auth model (when auth.enabled)
  int64_t hz;                  // active expiry cycles per second
  int64_t io_threads;          // I/O threads of the cache's connections; 0 = half the cores
  bool persistence;            // snapshot in data_dir/cache/dump.aio
  std::chrono::milliseconds snapshot_interval;  // 0 = only at shutdown and SAVE/BGSAVE
};

struct Config {
  ErrorsConfig errors;
  LoggerConfig logger;
  NetworkConfig network;
  ProtocolConfig protocol;
  SystemConfig system;
  StoreConfig store;
  AuthConfig auth;
  RegistryConfig registry;
  TlsConfig tls;
  MqConfig mq;
  CacheConfig cache;
};

// One key of the table.
struct Setting {
  std::string section;
  std::string name;
  std::string type;  // bool, int, string, duration, or the enum's choices "a|b|c"
  std::string default_value;
  std::string help;
  // Parses `text` into `config`. The error says what was expected and quotes `text`.
  std::function<absl::Status(std::string_view text, Config& config)> set;
  std::function<std::string(const Config& config)> get;

  std::string Key() const { return section + "." + name; }
  std::string EnvName() const;  // AIO_<SECTION>_<NAME>
};

// Every key, in the order of the dump.
const std::vector<Setting>& Settings();

// The configuration with every default applied.
Config DefaultConfig();

using Environment = std::map<std::string, std::string>;
// The process environment (the variables starting with AIO_).
Environment ProcessEnvironment();

// Loads `path` (a directory holding aio.yaml, or a YAML file; "" = defaults only), applies the
// AIO_* overrides from `env` and validates. Errors are InvalidArgument (NotFound for a missing
// file) and name the file and the key.
absl::StatusOr<Config> LoadConfig(const std::string& path, const Environment& env);

// Cross-key checks run by LoadConfig (ports distinct, compaction retention matching its mode).
absl::Status ValidateConfig(const Config& config);

// The effective config as YAML, every key with its help as a comment.
std::string DumpConfig(const Config& config);

// The host a listener binds: "0.0.0.0" when `allow_external`, else `bind_ip` ("localhost" is
// 127.0.0.1).
std::string ListenHost(bool allow_external, const std::string& bind_ip);

// store.auto_compaction_retention in the unit of its mode: milliseconds for periodic (a bare
// integer means hours, as etcd), revisions for revision; 0 = off.
absl::StatusOr<int64_t> CompactionRetention(const StoreConfig& store);

}  // namespace aio::base
