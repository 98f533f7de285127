#include "coord/idgen.h"

#include <charconv>
#include <chrono>
#include <limits>
#include <utility>

#include "fmt/format.h"

namespace aio::coord {
namespace {

constexpr int64_t kSequenceMask = (int64_t{1} << kSnowflakeSequenceBits) - 1;
constexpr int64_t kMaxTimestamp = (int64_t{1} << 41) - 1;
// How long a generator whose 4096 IDs of a millisecond are used up waits for the next one before
// it reports a stuck clock.
constexpr absl::Duration kMaxTickWait = absl::Seconds(1);
constexpr int kMaxCasRounds = 64;

absl::Status CheckSequenceName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 128;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "coord: sequence name must be 1-128 characters of [A-Za-z0-9._-]");
}

}  // namespace

Snowflake::Snowflake(store::KvStore* store, SnowflakeOptions options)
    : store_(store), options_(std::move(options)) {}

Snowflake::~Snowflake() { Stop(); }

absl::Status Snowflake::LeaseWorker() {
  absl::StatusOr<store::LeaseGrantResponse> lease =
      store_->LeaseGrant(0, std::max(options_.lease_ttl_s, store::kMinLeaseTtlSeconds));
  if (!lease.ok()) return lease.status();
  for (int64_t worker = 0; worker < kSnowflakeMaxWorkers; ++worker) {
    const std::string key = options_.prefix + std::to_string(worker);
    absl::StatusOr<store::TxnResponse> txn = store_->Txn({
        .compare = {{.result = store::Compare::Result::kEqual,
                     .target = store::Compare::Target::kCreate,
                     .key = key,
                     .number = 0}},
        .success = {{store::PutRequest{.key = key, .value = options_.node_id, .lease = lease->id}}},
    });
    if (!txn.ok()) {
      (void)store_->LeaseRevoke(lease->id);
      return txn.status();
    }
    if (txn->succeeded) {
      worker_ = worker;
      lease_ = lease->id;
      return absl::OkStatus();
    }
  }
  (void)store_->LeaseRevoke(lease->id);
  return absl::ResourceExhaustedError(
      fmt::format("snowflake: all {} worker IDs are leased", kSnowflakeMaxWorkers));
}

absl::Status Snowflake::Start() {
  absl::MutexLock lock(&mu_);
  return EnsureWorker();
}

absl::Status Snowflake::EnsureWorker() {
  if (worker_ >= 0) return absl::OkStatus();
  if (stopping_) return absl::UnavailableError("snowflake: generator stopped");
  if (absl::Status status = LeaseWorker(); !status.ok()) return status;
  if (options_.keep_alive_thread && !keep_alive_.joinable()) {
    keep_alive_ = std::thread([this] {
      const absl::Duration period =
          absl::Milliseconds(std::max<int64_t>(options_.lease_ttl_s, 2) * 1000 / 3);
      absl::MutexLock lock(&mu_);
      while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), period)) {
        mu_.Unlock();
        (void)KeepAlive();
        mu_.Lock();
      }
    });
  }
  return absl::OkStatus();
}

absl::Status Snowflake::KeepAlive() {
  int64_t lease = 0;
  {
    absl::MutexLock lock(&mu_);
    lease = lease_;
  }
  if (lease != 0 && store_->LeaseKeepAlive(lease).ok()) return absl::OkStatus();
  // Lost (or never had) the lease: the worker ID may be someone else's by now.
  absl::MutexLock lock(&mu_);
  if (stopping_ || lease_ != lease) return absl::OkStatus();
  worker_ = -1;
  lease_ = 0;
  return LeaseWorker();
}

int64_t Snowflake::worker_id() const {
  absl::MutexLock lock(&mu_);
  return worker_;
}

