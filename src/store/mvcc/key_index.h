// KeyIndex: the in-memory MVCC index of the embedded store (etcd's treeIndex): for every key, the
// revisions at which it changed, in order; values live in RocksDB under those revisions.
//
// Not thread-safe: MvccStore guards it with a shared mutex (readers shared, the writer exclusive).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "store/mvcc/key_format.h"

namespace aio::store::mvcc {

// One key's history. A tombstone ends a generation; the next put starts a new one.
struct KeyHistory {
  struct Entry {
    int64_t main = 0;
    int32_t sub = 0;
    bool tombstone = false;
    Revision rev() const { return Revision{main, sub}; }
  };
  absl::InlinedVector<Entry, 1> entries;  // ascending revision
  // State of the newest entry (which may not be committed yet): 0s when deleted.
  int64_t create_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;

  bool live() const { return !entries.empty() && !entries.back().tombstone; }
  // The newest entry with main <= rev, or nullptr.
  const Entry* At(int64_t rev) const;
  // The entry just before `rev`, or nullptr.
  const Entry* Before(Revision rev) const;
};

// etcd's key selection: range_end empty = one key; "\0" = every key >= key; else [key, range_end).
struct KeyRange {
  std::string_view key;
  std::string_view range_end;
  bool single() const { return range_end.empty(); }
  bool Contains(std::string_view k) const;
};

class KeyIndex {
 public:
  // Debian's Abseil has its own string_view, which the btree's heterogeneous lookup takes.
  static absl::string_view AsAbsl(std::string_view s) { return {s.data(), s.size()}; }

  KeyHistory* Find(std::string_view key);
  KeyHistory& GetOrCreate(std::string_view key);
  void Erase(std::string_view key);
  size_t size() const { return keys_.size(); }

  // Calls f(key, history) for each key of the range in key order; stops when f returns false.
  template <typename F>
  void ForRange(KeyRange range, F&& f) {
    if (range.single()) {
      auto it = keys_.find(AsAbsl(range.key));
      if (it != keys_.end()) f(it->first, it->second);
      return;
    }
    for (auto it = keys_.lower_bound(AsAbsl(range.key)); it != keys_.end(); ++it) {
      if (!range.Contains(it->first)) break;
      if (!f(it->first, it->second)) break;
    }
  }

  // etcd keyIndex.compact for every key: keeps the newest revision <= `rev` unless it is a
  // tombstone, and every revision after `rev`; appends dropped revisions to `dropped`; removes
  // keys left with no history.
  void Compact(int64_t rev, std::vector<Revision>* dropped);

 private:
  absl::btree_map<std::string, KeyHistory> keys_;
};

}  // namespace aio::store::mvcc
