// Storage: JetStream's durable state in one RocksDB database under mq.store_dir (default
// <data_dir>/mq). Why RocksDB rather than nats-server's segment files: it is already AIO's storage
// engine (src/store/mvcc), gives atomic multi-key batches (a message append + the consumer state
// it changes land together), a WAL whose writes reach the OS before Write() returns (so a
// kill -9 loses nothing acknowledged), and range deletes for purges. docs/mq.md has the details.
//
// Key schema (the one home of this on-disk format):
//   s:<stream>                 stream meta JSON {"config":{...},"created":<ns>}
//   w:<stream>                 watermark JSON {"first_seq":n,"last_seq":n} written on removals
//   m:<stream>\0<seq BE64>     message record (storage.cc: ts, subject, headers, data)
//   c:<stream>\0<consumer>     consumer JSON {"config":{...},"created":<ns>,"state":{...}}
// Stream and consumer names never hold '\0' (IsValidName), so prefixes do not collide.
//
// Thread-compatible: the JetStream engine serializes calls under its lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace aio::mq::jetstream {

// One stored message.
struct StoredMsg {
  uint64_t seq = 0;
  int64_t ts_ns = 0;  // wall clock, ns since the epoch
  std::string subject;
  std::string headers;  // raw "NATS/1.0\r\n...\r\n\r\n" block or ""
  std::string data;
  // A file stream's message whose headers and data are no longer held in memory (only in
  // Storage; Stream::DropBodies) keeps their total size here; -1 while they are held.
  int64_t dropped_body_size = -1;

  bool has_body() const { return dropped_body_size < 0; }
  // nats-server's accounting size of a message (memstore: subject + headers + data + 16).
  int64_t size() const {
    const int64_t body =
        has_body() ? static_cast<int64_t>(headers.size() + data.size()) : dropped_body_size;
    return static_cast<int64_t>(subject.size()) + body + 16;
  }
};

class Storage {
 public:
  // A group of changes applied atomically by Write.
  class Batch {
   public:
    Batch();
    ~Batch();
    void PutStream(std::string_view stream, const nlohmann::json& meta);
    // Deletes the stream's meta, watermark, messages and consumers.
    void DeleteStream(std::string_view stream);
    void PutWatermark(std::string_view stream, uint64_t first_seq, uint64_t last_seq);
    void PutMsg(std::string_view stream, const StoredMsg& msg);
    void DeleteMsg(std::string_view stream, uint64_t seq);
    // Deletes sequences [from, to).
    void DeleteMsgs(std::string_view stream, uint64_t from, uint64_t to);
    void PutConsumer(std::string_view stream, std::string_view consumer,
                     const nlohmann::json& state);
    void DeleteConsumer(std::string_view stream, std::string_view consumer);
    bool empty() const;

   private:
    friend class Storage;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
  };

  struct LoadedStream {
    nlohmann::json meta;
    uint64_t watermark_first = 0, watermark_last = 0;
    std::vector<StoredMsg> msgs;  // by sequence
    std::vector<nlohmann::json> consumers;
  };

  // Opens (creating) the database in `dir`. `sync_always`: every Write fsyncs its WAL.
  static absl::StatusOr<std::unique_ptr<Storage>> Open(const std::string& dir, bool sync_always);
  ~Storage();

  absl::Status Write(Batch& batch);
  // Fsyncs the WAL (the interval sync policy calls this periodically).
  absl::Status Sync();
  // One stored message of `stream`; NotFound when there is none with `seq`.
  absl::StatusOr<StoredMsg> ReadMsg(std::string_view stream, uint64_t seq) const;
  // Everything stored, by stream name; corrupt entries are an error naming the key.
  absl::StatusOr<std::vector<LoadedStream>> Load();

 private:
  Storage(std::unique_ptr<rocksdb::DB> db, bool sync_always);

  std::unique_ptr<rocksdb::DB> db_;
  const bool sync_always_;
};

}  // namespace aio::mq::jetstream
