// JetStream: persistent streams and consumers behind nats-server's JetStream API (the 2.9 subset
// listed in README.md here). The engine is wire-agnostic: it takes the requests, published
// messages and acks the broker routes to it and returns what must be published in reply
// (Outbox); JetStreamService (service.h) connects it to the mq::Broker.
//
//   $JS.API.<...>   request/reply API, JSON bodies with nats-server's shapes and error codes
//   stream subjects  captured publishes, acknowledged with
//   {"stream":"S","seq":n[,"duplicate":true]} $JS.ACK.<stream>.<consumer>.<delivered>.<stream
//   seq>.<consumer seq>.<ts ns>.<pending>
//                    acks of delivered messages (+ACK, -NAK, +WPI, +TERM)
//   $JS.FC.<stream>.<consumer>.<id>
//                    answers to push consumers' flow control requests
//
// Time: `clock` (steady ms) drives ack_wait, NAK delays, pull expiry and max_age, so tests use
// ManualClock; message timestamps are wall time derived from it (see WallNowNs).
//
// Thread-safe: one mutex serializes every call; nothing is published under it (the caller
// publishes the Outbox after the call returns).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "mq/jetstream/consumer.h"
#include "mq/jetstream/storage.h"
#include "mq/jetstream/stream.h"
#include "nlohmann/json.hpp"

namespace aio::mq::jetstream {

// A message the engine asks its caller to publish.
struct Outgoing {
  std::string subject;
  // Routed to the subscribers of `route` instead of `subject` ("" = subject): consumer
  // deliveries reach the deliver subject or pull inbox but keep the message's own subject, as
  // nats-server sends them.
  std::string route;
  std::string reply;
  std::string headers;  // "" = none
  std::string payload;
};
using Outbox = std::vector<Outgoing>;

// A message published on a subject some stream captures, owned: the service queues these until
// its next group commit (HandlePublishes).
struct CapturedMsg {
  std::string subject;
  std::string reply;    // where the pub ack goes; "" = none
  std::string headers;  // "" = none
  std::string payload;
};

struct JetStreamOptions {
  std::string store_dir;     // RocksDB directory (created)
  bool sync_always = false;  // fsync every write; else the service syncs every sync_interval
  const base::Clock* clock = base::SystemClock::Get();
  int64_t max_payload = 1 << 20;  // the server's max_payload: a stream's max_msg_size ceiling
  // Whether anything subscribes to a subject (push consumers deliver only with interest; pull
  // requests whose requester is gone are dropped). Called under the engine's lock.
  std::function<bool(std::string_view)> has_interest;
  // Push consumers with flow_control: bytes delivered before the first flow control request is
  // answered (nats-server: 32 MiB / 16); each answer doubles it, up to 16 times.
  int64_t flow_control_window = 2 << 20;
};

// Per-stream and per-consumer numbers for /metrics and /api/mq.
struct ConsumerStats {
  std::string name;
  bool pull = true;
  uint64_t num_pending = 0;      // lag: matching messages not yet delivered
  uint64_t num_ack_pending = 0;  // delivered, not acknowledged
  uint64_t num_waiting = 0;
};
struct StreamStats {
  std::string name;
  uint64_t messages = 0;
  int64_t bytes = 0;
  uint64_t first_seq = 0, last_seq = 0;
  std::vector<ConsumerStats> consumers;
};

class JetStream {
 public:
  // Opens the store and loads every stream, its messages and consumers.
  static absl::StatusOr<std::unique_ptr<JetStream>> Open(JetStreamOptions options);
  ~JetStream();

  // A request on `$JS.API.<...>`; the response goes to `reply` (no reply: nothing is answered).
  void HandleApi(std::string_view subject, std::string_view reply, std::string_view payload,
                 Outbox* out);
  // Messages published on subjects some stream captures, in arrival order (a message no stream
  // captures any more is dropped). They are stored with one storage write (group commit: one WAL
  // append for the whole batch) and only then acknowledged, each to its reply:
  // {"stream":"S","seq":n[,"duplicate":true]}, or {"error":{...}} when the message was rejected
  // or the write failed (then no message of the batch is kept). Moves the messages' contents.
  void HandlePublishes(std::vector<CapturedMsg>& msgs, Outbox* out);
  // A message on `$JS.ACK.>`; with a reply (AckSync) an empty message confirms it.
  void HandleAck(std::string_view subject, std::string_view reply, std::string_view payload,
                 Outbox* out);
  // An answer to a push consumer's flow control request ($JS.FC.<stream>.<consumer>.<id>, also
  // sent for a heartbeat's Nats-Consumer-Stalled): the consumer resumes delivery.
  void HandleFlowControl(std::string_view subject, Outbox* out);
  // Timers: idle heartbeats, ack_wait redeliveries, NAK delays, pull request expiry, max_age,
  // replay original, ephemeral consumer cleanup, and push delivery to subjects that gained
  // interest.
  void Tick(Outbox* out);
  absl::Status Sync();

  // Every stream's subjects (the service subscribes to them).
  std::vector<std::string> Subjects() const;
  std::vector<StreamStats> Stats() const;
  // STREAM.INFO / CONSUMER.LIST bodies for the HTTP API; nullopt = no such stream.
  std::optional<nlohmann::json> StreamInfo(std::string_view name) const;
  std::optional<nlohmann::json> ConsumerInfos(std::string_view stream) const;

