#include "cache/snapshot.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include "fmt/format.h"

namespace aio::cache {
namespace {

constexpr std::string_view kMagic = "AIOCACHE";
constexpr uint32_t kVersion = 1;
constexpr uint8_t kEntry = 1;
constexpr uint8_t kEnd = 0xFF;

static_assert(std::endian::native == std::endian::little, "the snapshot format is little-endian");

// --- encoding ---------------------------------------------------------------------------------

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

template <typename T>
void PutFixed(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(v));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

void PutId(std::string& out, const StreamID& id) {
  PutVarint(out, id.ms);
  PutVarint(out, id.seq);
}

// entries (id, field count, fields), last ID, max deleted ID, entries added, then the groups:
// name, last ID, entries read + 1, the PEL (id, consumer, delivery time, count) and the
// consumers (name, seen time); a consumer's own PEL is rebuilt from the group's.
void PutStream(std::string& out, const StreamValue& s) {
  PutVarint(out, s.entries.size());
  for (const auto& [id, fields] : s.entries) {
    PutId(out, id);
    PutVarint(out, fields.size());
    for (const std::string& f : fields) PutString(out, f);
  }
  PutId(out, s.last_id);
  PutId(out, s.max_deleted_id);
  PutVarint(out, s.entries_added);
  PutVarint(out, s.groups.size());
  for (const auto& [name, group] : s.groups) {
    PutString(out, name);
    PutId(out, group.last_id);
    PutVarint(out, static_cast<uint64_t>(group.entries_read + 1));
    PutVarint(out, group.pel.size());
    for (const auto& [id, nack] : group.pel) {
      PutId(out, id);
      PutString(out, nack.consumer);
      PutFixed(out, nack.delivery_time_ms);
      PutVarint(out, nack.delivery_count);
    }
    PutVarint(out, group.consumers.size());
    for (const auto& [cname, consumer] : group.consumers) {
      PutString(out, cname);
      PutFixed(out, consumer.seen_time_ms);
    }
  }
}

void PutObject(std::string& out, const Object& object) {
  switch (object.type()) {
    case Type::kString:
      PutString(out, object.str());
      break;
    case Type::kHash:
      PutVarint(out, object.hash().size());
      for (const auto& [field, value] : object.hash()) {
        PutString(out, field);
        PutString(out, value);
      }
      break;
    case Type::kList:
      PutVarint(out, object.list().size());
      for (const std::string& element : object.list()) PutString(out, element);
      break;
    case Type::kSet:
      PutVarint(out, object.set().size());
      for (const std::string& member : object.set()) PutString(out, member);
      break;
    case Type::kZSet:
      PutVarint(out, object.zset().size());
      for (const auto& [score, member] : object.zset().tree) {
        PutString(out, member);
        PutFixed(out, score);
      }
      break;
    case Type::kStream:
      PutStream(out, object.stream());
      break;
  }
}

// --- decoding ---------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  template <typename T>
  bool Fixed(T* v) {
    if (data_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!Varint(&n) || data_.size() - pos_ < n) return false;
    s->assign(data_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // An element count, bounded by the bytes left (each element takes at least one).
  bool Count(uint64_t* n) { return Varint(n) && *n <= data_.size() - pos_; }
  bool Id(StreamID* id) { return Varint(&id->ms) && Varint(&id->seq); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// PutStream's layout; null when truncated or inconsistent.
ObjectPtr ReadStream(Reader& in) {
  ObjectPtr o = Object::Make<StreamValue>();
  StreamValue& s = o->stream();
  uint64_t n = 0, groups = 0;
  if (!in.Count(&n)) return nullptr;
  for (uint64_t i = 0; i < n; ++i) {
    StreamID id;
    uint64_t nfields = 0;
    if (!in.Id(&id) || !in.Count(&nfields)) return nullptr;
    StreamValue::Fields fields(nfields);
    for (std::string& f : fields) {
      if (!in.String(&f)) return nullptr;
    }
    o->AddBytes(StreamValue::EntryBytes(fields));
    s.entries.emplace_hint(s.entries.end(), id, std::move(fields));
  }
  if (!in.Id(&s.last_id) || !in.Id(&s.max_deleted_id) || !in.Varint(&s.entries_added) ||
      !in.Count(&groups)) {
    return nullptr;
  }
  for (uint64_t g = 0; g < groups; ++g) {
    std::string name;
    uint64_t entries_read = 0, pel = 0, consumers = 0;
    if (!in.String(&name) || s.groups.contains(name)) return nullptr;
    StreamGroup& group = s.groups[name];
    if (!in.Id(&group.last_id) || !in.Varint(&entries_read) || !in.Count(&pel)) return nullptr;
    group.entries_read = static_cast<int64_t>(entries_read) - 1;
    for (uint64_t i = 0; i < pel; ++i) {
      StreamID id;
      StreamNack nack;
      if (!in.Id(&id) || !in.String(&nack.consumer) || !in.Fixed(&nack.delivery_time_ms) ||
          !in.Varint(&nack.delivery_count)) {
        return nullptr;
      }
      group.pel.emplace(id, std::move(nack));
    }
    if (!in.Count(&consumers)) return nullptr;
    for (uint64_t i = 0; i < consumers; ++i) {
      std::string cname;
      int64_t seen = 0;
      if (!in.String(&cname) || !in.Fixed(&seen)) return nullptr;
      group.Consumer(cname, seen);
    }
    for (const auto& [id, nack] : group.pel) {
      auto c = group.consumers.find(nack.consumer);
      if (c == group.consumers.end()) return nullptr;
      c->second.pel.insert(id);
    }
  }
  o->AddBytes(s.GroupsBytes());
  return o;
}

ObjectPtr ReadObject(Reader& in, Type type) {
  uint64_t n = 0;
  std::string a, b;
  switch (type) {
    case Type::kString:
      if (!in.String(&a)) return nullptr;
      return Object::String(a);
    case Type::kHash: {
      ObjectPtr o = Object::Make<HashValue>();
      if (!in.Count(&n)) return nullptr;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&a) || !in.String(&b)) return nullptr;
        o->AddBytes(HashFieldBytes(a, b));
        o->hash().insert_or_assign(std::move(a), std::move(b));
      }
      return o;
    }
    case Type::kList: {
      ObjectPtr o = Object::Make<ListValue>();
      if (!in.Count(&n)) return nullptr;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&a)) return nullptr;
        o->AddBytes(ListElementBytes(a));
        o->list().push_back(std::move(a));
      }
      return o;
    }
    case Type::kSet: {
      ObjectPtr o = Object::Make<SetValue>();
      if (!in.Count(&n)) return nullptr;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&a)) return nullptr;
        o->AddBytes(SetMemberBytes(a));
        o->set().insert(std::move(a));
      }
      return o;
    }
    case Type::kZSet: {
      ObjectPtr o = Object::Make<ZSetValue>();
      double score = 0;
      if (!in.Count(&n)) return nullptr;
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.String(&a) || !in.Fixed(&score)) return nullptr;
        if (o->zset().Insert(a, score)) o->AddBytes(ZSetMemberBytes(a));
      }
      return o;
    }
    case Type::kStream:
      return ReadStream(in);
  }
  return nullptr;
}