absl::StatusOr<int64_t> Snowflake::NextLocked() {
  if (absl::Status leased = EnsureWorker(); !leased.ok()) return leased;
  int64_t now = options_.clock->NowMs();
  if (now < last_ms_) {
    // The clock moved back: wait (bounded) for it to pass the last timestamp used.
    const int64_t behind = last_ms_ - now;
    if (behind > options_.max_backward_wait_ms) {
      return absl::UnavailableError(fmt::format(
          "snowflake: clock moved backwards by {} ms (more than the {} ms the generator waits); "
          "refusing to issue IDs until it catches up",
          behind, options_.max_backward_wait_ms));
    }
    const absl::Time deadline = absl::Now() + absl::Milliseconds(behind + 5);
    while ((now = options_.clock->NowMs()) < last_ms_) {
      if (absl::Now() > deadline) {
        return absl::UnavailableError(fmt::format(
            "snowflake: clock moved backwards by {} ms and did not catch up", last_ms_ - now));
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  if (now == last_ms_) {
    sequence_ = (sequence_ + 1) & kSequenceMask;
    if (sequence_ == 0) {  // 4096 IDs in this millisecond: wait for the next one
      const absl::Time deadline = absl::Now() + kMaxTickWait;
      while ((now = options_.clock->NowMs()) <= last_ms_) {
        if (absl::Now() > deadline) {
          return absl::UnavailableError("snowflake: clock does not advance");
        }
      }
    }
  } else {
    sequence_ = 0;
  }
  last_ms_ = now;
  const int64_t timestamp = now - kSnowflakeEpochMs;
  if (timestamp < 0 || timestamp > kMaxTimestamp) {
    return absl::OutOfRangeError(
        fmt::format("snowflake: clock {} ms is outside the ID range", now));
  }
  return (timestamp << (kSnowflakeWorkerBits + kSnowflakeSequenceBits)) |
         (worker_ << kSnowflakeSequenceBits) | sequence_;
}

absl::StatusOr<int64_t> Snowflake::Next() {
  absl::MutexLock lock(&mu_);
  return NextLocked();
}

absl::StatusOr<std::vector<int64_t>> Snowflake::Next(int64_t count) {
  if (count < 1 || count > 100'000) {
    return absl::InvalidArgumentError("snowflake: count must be between 1 and 100000");
  }
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(count));
  absl::MutexLock lock(&mu_);
  for (int64_t i = 0; i < count; ++i) {
    absl::StatusOr<int64_t> id = NextLocked();
    if (!id.ok()) return id.status();
    ids.push_back(*id);
  }
  return ids;
}

void Snowflake::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (keep_alive_.joinable()) keep_alive_.join();
  absl::MutexLock lock(&mu_);
  if (lease_ != 0) (void)store_->LeaseRevoke(lease_);
  lease_ = 0;
  worker_ = -1;
}

Sequences::Sequences(store::KvStore* store, int64_t step, std::string prefix)
    : store_(store), step_(std::max<int64_t>(step, 1)), prefix_(std::move(prefix)) {
  refiller_ = std::thread([this] { Refill(); });
}

Sequences::~Sequences() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  refiller_.join();
}

absl::StatusOr<Segment> Sequences::Allocate(std::string_view name, int64_t count) {
  if (absl::Status bad = CheckSequenceName(name); !bad.ok()) return bad;
  if (count < 1 || count > 10'000'000) {
    return absl::InvalidArgumentError("coord: count must be between 1 and 10000000");
  }
  const std::string key = prefix_ + std::string(name);
  for (int round = 0; round < kMaxCasRounds; ++round) {
    absl::StatusOr<store::RangeResponse> current = store_->Range({.key = key});
    if (!current.ok()) return current.status();
    int64_t start = 1;
    std::vector<store::Compare> compare;
    if (current->kvs.empty()) {
      compare.push_back({.result = store::Compare::Result::kEqual,
                         .target = store::Compare::Target::kCreate,
                         .key = key,
                         .number = 0});
    } else {
      const store::KeyValue& kv = current->kvs[0];
      auto [end, error] =
          std::from_chars(kv.value.data(), kv.value.data() + kv.value.size(), start);
      if (error != std::errc() || end != kv.value.data() + kv.value.size() || start < 1) {
        return absl::DataLossError(
            fmt::format("coord: sequence {} holds {:?}, not a number", name, kv.value));
      }
      compare.push_back({.result = store::Compare::Result::kEqual,
                         .target = store::Compare::Target::kValue,
                         .key = key,
                         .value = kv.value});
      compare.push_back({.result = store::Compare::Result::kEqual,
                         .target = store::Compare::Target::kMod,
                         .key = key,
                         .number = kv.mod_revision});
    }
    if (start > std::numeric_limits<int64_t>::max() - count) {
      return absl::OutOfRangeError(fmt::format("coord: sequence {} is exhausted", name));
    }
    absl::StatusOr<store::TxnResponse> txn = store_->Txn({
        .compare = std::move(compare),
        .success = {{store::PutRequest{.key = key, .value = std::to_string(start + count)}}},
    });
    if (!txn.ok()) return txn.status();
    if (txn->succeeded) return Segment{.start = start, .end = start + count};
  }
  return absl::AbortedError(fmt::format("coord: sequence {} is too contended; retry", name));
}

