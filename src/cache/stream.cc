#include "cache/stream.h"

#include <algorithm>
#include <charconv>

#include "fmt/format.h"

namespace aio::cache {
namespace {

// Redis's string2ull: a decimal that fits in 64 unsigned bits.
bool ParseU64(std::string_view text, uint64_t* value) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool StreamID::Incr() {
  if (seq != UINT64_MAX) {
    ++seq;
  } else if (ms != UINT64_MAX) {
    ++ms;
    seq = 0;
  } else {
    return false;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq != 0) {
    --seq;
  } else if (ms != 0) {
    --ms;
    seq = UINT64_MAX;
  } else {
    return false;
  }
  return true;
}

std::string StreamID::ToString() const { return fmt::format("{}-{}", ms, seq); }

bool ParseStreamID(std::string_view text, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  if (text.size() > 127) return false;
  if (text == "-" || text == "+") {
    if (strict) return false;
    *id = text == "-" ? StreamID{} : StreamID::Max();
    if (seq_given != nullptr) *seq_given = true;
    return true;
  }
  StreamID out;
  const size_t dash = text.find('-');
  if (!ParseU64(text.substr(0, dash), &out.ms)) return false;
  bool given = true;
  if (dash == std::string_view::npos) {
    out.seq = missing_seq;
  } else {
    const std::string_view seq = text.substr(dash + 1);
    if (seq_given != nullptr && seq == "*") {
      given = false;
    } else if (!ParseU64(seq, &out.seq)) {
      return false;
    }
  }
  if (seq_given != nullptr) *seq_given = given;
  *id = out;
  return true;
}

StreamConsumer& StreamGroup::Consumer(std::string_view name, int64_t now_ms, bool* created) {
  auto it = consumers.find(std::string(name));
  const bool is_new = it == consumers.end();
  if (is_new) it = consumers.emplace(std::string(name), StreamConsumer{now_ms, {}}).first;
  if (created != nullptr) *created = is_new;
  return it->second;
}

bool StreamGroup::Ack(const StreamID& id) {
  auto it = pel.find(id);
  if (it == pel.end()) return false;
  if (auto c = consumers.find(it->second.consumer); c != consumers.end()) c->second.pel.erase(id);
  pel.erase(it);
  return true;
}

int64_t StreamValue::EntryBytes(const Fields& fields) {
  int64_t n = 48;  // ID, map node, vector header
  for (const std::string& f : fields) n += 8 + static_cast<int64_t>(f.size());
  return n;
}

int64_t StreamValue::GroupsBytes() const {
  int64_t n = 0;
  for (const auto& [name, group] : groups) {
    n += 128 + static_cast<int64_t>(name.size()) + 96 * std::ssize(group.pel);
    for (const auto& [cname, consumer] : group.consumers)
      n += 96 + static_cast<int64_t>(cname.size());
  }
  return n;
}

int64_t StreamValue::Append(const StreamID& id, Fields fields) {
  const int64_t bytes = EntryBytes(fields);
  entries.emplace_hint(entries.end(), id, std::move(fields));
  last_id = id;
  ++entries_added;
  return bytes;
}

int64_t StreamValue::Erase(const StreamID& id) {
  auto it = entries.find(id);
  if (it == entries.end()) return 0;
  const int64_t bytes = EntryBytes(it->second);
  entries.erase(it);
  return bytes;
}

int64_t StreamValue::EraseHead(int64_t n, int64_t* freed) {
  for (int64_t i = 0; i < n; ++i) {
    *freed += EntryBytes(entries.begin()->second);
    entries.erase(entries.begin());
  }
  return n;
}

int64_t StreamValue::TrimCount(int64_t wanted, bool approx, int64_t limit) const {
  if (!approx) return wanted;
  // Redis fills a node up to kNodeEntries before starting the next, so node boundaries fall at
  // multiples of kNodeEntries entries added (XDEL aside): the head node is what is left of its.
  const auto len = static_cast<int64_t>(entries.size());
  const int64_t head = std::max<int64_t>(static_cast<int64_t>(entries_added) - len, 0);
  int64_t node = std::min(len, kNodeEntries - head % kNodeEntries);
  int64_t n = 0;
  while (node > 0 && n + node <= wanted && (limit <= 0 || n + node <= limit)) {
    n += node;
    node = std::min(kNodeEntries, len - n);
  }
  return n;
}

int64_t StreamValue::TrimMaxLen(int64_t maxlen, bool approx, int64_t limit, int64_t* freed) {
  const int64_t len = static_cast<int64_t>(entries.size());
  if (len <= maxlen) return 0;
  return EraseHead(TrimCount(len - maxlen, approx, limit), freed);
}

int64_t StreamValue::TrimMinId(const StreamID& minid, bool approx, int64_t limit, int64_t* freed) {
  int64_t below = 0;
  for (auto it = entries.begin(); it != entries.end() && it->first < minid; ++it) ++below;
  return EraseHead(TrimCount(below, approx, limit), freed);
}

bool StreamValue::RangeHasTombstones(const StreamID& start, const StreamID& end) const {
  if (entries.empty() || max_deleted_id.zero()) return false;
  if (first_id() > max_deleted_id) return false;
  return start <= max_deleted_id && max_deleted_id <= end;
}

int64_t StreamValue::EstimateDistance(const StreamID& id) const {
  if (entries_added == 0) return 0;
  const auto added = static_cast<int64_t>(entries_added);
  if (entries.empty() && id <= last_id) return added;
  if (id == last_id) return added;
  if (id > last_id) return kInvalidEntriesRead;
  const StreamID first = first_id();
  if (max_deleted_id.zero() || max_deleted_id < first) {
    const auto length = static_cast<int64_t>(entries.size());
    if (id < first) return added - length;
    if (id == first) return added - length + 1;
  }
  return kInvalidEntriesRead;
}

bool StreamValue::Lag(const StreamGroup& group, int64_t* lag) const {
  const auto added = static_cast<int64_t>(entries_added);
  if (entries_added == 0) {
    *lag = 0;
    return true;
  }
  if (group.entries_read != kInvalidEntriesRead && !RangeHasTombstones(group.last_id)) {
    *lag = added - group.entries_read;
    return true;
  }
  const int64_t read = EstimateDistance(group.last_id);
  if (read == kInvalidEntriesRead) return false;
  *lag = added - read;
  return true;
}

void StreamValue::Deliver(StreamGroup& group, const StreamID& id) const {
  if (id <= group.last_id) return;
  if (group.entries_read != kInvalidEntriesRead && !RangeHasTombstones(id)) {
    ++group.entries_read;
  } else if (entries_added != 0) {
    group.entries_read = EstimateDistance(id);
  }
  group.last_id = id;
}

}  // namespace aio::cache