absl::Status Errno(std::string_view what, const std::string& path) {
  const int err = errno;
  const std::string message = fmt::format("{} {}: {}", what, path, std::strerror(err));
  return err == ENOSPC || err == EDQUOT ? absl::ResourceExhaustedError(message)
                                        : absl::UnavailableError(message);
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

absl::StatusOr<SnapshotStats> SaveSnapshot(Keyspace& keyspace, const std::string& path,
                                           int64_t now_ms) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", tmp);

  SnapshotStats stats;
  uLong crc = crc32(0, nullptr, 0);
  auto write = [&](const std::string& chunk) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data()), static_cast<uInt>(chunk.size()));
    stats.bytes += static_cast<int64_t>(chunk.size());
    return WriteAll(fd, chunk);
  };
  auto fail = [&](std::string_view what) {
    absl::Status status = Errno(what, tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return status;
  };

  std::string chunk(kMagic);
  PutFixed(chunk, kVersion);
  if (!write(chunk)) return fail("cannot write");
  for (size_t i = 0; i < keyspace.shard_count(); ++i) {
    chunk.clear();
    {
      Shard& shard = keyspace.shard(i);
      std::lock_guard<std::mutex> lock(shard.mu);
      for (int db = 0; db < keyspace.databases(); ++db) {
        const Db& d = shard.dbs[db];
        d.dict.ForEach([&](const Object* object) {
          const int64_t expire = Keyspace::ExpireOf(d, *object);
          if (expire >= 0 && expire <= now_ms) return;
          chunk.push_back(static_cast<char>(kEntry));
          PutVarint(chunk, static_cast<uint64_t>(db));
          chunk.push_back(static_cast<char>(object->type()));
          PutFixed(chunk, expire);
          PutString(chunk, object->key());
          PutObject(chunk, *object);
          ++stats.keys;
        });
      }
    }
    if (!write(chunk)) return fail("cannot write");
  }
  chunk.assign(1, static_cast<char>(kEnd));
  PutFixed(chunk, static_cast<uint64_t>(stats.keys));
  if (!write(chunk)) return fail("cannot write");
  chunk.clear();
  PutFixed(chunk, static_cast<uint32_t>(crc));
  stats.bytes += static_cast<int64_t>(chunk.size());
  if (!WriteAll(fd, chunk)) return fail("cannot write");
  if (::fsync(fd) != 0) return fail("cannot fsync");
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status status = Errno("cannot rename to", path);
    ::unlink(tmp.c_str());
    return status;
  }
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return stats;
}

