#include "store/mvcc/key_index.h"

#include <algorithm>

namespace aio::store::mvcc {

const KeyHistory::Entry* KeyHistory::At(int64_t rev) const {
  auto it = std::upper_bound(entries.begin(), entries.end(), rev,
                             [](int64_t r, const Entry& e) { return r < e.main; });
  if (it == entries.begin()) return nullptr;
  return &*(it - 1);
}

const KeyHistory::Entry* KeyHistory::Before(Revision rev) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), rev,
                             [](const Entry& e, Revision r) { return e.rev() < r; });
  if (it == entries.begin()) return nullptr;
  return &*(it - 1);
}

bool KeyRange::Contains(std::string_view k) const {
  if (single()) return k == key;
  if (k < key) return false;
  if (range_end == std::string_view("\0", 1)) return true;
  return k < range_end;
}

KeyHistory* KeyIndex::Find(std::string_view key) {
  auto it = keys_.find(AsAbsl(key));
  return it == keys_.end() ? nullptr : &it->second;
}

KeyHistory& KeyIndex::GetOrCreate(std::string_view key) {
  auto it = keys_.find(AsAbsl(key));
  if (it != keys_.end()) return it->second;
  return keys_.emplace(std::string(key), KeyHistory{}).first->second;
}

void KeyIndex::Erase(std::string_view key) {
  auto it = keys_.find(AsAbsl(key));
  if (it != keys_.end()) keys_.erase(it);
}

void KeyIndex::Compact(int64_t rev, std::vector<Revision>* dropped) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto& entries = it->second.entries;
    // Index of the newest entry <= rev; everything before it goes.
    auto keep = std::upper_bound(entries.begin(), entries.end(), rev,
                                 [](int64_t r, const KeyHistory::Entry& e) { return r < e.main; });
    if (keep != entries.begin()) {
      auto newest = keep - 1;
      auto drop_end = newest->tombstone ? keep : newest;
      for (auto e = entries.begin(); e != drop_end; ++e) dropped->push_back(e->rev());
      entries.erase(entries.begin(), drop_end);
    }
    if (entries.empty()) {
      it = keys_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace aio::store::mvcc
