#include "mq/jetstream/consumer.h"

#include <algorithm>

#include "mq/subject.h"

namespace aio::mq::jetstream {

bool Consumer::Matches(std::string_view subject) const {
  return config_.filter_subject.empty() || SubjectMatches(config_.filter_subject, subject);
}

void Consumer::Start(const Stream& stream) {
  const uint64_t past_end = stream.last_seq() + 1;
  switch (config_.deliver_policy) {
    case DeliverPolicy::kAll:
      next_seq_ = stream.first_seq();
      break;
    case DeliverPolicy::kLast: {
      const std::vector<uint64_t> last = stream.LastPerSubject(config_.filter_subject);
      next_seq_ = last.empty() ? past_end : last.back();
      break;
    }
    case DeliverPolicy::kNew:
      next_seq_ = past_end;
      break;
    case DeliverPolicy::kByStartSequence:
      next_seq_ = config_.opt_start_seq;
      break;
    case DeliverPolicy::kByStartTime:
      next_seq_ = past_end;
      for (const auto& [seq, msg] : stream.msgs()) {
        if (msg.ts_ns >= config_.opt_start_time_ns) {
          next_seq_ = seq;
          break;
        }
      }
      break;
    case DeliverPolicy::kLastPerSubject: {
      const std::vector<uint64_t> last = stream.LastPerSubject(config_.filter_subject);
      initial_.assign(last.begin(), last.end());
      next_seq_ = past_end;
      break;
    }
  }
  // The ack floor starts just before the first message the consumer can see.
  const uint64_t start = initial_.empty() ? next_seq_ : initial_.front();
  ack_floor_stream_seq_ = start > 0 ? start - 1 : 0;
  delivered_stream_seq_ = ack_floor_stream_seq_;
}

int64_t Consumer::AckWaitMs(int64_t count) const {
  if (!config_.backoff_ns.empty()) {
    const size_t i = std::min(static_cast<size_t>(std::max<int64_t>(count - 1, 0)),
                              config_.backoff_ns.size() - 1);
    return config_.backoff_ns[i] / kNsPerMs;
  }
  return config_.ack_wait_ns / kNsPerMs;
}

void Consumer::Track(uint64_t sseq, int64_t count, int64_t now_ms, int64_t now_ns, Delivery* d) {
  d->stream_seq = sseq;
  d->consumer_seq = ++delivered_consumer_seq_;
  d->count = count;
  delivered_stream_seq_ = std::max(delivered_stream_seq_, sseq);
  last_delivered_ns_ = now_ns;
  if (config_.ack_policy == AckPolicy::kNone) {
    ack_floor_consumer_seq_ = delivered_consumer_seq_;
    ack_floor_stream_seq_ = delivered_stream_seq_;
    return;
  }
  deliveries_[sseq] = count;
  pending_[sseq] = Pending{d->consumer_seq, now_ns, now_ms + AckWaitMs(count)};
}

std::optional<Delivery> Consumer::Next(const Stream& stream, int64_t now_ms, int64_t now_ns,
                                       std::vector<uint64_t>* exceeded) {
  for (auto it = redeliver_.begin(); it != redeliver_.end();) {
    const uint64_t seq = *it;
    if (stream.msgs().find(seq) == stream.msgs().end()) {
      it = redeliver_.erase(it);
      OnRemoved(seq);
      continue;
    }
    auto nak = nak_until_ms_.find(seq);
    if (nak != nak_until_ms_.end()) {
      if (now_ms < nak->second) {
        ++it;
        continue;
      }
      nak_until_ms_.erase(nak);
    }
    const int64_t count = deliveries_[seq] + 1;
    it = redeliver_.erase(it);
    if (config_.max_deliver > 0 && count > config_.max_deliver) {
      // nats-server drops it from pending: it is never delivered again.
      exceeded->push_back(seq);
      std::vector<uint64_t> ignored;
      Done(seq, &ignored);
      continue;
    }
    Delivery d;
    Track(seq, count, now_ms, now_ns, &d);
    d.pending = NumPending(stream);
    return d;
  }
  if (config_.max_ack_pending > 0 &&
      static_cast<int64_t>(pending_.size()) >= config_.max_ack_pending) {
    return std::nullopt;
  }
  const StoredMsg* next = nullptr;
  while (!initial_.empty() && next == nullptr) {
    auto it = stream.msgs().find(initial_.front());
    initial_.pop_front();
    if (it != stream.msgs().end()) next = &it->second;
  }
  if (next == nullptr) {
    for (auto it = stream.msgs().lower_bound(next_seq_); it != stream.msgs().end(); ++it) {
      if (Matches(it->second.subject)) {
        next = &it->second;
        break;
      }
    }
  }
  if (next == nullptr) {
    next_seq_ = std::max(next_seq_, stream.last_seq() + 1);
    return std::nullopt;
  }
  if (config_.replay_policy == ReplayPolicy::kOriginal) {
    if (replay_prev_ms_ != 0 &&
        now_ms < replay_prev_ms_ + (next->ts_ns - replay_prev_ts_ns_) / kNsPerMs) {
      return std::nullopt;
    }
    replay_prev_ts_ns_ = next->ts_ns;
    replay_prev_ms_ = now_ms;
  }
  next_seq_ = std::max(next_seq_, next->seq + 1);
  Delivery d;
  Track(next->seq, 1, now_ms, now_ns, &d);
  d.pending = NumPending(stream);
  return d;
}

void Consumer::Done(uint64_t sseq, std::vector<uint64_t>* done) {
  if (pending_.erase(sseq) == 0) return;
  deliveries_.erase(sseq);
  redeliver_.erase(sseq);
  nak_until_ms_.erase(sseq);
  done->push_back(sseq);
  UpdateAckFloor();
}

void Consumer::UpdateAckFloor() {
  if (pending_.empty()) {
    ack_floor_consumer_seq_ = delivered_consumer_seq_;
    ack_floor_stream_seq_ = delivered_stream_seq_;
    return;
  }
  const auto& [sseq, first] = *pending_.begin();
  ack_floor_stream_seq_ = std::max(ack_floor_stream_seq_, sseq - 1);
  uint64_t min_dseq = first.consumer_seq;
  for (const auto& [seq, p] : pending_) min_dseq = std::min(min_dseq, p.consumer_seq);
  ack_floor_consumer_seq_ = std::max(ack_floor_consumer_seq_, min_dseq - 1);
}

std::vector<uint64_t> Consumer::Ack(uint64_t stream_seq, AckKind kind, int64_t delay_ms,
                                    int64_t now_ms) {
  std::vector<uint64_t> done;
  auto it = pending_.find(stream_seq);
  if (it == pending_.end()) return done;
  switch (kind) {
    case AckKind::kAck:
    case AckKind::kNext:
      if (config_.ack_policy == AckPolicy::kAll) {
        std::vector<uint64_t> upto;
        for (const auto& [seq, p] : pending_) {
          if (seq > stream_seq) break;
          upto.push_back(seq);
        }
        for (uint64_t seq : upto) Done(seq, &done);
      } else {
        Done(stream_seq, &done);
      }
      break;
    case AckKind::kTerm:
      Done(stream_seq, &done);
      break;
    case AckKind::kNak:
      redeliver_.insert(stream_seq);
      if (delay_ms > 0) {
        nak_until_ms_[stream_seq] = now_ms + delay_ms;
        it->second.deadline_ms = now_ms + delay_ms + AckWaitMs(deliveries_[stream_seq]);
      }
      break;
    case AckKind::kProgress:
      it->second.deadline_ms = now_ms + AckWaitMs(deliveries_[stream_seq]);
      break;
  }
  return done;
}

bool Consumer::CheckAckWait(int64_t now_ms) {
  for (auto& [seq, p] : pending_) {
    if (p.deadline_ms <= now_ms && !redeliver_.contains(seq)) {
      redeliver_.insert(seq);
      p.deadline_ms = now_ms + AckWaitMs(deliveries_[seq] + 1);
    }
  }
  for (uint64_t seq : redeliver_) {
    auto nak = nak_until_ms_.find(seq);
    if (nak == nak_until_ms_.end() || nak->second <= now_ms) return true;
  }
  return false;
}

void Consumer::OnRemoved(uint64_t seq) {
  redeliver_.erase(seq);
  nak_until_ms_.erase(seq);
  deliveries_.erase(seq);
  if (pending_.erase(seq) > 0) UpdateAckFloor();
}

void Consumer::OnPurged(const Stream& stream) {
  std::vector<uint64_t> gone;
  for (const auto& [seq, p] : pending_) {
    if (!stream.msgs().contains(seq)) gone.push_back(seq);
  }
  for (uint64_t seq : gone) OnRemoved(seq);
  std::erase_if(initial_, [&](uint64_t seq) { return !stream.msgs().contains(seq); });
  if (next_seq_ < stream.first_seq()) next_seq_ = stream.first_seq();
  if (pending_.empty() && ack_floor_stream_seq_ + 1 < next_seq_) {
    ack_floor_stream_seq_ = next_seq_ - 1;
    delivered_stream_seq_ = std::max(delivered_stream_seq_, ack_floor_stream_seq_);
  }
}

bool Consumer::Interested(uint64_t seq, std::string_view subject) const {
  if (!Matches(subject)) return false;
  if (pending_.contains(seq)) return true;
  if (std::find(initial_.begin(), initial_.end(), seq) != initial_.end()) return true;
  return seq >= next_seq_;
}

uint64_t Consumer::NumPending(const Stream& stream) const {
  uint64_t n = initial_.size();
  const auto& msgs = stream.msgs();
  if (config_.filter_subject.empty()) {
    if (next_seq_ <= stream.first_seq()) return n + msgs.size();
    return n + static_cast<uint64_t>(std::distance(msgs.lower_bound(next_seq_), msgs.end()));
  }
  for (auto it = msgs.lower_bound(next_seq_); it != msgs.end(); ++it) {
    if (Matches(it->second.subject)) ++n;
  }
  return n;
}

nlohmann::json Consumer::StateJson() const {
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& [seq, p] : pending_) {
    auto count = deliveries_.find(seq);
    pending.push_back(
        {seq, p.consumer_seq, p.ts_ns, count == deliveries_.end() ? 1 : count->second});
  }
  return {{"next_seq", next_seq_},
          {"initial", initial_},
          {"delivered", {delivered_consumer_seq_, delivered_stream_seq_}},
          {"ack_floor", {ack_floor_consumer_seq_, ack_floor_stream_seq_}},
          {"last_delivered_ns", last_delivered_ns_},
          {"pending", std::move(pending)}};
}

