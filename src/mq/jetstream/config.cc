#include "mq/jetstream/config.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <optional>

#include "fmt/format.h"
#include "mq/subject.h"

namespace aio::mq::jetstream {
namespace {

using Json = nlohmann::json;

// Reads optional fields of one JSON object, remembering the first type error.
class Reader {
 public:
  explicit Reader(const Json& json) : json_(json) {}

  void Int(const char* key, int64_t* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return Fail(key);
    *out = v->get<int64_t>();
  }
  void Uint(const char* key, uint64_t* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_number_integer() || v->get<int64_t>() < 0) return Fail(key);
    *out = v->get<uint64_t>();
  }
  void Bool(const char* key, bool* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_boolean()) return Fail(key);
    *out = v->get<bool>();
  }
  void String(const char* key, std::string* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_string()) return Fail(key);
    *out = v->get<std::string>();
  }
  void Strings(const char* key, std::vector<std::string>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(key);
    out->clear();
    for (const Json& item : *v) {
      if (!item.is_string()) return Fail(key);
      out->push_back(item.get<std::string>());
    }
  }
  void Ints(const char* key, std::vector<int64_t>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(key);
    out->clear();
    for (const Json& item : *v) {
      if (!item.is_number_integer()) return Fail(key);
      out->push_back(item.get<int64_t>());
    }
  }
  // An enum spelled as one of `names` (index = enum value).
  template <typename E, size_t N>
  void Enum(const char* key, const std::array<const char*, N>& names, E* out) {
    const Json* v = Find(key);
    if (v == nullptr) return;
    if (v->is_string()) {
      for (size_t i = 0; i < N; ++i) {
        if (v->get<std::string>() == names[i]) {
          *out = static_cast<E>(i);
          return;
        }
      }
    }
    Fail(key);
  }

  const std::optional<ApiError>& error() const { return error_; }

 private:
  const Json* Find(const char* key) {
    auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }
  void Fail(const char* key) {
    if (!error_) error_ = InvalidJson(fmt::format("field \"{}\" has the wrong type", key));
  }

  const Json& json_;
  std::optional<ApiError> error_;
};

constexpr std::array<const char*, 3> kRetention = {"limits", "interest", "workqueue"};
constexpr std::array<const char*, 2> kDiscard = {"old", "new"};
constexpr std::array<const char*, 2> kStorage = {"file", "memory"};
constexpr std::array<const char*, 6> kDeliverPolicy = {
    "all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject"};
constexpr std::array<const char*, 3> kAckPolicy = {"none", "all", "explicit"};
constexpr std::array<const char*, 2> kReplayPolicy = {"instant", "original"};

template <typename E, size_t N>
const char* Name(const std::array<const char*, N>& names, E value) {
  return names[static_cast<size_t>(value)];
}

// Stream subjects may not capture JetStream's own API or ack traffic.
bool ReservedSubject(std::string_view subject) {
  return SubjectsOverlap(subject, "$JS.API.>") || SubjectsOverlap(subject, "$JS.ACK.>");
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || c == ' ' || c == '\t' ||
        c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return true;
}

