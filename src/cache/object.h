// The values the keyspace holds: strings, hashes, lists, sets and sorted sets, with the access
// metadata eviction samples (LRU clock, LFU counter) and the bytes charged to maxmemory.
//
// Threading: an Object belongs to its shard and is touched only under the shard's lock
// (docs/threading.md).
#pragma once

#include <cstdint>
#include <deque>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace aio::cache {

// Persisted in snapshots: never renumber.
enum class Type : uint8_t { kString = 0, kHash = 1, kList = 2, kSet = 3, kZSet = 4 };

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

class Object {
 public:
  using Value = std::variant<std::string, std::unique_ptr<HashValue>, std::unique_ptr<ListValue>,
                             std::unique_ptr<SetValue>, std::unique_ptr<ZSetValue>>;

  Object() = default;
  explicit Object(std::string s) : value_(std::move(s)) {}
  template <typename T>
  static Object Make() {
    Object o;
    o.value_ = std::make_unique<T>();
    return o;
  }

  Type type() const { return static_cast<Type>(value_.index()); }
  std::string& str() { return std::get<std::string>(value_); }
  HashValue& hash() { return *std::get<std::unique_ptr<HashValue>>(value_); }
  ListValue& list() { return *std::get<std::unique_ptr<ListValue>>(value_); }
  SetValue& set() { return *std::get<std::unique_ptr<SetValue>>(value_); }
  ZSetValue& zset() { return *std::get<std::unique_ptr<ZSetValue>>(value_); }
  Value& value() { return value_; }

  // Elements of an aggregate (1 for a string).
  size_t Length();
  // A deep copy (COPY).
  Object Clone();

  int64_t bytes = 0;    // charged to maxmemory by the keyspace
  uint32_t access = 0;  // LRU: seconds clock of the last access; LFU: minutes(16) | counter(8)

 private:
  Value value_;
};

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
const char* EncodingName(Object& object);

}  // namespace aio::cache