absl::StatusOr<SnapshotStats> LoadSnapshot(Keyspace& keyspace, const std::string& path,
                                           int64_t now_ms) {
  SnapshotStats stats;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (!std::filesystem::exists(path)) return stats;
    return absl::UnavailableError(fmt::format("cannot read the cache snapshot {}", path));
  }
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  stats.bytes = static_cast<int64_t>(data.size());
  auto corrupt = [&](std::string_view why) {
    return absl::DataLossError(fmt::format("cache snapshot {} is corrupt: {}", path, why));
  };
  constexpr size_t kHeader = kMagic.size() + sizeof(kVersion);
  constexpr size_t kTrailer = 1 + sizeof(uint64_t) + sizeof(uint32_t);
  if (data.size() < kHeader + kTrailer || !data.starts_with(kMagic)) {
    return corrupt("not an AIO cache snapshot");
  }
  uint32_t version = 0;
  std::memcpy(&version, data.data() + kMagic.size(), sizeof(version));
  if (version != kVersion) return corrupt(fmt::format("unknown version {}", version));
  uint32_t want_crc = 0;
  std::memcpy(&want_crc, data.data() + data.size() - sizeof(want_crc), sizeof(want_crc));
  const uLong crc = crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()),
                          static_cast<uInt>(data.size() - sizeof(want_crc)));
  if (static_cast<uint32_t>(crc) != want_crc) return corrupt("checksum mismatch");

  struct Entry {
    int db;
    std::string key;
    ObjectPtr object;
    int64_t expire;
  };
  std::vector<Entry> entries;
  Reader in(std::string_view(data).substr(kHeader, data.size() - kHeader - sizeof(want_crc)));
  for (;;) {
    uint8_t op = 0;
    if (!in.Fixed(&op)) return corrupt("truncated");
    if (op == kEnd) break;
    if (op != kEntry) return corrupt(fmt::format("unknown record {}", op));
    uint64_t db = 0;
    uint8_t type = 0;
    int64_t expire = 0;
    std::string key;
    if (!in.Varint(&db) || !in.Fixed(&type) || !in.Fixed(&expire) || !in.String(&key)) {
      return corrupt("truncated entry");
    }
    if (db >= static_cast<uint64_t>(keyspace.databases())) {
      return absl::FailedPreconditionError(
          fmt::format("cache snapshot {} holds database {} but cache.databases is {}", path, db,
                      keyspace.databases()));
    }
    if (type > static_cast<uint8_t>(Type::kStream)) return corrupt(fmt::format("type {}", type));
    ObjectPtr object = ReadObject(in, static_cast<Type>(type));
    if (!object) return corrupt(fmt::format("truncated value of key '{}'", key));
    entries.push_back(Entry{static_cast<int>(db), std::move(key), std::move(object), expire});
  }
  uint64_t count = 0;
  if (!in.Fixed(&count) || count != entries.size()) return corrupt("entry count mismatch");

  for (Entry& entry : entries) {
    if (entry.expire >= 0 && entry.expire <= now_ms) continue;
    Shard& shard = keyspace.ShardFor(entry.key);
    std::lock_guard<std::mutex> lock(shard.mu);
    keyspace.Put(entry.db, entry.key, std::move(entry.object));
    if (entry.expire >= 0) keyspace.SetExpire(entry.db, entry.key, entry.expire);
    ++stats.keys;
  }
  return stats;
}

}  // namespace aio::cache