std::variant<StreamConfig, ApiError> ParseStreamConfig(const Json& json) {
  if (!json.is_object()) return InvalidJson("expected a JSON object");
  StreamConfig c;
  Reader r(json);
  r.String("name", &c.name);
  r.String("description", &c.description);
  r.Strings("subjects", &c.subjects);
  r.Enum("retention", kRetention, &c.retention);
  r.Int("max_consumers", &c.max_consumers);
  r.Int("max_msgs", &c.max_msgs);
  r.Int("max_bytes", &c.max_bytes);
  r.Int("max_age", &c.max_age_ns);
  r.Int("max_msgs_per_subject", &c.max_msgs_per_subject);
  r.Int("max_msg_size", &c.max_msg_size);
  r.Enum("discard", kDiscard, &c.discard);
  r.Enum("storage", kStorage, &c.storage);
  r.Int("num_replicas", &c.num_replicas);
  r.Bool("no_ack", &c.no_ack);
  r.Int("duplicate_window", &c.duplicate_window_ns);
  r.Bool("sealed", &c.sealed);
  r.Bool("deny_delete", &c.deny_delete);
  r.Bool("deny_purge", &c.deny_purge);
  r.Bool("allow_rollup_hdrs", &c.allow_rollup_hdrs);
  r.Bool("allow_direct", &c.allow_direct);
  if (r.error()) return *r.error();
  // nats-server 2.9 features this engine does not have: refused rather than silently ignored.
  for (const char* key : {"mirror", "sources", "republish"}) {
    auto it = json.find(key);
    if (it != json.end() && !it->is_null() && !(it->is_array() && it->empty())) {
      return StreamInvalidConfig(fmt::format("stream configuration for {} not supported", key));
    }
  }
  if (auto it = json.find("placement"); it != json.end() && it->is_object()) {
    const bool cluster = it->contains("cluster") && (*it)["cluster"] != Json("");
    const bool tags = it->contains("tags") && (*it)["tags"].is_array() && !(*it)["tags"].empty();
    if (cluster || tags) {
      return StreamInvalidConfig("stream placement not supported in non-clustered mode");
    }
  }
  return c;
}

std::variant<StreamConfig, ApiError> ValidateStreamConfig(StreamConfig c) {
  if (!IsValidName(c.name)) return StreamInvalidConfig("invalid stream name");
  if (c.num_replicas == 0) c.num_replicas = 1;
  if (c.num_replicas != 1) {
    return StreamInvalidConfig("replicas > 1 not supported in non-clustered mode");
  }
  if (c.max_msgs == 0) c.max_msgs = -1;
  if (c.max_bytes == 0) c.max_bytes = -1;
  if (c.max_msgs_per_subject == 0) c.max_msgs_per_subject = -1;
  if (c.max_msg_size == 0) c.max_msg_size = -1;
  if (c.max_consumers == 0) c.max_consumers = -1;
  if (c.max_age_ns < 0) return StreamInvalidConfig("max age needs to be >= 0");
  if (c.duplicate_window_ns < 0)
    return StreamInvalidConfig("duplicates window can not be negative");
  if (c.duplicate_window_ns == 0) {
    c.duplicate_window_ns = kDefaultDuplicateWindowNs;
    if (c.max_age_ns > 0 && c.max_age_ns < c.duplicate_window_ns) {
      c.duplicate_window_ns = c.max_age_ns;
    }
  }
  if (c.max_age_ns > 0 && c.duplicate_window_ns > c.max_age_ns) {
    return StreamInvalidConfig("duplicates window can not be larger then max age");
  }
  if (c.max_msgs < -1 || c.max_bytes < -1 || c.max_msgs_per_subject < -1 || c.max_msg_size < -1 ||
      c.max_consumers < -1) {
    return StreamInvalidConfig("stream limits can not be less than -1");
  }
  if (c.allow_rollup_hdrs && c.deny_purge) {
    return StreamInvalidConfig("roll-ups require the purge permission");
  }
  if (c.subjects.empty()) c.subjects.push_back(c.name);
  for (size_t i = 0; i < c.subjects.size(); ++i) {
    const std::string& s = c.subjects[i];
    if (!IsValidSubscribeSubject(s)) return StreamInvalidConfig("invalid subject");
    if (ReservedSubject(s)) {
      return StreamInvalidConfig("subjects overlap with jetstream api");
    }
    for (size_t j = 0; j < i; ++j) {
      if (SubjectsOverlap(s, c.subjects[j])) {
        return StreamInvalidConfig("duplicate subjects detected");
      }
    }
  }
  return c;
}

