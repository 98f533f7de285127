#include "mq/jetstream/stream.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "mq/subject.h"

namespace aio::mq::jetstream {

std::string_view HeaderValue(std::string_view headers, std::string_view name) {
  size_t pos = headers.find("\r\n");  // skip the NATS/1.0 status line
  while (pos != std::string_view::npos && pos + 2 < headers.size()) {
    pos += 2;
    const size_t end = headers.find("\r\n", pos);
    const std::string_view line =
        headers.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon == name.size()) {
      bool same = true;
      for (size_t i = 0; i < colon && same; ++i) {
        same = absl::ascii_tolower(static_cast<unsigned char>(line[i])) ==
               absl::ascii_tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
          value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
          value.remove_suffix(1);
        }
        return value;
      }
    }
    pos = end;
  }
  return {};
}

bool Stream::Captures(std::string_view subject) const {
  for (const std::string& filter : config_.subjects) {
    if (SubjectMatches(filter, subject)) return true;
  }
  return false;
}

const StoredMsg& Stream::Append(std::string subject, std::string headers, std::string data,
                                int64_t ts_ns) {
  const uint64_t seq = last_seq_ + 1;
  Restore({.seq = seq,
           .ts_ns = ts_ns,
           .subject = std::move(subject),
           .headers = std::move(headers),
           .data = std::move(data)});
  return msgs_.at(seq);
}

void Stream::Restore(StoredMsg msg) {
  last_seq_ = std::max(last_seq_, msg.seq);
  last_ts_ns_ = std::max(last_ts_ns_, msg.ts_ns);
  bytes_ += msg.size();
  if (msg.has_body()) body_bytes_ += static_cast<int64_t>(msg.headers.size() + msg.data.size());
  by_subject_[msg.subject].insert(msg.seq);
  const uint64_t seq = msg.seq;
  msgs_.emplace(seq, std::move(msg));
}

void Stream::RestoreWatermark(uint64_t last_seq) { last_seq_ = std::max(last_seq_, last_seq); }

bool Stream::Remove(uint64_t seq) {
  auto it = msgs_.find(seq);
  if (it == msgs_.end()) return false;
  bytes_ -= it->second.size();
  if (it->second.has_body()) {
    body_bytes_ -= static_cast<int64_t>(it->second.headers.size() + it->second.data.size());
  }
  auto subject = by_subject_.find(it->second.subject);
  if (subject != by_subject_.end()) {
    subject->second.erase(seq);
    if (subject->second.empty()) by_subject_.erase(subject);
  }
  msgs_.erase(it);
  return true;
}

void Stream::DropBodies(uint64_t keep_msgs, int64_t keep_bytes) {
  auto it = msgs_.lower_bound(body_floor_);
  for (; it != msgs_.end(); ++it) {
    if (it->first + keep_msgs > last_seq_ && body_bytes_ <= keep_bytes) break;
    StoredMsg& msg = it->second;
    msg.dropped_body_size = static_cast<int64_t>(msg.headers.size() + msg.data.size());
    body_bytes_ -= msg.dropped_body_size;
    std::string().swap(msg.headers);
    std::string().swap(msg.data);
  }
  body_floor_ = it == msgs_.end() ? last_seq_ + 1 : it->first;
}

std::optional<ApiError> Stream::CheckDiscardNew(int64_t size) const {
  if (config_.discard != Discard::kNew) return std::nullopt;
  if (config_.max_msgs > 0 && static_cast<int64_t>(msgs_.size()) >= config_.max_msgs) {
    return StreamStoreFailed("maximum messages exceeded");
  }
  if (config_.max_bytes > 0 && bytes_ + size > config_.max_bytes) {
    return StreamStoreFailed("maximum bytes exceeded");
  }
  return std::nullopt;
}

std::vector<uint64_t> Stream::OverLimits(int64_t now_ns, std::string_view subject) const {
  std::set<uint64_t> drop;
  if (config_.max_age_ns > 0) {
    for (const auto& [seq, msg] : msgs_) {
      if (now_ns - msg.ts_ns < config_.max_age_ns) break;
      drop.insert(seq);
    }
  }
  if (config_.max_msgs_per_subject > 0) {
    auto trim = [&](const std::set<uint64_t>& seqs) {
      int64_t excess = static_cast<int64_t>(seqs.size()) - config_.max_msgs_per_subject;
      for (auto it = seqs.begin(); excess > 0; ++it, --excess) drop.insert(*it);
    };
    if (subject.empty()) {
      for (const auto& [name, seqs] : by_subject_) trim(seqs);
    } else if (auto it = by_subject_.find(std::string(subject)); it != by_subject_.end()) {
      trim(it->second);
    }
  }
  int64_t count = static_cast<int64_t>(msgs_.size());
  int64_t bytes = bytes_;
  for (uint64_t seq : drop) {
    --count;
    bytes -= msgs_.at(seq).size();
  }
  if (config_.discard == Discard::kOld) {
    for (auto it = msgs_.begin(); it != msgs_.end(); ++it) {
      const bool over = (config_.max_msgs > 0 && count > config_.max_msgs) ||
                        (config_.max_bytes > 0 && bytes > config_.max_bytes);
      if (!over) break;
      if (drop.insert(it->first).second) {
        --count;
        bytes -= it->second.size();
      }
    }
  }
  return {drop.begin(), drop.end()};
}

uint64_t Stream::LastSeqOf(std::string_view subject) const {
  auto it = by_subject_.find(std::string(subject));
  return it == by_subject_.end() ? 0 : *it->second.rbegin();
}

std::vector<uint64_t> Stream::LastPerSubject(std::string_view filter) const {
  std::vector<uint64_t> out;
  for (const auto& [subject, seqs] : by_subject_) {
    if (filter.empty() || SubjectMatches(filter, subject)) out.push_back(*seqs.rbegin());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<uint64_t> Stream::FindDuplicate(const std::string& msg_id, int64_t now_ns) {
  while (!msg_id_order_.empty() &&
         now_ns - msg_id_order_.front().first >= config_.duplicate_window_ns) {
    auto it = msg_ids_.find(msg_id_order_.front().second);
    if (it != msg_ids_.end() && it->second.second == msg_id_order_.front().first) {
      msg_ids_.erase(it);
    }
    msg_id_order_.pop_front();
  }
  auto it = msg_ids_.find(msg_id);
  if (it == msg_ids_.end()) return std::nullopt;
  return it->second.first;
}

void Stream::RememberMsgId(const std::string& msg_id, uint64_t seq, int64_t ts_ns) {
  msg_ids_[msg_id] = {seq, ts_ns};
  msg_id_order_.emplace_back(ts_ns, msg_id);
  last_msg_id_ = msg_id;
}

}  // namespace aio::mq::jetstream
