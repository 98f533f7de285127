// The values the keyspace holds: strings, hashes, lists, sets and sorted sets, each stored with
// its key and the access metadata eviction samples (LRU clock, LFU counter) in one allocation.
//
// Threading: an Object belongs to its shard and is touched only under the shard's lock
// (docs/threading.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "cache/stream.h"

namespace aio::cache {

// Persisted in snapshots: never renumber.
enum class Type : uint8_t { kString = 0, kHash = 1, kList = 2, kSet = 3, kZSet = 4, kStream = 5 };

// Transparent hashing so maps keyed by std::string take std::string_view lookups.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

// absl containers keyed by std::string that accept std::string_view lookups.
template <typename V>
using StringMap = absl::flat_hash_map<std::string, V, StringHash, StringEq>;
using StringSet = absl::flat_hash_set<std::string, StringHash, StringEq>;

using HashValue = StringMap<std::string>;
using ListValue = std::deque<std::string>;
using SetValue = StringSet;

// A sorted set: member -> score, and (score, member) in an order-statistics tree for ranks.
struct ZSetValue {
  using Entry = std::pair<double, std::string>;
  using Tree =
      __gnu_pbds::tree<Entry, __gnu_pbds::null_type, std::less<Entry>, __gnu_pbds::rb_tree_tag,
                       __gnu_pbds::tree_order_statistics_node_update>;
  StringMap<double> dict;
  Tree tree;

  size_t size() const { return dict.size(); }
  // Adds or updates; returns true when the member is new.
  bool Insert(std::string_view member, double score);
  bool Erase(std::string_view member);
};

class Object;
struct ObjectDeleter {
  void operator()(Object* object) const;
};
// Owns an Object outside the keyspace (a new value for Put, one taken out by Take, a Clone).
using ObjectPtr = std::unique_ptr<Object, ObjectDeleter>;

// One key's entry, in ONE heap block: an 8-byte header (24-bit LRU/LFU `access`, type, encoding
// flags, key and value lengths), then for a string the key and value bytes inline (Redis's embstr),
// or for a "raw" string (longer than 65535 bytes, or grown by APPEND) a pointer to a std::string
// then the key, or for an aggregate a pointer to its container and the bytes charged for it then
// the key. A key longer than 65535 bytes adds 8 bytes to the header for its 32-bit length.
//
// The keyspace allocates, rekeys and frees entries (keyspace.h): a new value is an ObjectPtr
// without key (String(), Make<T>()); Keyspace::Put copies it into an entry that holds the key. An
// entry does not move while it is stored, except when a string value is rewritten
// (Keyspace::SetString / AppendString return the new address).
class Object {
 public:
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  // A string value (no key yet).
  static ObjectPtr String(std::string_view value);
  // An empty aggregate: T is HashValue, ListValue, SetValue, ZSetValue or StreamValue.
  template <typename T>
  static ObjectPtr Make() {
    return ObjectPtr(NewAggregate(TypeOf<T>(), {}, new T(), 0));
  }

  Type type() const { return static_cast<Type>((word_ >> kTypeShift) & 7); }
  // The key ("" for an Object not stored yet). Inline, as str(): every table probe reads it.
  std::string_view key() const {
    return {body() + PayloadSize(type(), (word_ & kRaw) != 0), key_size()};
  }
  // REQUIRES type() == kString.
  std::string_view str() const {
    if (word_ & kRaw) return *static_cast<std::string*>(Pointer());
    return {body() + key_size(), value_len_};
  }
  // REQUIRES the matching type().
  HashValue& hash() const { return *static_cast<HashValue*>(Pointer()); }
  ListValue& list() const { return *static_cast<ListValue*>(Pointer()); }
  SetValue& set() const { return *static_cast<SetValue*>(Pointer()); }
  ZSetValue& zset() const { return *static_cast<ZSetValue*>(Pointer()); }
  StreamValue& stream() const { return *static_cast<StreamValue*>(Pointer()); }

  // A string moved to its own growable buffer by APPEND (Redis's "raw" encoding at any length).
  bool raw_string() const { return type() == Type::kString && (word_ & kRaw) != 0; }

  // Elements of an aggregate (1 for a string; a stream's entries: an empty stream stays stored,
  // as Redis's, so stream commands never call DeleteIfEmpty).
  size_t Length() const;
  // A deep copy without key (COPY).
  ObjectPtr Clone() const;

  // Bytes charged to maxmemory for the value: a string's length, or what the families charged an
  // aggregate (HashFieldBytes...).
  int64_t bytes() const;
  // Charges an aggregate not stored yet (snapshot load); stored ones go through Keyspace::Charge.
  void AddBytes(int64_t delta);