std::variant<StreamConfig, ApiError> CheckStreamUpdate(const StreamConfig& old_config,
                                                       StreamConfig c) {
  std::variant<StreamConfig, ApiError> valid = ValidateStreamConfig(std::move(c));
  if (auto* error = std::get_if<ApiError>(&valid)) return *error;
  StreamConfig& n = std::get<StreamConfig>(valid);
  if (n.storage != old_config.storage) {
    return StreamUpdateFailed("stream configuration update can not change storage type");
  }
  if ((n.retention == Retention::kWorkQueue) != (old_config.retention == Retention::kWorkQueue)) {
    return StreamUpdateFailed(
        "stream configuration update can not change retention policy to/from workqueue");
  }
  if (old_config.sealed && !n.sealed) {
    return StreamUpdateFailed("stream configuration update can not unseal a sealed stream");
  }
  if (old_config.deny_delete && !n.deny_delete) {
    return StreamUpdateFailed("stream configuration update can not cancel deny message deletes");
  }
  if (old_config.deny_purge && !n.deny_purge) {
    return StreamUpdateFailed("stream configuration update can not cancel deny purge");
  }
  if (n.max_consumers != old_config.max_consumers) {
    return StreamUpdateFailed("stream configuration update can not change MaxConsumers");
  }
  return n;
}

Json ToJson(const StreamConfig& c) {
  Json j = {
      {"name", c.name},
      {"subjects", c.subjects},
      {"retention", Name(kRetention, c.retention)},
      {"max_consumers", c.max_consumers},
      {"max_msgs", c.max_msgs},
      {"max_bytes", c.max_bytes},
      {"max_age", c.max_age_ns},
      {"max_msgs_per_subject", c.max_msgs_per_subject},
      {"max_msg_size", c.max_msg_size},
      {"discard", Name(kDiscard, c.discard)},
      {"storage", Name(kStorage, c.storage)},
      {"num_replicas", c.num_replicas},
      {"duplicate_window", c.duplicate_window_ns},
      {"sealed", c.sealed},
      {"deny_delete", c.deny_delete},
      {"deny_purge", c.deny_purge},
      {"allow_rollup_hdrs", c.allow_rollup_hdrs},
      {"allow_direct", c.allow_direct},
      {"mirror_direct", false},
  };
  if (!c.description.empty()) j["description"] = c.description;
  if (c.no_ack) j["no_ack"] = true;
  return j;
}

std::variant<ConsumerConfig, ApiError> ParseConsumerConfig(const Json& json) {
  if (!json.is_object()) return InvalidJson("expected a JSON object");
  ConsumerConfig c;
  Reader r(json);
  r.String("durable_name", &c.durable_name);
  r.String("name", &c.name);
  r.String("description", &c.description);
  r.String("deliver_subject", &c.deliver_subject);
  r.String("deliver_group", &c.deliver_group);
  r.Enum("deliver_policy", kDeliverPolicy, &c.deliver_policy);
  r.Uint("opt_start_seq", &c.opt_start_seq);
  std::string start_time;
  r.String("opt_start_time", &start_time);
  r.Enum("ack_policy", kAckPolicy, &c.ack_policy);
  r.Int("ack_wait", &c.ack_wait_ns);
  r.Int("max_deliver", &c.max_deliver);
  r.Ints("backoff", &c.backoff_ns);
  r.String("filter_subject", &c.filter_subject);
  r.Enum("replay_policy", kReplayPolicy, &c.replay_policy);
  r.Int("max_waiting", &c.max_waiting);
  r.Int("max_ack_pending", &c.max_ack_pending);
  r.Bool("flow_control", &c.flow_control);
  r.Int("idle_heartbeat", &c.idle_heartbeat_ns);
  r.Bool("headers_only", &c.headers_only);
  r.Int("max_batch", &c.max_batch);
  r.Int("max_expires", &c.max_expires_ns);
  r.Int("inactive_threshold", &c.inactive_threshold_ns);
  r.Int("num_replicas", &c.num_replicas);
  r.Bool("mem_storage", &c.mem_storage);
  r.Int("max_bytes", &c.max_request_max_bytes);
  uint64_t rate_limit_bps = 0;
  r.Uint("rate_limit_bps", &rate_limit_bps);
  std::string sample_freq;
  r.String("sample_freq", &sample_freq);
  if (r.error()) return *r.error();
  // Not implemented: refused rather than silently ignored.
  if (rate_limit_bps > 0) {
    if (c.is_pull())
      return ApiError{400, 10086, "consumer in pull mode can not have rate limit set"};
    return ConsumerCreateFailed("consumer rate limit (rate_limit_bps) not supported");
  }
  if (!sample_freq.empty()) {
    return ConsumerCreateFailed("consumer ack sampling (sample_freq) not supported");
  }
  if (!start_time.empty() && !ParseTime(start_time, &c.opt_start_time_ns)) {
    return InvalidJson("field \"opt_start_time\" is not an RFC 3339 time");
  }
  return c;
}

