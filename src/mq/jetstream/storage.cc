#include "mq/jetstream/storage.h"

#include <filesystem>
#include <map>

#include "fmt/format.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace aio::mq::jetstream {
namespace {

void AppendBe64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t ReadBe64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

void AppendBe32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint32_t ReadBe32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

std::string StreamKey(std::string_view stream) { return "s:" + std::string(stream); }
std::string WatermarkKey(std::string_view stream) { return "w:" + std::string(stream); }
std::string MsgPrefix(std::string_view stream) {
  std::string key = "m:" + std::string(stream);
  key.push_back('\0');
  return key;
}
std::string MsgKey(std::string_view stream, uint64_t seq) {
  std::string key = MsgPrefix(stream);
  AppendBe64(key, seq);
  return key;
}
std::string ConsumerPrefix(std::string_view stream) {
  std::string key = "c:" + std::string(stream);
  key.push_back('\0');
  return key;
}
// The first key past every key starting with `prefix` (prefix ends in '\0').
std::string PrefixEnd(std::string prefix) {
  prefix.back() = '\1';
  return prefix;
}

// Record: ts_ns BE64 | subject len BE32 | subject | headers len BE32 | headers | data.
bool DecodeRecord(std::string_view in, StoredMsg* msg) {
  if (in.size() < 12) return false;
  msg->ts_ns = static_cast<int64_t>(ReadBe64(in));
  in.remove_prefix(8);
  const uint32_t subject_len = ReadBe32(in);
  in.remove_prefix(4);
  if (in.size() < subject_len + 4) return false;
  msg->subject.assign(in.substr(0, subject_len));
  in.remove_prefix(subject_len);
  const uint32_t headers_len = ReadBe32(in);
  in.remove_prefix(4);
  if (in.size() < headers_len) return false;
  msg->headers.assign(in.substr(0, headers_len));
  in.remove_prefix(headers_len);
  msg->data.assign(in);
  return true;
}

// Sized for a message store rather than RocksDB's defaults (64 MiB memtables, two of them, and a
// 32 MiB block cache), which were ~100 MB of aio's ~240 MB peak RSS under the jspub benchmark:
// writes are appends of increasing keys flushed straight to L0, so an 8 MiB memtable flushes as
// cheaply per byte as a big one, and reads are only of messages older than the in-memory tail
// (Stream keeps the newest payloads), so a small block cache serves them. docs/mq.md "Storage".
rocksdb::Options MessageStoreOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 8 << 20;
  options.max_write_buffer_number = 2;
  options.arena_block_size = 256 << 10;  // memtable memory grows in small steps
  options.max_background_jobs = 2;
  options.keep_log_file_num = 3;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(8 << 20);
  table.cache_index_and_filter_blocks = true;  // index blocks count against the cache
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

absl::Status ToStatus(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(std::string(what) + ": " + s.ToString());
}

}  // namespace

Storage::Batch::Batch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
Storage::Batch::~Batch() = default;

void Storage::Batch::PutStream(std::string_view stream, const nlohmann::json& meta) {
  batch_->Put(StreamKey(stream), meta.dump());
}

void Storage::Batch::DeleteStream(std::string_view stream) {
  batch_->Delete(StreamKey(stream));
  batch_->Delete(WatermarkKey(stream));
  batch_->DeleteRange(MsgPrefix(stream), PrefixEnd(MsgPrefix(stream)));
  batch_->DeleteRange(ConsumerPrefix(stream), PrefixEnd(ConsumerPrefix(stream)));
}

void Storage::Batch::PutWatermark(std::string_view stream, uint64_t first_seq, uint64_t last_seq) {
  batch_->Put(WatermarkKey(stream),
              nlohmann::json{{"first_seq", first_seq}, {"last_seq", last_seq}}.dump());
}

void Storage::Batch::PutMsg(std::string_view stream, const StoredMsg& msg) {
  // The record goes in as parts: the payload is copied once, into the batch.
  std::string head;
  AppendBe64(head, static_cast<uint64_t>(msg.ts_ns));
  AppendBe32(head, static_cast<uint32_t>(msg.subject.size()));
  std::string headers_len;
  AppendBe32(headers_len, static_cast<uint32_t>(msg.headers.size()));
  const rocksdb::Slice value[] = {head, msg.subject, headers_len, msg.headers, msg.data};
  const std::string key = MsgKey(stream, msg.seq);
  const rocksdb::Slice key_slice(key);
  batch_->Put(rocksdb::SliceParts(&key_slice, 1), rocksdb::SliceParts(value, 5));
}

