#include "store/mvcc/key_format.h"

#include <cstring>

namespace aio::store::mvcc {
namespace {

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBigEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

constexpr size_t kRevisionKeySize = 1 + 8 + 4;
// Record layout: type(1) create_revision(8) version(8) lease(8) key_size(4) key value.
constexpr size_t kRecordHeaderSize = 1 + 8 + 8 + 8 + 4;

}  // namespace

std::string RevisionKey(Revision rev) {
  std::string key;
  key.reserve(kRevisionKeySize);
  key.push_back(kRevisionPrefix);
  PutBigEndian(&key, static_cast<uint64_t>(rev.main), 8);
  PutBigEndian(&key, static_cast<uint32_t>(rev.sub), 4);
  return key;
}

bool IsRevisionKey(std::string_view key) {
  return key.size() == kRevisionKeySize && key[0] == kRevisionPrefix;
}

Revision ParseRevisionKey(std::string_view key) {
  return Revision{static_cast<int64_t>(GetBigEndian(key.substr(1), 8)),
                  static_cast<int32_t>(GetBigEndian(key.substr(9), 4))};
}

std::string LeaseKey(int64_t id) {
  std::string key(1, kLeasePrefix);
  PutBigEndian(&key, static_cast<uint64_t>(id), 8);
  return key;
}

int64_t ParseLeaseKey(std::string_view key) {
  return static_cast<int64_t>(GetBigEndian(key.substr(1), 8));
}

std::string EncodeInt64(int64_t v) {
  std::string out;
  PutBigEndian(&out, static_cast<uint64_t>(v), 8);
  return out;
}

std::optional<int64_t> DecodeInt64(std::string_view data) {
  if (data.size() != 8) return std::nullopt;
  return static_cast<int64_t>(GetBigEndian(data, 8));
}

std::string EncodeRecord(RecordType type, const KeyValue& kv) {
  std::string out;
  out.reserve(kRecordHeaderSize + kv.key.size() + kv.value.size());
  out.push_back(static_cast<char>(type));
  PutBigEndian(&out, static_cast<uint64_t>(kv.create_revision), 8);
  PutBigEndian(&out, static_cast<uint64_t>(kv.version), 8);
  PutBigEndian(&out, static_cast<uint64_t>(kv.lease), 8);
  PutBigEndian(&out, kv.key.size(), 4);
  out.append(kv.key);
  out.append(kv.value);
  return out;
}

std::optional<Record> DecodeRecord(std::string_view data, int64_t mod_revision) {
  if (data.size() < kRecordHeaderSize) return std::nullopt;
  Record r;
  auto type = static_cast<uint8_t>(data[0]);
  if (type != static_cast<uint8_t>(RecordType::kPut) &&
      type != static_cast<uint8_t>(RecordType::kTombstone)) {
    return std::nullopt;
  }
  r.type = static_cast<RecordType>(type);
  r.kv.create_revision = static_cast<int64_t>(GetBigEndian(data.substr(1), 8));
  r.kv.version = static_cast<int64_t>(GetBigEndian(data.substr(9), 8));
  r.kv.lease = static_cast<int64_t>(GetBigEndian(data.substr(17), 8));
  size_t key_size = GetBigEndian(data.substr(25), 4);
  if (data.size() < kRecordHeaderSize + key_size) return std::nullopt;
  r.kv.key.assign(data.substr(kRecordHeaderSize, key_size));
  r.kv.value.assign(data.substr(kRecordHeaderSize + key_size));
  r.kv.mod_revision = mod_revision;
  return r;
}

}  // namespace aio::store::mvcc