void Consumer::RestoreState(const nlohmann::json& state, int64_t now_ms) {
  next_seq_ = state.value("next_seq", uint64_t{1});
  initial_.clear();
  for (const auto& seq : state.value("initial", nlohmann::json::array())) {
    initial_.push_back(seq.get<uint64_t>());
  }
  const nlohmann::json delivered = state.value("delivered", nlohmann::json::array({0, 0}));
  delivered_consumer_seq_ = delivered.at(0).get<uint64_t>();
  delivered_stream_seq_ = delivered.at(1).get<uint64_t>();
  const nlohmann::json floor = state.value("ack_floor", nlohmann::json::array({0, 0}));
  ack_floor_consumer_seq_ = floor.at(0).get<uint64_t>();
  ack_floor_stream_seq_ = floor.at(1).get<uint64_t>();
  last_delivered_ns_ = state.value("last_delivered_ns", int64_t{0});
  for (const auto& entry : state.value("pending", nlohmann::json::array())) {
    const uint64_t seq = entry.at(0).get<uint64_t>();
    const int64_t count = entry.at(3).get<int64_t>();
    pending_[seq] =
        Pending{entry.at(1).get<uint64_t>(), entry.at(2).get<int64_t>(), now_ms + AckWaitMs(count)};
    deliveries_[seq] = count;
  }
}

nlohmann::json Consumer::Info(const std::string& stream_name, const Stream& stream,
                              int64_t now_ns) const {
  size_t redelivered = 0;
  for (const auto& [seq, count] : deliveries_) redelivered += count > 1;
  nlohmann::json delivered = {{"consumer_seq", delivered_consumer_seq_},
                              {"stream_seq", delivered_stream_seq_}};
  if (last_delivered_ns_ != 0) delivered["last_active"] = FormatTime(last_delivered_ns_);
  return {{"stream_name", stream_name},
          {"name", config_.name},
          {"created", FormatTime(created_ns_)},
          {"config", ToJson(config_)},
          {"delivered", std::move(delivered)},
          {"ack_floor",
           {{"consumer_seq", ack_floor_consumer_seq_}, {"stream_seq", ack_floor_stream_seq_}}},
          {"num_ack_pending", pending_.size()},
          {"num_redelivered", redelivered},
          {"num_waiting", waiting_.size()},
          {"num_pending", NumPending(stream)},
          {"ts", FormatTime(now_ns)}};
}

}  // namespace aio::mq::jetstream