std::variant<ConsumerConfig, ApiError> ValidateConsumerConfig(ConsumerConfig c,
                                                              const StreamConfig& stream) {
  if (!c.durable_name.empty() && !IsValidName(c.durable_name)) {
    return ConsumerCreateFailed("durable name can not contain '.', '*', '>'");
  }
  if (!c.name.empty() && !IsValidName(c.name)) {
    return ConsumerCreateFailed("consumer name can not contain '.', '*', '>'");
  }
  if (!c.durable_name.empty() && !c.name.empty() && c.durable_name != c.name) {
    return ConsumerCreateFailed("consumer name in subject does not match durable name in request");
  }
  if (c.ack_wait_ns == 0) c.ack_wait_ns = kDefaultAckWaitNs;
  if (c.ack_wait_ns < 0) return ConsumerCreateFailed("consumer ack wait needs to be positive");
  if (c.max_deliver == 0) c.max_deliver = -1;
  if (c.max_ack_pending == 0) {
    c.max_ack_pending = c.ack_policy == AckPolicy::kNone ? -1 : kDefaultMaxAckPending;
  }
  if (c.max_request_max_bytes < 0) {
    return ConsumerCreateFailed("consumer max request max bytes needs to be >= 0");
  }
  if (c.is_pull()) {
    if (c.max_waiting == 0) c.max_waiting = kDefaultMaxWaiting;
    if (c.max_waiting < 0) return ConsumerCreateFailed("consumer max waiting needs to be positive");
    if (c.idle_heartbeat_ns != 0) {
      return ApiError{400, 10088, "consumer idle heartbeat requires a push based consumer"};
    }
    if (c.flow_control) {
      return ApiError{400, 10089, "consumer flow control requires a push based consumer"};
    }
  } else {
    if (c.flow_control && c.idle_heartbeat_ns == 0) {
      return ApiError{400, 10108, "consumer with flow control also needs heartbeats"};
    }
    if (c.idle_heartbeat_ns != 0 && c.idle_heartbeat_ns < kMinIdleHeartbeatNs) {
      return ApiError{400, 10083, "consumer idle heartbeat needs to be >= 100ms"};
    }
    if (c.max_waiting != 0) {
      return ConsumerCreateFailed("consumer in push mode can not set max waiting");
    }
    if (!IsValidPublishSubject(c.deliver_subject)) {
      return ConsumerCreateFailed("consumer deliver subject is not a valid subject");
    }
    if (ReservedSubject(c.deliver_subject)) {
      return ConsumerCreateFailed("consumer deliver subject forms a cycle");
    }
    for (const std::string& s : stream.subjects) {
      if (SubjectMatches(s, c.deliver_subject)) {
        return ConsumerCreateFailed("consumer deliver subject forms a cycle");
      }
    }
  }
  if (!c.deliver_group.empty() && c.is_pull()) {
    return ConsumerCreateFailed("consumer with deliver group must be push based");
  }
  if (c.max_deliver > 0 && !c.backoff_ns.empty() &&
      static_cast<int64_t>(c.backoff_ns.size()) > c.max_deliver) {
    return ConsumerCreateFailed("max deliver is required to be > length of backoff values");
  }
  switch (c.deliver_policy) {
    case DeliverPolicy::kByStartSequence:
      if (c.opt_start_seq == 0) {
        return ConsumerCreateFailed(
            "consumer delivery policy is deliver by start sequence, but optional start sequence is "
            "not set");
      }
      if (c.opt_start_time_ns != 0) {
        return ConsumerCreateFailed(
            "consumer delivery policy is deliver by start sequence, but optional start time is "
            "also set");
      }
      break;
    case DeliverPolicy::kByStartTime:
      if (c.opt_start_time_ns == 0) {
        return ConsumerCreateFailed(
            "consumer delivery policy is deliver by start time, but optional start time is not "
            "set");
      }
      if (c.opt_start_seq != 0) {
        return ConsumerCreateFailed(
            "consumer delivery policy is deliver by start time, but optional start sequence is "
            "also set");
      }
      break;
    default:
      if (c.opt_start_seq != 0) {
        return ConsumerCreateFailed(
            "consumer delivery policy is deliver all, but optional start sequence is also set");
      }
      if (c.opt_start_time_ns != 0) {
        return ConsumerCreateFailed(
            "consumer delivery policy is deliver all, but optional start time is also set");
      }
  }
  if (!c.filter_subject.empty()) {
    if (!IsValidSubscribeSubject(c.filter_subject)) {
      return ConsumerCreateFailed("consumer filter subject is not a valid subject");
    }
    bool subset = false;
    for (const std::string& s : stream.subjects) {
      if (SubjectsOverlap(s, c.filter_subject)) subset = true;
    }
    if (!subset) return ConsumerFilterNotSubset();
  }
  if (stream.retention == Retention::kWorkQueue && c.ack_policy != AckPolicy::kExplicit) {
    return ConsumerWorkQueueExplicitAck();
  }
  if (c.num_replicas > 1) {
    return ConsumerCreateFailed("replicas > 1 not supported in non-clustered mode");
  }
  if (c.name.empty()) c.name = c.durable_name;
  return c;
}