 private:
  struct StreamEntry {
    std::unique_ptr<Stream> stream;
    std::map<std::string, std::unique_ptr<Consumer>> consumers;
  };
  using Json = nlohmann::json;

  JetStream(JetStreamOptions options, std::unique_ptr<Storage> storage);
  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  int64_t NowMs() const { return options_.clock->NowMs(); }
  // Wall-clock ns since the epoch, advancing with `clock` (so ManualClock moves it too).
  int64_t WallNowNs() const;

  // The API, one method per request kind; `tokens` are the subject's tokens after $JS.API.
  Json Dispatch(const std::vector<std::string_view>& tokens, std::string_view payload,
                std::string_view reply, Outbox* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json AccountInfo() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json StreamCreate(std::string_view name, const Json& body, bool update)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json StreamInfoLocked(const StreamEntry& entry) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Json StreamDelete(std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json StreamPurge(std::string_view name, const Json& body) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json StreamNames(const Json& body, bool full) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json MsgGet(std::string_view name, const Json& body) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json MsgDelete(std::string_view name, const Json& body) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The message at `seq`, the last one matching `last_by`, or the first one at or after `seq`
  // matching `next_by` (MSG.GET and DIRECT.GET); null when there is none.
  static const StoredMsg* FindMsg(const Stream& stream, uint64_t seq, std::string_view last_by,
                                  std::string_view next_by);
  // $JS.API.DIRECT.GET.<stream> ({"seq":n} | {"last_by_subj":s} | {"next_by_subj":s,"seq":n})
  // and $JS.API.DIRECT.GET.<stream>.<subject>: answers the raw message with Nats-Stream,
  // Nats-Subject, Nats-Sequence and Nats-Time-Stamp headers, or a status (404 Message Not Found,
  // 408 Empty Request / Malformed Request / Bad Request; 503 without allow_direct).
  void DirectGet(const std::vector<std::string_view>& tokens, std::string_view payload,
                 std::string_view reply, Outbox* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends `consumer`'s idle heartbeats that are due: push consumers with idle_heartbeat (to the
  // deliver subject), pull requests with idle_heartbeat (to their inbox).
  void SendHeartbeat(Consumer& consumer, int64_t now_ms, Outbox* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json ConsumerCreate(std::string_view stream, std::string_view name, std::string_view filter,
                      bool durable_api, const Json& body, Outbox* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json ConsumerDelete(std::string_view stream, std::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json ConsumerNames(std::string_view stream, const Json& body, bool full)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // CONSUMER.MSG.NEXT: queues a pull request; answers itself (no JSON response).
  void PullNext(std::string_view stream, std::string_view consumer, std::string_view payload,
                std::string_view reply, Outbox* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StreamEntry* FindStream(std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Consumer `name` of `stream`, or null; `*entry` is the stream's entry (null without one).
  Consumer* FindConsumer(std::string_view stream, std::string_view name, StreamEntry** entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stream capturing `subject`, or null.
  StreamEntry* CapturingStream(std::string_view subject) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  struct PubAck {
    uint64_t seq = 0;
    bool duplicate = false;
  };
  // Adds a captured message to the stream and the pending batch (not yet written); moves its
  // subject, headers and payload.
  std::variant<PubAck, ApiError> Store(StreamEntry& entry, CapturedMsg& msg)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the messages matching `filter` ("" = all) below `below_seq` (0 = any), but the newest
  // `keep`, and moves the consumers past them (STREAM.PURGE, Nats-Rollup). Returns how many.
  size_t Purge(StreamEntry& entry, std::string_view filter, uint64_t below_seq, size_t keep)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes messages (limits, retention, purge, delete) from memory, storage and consumers.
  void RemoveMsgs(StreamEntry& entry, const std::vector<uint64_t>& seqs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Interest / work-queue retention: drops `seqs` no consumer needs any more.
  void ApplyRetention(StreamEntry& entry, const std::vector<uint64_t>& seqs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Delivers what each consumer of `entry` can deliver now (push with interest, waiting pulls).
  void Deliver(StreamEntry& entry, Outbox* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeliverConsumer(StreamEntry& entry, Consumer& consumer, Outbox* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `msg` with its headers and data: a copy, or read back from Storage (Stream::DropBodies).
  absl::StatusOr<StoredMsg> WithBody(const Stream& stream, const StoredMsg& msg) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Adds a delivery of `d` to `out` (nothing when its message cannot be read back: logged, and
  // it is redelivered after ack_wait).
  void AppendDelivery(const StreamEntry& entry, const Consumer& consumer, const Delivery& d,
                      const std::string& to, Outbox* out) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void ExpirePulls(Consumer& consumer, Outbox* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PersistConsumer(const StreamEntry& entry, const Consumer& consumer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json StreamMeta(const Stream& stream) const;
  // Writes the pending batch; a failure is logged and counted (the API reports it where it can).
  absl::Status Commit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const JetStreamOptions options_;
  const int64_t wall_base_ns_;
  const int64_t clock_base_ms_;
  mutable absl::Mutex mu_;
  std::unique_ptr<Storage> storage_ ABSL_GUARDED_BY(mu_);
  Storage::Batch batch_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StreamEntry, std::less<>> streams_ ABSL_GUARDED_BY(mu_);
  int64_t api_total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t api_errors_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t ephemeral_counter_ ABSL_GUARDED_BY(mu_) = 0;
};

// Splits a subject into its tokens.
std::vector<std::string_view> SplitSubject(std::string_view subject);

}  // namespace aio::mq::jetstream