void Storage::Batch::DeleteMsg(std::string_view stream, uint64_t seq) {
  batch_->Delete(MsgKey(stream, seq));
}

void Storage::Batch::DeleteMsgs(std::string_view stream, uint64_t from, uint64_t to) {
  if (from < to) batch_->DeleteRange(MsgKey(stream, from), MsgKey(stream, to));
}

void Storage::Batch::PutConsumer(std::string_view stream, std::string_view consumer,
                                 const nlohmann::json& state) {
  batch_->Put(ConsumerPrefix(stream) + std::string(consumer), state.dump());
}

void Storage::Batch::DeleteConsumer(std::string_view stream, std::string_view consumer) {
  batch_->Delete(ConsumerPrefix(stream) + std::string(consumer));
}

bool Storage::Batch::empty() const { return batch_->Count() == 0; }

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(const std::string& dir, bool sync_always) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError("create " + dir + ": " + ec.message());
  rocksdb::DB* db = nullptr;
  if (absl::Status s = ToStatus(rocksdb::DB::Open(MessageStoreOptions(), dir, &db), "open " + dir);
      !s.ok()) {
    return s;
  }
  return std::unique_ptr<Storage>(new Storage(std::unique_ptr<rocksdb::DB>(db), sync_always));
}

Storage::Storage(std::unique_ptr<rocksdb::DB> db, bool sync_always)
    : db_(std::move(db)), sync_always_(sync_always) {}

Storage::~Storage() {
  if (db_ != nullptr) (void)db_->Close();
}

absl::Status Storage::Write(Batch& batch) {
  if (batch.empty()) return absl::OkStatus();
  rocksdb::WriteOptions options;
  options.sync = sync_always_;
  absl::Status status = ToStatus(db_->Write(options, batch.batch_.get()), "jetstream write");
  batch.batch_->Clear();
  return status;
}

absl::Status Storage::Sync() { return ToStatus(db_->SyncWAL(), "jetstream sync"); }

absl::StatusOr<StoredMsg> Storage::ReadMsg(std::string_view stream, uint64_t seq) const {
  std::string value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), MsgKey(stream, seq), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(fmt::format("jetstream: no message {} in {}", seq, stream));
  }
  if (absl::Status status = ToStatus(s, "jetstream read"); !status.ok()) return status;
  StoredMsg msg;
  if (!DecodeRecord(value, &msg)) return absl::DataLossError("jetstream: corrupt message record");
  msg.seq = seq;
  return msg;
}

absl::StatusOr<std::vector<Storage::LoadedStream>> Storage::Load() {
  std::map<std::string, LoadedStream> streams;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    if (key.size() < 2 || key[1] != ':') return absl::DataLossError("jetstream: bad key");
    const std::string_view rest = key.substr(2);
    const char kind = key[0];
    if (kind == 's' || kind == 'w') {
      nlohmann::json json = nlohmann::json::parse(value, nullptr, false);
      if (json.is_discarded() || !json.is_object()) {
        return absl::DataLossError("jetstream: corrupt entry " + std::string(key));
      }
      LoadedStream& stream = streams[std::string(rest)];
      if (kind == 's') {
        stream.meta = std::move(json);
      } else {
        stream.watermark_first = json.value("first_seq", uint64_t{0});
        stream.watermark_last = json.value("last_seq", uint64_t{0});
      }
      continue;
    }
    const size_t zero = rest.find('\0');
    if (zero == std::string_view::npos) return absl::DataLossError("jetstream: bad key");
    LoadedStream& stream = streams[std::string(rest.substr(0, zero))];
    const std::string_view tail = rest.substr(zero + 1);
    if (kind == 'm') {
      StoredMsg msg;
      if (tail.size() != 8 || !DecodeRecord(value, &msg)) {
        return absl::DataLossError("jetstream: corrupt message record");
      }
      msg.seq = ReadBe64(tail);
      stream.msgs.push_back(std::move(msg));
    } else if (kind == 'c') {
      nlohmann::json json = nlohmann::json::parse(value, nullptr, false);
      if (json.is_discarded() || !json.is_object()) {
        return absl::DataLossError("jetstream: corrupt consumer " + std::string(tail));
      }
      stream.consumers.push_back(std::move(json));
    } else {
      return absl::DataLossError("jetstream: bad key");
    }
  }
  if (absl::Status s = ToStatus(it->status(), "jetstream load"); !s.ok()) return s;
  std::vector<LoadedStream> out;
  for (auto& [name, stream] : streams) {
    if (stream.meta.is_null()) continue;  // leftovers of an interrupted delete
    out.push_back(std::move(stream));
  }
  return out;
}

}  // namespace aio::mq::jetstream