Json ToJson(const ConsumerConfig& c) {
  Json j = {
      {"deliver_policy", Name(kDeliverPolicy, c.deliver_policy)},
      {"ack_policy", Name(kAckPolicy, c.ack_policy)},
      {"ack_wait", c.ack_wait_ns},
      {"max_deliver", c.max_deliver},
      {"replay_policy", Name(kReplayPolicy, c.replay_policy)},
      {"max_ack_pending", c.max_ack_pending},
      {"num_replicas", c.num_replicas},
  };
  if (!c.durable_name.empty()) j["durable_name"] = c.durable_name;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.description.empty()) j["description"] = c.description;
  if (!c.deliver_subject.empty()) j["deliver_subject"] = c.deliver_subject;
  if (!c.deliver_group.empty()) j["deliver_group"] = c.deliver_group;
  if (c.opt_start_seq != 0) j["opt_start_seq"] = c.opt_start_seq;
  if (c.opt_start_time_ns != 0) j["opt_start_time"] = FormatTime(c.opt_start_time_ns);
  if (!c.backoff_ns.empty()) j["backoff"] = c.backoff_ns;
  if (!c.filter_subject.empty()) j["filter_subject"] = c.filter_subject;
  if (c.max_waiting != 0) j["max_waiting"] = c.max_waiting;
  if (c.flow_control) j["flow_control"] = true;
  if (c.idle_heartbeat_ns != 0) j["idle_heartbeat"] = c.idle_heartbeat_ns;
  if (c.headers_only) j["headers_only"] = true;
  if (c.max_batch != 0) j["max_batch"] = c.max_batch;
  if (c.max_expires_ns != 0) j["max_expires"] = c.max_expires_ns;
  if (c.inactive_threshold_ns != 0) j["inactive_threshold"] = c.inactive_threshold_ns;
  if (c.mem_storage) j["mem_storage"] = true;
  if (c.max_request_max_bytes != 0) j["max_bytes"] = c.max_request_max_bytes;
  return j;
}

std::string FormatTime(int64_t ns) {
  const time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
  const int64_t frac = ns % 1'000'000'000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac != 0) {
    std::string digits = fmt::format("{:09}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "Z";
}

bool ParseTime(std::string_view text, int64_t* ns) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return false;
  }
  size_t pos = static_cast<size_t>(consumed);
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    int64_t scale = 100'000'000;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return false;
    offset_s = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t epoch = static_cast<int64_t>(timegm(&tm)) - offset_s;
  *ns = epoch * 1'000'000'000 + frac;
  return true;
}

}  // namespace aio::mq::jetstream
