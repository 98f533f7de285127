// Consumer: one JetStream consumer's delivery state machine (nats-server 2.9 semantics,
// server/consumer.go): the cursor set by the deliver policy and filter subject, the pending
// (delivered, unacknowledged) messages with their ack deadlines, redelivery after ack_wait (with
// backoff) or -NAK (with delay), +WPI, +TERM, max_deliver, max_ack_pending, the ack floor, replay
// original, and the waiting pull requests. Time comes from the caller (`now_ms`: the engine's
// base::Clock, steady ms) so tests drive it with ManualClock.
//
// Thread-compatible: the JetStream engine serializes calls under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "mq/jetstream/config.h"
#include "mq/jetstream/stream.h"
#include "nlohmann/json.hpp"

namespace aio::mq::jetstream {

// One message handed to the consumer's client.
struct Delivery {
  uint64_t stream_seq = 0;
  uint64_t consumer_seq = 0;
  int64_t count = 1;     // 1 = first delivery
  uint64_t pending = 0;  // messages left for the consumer after this one
};

// A CONSUMER.MSG.NEXT request waiting for messages.
struct PullRequest {
  std::string reply;
  int64_t batch = 1;
  int64_t max_bytes = 0;   // 0 = unlimited
  int64_t expires_ms = 0;  // engine clock deadline; 0 = none
  bool no_wait = false;
  int64_t sent = 0;
  int64_t sent_bytes = 0;
  int64_t heartbeat_ms = 0;       // "idle_heartbeat": status messages while waiting; 0 = none
  int64_t next_heartbeat_ms = 0;  // engine clock
};

// What an ack-subject payload asks for: "+ACK" (or empty), "-NAK" [{"delay":ns}], "+WPI",
// "+TERM", "+NXT". https://docs.nats.io/using-nats/developer/develop_jetstream/consumers
enum class AckKind { kAck, kNak, kProgress, kTerm, kNext };

// A push consumer's idle heartbeat and flow control state (nats-server's consumer.go hbTimer,
// pbytes/maxpb/fcid): runtime only, not persisted.
struct PushFlow {
  int64_t next_heartbeat_ms = 0;  // engine clock; 0 = not scheduled yet
  int64_t pending_bytes = 0;      // bytes delivered and not yet answered by flow control
  int64_t window = 0;             // delivery pauses above this many pending bytes; 0 = unset
  int64_t requested_bytes = 0;    // pending_bytes when the outstanding request was sent
  std::string reply;              // the outstanding request's reply subject; "" = none
};

class Consumer {
 public:
  Consumer(ConsumerConfig config, int64_t created_ns, bool ephemeral)
      : config_(std::move(config)), created_ns_(created_ns), ephemeral_(ephemeral) {}

  const ConsumerConfig& config() const { return config_; }
  void set_config(ConsumerConfig config) { config_ = std::move(config); }
  const std::string& name() const { return config_.name; }
  int64_t created_ns() const { return created_ns_; }
  bool ephemeral() const { return ephemeral_; }

  // Positions the cursor by the deliver policy over `stream` (once, at creation).
  void Start(const Stream& stream);

  // The next message to deliver at `now_ms`, recorded as delivered: a due redelivery first (NAKed
  // or past its ack deadline), then the next new message matching the filter. nullopt when there
  // is none, when max_ack_pending is reached, or when replay original holds the next one back.
  // Redeliveries past max_deliver are dropped from pending (appended to `exceeded`).
  std::optional<Delivery> Next(const Stream& stream, int64_t now_ms, int64_t now_ns,
                               std::vector<uint64_t>* exceeded);

  // Applies an ack of `stream_seq` (unknown sequences are ignored). `delay_ms` is -NAK's delay.
  // Returns the stream sequences this consumer is now done with (for interest/work-queue
  // retention).
  std::vector<uint64_t> Ack(uint64_t stream_seq, AckKind kind, int64_t delay_ms, int64_t now_ms);

  // Marks pending messages whose ack deadline passed as due for redelivery. Returns whether any
  // message is due.
  bool CheckAckWait(int64_t now_ms);
  // The message left the stream (limits, purge, delete): forget it.
  void OnRemoved(uint64_t seq);
  // After a purge: the cursor skips what was purged.
  void OnPurged(const Stream& stream);

  // Whether the consumer may still need `seq` of `subject` (interest retention).
  bool Interested(uint64_t seq, std::string_view subject) const;
  // Messages matching the filter at or after the cursor.
  uint64_t NumPending(const Stream& stream) const;
  size_t NumAckPending() const { return pending_.size(); }
  bool Matches(std::string_view subject) const;

  std::deque<PullRequest>& waiting() { return waiting_; }
  PushFlow& push_flow() { return push_flow_; }
  // The last consumer sequence delivered, and the stream sequence before the cursor (what
  // nats-server's idle heartbeats report as Nats-Last-Consumer / Nats-Last-Stream).
  uint64_t last_consumer_seq() const { return delivered_consumer_seq_; }
  uint64_t last_stream_seq() const { return next_seq_ - 1; }
  int64_t last_active_ms() const { return last_active_ms_; }
  void set_last_active_ms(int64_t ms) { last_active_ms_ = ms; }

  // Persisted state (ack floor, delivered, cursor, pending, delivery counts).
  nlohmann::json StateJson() const;
  // Restores StateJson's output; pending messages get a fresh ack deadline from `now_ms`.
  void RestoreState(const nlohmann::json& state, int64_t now_ms);
  // CONSUMER.INFO's body (nats-server's ConsumerInfo).
  nlohmann::json Info(const std::string& stream_name, const Stream& stream, int64_t now_ns) const;

 private:
  struct Pending {
    uint64_t consumer_seq = 0;
    int64_t ts_ns = 0;        // delivery time (wall)
    int64_t deadline_ms = 0;  // redeliver after (engine clock)
  };

  int64_t AckWaitMs(int64_t count) const;
  void Track(uint64_t sseq, int64_t count, int64_t now_ms, int64_t now_ns, Delivery* d);
  void Done(uint64_t sseq, std::vector<uint64_t>* done);
  void UpdateAckFloor();

  ConsumerConfig config_;
  const int64_t created_ns_;
  const bool ephemeral_;

  uint64_t next_seq_ = 1;         // next new stream sequence to look at
  std::deque<uint64_t> initial_;  // last_per_subject: delivered before next_seq_
  uint64_t delivered_consumer_seq_ = 0, delivered_stream_seq_ = 0;
  uint64_t ack_floor_consumer_seq_ = 0, ack_floor_stream_seq_ = 0;
  int64_t last_delivered_ns_ = 0;
  std::map<uint64_t, Pending> pending_;                  // by stream sequence
  absl::flat_hash_map<uint64_t, int64_t> deliveries_;    // stream seq -> times delivered
  std::set<uint64_t> redeliver_;                         // due for redelivery
  absl::flat_hash_map<uint64_t, int64_t> nak_until_ms_;  // -NAK with delay
  // replay original: the previous new message's stored time and when it was delivered.
  int64_t replay_prev_ts_ns_ = 0, replay_prev_ms_ = 0;
  std::deque<PullRequest> waiting_;
  PushFlow push_flow_;
  int64_t last_active_ms_ = 0;
};

}  // namespace aio::mq::jetstream