absl::StatusOr<std::vector<int64_t>> Sequences::Next(std::string_view name, int64_t count) {
  if (absl::Status bad = CheckSequenceName(name); !bad.ok()) return bad;
  if (count < 1 || count > 100'000) {
    return absl::InvalidArgumentError("coord: count must be between 1 and 100000");
  }
  std::vector<int64_t> values;
  values.reserve(static_cast<size_t>(count));
  const std::string key(name);
  absl::MutexLock lock(&mu_);
  while (static_cast<int64_t>(values.size()) < count) {
    Buffer& buffer = buffers_[key];  // looked up again each round: Await lets others insert
    if (buffer.current.start == buffer.current.end) {
      if (buffer.prefetched.start != buffer.prefetched.end) {
        buffer.current = std::exchange(buffer.prefetched, Segment{});
      } else if (buffer.refilling) {
        // The background fetch holds the next range: wait for it, so values keep increasing.
        std::pair<Sequences*, const std::string*> arg(this, &key);
        mu_.Await(absl::Condition(
            +[](std::pair<Sequences*, const std::string*>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return a->first->stopping_ || !a->first->buffers_[*a->second].refilling;
            },
            &arg));
        if (stopping_) return absl::UnavailableError("coord: sequences stopped");
        continue;
      } else {
        // Nothing buffered: fetch synchronously, at least what this call still needs.
        const int64_t need = count - static_cast<int64_t>(values.size());
        absl::StatusOr<Segment> segment = Allocate(name, std::max(step_, need));
        if (!segment.ok()) return segment.status();
        buffer.current = *segment;
      }
    }
    while (buffer.current.start < buffer.current.end &&
           static_cast<int64_t>(values.size()) < count) {
      values.push_back(buffer.current.start++);
    }
  }
  Buffer& buffer = buffers_[key];
  // Half of the segment used (or less than half a step left): fetch the next in the background.
  if (!buffer.refilling && buffer.prefetched.start == buffer.prefetched.end &&
      buffer.current.end - buffer.current.start < step_ / 2 + 1) {
    buffer.refilling = true;
    refills_.emplace_back(name);
  }
  return values;
}

absl::StatusOr<int64_t> Sequences::Next(std::string_view name) {
  absl::StatusOr<std::vector<int64_t>> one = Next(name, 1);
  if (!one.ok()) return one.status();
  return one->front();
}

void Sequences::Refill() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](Sequences* s)
             ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) { return s->stopping_ || !s->refills_.empty(); },
        this));
    if (stopping_) return;
    const std::string name = std::move(refills_.front());
    refills_.pop_front();
    mu_.Unlock();
    absl::StatusOr<Segment> segment = Allocate(name, step_);
    mu_.Lock();
    Buffer& buffer = buffers_[name];
    buffer.refilling = false;
    if (segment.ok()) buffer.prefetched = *segment;  // on error the next Next() fetches itself
  }
}

}  // namespace aio::coord
