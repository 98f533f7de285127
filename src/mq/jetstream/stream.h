// Stream: one JetStream stream's messages and limits (nats-server 2.9 semantics, server/stream.go
// and memstore.go): sequence numbers, limits (max_msgs, max_bytes, max_age, max_msgs_per_subject,
// max_msg_size) with discard old/new, and the Nats-Msg-Id duplicate window. Retention by interest
// and work queue is decided by the JetStream engine, which knows the consumers.
//
// Messages are kept in memory: whole for memory storage; for file storage (stored in Storage by
// the engine) only their index (sequence, time, subject, size) plus the headers and data of the
// newest ones (DropBodies), the rest read back from Storage.
// Thread-compatible: the engine serializes calls under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "mq/jetstream/config.h"
#include "mq/jetstream/storage.h"

namespace aio::mq::jetstream {

class Stream {
 public:
  Stream(StreamConfig config, int64_t created_ns)
      : config_(std::move(config)), created_ns_(created_ns) {}

  const StreamConfig& config() const { return config_; }
  void set_config(StreamConfig config) { config_ = std::move(config); }
  int64_t created_ns() const { return created_ns_; }

  const std::map<uint64_t, StoredMsg>& msgs() const { return msgs_; }
  // The first stored sequence; last_seq() + 1 when the stream is empty.
  uint64_t first_seq() const { return msgs_.empty() ? last_seq_ + 1 : msgs_.begin()->first; }
  uint64_t last_seq() const { return last_seq_; }
  int64_t last_ts_ns() const { return last_ts_ns_; }
  int64_t bytes() const { return bytes_; }
  size_t num_subjects() const { return by_subject_.size(); }
  // Whether `subject` is captured by this stream.
  bool Captures(std::string_view subject) const;

  // Appends a message with the next sequence; limits are the caller's (Enforce*).
  const StoredMsg& Append(std::string subject, std::string headers, std::string data,
                          int64_t ts_ns);
  // Restores a stored message (load): sequence and time as stored.
  void Restore(StoredMsg msg);
  // After load: sequences continue after `last_seq` even when the stream is empty.
  void RestoreWatermark(uint64_t last_seq);
  bool Remove(uint64_t seq);
  // Drops the headers and data of the oldest messages from memory until at most the newest
  // `keep_msgs` sequences and `keep_bytes` bytes of them are held (amortized O(1) per message).
  void DropBodies(uint64_t keep_msgs, int64_t keep_bytes);

  // Why a new message of `subject` and `size` bytes must be rejected under discard new
  // ("maximum messages exceeded", "maximum bytes exceeded"); nullopt = it fits.
  std::optional<ApiError> CheckDiscardNew(int64_t size) const;
  // Sequences to drop so that the limits hold (discard old, max_age at `now_ns`, and
  // max_msgs_per_subject for `subject`, or for every subject when it is "").
  std::vector<uint64_t> OverLimits(int64_t now_ns, std::string_view subject) const;

  // The message of `subject` with the highest sequence, or 0.
  uint64_t LastSeqOf(std::string_view subject) const;
  // Every subject's last sequence, ascending, for subjects matching `filter` ("" = all).
  std::vector<uint64_t> LastPerSubject(std::string_view filter) const;

  // Duplicate window: the sequence a Nats-Msg-Id was stored with within the window.
  std::optional<uint64_t> FindDuplicate(const std::string& msg_id, int64_t now_ns);
  void RememberMsgId(const std::string& msg_id, uint64_t seq, int64_t ts_ns);
  const std::string& last_msg_id() const { return last_msg_id_; }

 private:
  StreamConfig config_;
  const int64_t created_ns_;
  std::map<uint64_t, StoredMsg> msgs_;
  absl::flat_hash_map<std::string, std::set<uint64_t>> by_subject_;
  uint64_t last_seq_ = 0;
  int64_t last_ts_ns_ = 0;
  int64_t bytes_ = 0;
  // Headers + data bytes held in memory; messages below body_floor_ hold none (DropBodies).
  int64_t body_bytes_ = 0;
  uint64_t body_floor_ = 0;
  // Nats-Msg-Id -> (sequence, time), and the ids in arrival order for expiry.
  absl::flat_hash_map<std::string, std::pair<uint64_t, int64_t>> msg_ids_;
  std::deque<std::pair<int64_t, std::string>> msg_id_order_;
  std::string last_msg_id_;
};

// The value of header `name` in a NATS header block (case-insensitive name), or "".
std::string_view HeaderValue(std::string_view headers, std::string_view name);

}  // namespace aio::mq::jetstream