  // LRU: seconds clock of the last access, 24 bits (wraps after 194 days, as Redis's lru field);
  // LFU: minutes(16) | counter(8).
  uint32_t access() const { return word_ & kAccessMask; }
  void set_access(uint32_t access) { word_ = (word_ & ~kAccessMask) | (access & kAccessMask); }

  static constexpr uint32_t kAccessMask = 0xFFFFFF;

 private:
  friend class Keyspace;
  friend struct ObjectDeleter;

  static constexpr int kTypeShift = 24;
  static constexpr uint32_t kRaw = 1u << 27;        // string in a separate std::string
  static constexpr uint32_t kWide = 1u << 28;       // 32-bit key length after the header
  static constexpr uint32_t kHasExpire = 1u << 29;  // the Db's expires table has this key

  Object() = default;
  ~Object() = default;

  template <typename T>
  static constexpr Type TypeOf() {
    if constexpr (std::is_same_v<T, HashValue>) {
      return Type::kHash;
    } else if constexpr (std::is_same_v<T, ListValue>) {
      return Type::kList;
    } else if constexpr (std::is_same_v<T, SetValue>) {
      return Type::kSet;
    } else if constexpr (std::is_same_v<T, ZSetValue>) {
      return Type::kZSet;
    } else {
      static_assert(std::is_same_v<T, StreamValue>, "not an aggregate");
      return Type::kStream;
    }
  }

  // Entries the keyspace stores (one allocation each).
  static Object* NewEmbedded(std::string_view key, std::string_view value);
  static Object* NewRaw(std::string_view key, std::string* value);
  static Object* NewAggregate(Type type, std::string_view key, void* container, int64_t bytes);
  // `object`'s value (moved, not copied, for raw strings and aggregates) under `key`, with the
  // same access; `object` is freed.
  static Object* Rekey(std::string_view key, ObjectPtr object);
  // Replaces the value of an inline string entry with `value` when its heap block holds it and
  // would not be over half empty after (malloc_usable_size); false, and nothing changed, otherwise.
  bool RewriteInPlace(std::string_view value);
  // Frees the entry and its value.
  static void Destroy(Object* object);
  // An entry for `key` with `payload` bytes of pointer/charge before the key and `value` bytes
  // after it; header and key filled in, the rest left to the caller.
  static Object* Allocate(Type type, uint32_t flags, std::string_view key, size_t payload,
                          size_t value);

  bool embedded() const { return type() == Type::kString && !(word_ & kRaw); }
  bool has_expire() const { return (word_ & kHasExpire) != 0; }
  void set_has_expire(bool on) { word_ = on ? word_ | kHasExpire : word_ & ~kHasExpire; }
  size_t key_size() const {
    if (!(word_ & kWide)) return key_len_;
    uint32_t n = 0;
    std::memcpy(&n, this + 1, sizeof(n));
    return n;
  }
  // Where the variable part starts (after the lengths of a wide header).
  char* body() const {
    char* data = reinterpret_cast<char*>(const_cast<Object*>(this) + 1);
    return (word_ & kWide) ? data + 8 : data;
  }
  void* Pointer() const {
    void* p = nullptr;
    std::memcpy(&p, body(), sizeof(p));
    return p;
  }
  void SetPointer(void* p) const { std::memcpy(body(), &p, sizeof(p)); }
  // Raw string / aggregate bookkeeping (pointer, and charged bytes for an aggregate).
  static size_t PayloadSize(Type type, bool raw) {
    if (type != Type::kString) return sizeof(void*) + sizeof(int64_t);
    return raw ? sizeof(void*) : 0;
  }

  uint32_t word_ = 0;  // access (24) | type (3) | kRaw | kWide | kHasExpire
  uint16_t key_len_ = 0;
  uint16_t value_len_ = 0;  // embedded strings
};
static_assert(sizeof(Object) == 8);

// What one element adds to its aggregate's Object::bytes: the payload plus an approximation of the
// allocator and node overhead, so INFO used_memory and maxmemory track the data set's size.
inline int64_t HashFieldBytes(std::string_view field, std::string_view value) {
  return 32 + static_cast<int64_t>(field.size() + value.size());
}
inline int64_t ListElementBytes(std::string_view value) {
  return 16 + static_cast<int64_t>(value.size());
}
inline int64_t SetMemberBytes(std::string_view member) {
  return 24 + static_cast<int64_t>(member.size());
}
inline int64_t ZSetMemberBytes(std::string_view member) {
  return 64 + static_cast<int64_t>(member.size());
}

const char* TypeName(Type type);

// Redis's OBJECT ENCODING names for the value as stored now.
const char* EncodingName(const Object& object);

}  // namespace aio::cache
