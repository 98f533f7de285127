// Stream and consumer configurations: the JSON shapes of JetStream's API (nats-server 2.9,
// server/stream.go StreamConfig and server/consumer.go ConsumerConfig), parsing with nats-server's
// defaults, validation with its error texts, and serialization back to the same JSON. Durations
// are nanoseconds on the wire, as nats-server's.
//
// Pure functions and values, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "mq/jetstream/api_error.h"
#include "nlohmann/json.hpp"

namespace aio::mq::jetstream {

// Persisted (as their JSON names): never rename.
enum class Retention { kLimits, kInterest, kWorkQueue };
enum class Discard { kOld, kNew };
enum class StorageType { kFile, kMemory };
enum class DeliverPolicy { kAll, kLast, kNew, kByStartSequence, kByStartTime, kLastPerSubject };
enum class AckPolicy { kNone, kAll, kExplicit };
enum class ReplayPolicy { kInstant, kOriginal };

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kDefaultDuplicateWindowNs = 120'000 * kNsPerMs;  // 2 minutes
inline constexpr int64_t kDefaultAckWaitNs = 30'000 * kNsPerMs;
inline constexpr int64_t kDefaultMaxAckPending = 1000;
inline constexpr int64_t kDefaultMaxWaiting = 512;
inline constexpr int64_t kDefaultInactiveThresholdNs = 5'000 * kNsPerMs;  // ephemerals
inline constexpr int64_t kMinIdleHeartbeatNs = 100 * kNsPerMs;

struct StreamConfig {
  std::string name;
  std::string description;
  std::vector<std::string> subjects;  // empty on create = {name}
  Retention retention = Retention::kLimits;
  int64_t max_consumers = -1;
  int64_t max_msgs = -1;
  int64_t max_bytes = -1;
  int64_t max_age_ns = 0;  // 0 = unlimited
  int64_t max_msgs_per_subject = -1;
  int64_t max_msg_size = -1;
  Discard discard = Discard::kOld;
  StorageType storage = StorageType::kFile;
  int64_t num_replicas = 1;
  bool no_ack = false;
  int64_t duplicate_window_ns = 0;  // 0 = default: 2 minutes, or max_age when shorter
  bool sealed = false;
  bool deny_delete = false;
  bool deny_purge = false;
  bool allow_rollup_hdrs = false;
  bool allow_direct = false;
};

struct ConsumerConfig {
  std::string durable_name;  // "" = ephemeral
  std::string name;          // the consumer's name (durable_name for durables)
  std::string description;
  std::string deliver_subject;  // "" = pull consumer
  std::string deliver_group;
  DeliverPolicy deliver_policy = DeliverPolicy::kAll;
  uint64_t opt_start_seq = 0;
  int64_t opt_start_time_ns = 0;  // ns since the epoch; 0 = unset
  AckPolicy ack_policy = AckPolicy::kExplicit;
  int64_t ack_wait_ns = kDefaultAckWaitNs;
  int64_t max_deliver = -1;
  std::vector<int64_t> backoff_ns;
  std::string filter_subject;
  ReplayPolicy replay_policy = ReplayPolicy::kInstant;
  int64_t max_waiting = 0;  // pull only; 0 = default
  int64_t max_ack_pending = 0;
  bool flow_control = false;
  int64_t idle_heartbeat_ns = 0;
  bool headers_only = false;
  int64_t max_batch = 0;
  int64_t max_expires_ns = 0;
  int64_t max_request_max_bytes = 0;  // "max_bytes": a pull request's max_bytes ceiling; 0 = none
  int64_t inactive_threshold_ns = 0;
  int64_t num_replicas = 0;
  bool mem_storage = false;

  bool is_pull() const { return deliver_subject.empty(); }
};

// Parses a stream config (STREAM.CREATE/UPDATE payload). Unknown fields are ignored, as in
// nats-server; wrong types are InvalidJson. Mirrors, sources, republish and a placement with a
// cluster or tags are not implemented: refused with 10052 "stream configuration for mirror not
// supported" (sources, republish) / "stream placement not supported in non-clustered mode".
std::variant<StreamConfig, ApiError> ParseStreamConfig(const nlohmann::json& json);
// Applies nats-server's defaults (subjects = {name}) and checks limits and subjects; the error
// texts are nats-server's checkStreamCfg ones.
std::variant<StreamConfig, ApiError> ValidateStreamConfig(StreamConfig config);
// What STREAM.UPDATE may not change (name, storage, retention workqueue<->other, replicas...).
std::variant<StreamConfig, ApiError> CheckStreamUpdate(const StreamConfig& old_config,
                                                       StreamConfig new_config);
nlohmann::json ToJson(const StreamConfig& config);

// Parses a consumer config; `rate_limit_bps` and `sample_freq` are not implemented and refused
// (10086 for pull consumers, as nats-server; 10012 "... not supported" otherwise).
std::variant<ConsumerConfig, ApiError> ParseConsumerConfig(const nlohmann::json& json);
// Applies defaults (ack_wait 30s, max_ack_pending 1000, max_waiting 512 for pull consumers) and
// checks the fields against themselves and the stream's config.
std::variant<ConsumerConfig, ApiError> ValidateConsumerConfig(ConsumerConfig config,
                                                              const StreamConfig& stream);
nlohmann::json ToJson(const ConsumerConfig& config);

// Whether a stream or consumer name is valid: non-empty, no whitespace, no '.', '*', '>', and
// no path separators (names become storage keys).
bool IsValidName(std::string_view name);

// RFC 3339 with nanoseconds in UTC ("2006-01-02T15:04:05.999999999Z"), as Go's time.Time JSON.
std::string FormatTime(int64_t ns_since_epoch);
// Parses RFC 3339 ("...Z" or "+hh:mm", optional fraction); false when malformed.
bool ParseTime(std::string_view text, int64_t* ns_since_epoch);

}  // namespace aio::mq::jetstream
