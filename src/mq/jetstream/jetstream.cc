#include "mq/jetstream/jetstream.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "base/logging.h"
#include "fmt/format.h"
#include "mq/subject.h"

namespace aio::mq::jetstream {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kApiPrefix = "$JS.API.";
constexpr std::string_view kTypePrefix = "io.nats.jetstream.api.v1.";
constexpr int64_t kNamesLimit = 1024;
constexpr int64_t kListLimit = 256;
// File streams hold the headers and data of their newest messages only (what tail consumers are
// delivered next); older ones are read back from Storage. The newest this many, within this size.
constexpr uint64_t kBodyCacheMsgs = 1024;
constexpr int64_t kBodyCacheBytes = 8 << 20;

// Status messages of pull requests, as nats-server sends them (server/consumer.go).
constexpr std::string_view kStatusNoMessages = "NATS/1.0 404 No Messages\r\n\r\n";
constexpr std::string_view kStatusTimeout = "NATS/1.0 408 Request Timeout\r\n\r\n";
constexpr std::string_view kStatusNoResponders = "NATS/1.0 503\r\n\r\n";
constexpr std::string_view kStatusBadRequest = "NATS/1.0 400 Bad Request\r\n\r\n";
constexpr std::string_view kStatusConsumerDeleted = "NATS/1.0 409 Consumer Deleted\r\n\r\n";
// Direct get answers (nats-server 2.9 stream.go processDirectGetRequest).
constexpr std::string_view kStatusMsgNotFound = "NATS/1.0 404 Message Not Found\r\n\r\n";
constexpr std::string_view kStatusEmptyRequest = "NATS/1.0 408 Empty Request\r\n\r\n";
constexpr std::string_view kStatusMalformedRequest = "NATS/1.0 408 Malformed Request\r\n\r\n";
constexpr std::string_view kStatusDirectBadRequest = "NATS/1.0 408 Bad Request\r\n\r\n";
// Push consumers (consumer.go sendFlowControl); heartbeats are built in SendHeartbeat.
constexpr std::string_view kStatusFlowControl = "NATS/1.0 100 FlowControl Request\r\n\r\n";
// Flow control: the window doubles with every answer, up to this many times the initial one
// (nats-server: maxpb starts at pblimit / 16).
constexpr int64_t kFlowControlGrowth = 16;

Json ErrorJson(const ApiError& e) {
  return {{"error", {{"code", e.code}, {"err_code", e.err_code}, {"description", e.description}}}};
}

Json Typed(std::string_view type, Json body) {
  body["type"] = std::string(kTypePrefix) + std::string(type);
  return body;
}

// A pub ack, {"stream":"S","seq":n[,"duplicate":true]} (nats-server's PubAck), without a JSON
// tree: this is built for every acknowledged publish.
std::string PubAckJson(const std::string& stream, uint64_t seq, bool duplicate) {
  const std::string_view dup = duplicate ? R"(,"duplicate":true)" : "";
  // Stream names may hold '"' and control characters (IsValidName): those take JSON escaping.
  const bool plain = std::none_of(stream.begin(), stream.end(), [](char c) {
    return c == '"' || static_cast<unsigned char>(c) < 0x20;
  });
  if (plain) return fmt::format(R"({{"stream":"{}","seq":{}{}}})", stream, seq, dup);
  return fmt::format(R"({{"stream":{},"seq":{}{}}})", Json(stream).dump(), seq, dup);
}

std::string StatusHeaders(int code, std::string_view text) {
  return fmt::format("NATS/1.0 {} {}\r\n\r\n", code, text);
}

bool ParseUint(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomName() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local uint64_t state = static_cast<uint64_t>(SystemNowNs()) ^ 0x9E3779B97F4A7C15ull;
  std::string name;
  for (int i = 0; i < 8; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    name.push_back(kAlphabet[state % (sizeof(kAlphabet) - 1)]);
  }
  return name;
}

// Request bodies: "" is {}; anything else must be a JSON object.
std::variant<Json, ApiError> ParseBody(std::string_view payload) {
  if (payload.empty()) return Json::object();
  Json json = Json::parse(payload, nullptr, false);
  if (json.is_discarded()) return InvalidJson("malformed request body");
  if (!json.is_object()) return InvalidJson("expected a JSON object");
  return json;
}

int64_t IntField(const Json& body, const char* key, int64_t fallback = 0) {
  auto it = body.find(key);
  return it != body.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string StringField(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Whether two consumer configs differ only in fields nats-server 2.9 lets an update change.
bool UpdatableChange(const ConsumerConfig& a, const ConsumerConfig& b) {
  return a.deliver_policy == b.deliver_policy && a.opt_start_seq == b.opt_start_seq &&
         a.opt_start_time_ns == b.opt_start_time_ns && a.ack_policy == b.ack_policy &&
         a.filter_subject == b.filter_subject && a.replay_policy == b.replay_policy &&
         a.is_pull() == b.is_pull() && a.deliver_group == b.deliver_group;
}

}  // namespace

std::vector<std::string_view> SplitSubject(std::string_view subject) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (true) {
    const size_t dot = subject.find('.', start);
    tokens.push_back(subject.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return tokens;
}

absl::StatusOr<std::unique_ptr<JetStream>> JetStream::Open(JetStreamOptions options) {
  absl::StatusOr<std::unique_ptr<Storage>> storage =
      Storage::Open(options.store_dir, options.sync_always);
  if (!storage.ok()) return storage.status();
  std::unique_ptr<JetStream> js(new JetStream(std::move(options), std::move(*storage)));
  absl::MutexLock lock(&js->mu_);
  if (absl::Status status = js->Load(); !status.ok()) return status;
  return js;
}

JetStream::JetStream(JetStreamOptions options, std::unique_ptr<Storage> storage)
    : options_(std::move(options)),
      wall_base_ns_(SystemNowNs()),
      clock_base_ms_(options_.clock->NowMs()),
      storage_(std::move(storage)) {}

JetStream::~JetStream() = default;

int64_t JetStream::WallNowNs() const {
  if (options_.clock == base::SystemClock::Get()) return SystemNowNs();
  return wall_base_ns_ + (NowMs() - clock_base_ms_) * kNsPerMs;
}

absl::Status JetStream::Load() {
  absl::StatusOr<std::vector<Storage::LoadedStream>> loaded = storage_->Load();
  if (!loaded.ok()) return loaded.status();
  const int64_t now_ms = NowMs();
  const int64_t now_ns = WallNowNs();
  for (Storage::LoadedStream& s : *loaded) {
    std::variant<StreamConfig, ApiError> config = ParseStreamConfig(s.meta.value("config", Json()));
    if (auto* error = std::get_if<ApiError>(&config)) {
      return absl::DataLossError("jetstream: stored stream config: " + error->description);
    }
    StreamConfig& cfg = std::get<StreamConfig>(config);
    StreamEntry entry;
    entry.stream = std::make_unique<Stream>(cfg, s.meta.value("created", int64_t{0}));
    Stream& stream = *entry.stream;
    const bool file = cfg.storage == StorageType::kFile;
    if (file) {
      stream.RestoreWatermark(s.watermark_last);
      for (StoredMsg& msg : s.msgs) {
        const std::string id(HeaderValue(msg.headers, "Nats-Msg-Id"));
        if (!id.empty() && now_ns - msg.ts_ns < cfg.duplicate_window_ns) {
          stream.RememberMsgId(id, msg.seq, msg.ts_ns);
        }
        stream.Restore(std::move(msg));
        stream.DropBodies(kBodyCacheMsgs, kBodyCacheBytes);
      }
    }
    for (const Json& c : s.consumers) {
      std::variant<ConsumerConfig, ApiError> cc = ParseConsumerConfig(c.value("config", Json()));
      if (auto* error = std::get_if<ApiError>(&cc)) {
        return absl::DataLossError("jetstream: stored consumer config: " + error->description);
      }
      auto consumer = std::make_unique<Consumer>(std::get<ConsumerConfig>(cc),
                                                 c.value("created", int64_t{0}), false);
      if (file) {
        consumer->RestoreState(c.value("state", Json::object()), now_ms);
      } else {
        consumer->Start(stream);  // a memory stream starts empty after a restart
      }
      consumer->set_last_active_ms(now_ms);
      entry.consumers.emplace(consumer->name(), std::move(consumer));
    }
    streams_.emplace(cfg.name, std::move(entry));
  }
  base::GetLogger("mq")->info("jetstream loaded streams={} dir={}", streams_.size(),
                              options_.store_dir);
  return absl::OkStatus();
}

absl::Status JetStream::Commit() {
  absl::Status status = storage_->Write(batch_);
  if (!status.ok()) base::GetLogger("mq")->error("jetstream store: {}", status.ToString());
  return status;
}

absl::Status JetStream::Sync() {
  absl::MutexLock lock(&mu_);
  return storage_->Sync();
}

JetStream::StreamEntry* JetStream::FindStream(std::string_view name) {
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : &it->second;
}

Consumer* JetStream::FindConsumer(std::string_view stream, std::string_view name,
                                  StreamEntry** entry) {
  *entry = FindStream(stream);
  if (*entry == nullptr) return nullptr;
  auto it = (*entry)->consumers.find(std::string(name));
  return it == (*entry)->consumers.end() ? nullptr : it->second.get();
}

Json JetStream::StreamMeta(const Stream& stream) const {
  return {{"config", ToJson(stream.config())}, {"created", stream.created_ns()}};
}

void JetStream::PersistConsumer(const StreamEntry& entry, const Consumer& consumer) {
  if (consumer.ephemeral()) return;
  batch_.PutConsumer(entry.stream->config().name, consumer.name(),
                     {{"config", ToJson(consumer.config())},
                      {"created", consumer.created_ns()},
                      {"state", consumer.StateJson()}});
}

// ---- API ----

void JetStream::HandleApi(std::string_view subject, std::string_view reply,
                          std::string_view payload, Outbox* out) {
  if (subject.substr(0, kApiPrefix.size()) != kApiPrefix) return;
  const std::vector<std::string_view> tokens = SplitSubject(subject.substr(kApiPrefix.size()));
  absl::MutexLock lock(&mu_);
  ++api_total_;
  Json response = Dispatch(tokens, payload, reply, out);
  if (response.is_null()) return;  // answered by the handler itself
  if (response.contains("error")) ++api_errors_;
  if (!reply.empty()) out->push_back({std::string(reply), "", "", "", response.dump()});
}

Json JetStream::Dispatch(const std::vector<std::string_view>& t, std::string_view payload,
                         std::string_view reply, Outbox* out) {
  const size_t n = t.size();
  const bool msg_next = n == 5 && t[0] == "CONSUMER" && t[1] == "MSG" && t[2] == "NEXT";
  if (msg_next) {
    PullNext(t[3], t[4], payload, reply, out);
    return nullptr;
  }
  if (n >= 3 && t[0] == "DIRECT" && t[1] == "GET") {
    DirectGet(t, payload, reply, out);
    return nullptr;
  }
  std::variant<Json, ApiError> parsed = ParseBody(payload);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorJson(*error);
  const Json& body = std::get<Json>(parsed);
  if (n == 1 && t[0] == "INFO") return AccountInfo();
  if (n >= 2 && t[0] == "STREAM") {
    const std::string_view op = t[1];
    if (n == 2 && op == "NAMES") return Typed("stream_names_response", StreamNames(body, false));
    if (n == 2 && op == "LIST") return Typed("stream_list_response", StreamNames(body, true));
    if (n == 3 && op == "CREATE") {
      return Typed("stream_create_response", StreamCreate(t[2], body, false));
    }
    if (n == 3 && op == "UPDATE") {
      return Typed("stream_update_response", StreamCreate(t[2], body, true));
    }
    if (n == 3 && op == "INFO") {
      StreamEntry* entry = FindStream(t[2]);
      return Typed("stream_info_response",
                   entry == nullptr ? ErrorJson(StreamNotFound()) : StreamInfoLocked(*entry));
    }
    if (n == 3 && op == "DELETE") return Typed("stream_delete_response", StreamDelete(t[2]));
    if (n == 3 && op == "PURGE") return Typed("stream_purge_response", StreamPurge(t[2], body));
    if (n == 4 && op == "MSG" && t[2] == "GET") {
      return Typed("stream_msg_get_response", MsgGet(t[3], body));
    }
    if (n == 4 && op == "MSG" && t[2] == "DELETE") {
      return Typed("stream_msg_delete_response", MsgDelete(t[3], body));
    }
  }
  if (n >= 3 && t[0] == "CONSUMER") {
    const std::string_view op = t[1];
    if (op == "CREATE") {
      std::string filter;
      for (size_t i = 4; i < n; ++i) {
        if (!filter.empty()) filter.push_back('.');
        filter.append(t[i]);
      }
      return Typed("consumer_create_response",
                   ConsumerCreate(t[2], n >= 4 ? t[3] : "", filter, false, body, out));
    }
    if (op == "DURABLE" && n == 5 && t[2] == "CREATE") {
      return Typed("consumer_create_response", ConsumerCreate(t[3], t[4], "", true, body, out));
    }
    if (op == "INFO" && n == 4) {
      StreamEntry* entry = FindStream(t[2]);
      if (entry == nullptr) return Typed("consumer_info_response", ErrorJson(StreamNotFound()));
      auto it = entry->consumers.find(std::string(t[3]));
      if (it == entry->consumers.end()) {
        return Typed("consumer_info_response", ErrorJson(ConsumerNotFound()));
      }
      return Typed("consumer_info_response",
                   it->second->Info(std::string(t[2]), *entry->stream, WallNowNs()));
    }
    if (op == "DELETE" && n == 4) {
      return Typed("consumer_delete_response", ConsumerDelete(t[2], t[3]));
    }
    if (op == "NAMES" && n == 3) {
      return Typed("consumer_names_response", ConsumerNames(t[2], body, false));
    }
    if (op == "LIST" && n == 3) {
      return Typed("consumer_list_response", ConsumerNames(t[2], body, true));
    }
  }
  return ErrorJson(UnknownRequest());
}

Json JetStream::AccountInfo() {
  int64_t memory = 0, storage = 0, consumers = 0;
  for (const auto& [name, entry] : streams_) {
    (entry.stream->config().storage == StorageType::kMemory ? memory : storage) +=
        entry.stream->bytes();
    consumers += static_cast<int64_t>(entry.consumers.size());
  }
  return Typed("account_info_response",
               {{"memory", memory},
                {"storage", storage},
                {"streams", streams_.size()},
                {"consumers", consumers},
                {"limits",
                 {{"max_memory", -1},
                  {"max_storage", -1},
                  {"max_streams", -1},
                  {"max_consumers", -1},
                  {"max_ack_pending", -1},
                  {"memory_max_stream_bytes", -1},
                  {"storage_max_stream_bytes", -1},
                  {"max_bytes_required", false}}},
                {"api", {{"total", api_total_}, {"errors", api_errors_}}}});
}

Json JetStream::StreamInfoLocked(const StreamEntry& entry) const {
  const Stream& s = *entry.stream;
  const auto& msgs = s.msgs();
  const std::string zero_time = "0001-01-01T00:00:00Z";
  Json state = {
      {"messages", msgs.size()},
      {"bytes", s.bytes()},
      {"first_seq", s.first_seq()},
      {"first_ts", msgs.empty() ? zero_time : FormatTime(msgs.begin()->second.ts_ns)},
      {"last_seq", s.last_seq()},
      {"last_ts", s.last_ts_ns() == 0 ? zero_time : FormatTime(s.last_ts_ns())},
      {"num_subjects", s.num_subjects()},
      {"consumer_count", entry.consumers.size()},
  };
  if (!msgs.empty()) {
    const uint64_t span = s.last_seq() - s.first_seq() + 1;
    if (span > msgs.size()) state["num_deleted"] = span - msgs.size();
  }
  return {{"config", ToJson(s.config())},
          {"created", FormatTime(s.created_ns())},
          {"state", std::move(state)}};
}

Json JetStream::StreamCreate(std::string_view name, const Json& body, bool update) {
  std::variant<StreamConfig, ApiError> parsed = ParseStreamConfig(body);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorJson(*error);
  StreamConfig& requested = std::get<StreamConfig>(parsed);
  if (requested.name.empty()) requested.name = std::string(name);
  if (requested.name != name) return ErrorJson(StreamMismatch());
  StreamEntry* existing = FindStream(name);
  std::variant<StreamConfig, ApiError> valid =
      update ? (existing == nullptr ? std::variant<StreamConfig, ApiError>(StreamNotFound())
                                    : CheckStreamUpdate(existing->stream->config(), requested))
             : ValidateStreamConfig(requested);
  if (auto* error = std::get_if<ApiError>(&valid)) return ErrorJson(*error);
  StreamConfig& config = std::get<StreamConfig>(valid);
  if (config.max_msg_size > options_.max_payload) {
    return ErrorJson(
        StreamInvalidConfig("stream max message size may not exceed server max payload"));
  }
  if (!update && config.sealed) {
    return ErrorJson(StreamInvalidConfig("stream configuration for create can not be sealed"));
  }
  if (!update && existing != nullptr) {
    if (ToJson(existing->stream->config()) == ToJson(config)) return StreamInfoLocked(*existing);
    return ErrorJson(StreamNameExists());
  }
  for (const auto& [other_name, other] : streams_) {
    if (other_name == name) continue;
    for (const std::string& a : config.subjects) {
      for (const std::string& b : other.stream->config().subjects) {
        if (SubjectsOverlap(a, b)) return ErrorJson(StreamSubjectOverlap());
      }
    }
  }
  if (update) {
    existing->stream->set_config(config);
    batch_.PutStream(name, StreamMeta(*existing->stream));
    RemoveMsgs(*existing, existing->stream->OverLimits(WallNowNs(), ""));
    if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
    return StreamInfoLocked(*existing);
  }
  StreamEntry entry;
  entry.stream = std::make_unique<Stream>(config, WallNowNs());
  batch_.PutStream(name, StreamMeta(*entry.stream));
  if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
  auto [it, inserted] = streams_.emplace(std::string(name), std::move(entry));
  Json info = StreamInfoLocked(it->second);
  info["did_create"] = true;
  return info;
}

Json JetStream::StreamDelete(std::string_view name) {
  auto it = streams_.find(name);
  if (it == streams_.end()) return ErrorJson(StreamNotFound());
  batch_.DeleteStream(name);
  if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
  streams_.erase(it);
  return {{"success", true}};
}

Json JetStream::StreamPurge(std::string_view name, const Json& body) {
  StreamEntry* entry = FindStream(name);
  if (entry == nullptr) return ErrorJson(StreamNotFound());
  Stream& stream = *entry->stream;
  if (stream.config().deny_purge || stream.config().sealed) {
    return ErrorJson({400, 10110, "stream purge not permitted"});
  }
  const std::string filter = StringField(body, "filter");
  const int64_t seq = IntField(body, "seq");
  const int64_t keep = IntField(body, "keep");
  if (seq > 0 && keep > 0) {
    return ErrorJson({400, 10110, "sequence and keep can not both be set"});
  }
  if (!filter.empty() && !IsValidSubscribeSubject(filter)) {
    return ErrorJson({400, 10110, "invalid purge filter subject"});
  }
  const size_t purged = Purge(*entry, filter, static_cast<uint64_t>(std::max<int64_t>(0, seq)),
                              static_cast<size_t>(std::max<int64_t>(0, keep)));
  if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
  return {{"success", true}, {"purged", purged}};
}

size_t JetStream::Purge(StreamEntry& entry, std::string_view filter, uint64_t below_seq,
                        size_t keep) {
  Stream& stream = *entry.stream;
  std::vector<uint64_t> matching;
  for (const auto& [s, msg] : stream.msgs()) {
    if (below_seq > 0 && s >= below_seq) break;
    if (filter.empty() || SubjectMatches(filter, msg.subject)) matching.push_back(s);
  }
  matching.resize(matching.size() - std::min(matching.size(), keep));
  RemoveMsgs(entry, matching);
  for (auto& [cname, consumer] : entry.consumers) {
    consumer->OnPurged(stream);
    PersistConsumer(entry, *consumer);
  }
  return matching.size();
}

Json JetStream::StreamNames(const Json& body, bool full) {
  const std::string subject = StringField(body, "subject");
  const int64_t offset = std::max<int64_t>(0, IntField(body, "offset"));
  std::vector<const StreamEntry*> matched;
  for (const auto& [name, entry] : streams_) {
    bool match = subject.empty();
    for (const std::string& s : entry.stream->config().subjects) {
      match = match || SubjectsOverlap(s, subject);
    }
    if (match) matched.push_back(&entry);
  }
  const int64_t limit = full ? kListLimit : kNamesLimit;
  Json list = Json::array();
  for (int64_t i = offset; i < static_cast<int64_t>(matched.size()) && i < offset + limit; ++i) {
    if (full) {
      list.push_back(StreamInfoLocked(*matched[static_cast<size_t>(i)]));
    } else {
      list.push_back(matched[static_cast<size_t>(i)]->stream->config().name);
    }
  }
  Json out = {{"total", matched.size()}, {"offset", offset}, {"limit", limit}};
  // nats-server sends null for no names, which clients read as "no stream matches".
  out["streams"] = list.empty() && !full ? Json(nullptr) : std::move(list);
  return out;
}

Json JetStream::MsgGet(std::string_view name, const Json& body) {
  StreamEntry* entry = FindStream(name);
  if (entry == nullptr) return ErrorJson(StreamNotFound());
  const Stream& stream = *entry->stream;
  const uint64_t seq = static_cast<uint64_t>(std::max<int64_t>(0, IntField(body, "seq")));
  const std::string last_by = StringField(body, "last_by_subj");
  const std::string next_by = StringField(body, "next_by_subj");
  if ((seq > 0) == !last_by.empty() && next_by.empty()) return ErrorJson(BadRequest());
  const StoredMsg* found = FindMsg(stream, seq, last_by, next_by);
  if (found == nullptr) return ErrorJson(NoMessageFound());
  absl::StatusOr<StoredMsg> msg = WithBody(stream, *found);
  if (!msg.ok()) return ErrorJson(StorageFailed(msg.status().ToString()));
  Json message = {{"subject", msg->subject},
                  {"seq", msg->seq},
                  {"data", absl::Base64Escape(msg->data)},
                  {"time", FormatTime(msg->ts_ns)}};
  if (!msg->headers.empty()) message["hdrs"] = absl::Base64Escape(msg->headers);
  return {{"message", std::move(message)}};
}

const StoredMsg* JetStream::FindMsg(const Stream& stream, uint64_t seq, std::string_view last_by,
                                    std::string_view next_by) {
  if (!last_by.empty()) {
    for (auto it = stream.msgs().rbegin(); it != stream.msgs().rend(); ++it) {
      if (SubjectMatches(last_by, it->second.subject)) return &it->second;
    }
  } else if (!next_by.empty()) {
    for (auto it = stream.msgs().lower_bound(seq); it != stream.msgs().end(); ++it) {
      if (SubjectMatches(next_by, it->second.subject)) return &it->second;
    }
  } else if (auto it = stream.msgs().find(seq); it != stream.msgs().end()) {
    return &it->second;
  }
  return nullptr;
}

void JetStream::DirectGet(const std::vector<std::string_view>& t, std::string_view payload,
                          std::string_view reply, Outbox* out) {
  if (reply.empty()) return;
  auto status = [&](std::string_view headers) {
    out->push_back({std::string(reply), "", "", std::string(headers), ""});
  };
  StreamEntry* entry = FindStream(t[2]);
  // nats-server subscribes to a stream's direct get subjects only with allow_direct.
  if (entry == nullptr || !entry->stream->config().allow_direct) {
    return status(kStatusNoResponders);
  }
  uint64_t seq = 0;
  std::string last_by, next_by;
  if (t.size() > 3) {  // $JS.API.DIRECT.GET.<stream>.<subject>: the subject's last message
    if (!payload.empty()) return status(kStatusDirectBadRequest);
    for (size_t i = 3; i < t.size(); ++i) {
      if (!last_by.empty()) last_by.push_back('.');
      last_by.append(t[i]);
    }
  } else {
    if (payload.empty()) return status(kStatusEmptyRequest);
    Json body = Json::parse(payload, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return status(kStatusMalformedRequest);
    seq = static_cast<uint64_t>(std::max<int64_t>(0, IntField(body, "seq")));
    last_by = StringField(body, "last_by_subj");
    next_by = StringField(body, "next_by_subj");
    if (seq == 0 && last_by.empty() && next_by.empty()) return status(kStatusEmptyRequest);
    if ((seq > 0 && !last_by.empty()) || (!last_by.empty() && !next_by.empty())) {
      return status(kStatusDirectBadRequest);
    }
  }
  const Stream& stream = *entry->stream;
  const StoredMsg* found = FindMsg(stream, seq, last_by, next_by);
  if (found == nullptr) return status(kStatusMsgNotFound);
  absl::StatusOr<StoredMsg> msg = WithBody(stream, *found);
  if (!msg.ok()) {
    base::GetLogger("mq")->error("jetstream direct get: {}", msg.status().ToString());
    return status(kStatusMsgNotFound);
  }
  // The message's own headers (without their closing blank line), then the stream's.
  const std::string_view own =
      msg->headers.empty() ? std::string_view("NATS/1.0\r\n")
                           : std::string_view(msg->headers).substr(0, msg->headers.size() - 2);
  std::string headers = fmt::format(
      "{}Nats-Stream: {}\r\nNats-Subject: {}\r\nNats-Sequence: {}\r\nNats-Time-Stamp: {}\r\n\r\n",
      own, stream.config().name, msg->subject, msg->seq, FormatTime(msg->ts_ns));
  out->push_back({std::string(reply), "", "", std::move(headers), std::move(msg->data)});
}

Json JetStream::MsgDelete(std::string_view name, const Json& body) {
  StreamEntry* entry = FindStream(name);
  if (entry == nullptr) return ErrorJson(StreamNotFound());
  if (entry->stream->config().deny_delete || entry->stream->config().sealed) {
    return ErrorJson({400, 10057, "message delete not permitted"});
  }
  const int64_t seq = IntField(body, "seq");
  if (seq <= 0 || !entry->stream->msgs().contains(static_cast<uint64_t>(seq))) {
    return ErrorJson({500, 10057, "no message found"});
  }
  RemoveMsgs(*entry, {static_cast<uint64_t>(seq)});
  if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
  return {{"success", true}};
}

Json JetStream::ConsumerCreate(std::string_view stream_name, std::string_view name,
                               std::string_view filter, bool durable_api, const Json& body,
                               Outbox* out) {
  StreamEntry* entry = FindStream(stream_name);
  if (entry == nullptr) return ErrorJson(StreamNotFound());
  const std::string body_stream = StringField(body, "stream_name");
  if (!body_stream.empty() && body_stream != stream_name) return ErrorJson(StreamMismatch());
  auto config_it = body.find("config");
  if (config_it == body.end() || !config_it->is_object()) {
    return ErrorJson(ConsumerConfigRequired());
  }
  std::variant<ConsumerConfig, ApiError> parsed = ParseConsumerConfig(*config_it);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorJson(*error);
  ConsumerConfig& requested = std::get<ConsumerConfig>(parsed);
  if (durable_api) {
    if (requested.durable_name.empty()) return ErrorJson(ConsumerDurableNameNotInSubject());
    if (requested.durable_name != name) return ErrorJson(ConsumerDurableNameMismatch());
  } else if (!name.empty()) {
    if (!requested.durable_name.empty() && requested.durable_name != name) {
      return ErrorJson(ConsumerDurableNameMismatch());
    }
    if (!requested.name.empty() && requested.name != name) {
      return ErrorJson(
          ConsumerCreateFailed("consumer name in subject does not match name in request"));
    }
    requested.name = std::string(name);
    if (!filter.empty() && requested.filter_subject != filter) {
      return ErrorJson(ConsumerCreateFailed(
          "consumer create request did not match filtered subject from create subject"));
    }
  } else if (!requested.durable_name.empty()) {
    return ErrorJson(
        {400, 10020, "consumer expected to be ephemeral but a durable name was set in request"});
  }
  const bool ephemeral = requested.durable_name.empty() && requested.name.empty();
  if (ephemeral && requested.inactive_threshold_ns == 0) {
    requested.inactive_threshold_ns = kDefaultInactiveThresholdNs;
  }
  std::variant<ConsumerConfig, ApiError> valid =
      ValidateConsumerConfig(std::move(requested), entry->stream->config());
  if (auto* error = std::get_if<ApiError>(&valid)) return ErrorJson(*error);
  ConsumerConfig& config = std::get<ConsumerConfig>(valid);
  if (ephemeral) {
    do {
      config.name = RandomName();
    } while (entry->consumers.contains(config.name));
  }
  const int64_t now_ms = NowMs();
  const int64_t now_ns = WallNowNs();
  if (auto it = entry->consumers.find(config.name); it != entry->consumers.end()) {
    Consumer& existing = *it->second;
    if (ToJson(existing.config()) != ToJson(config)) {
      if (!UpdatableChange(existing.config(), config)) return ErrorJson(ConsumerNameExists());
      existing.set_config(config);
      PersistConsumer(*entry, existing);
      if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
    }
    return existing.Info(std::string(stream_name), *entry->stream, now_ns);
  }
  const StreamConfig& sc = entry->stream->config();
  if (sc.max_consumers > 0 && static_cast<int64_t>(entry->consumers.size()) >= sc.max_consumers) {
    return ErrorJson({400, 10026, "maximum consumers limit reached"});
  }
  if (sc.retention == Retention::kWorkQueue) {
    for (const auto& [other_name, other] : entry->consumers) {
      const std::string& f = other->config().filter_subject;
      if (f.empty() && config.filter_subject.empty()) {
        return ErrorJson(ConsumerWorkQueueMultipleUnfiltered());
      }
      if (f.empty() || config.filter_subject.empty() || SubjectsOverlap(f, config.filter_subject)) {
        return ErrorJson(ConsumerWorkQueueNotUnique());
      }
    }
  }
  auto consumer = std::make_unique<Consumer>(config, now_ns, ephemeral);
  consumer->Start(*entry->stream);
  consumer->set_last_active_ms(now_ms);
  PersistConsumer(*entry, *consumer);
  if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
  Consumer& created = *entry->consumers.emplace(config.name, std::move(consumer)).first->second;
  Json info = created.Info(std::string(stream_name), *entry->stream, now_ns);
  DeliverConsumer(*entry, created, out);
  return info;
}

Json JetStream::ConsumerDelete(std::string_view stream_name, std::string_view name) {
  StreamEntry* entry = FindStream(stream_name);
  if (entry == nullptr) return ErrorJson(StreamNotFound());
  auto it = entry->consumers.find(std::string(name));
  if (it == entry->consumers.end()) return ErrorJson(ConsumerNotFound());
  batch_.DeleteConsumer(stream_name, name);
  if (absl::Status s = Commit(); !s.ok()) return ErrorJson(StorageFailed(s.ToString()));
  entry->consumers.erase(it);
  // Interest retention: messages only this consumer held may go now.
  if (entry->stream->config().retention == Retention::kInterest) {
    std::vector<uint64_t> all;
    for (const auto& [seq, msg] : entry->stream->msgs()) all.push_back(seq);
    ApplyRetention(*entry, all);
    (void)Commit();
  }
  return {{"success", true}};
}

Json JetStream::ConsumerNames(std::string_view stream_name, const Json& body, bool full) {
  StreamEntry* entry = FindStream(stream_name);
  if (entry == nullptr) return ErrorJson(StreamNotFound());
  const int64_t offset = std::max<int64_t>(0, IntField(body, "offset"));
  const int64_t limit = full ? kListLimit : kNamesLimit;
  Json list = Json::array();
  int64_t i = 0;
  const int64_t now_ns = WallNowNs();
  for (const auto& [name, consumer] : entry->consumers) {
    if (i >= offset && i < offset + limit) {
      if (full) {
        list.push_back(consumer->Info(std::string(stream_name), *entry->stream, now_ns));
      } else {
        list.push_back(name);
      }
    }
    ++i;
  }
  return {{"total", entry->consumers.size()},
          {"offset", offset},
          {"limit", limit},
          {"consumers", std::move(list)}};
}

void JetStream::PullNext(std::string_view stream_name, std::string_view consumer_name,
                         std::string_view payload, std::string_view reply, Outbox* out) {
  if (reply.empty()) return;
  auto status = [&](std::string headers) {
    out->push_back({std::string(reply), "", "", std::move(headers), ""});
  };
  StreamEntry* entry = nullptr;
  Consumer* consumer = FindConsumer(stream_name, consumer_name, &entry);
  // nats-server: only a pull consumer subscribes to its MSG.NEXT subject.
  if (consumer == nullptr || !consumer->config().is_pull()) {
    return status(std::string(kStatusNoResponders));
  }
  PullRequest request;
  request.reply = std::string(reply);
  const std::string_view trimmed = payload.substr(0, payload.find_last_not_of(" \r\n\t") + 1);
  uint64_t batch = 0;
  if (trimmed.empty()) {
    request.batch = 1;
  } else if (ParseUint(trimmed, &batch)) {
    request.batch = static_cast<int64_t>(batch);
  } else {
    Json body = Json::parse(trimmed, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return status(std::string(kStatusBadRequest));
    request.batch = IntField(body, "batch", 1);
    request.max_bytes = IntField(body, "max_bytes");
    const int64_t expires_ns = IntField(body, "expires");
    auto no_wait = body.find("no_wait");
    request.no_wait = no_wait != body.end() && no_wait->is_boolean() && no_wait->get<bool>();
    const ConsumerConfig& cc = consumer->config();
    if (cc.max_expires_ns > 0 && expires_ns > cc.max_expires_ns) {
      return status(StatusHeaders(
          409, fmt::format("Exceeded MaxRequestExpires of {}ms", cc.max_expires_ns / kNsPerMs)));
    }
    if (expires_ns > 0) request.expires_ms = NowMs() + std::max<int64_t>(1, expires_ns / kNsPerMs);
    // nats-server 2.9 nextReqFromMsg: heartbeats while waiting, at most every expires / 2.
    if (const int64_t hb_ns = IntField(body, "idle_heartbeat"); hb_ns > 0) {
      if (hb_ns * 2 > expires_ns) {
        return status(StatusHeaders(400, "Bad Request - heartbeat value too large"));
      }
      request.heartbeat_ms = std::max<int64_t>(1, hb_ns / kNsPerMs);
      request.next_heartbeat_ms = NowMs() + request.heartbeat_ms;
    }
  }
  const ConsumerConfig& cc = consumer->config();
  if (request.batch <= 0) return status(std::string(kStatusBadRequest));
  if (cc.max_request_max_bytes > 0 && request.max_bytes > cc.max_request_max_bytes) {
    return status(StatusHeaders(
        409, fmt::format("Exceeded MaxRequestMaxBytes of {}", cc.max_request_max_bytes)));
  }
  if (cc.max_batch > 0 && request.batch > cc.max_batch) {
    return status(StatusHeaders(409, fmt::format("Exceeded MaxRequestBatch of {}", cc.max_batch)));
  }
  if (static_cast<int64_t>(consumer->waiting().size()) >= cc.max_waiting) {
    return status(StatusHeaders(409, "Exceeded MaxWaiting"));
  }
  consumer->set_last_active_ms(NowMs());
  consumer->waiting().push_back(std::move(request));
  DeliverConsumer(*entry, *consumer, out);
}

// ---- publishing, delivery, acks ----

void JetStream::HandlePublishes(std::vector<CapturedMsg>& msgs, Outbox* out) {
  struct Result {
    StreamEntry* entry;  // null: no stream captures the subject any more
    std::variant<PubAck, ApiError> ack;
  };
  std::vector<Result> results;
  results.reserve(msgs.size());
  absl::MutexLock lock(&mu_);
  std::vector<StreamEntry*> stored;  // streams that got a message, once each
  for (CapturedMsg& msg : msgs) {
    StreamEntry* entry = CapturingStream(msg.subject);
    if (entry == nullptr) {
      results.push_back({nullptr, PubAck{}});
      continue;
    }
    results.push_back({entry, Store(*entry, msg)});
    if (std::holds_alternative<PubAck>(results.back().ack) &&
        std::find(stored.begin(), stored.end(), entry) == stored.end()) {
      stored.push_back(entry);
    }
  }
  if (absl::Status s = Commit(); !s.ok()) {
    for (Result& r : results) {
      auto* ack = std::get_if<PubAck>(&r.ack);
      if (r.entry == nullptr || ack == nullptr) continue;
      if (!ack->duplicate) r.entry->stream->Remove(ack->seq);
      r.ack = StreamStoreFailed(s.ToString());
    }
  } else {
    for (StreamEntry* entry : stored) {
      Deliver(*entry, out);
      if (entry->stream->config().storage == StorageType::kFile) {
        entry->stream->DropBodies(kBodyCacheMsgs, kBodyCacheBytes);
      }
    }
  }
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Result& r = results[i];
    if (r.entry == nullptr || msgs[i].reply.empty() || r.entry->stream->config().no_ack) continue;
    std::string payload;
    if (const auto* ack = std::get_if<PubAck>(&r.ack)) {
      payload = PubAckJson(r.entry->stream->config().name, ack->seq, ack->duplicate);
    } else {
      payload = ErrorJson(std::get<ApiError>(r.ack)).dump();
    }
    out->push_back({std::move(msgs[i].reply), "", "", "", std::move(payload)});
  }
}

JetStream::StreamEntry* JetStream::CapturingStream(std::string_view subject) {
  for (auto& [name, entry] : streams_) {
    if (entry.stream->Captures(subject)) return &entry;
  }
  return nullptr;
}

std::variant<JetStream::PubAck, ApiError> JetStream::Store(StreamEntry& entry, CapturedMsg& msg) {
  Stream& stream = *entry.stream;
  const StreamConfig& cfg = stream.config();
  if (cfg.sealed) return ApiError{400, 10109, "invalid operation on sealed stream"};
  const std::string_view subject = msg.subject;
  const std::string_view headers = msg.headers;
  const int64_t size = static_cast<int64_t>(headers.size() + msg.payload.size());
  if (cfg.max_msg_size > 0 && size > cfg.max_msg_size) return MessageTooBig();
  std::string msg_id;
  enum class Rollup { kNone, kSubject, kAll } rollup = Rollup::kNone;
  if (!headers.empty()) {
    const std::string_view expected_stream = HeaderValue(headers, "Nats-Expected-Stream");
    if (!expected_stream.empty() && expected_stream != cfg.name) return StreamNotMatch();
    uint64_t expected = 0;
    const std::string_view last_seq = HeaderValue(headers, "Nats-Expected-Last-Sequence");
    if (!last_seq.empty() && (!ParseUint(last_seq, &expected) || expected != stream.last_seq())) {
      return WrongLastSequence(stream.last_seq());
    }
    const std::string_view last_subject_seq =
        HeaderValue(headers, "Nats-Expected-Last-Subject-Sequence");
    if (!last_subject_seq.empty()) {
      const uint64_t actual = stream.LastSeqOf(subject);
      if (!ParseUint(last_subject_seq, &expected) || expected != actual) {
        return WrongLastSequence(actual);
      }
    }
    const std::string_view last_id = HeaderValue(headers, "Nats-Expected-Last-Msg-Id");
    if (!last_id.empty() && last_id != stream.last_msg_id()) {
      return WrongLastMsgId(stream.last_msg_id());
    }
    msg_id = std::string(HeaderValue(headers, "Nats-Msg-Id"));
    const std::string_view rollup_value = HeaderValue(headers, "Nats-Rollup");
    if (!rollup_value.empty()) {
      if (!cfg.allow_rollup_hdrs || cfg.deny_purge) return RollupFailed("rollup not permitted");
      std::string lower(rollup_value);
      absl::AsciiStrToLower(&lower);
      if (lower == "sub") {
        rollup = Rollup::kSubject;
      } else if (lower == "all") {
        rollup = Rollup::kAll;
      } else {
        return RollupFailed(fmt::format("rollup value invalid: \"{}\"", rollup_value));
      }
    }
  }
  const int64_t now_ns = WallNowNs();
  if (!msg_id.empty()) {
    if (std::optional<uint64_t> seq = stream.FindDuplicate(msg_id, now_ns)) {
      return PubAck{*seq, true};
    }
  }
  const int64_t stored_size = size + static_cast<int64_t>(subject.size()) + 16;
  if (std::optional<ApiError> error = stream.CheckDiscardNew(stored_size)) return *error;
  const StoredMsg& stored =
      stream.Append(std::move(msg.subject), std::move(msg.headers), std::move(msg.payload), now_ns);
  const uint64_t seq = stored.seq;
  if (cfg.storage == StorageType::kFile) batch_.PutMsg(cfg.name, stored);
  if (!msg_id.empty()) stream.RememberMsgId(msg_id, seq, now_ns);
  std::vector<uint64_t> drop = stream.OverLimits(now_ns, stored.subject);
  if (cfg.retention == Retention::kInterest) {
    bool interest = false;
    for (const auto& [name, consumer] : entry.consumers) {
      interest = interest || consumer->Matches(stored.subject);
    }
    if (!interest) drop.push_back(seq);  // nobody to deliver to: not retained
  }
  if (rollup != Rollup::kNone) {
    // nats-server: a purge keeping only this message, of its subject or of the whole stream.
    Purge(entry, rollup == Rollup::kSubject ? std::string_view(stored.subject) : "", 0, 1);
  }
  RemoveMsgs(entry, drop);  // `stored` may be gone from here on
  return PubAck{seq, false};
}

void JetStream::RemoveMsgs(StreamEntry& entry, const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return;
  Stream& stream = *entry.stream;
  const bool file = stream.config().storage == StorageType::kFile;
  for (uint64_t seq : seqs) {
    if (!stream.Remove(seq)) continue;
    if (file) batch_.DeleteMsg(stream.config().name, seq);
    for (auto& [name, consumer] : entry.consumers) {
      const size_t before = consumer->NumAckPending();
      consumer->OnRemoved(seq);
      if (consumer->NumAckPending() != before) PersistConsumer(entry, *consumer);
    }
  }
  if (file) batch_.PutWatermark(stream.config().name, stream.first_seq(), stream.last_seq());
}

void JetStream::ApplyRetention(StreamEntry& entry, const std::vector<uint64_t>& seqs) {
  const Retention retention = entry.stream->config().retention;
  if (retention == Retention::kLimits || seqs.empty()) return;
  std::vector<uint64_t> drop;
  for (uint64_t seq : seqs) {
    auto it = entry.stream->msgs().find(seq);
    if (it == entry.stream->msgs().end()) continue;
    bool needed = false;
    if (retention == Retention::kInterest) {
      for (const auto& [name, consumer] : entry.consumers) {
        needed = needed || consumer->Interested(seq, it->second.subject);
      }
    }
    if (!needed) drop.push_back(seq);
  }
  RemoveMsgs(entry, drop);
}

void JetStream::Deliver(StreamEntry& entry, Outbox* out) {
  for (auto& [name, consumer] : entry.consumers) DeliverConsumer(entry, *consumer, out);
}

void JetStream::AppendDelivery(const StreamEntry& entry, const Consumer& consumer,
                               const Delivery& d, const std::string& to, Outbox* out) {
  absl::StatusOr<StoredMsg> msg = WithBody(*entry.stream, entry.stream->msgs().at(d.stream_seq));
  if (!msg.ok()) {  // not sent: redelivered after ack_wait
    base::GetLogger("mq")->error("jetstream deliver: {}", msg.status().ToString());
    return;
  }
  Outgoing o;
  o.route = to;
  o.subject = std::move(msg->subject);
  o.reply =
      fmt::format("$JS.ACK.{}.{}.{}.{}.{}.{}.{}", entry.stream->config().name, consumer.name(),
                  d.count, d.stream_seq, d.consumer_seq, msg->ts_ns, d.pending);
  if (consumer.config().headers_only) {
    const std::string base = msg->headers.empty() ? "NATS/1.0\r\n\r\n" : msg->headers;
    o.headers = base.substr(0, base.size() - 2) +
                fmt::format("Nats-Msg-Size: {}\r\n\r\n", msg->data.size());
  } else {
    o.headers = std::move(msg->headers);
    o.payload = std::move(msg->data);
  }
  out->push_back(std::move(o));
}

absl::StatusOr<StoredMsg> JetStream::WithBody(const Stream& stream, const StoredMsg& msg) const {
  if (msg.has_body()) return msg;
  return storage_->ReadMsg(stream.config().name, msg.seq);
}

void JetStream::DeliverConsumer(StreamEntry& entry, Consumer& consumer, Outbox* out) {
  const int64_t now_ms = NowMs();
  const int64_t now_ns = WallNowNs();
  const std::string& stream_name = entry.stream->config().name;
  std::vector<uint64_t> exceeded;
  bool delivered = false;
  auto next = [&]() {
    std::optional<Delivery> d = consumer.Next(*entry.stream, now_ms, now_ns, &exceeded);
    for (uint64_t seq : exceeded) {
      out->push_back({fmt::format("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{}.{}", stream_name,
                                  consumer.name()),
                      "", "", "",
                      Json{{"type", "io.nats.jetstream.advisory.v1.max_deliver"},
                           {"stream", stream_name},
                           {"consumer", consumer.name()},
                           {"stream_seq", seq},
                           {"deliveries", consumer.config().max_deliver},
                           {"timestamp", FormatTime(now_ns)}}
                          .dump()});
    }
    exceeded.clear();
    delivered = delivered || d.has_value();
    return d;
  };
  if (!consumer.config().is_pull()) {
    const ConsumerConfig& cc = consumer.config();
    const std::string& to = cc.deliver_subject;
    if (options_.has_interest && !options_.has_interest(to)) return;
    consumer.set_last_active_ms(now_ms);
    PushFlow& flow = consumer.push_flow();
    if (cc.flow_control && flow.window == 0) flow.window = options_.flow_control_window;
    // Flow control: delivery pauses while more than the window is unanswered.
    while (!cc.flow_control || flow.pending_bytes <= flow.window) {
      std::optional<Delivery> d = next();
      if (!d) break;
      AppendDelivery(entry, consumer, *d, to, out);
      if (!cc.flow_control) continue;
      flow.pending_bytes += entry.stream->msgs().at(d->stream_seq).size();
      // nats-server asks for an answer once half the window is pending, one request at a time.
      if (flow.reply.empty() && flow.pending_bytes > flow.window / 2) {
        flow.reply =
            fmt::format("$JS.FC.{}.{}.{}", stream_name, consumer.name(), RandomName().substr(0, 4));
        flow.requested_bytes = flow.pending_bytes;
        out->push_back({to, "", flow.reply, std::string(kStatusFlowControl), ""});
      }
    }
    if (cc.idle_heartbeat_ns > 0 && (delivered || flow.next_heartbeat_ms == 0)) {
      flow.next_heartbeat_ms = now_ms + cc.idle_heartbeat_ns / kNsPerMs;
    }
  } else {
    ExpirePulls(consumer, out);
    std::deque<PullRequest>& waiting = consumer.waiting();
    while (!waiting.empty()) {
      PullRequest& request = waiting.front();
      if (options_.has_interest && !options_.has_interest(request.reply)) {
        waiting.pop_front();
        continue;
      }
      std::optional<Delivery> d = next();
      if (!d) {
        if (request.no_wait) {
          out->push_back({request.reply, "", "", std::string(kStatusNoMessages), ""});
          waiting.pop_front();
          continue;
        }
        break;
      }
      AppendDelivery(entry, consumer, *d, request.reply, out);
      ++request.sent;
      request.sent_bytes += entry.stream->msgs().at(d->stream_seq).size();
      if (request.sent >= request.batch ||
          (request.max_bytes > 0 && request.sent_bytes >= request.max_bytes)) {
        waiting.pop_front();
      }
    }
  }
  if (delivered) {
    if (consumer.config().ack_policy == AckPolicy::kNone) {
      // Nothing will ack these: interest/work-queue retention applies on delivery.
      std::vector<uint64_t> seqs;
      for (const auto& o : *out) {
        if (o.route.empty()) continue;
        const std::vector<std::string_view> t = SplitSubject(o.reply);
        uint64_t seq = 0;
        if (t.size() == 9 && t[2] == stream_name && t[3] == consumer.name() &&
            ParseUint(t[5], &seq)) {
          seqs.push_back(seq);
        }
      }
      if (entry.stream->config().retention == Retention::kWorkQueue) {
        RemoveMsgs(entry, seqs);
      } else {
        ApplyRetention(entry, seqs);
      }
    }
    PersistConsumer(entry, consumer);
    (void)Commit();
  }
}

void JetStream::ExpirePulls(Consumer& consumer, Outbox* out) {
  const int64_t now_ms = NowMs();
  std::erase_if(consumer.waiting(), [&](const PullRequest& r) {
    if (r.expires_ms == 0 || now_ms < r.expires_ms) return false;
    out->push_back({r.reply, "", "", std::string(kStatusTimeout), ""});
    return true;
  });
}

void JetStream::HandleAck(std::string_view subject, std::string_view reply,
                          std::string_view payload, Outbox* out) {
  const std::vector<std::string_view> t = SplitSubject(subject);
  uint64_t sseq = 0;
  if (t.size() != 9 || t[0] != "$JS" || t[1] != "ACK" || !ParseUint(t[5], &sseq)) return;
  AckKind kind = AckKind::kAck;
  int64_t delay_ms = 0;
  if (payload.empty() || payload.starts_with("+ACK")) {
    kind = AckKind::kAck;
  } else if (payload.starts_with("-NAK")) {
    kind = AckKind::kNak;
    const std::string_view rest = payload.substr(4);
    if (!rest.empty()) {
      Json body = Json::parse(rest, nullptr, false);
      if (body.is_object()) delay_ms = IntField(body, "delay") / kNsPerMs;
    }
  } else if (payload.starts_with("+WPI")) {
    kind = AckKind::kProgress;
  } else if (payload.starts_with("+TERM")) {
    kind = AckKind::kTerm;
  } else if (payload.starts_with("+NXT")) {
    kind = AckKind::kNext;
  } else {
    return;
  }
  absl::MutexLock lock(&mu_);
  StreamEntry* entry = nullptr;
  Consumer* found = FindConsumer(t[2], t[3], &entry);
  if (found == nullptr) return;
  Consumer& consumer = *found;
  const std::vector<uint64_t> done = consumer.Ack(sseq, kind, delay_ms, NowMs());
  if (entry->stream->config().retention == Retention::kWorkQueue) {
    RemoveMsgs(*entry, done);
  } else {
    ApplyRetention(*entry, done);
  }
  PersistConsumer(*entry, consumer);
  (void)Commit();
  if (!reply.empty()) out->push_back({std::string(reply), "", "", "", ""});
  DeliverConsumer(*entry, consumer, out);
}

void JetStream::SendHeartbeat(Consumer& consumer, int64_t now_ms, Outbox* out) {
  const ConsumerConfig& cc = consumer.config();
  PushFlow& flow = consumer.push_flow();
  // nats-server consumer.go sendIdleHeartbeat; a consumer stalled on flow control names the
  // request the client has not answered (Nats-Consumer-Stalled), which the client then answers.
  auto headers = [&] {
    std::string h = fmt::format(
        "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: {}\r\nNats-Last-Stream: {}\r\n",
        consumer.last_consumer_seq(), consumer.last_stream_seq());
    if (!flow.reply.empty()) h += fmt::format("Nats-Consumer-Stalled: {}\r\n", flow.reply);
    return h + "\r\n";
  };
  if (cc.is_pull()) {  // pull requests with idle_heartbeat, to their inbox while they wait
    for (PullRequest& request : consumer.waiting()) {
      if (request.heartbeat_ms == 0 || now_ms < request.next_heartbeat_ms) continue;
      request.next_heartbeat_ms = now_ms + request.heartbeat_ms;
      out->push_back({request.reply, "", "", headers(), ""});
    }
    return;
  }
  if (cc.idle_heartbeat_ns <= 0 || flow.next_heartbeat_ms == 0 || now_ms < flow.next_heartbeat_ms) {
    return;
  }
  flow.next_heartbeat_ms = now_ms + cc.idle_heartbeat_ns / kNsPerMs;
  if (options_.has_interest && !options_.has_interest(cc.deliver_subject)) return;
  out->push_back({cc.deliver_subject, "", "", headers(), ""});
}

void JetStream::HandleFlowControl(std::string_view subject, Outbox* out) {
  const std::vector<std::string_view> t = SplitSubject(subject);
  if (t.size() != 5 || t[0] != "$JS" || t[1] != "FC") return;
  absl::MutexLock lock(&mu_);
  StreamEntry* entry = nullptr;
  Consumer* found = FindConsumer(t[2], t[3], &entry);
  if (found == nullptr) return;
  Consumer& consumer = *found;
  PushFlow& flow = consumer.push_flow();
  if (flow.reply.empty() || subject != flow.reply) return;  // only the latest request counts
  flow.window = std::min(flow.window * 2, options_.flow_control_window * kFlowControlGrowth);
  flow.pending_bytes = std::max<int64_t>(0, flow.pending_bytes - flow.requested_bytes);
  flow.requested_bytes = 0;
  flow.reply.clear();
  DeliverConsumer(*entry, consumer, out);
}

void JetStream::Tick(Outbox* out) {
  absl::MutexLock lock(&mu_);
  const int64_t now_ms = NowMs();
  const int64_t now_ns = WallNowNs();
  for (auto& [name, entry] : streams_) {
    if (entry.stream->config().max_age_ns > 0) {
      RemoveMsgs(entry, entry.stream->OverLimits(now_ns, ""));
    }
    for (auto it = entry.consumers.begin(); it != entry.consumers.end();) {
      Consumer& consumer = *it->second;
      const ConsumerConfig& cc = consumer.config();
      if (consumer.ephemeral()) {
        const bool active =
            cc.is_pull() ? !consumer.waiting().empty()
                         : (!options_.has_interest || options_.has_interest(cc.deliver_subject));
        if (active) consumer.set_last_active_ms(now_ms);
        if (now_ms - consumer.last_active_ms() >= cc.inactive_threshold_ns / kNsPerMs) {
          it = entry.consumers.erase(it);
          continue;
        }
      }
      consumer.CheckAckWait(now_ms);
      DeliverConsumer(entry, consumer, out);
      SendHeartbeat(consumer, now_ms, out);
      ++it;
    }
  }
  (void)Commit();
}

// ---- introspection ----

std::vector<std::string> JetStream::Subjects() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, entry] : streams_) {
    for (const std::string& s : entry.stream->config().subjects) out.push_back(s);
  }
  return out;
}

std::vector<StreamStats> JetStream::Stats() const {
  absl::MutexLock lock(&mu_);
  std::vector<StreamStats> out;
  for (const auto& [name, entry] : streams_) {
    StreamStats s;
    s.name = name;
    s.messages = entry.stream->msgs().size();
    s.bytes = entry.stream->bytes();
    s.first_seq = entry.stream->first_seq();
    s.last_seq = entry.stream->last_seq();
    for (const auto& [cname, consumer] : entry.consumers) {
      s.consumers.push_back({cname, consumer->config().is_pull(),
                             consumer->NumPending(*entry.stream), consumer->NumAckPending(),
                             static_cast<uint64_t>(consumer->waiting().size())});
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<Json> JetStream::StreamInfo(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(name);
  if (it == streams_.end()) return std::nullopt;
  return StreamInfoLocked(it->second);
}

std::optional<Json> JetStream::ConsumerInfos(std::string_view stream) const {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return std::nullopt;
  Json list = Json::array();
  for (const auto& [name, consumer] : it->second.consumers) {
    list.push_back(consumer->Info(it->first, *it->second.stream, WallNowNs()));
  }
  return list;
}

}  // namespace aio::mq::jetstream
