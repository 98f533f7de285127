// Fixture helpers, builders and printers of the KvStore conformance suite.
#include "store/conformance/kv_store_conformance.h"

#include <chrono>
#include <thread>

#include "absl/strings/escaping.h"

namespace aio::store {

void PrintTo(const KeyValue& kv, std::ostream* os) {
  *os << "{key=\"" << absl::CEscape(kv.key) << "\" value=\""
      << absl::CEscape(kv.value.substr(0, 64)) << (kv.value.size() > 64 ? "...\"" : "\"")
      << " create=" << kv.create_revision << " mod=" << kv.mod_revision << " version=" << kv.version
      << " lease=" << kv.lease << "}";
}

void PrintTo(const Event& event, std::ostream* os) {
  *os << (event.type == Event::Type::kPut ? "PUT " : "DELETE ");
  PrintTo(event.kv, os);
  if (event.prev_kv.has_value()) {
    *os << " prev=";
    PrintTo(*event.prev_kv, os);
  }
}

void PrintTo(const WatchResponse& response, std::ostream* os) {
  *os << "{watch_id=" << response.watch_id << " revision=" << response.revision;
  if (response.canceled) {
    *os << " canceled compact_revision=" << response.compact_revision << " reason=\""
        << response.cancel_reason << "\"";
  }
  *os << " events=[";
  for (const Event& event : response.events) {
    PrintTo(event, os);
    *os << "; ";
  }
  *os << "]}";
}

}  // namespace aio::store

namespace aio::store::conformance {
namespace {

// How long the watch helpers wait for responses before giving up (wall time).
constexpr auto kWatchWait = std::chrono::seconds(5);
// Pump rounds that Quiesce runs before concluding nothing more arrives.
constexpr int kQuiesceRounds = 5;

}  // namespace

void PrintTo(const HarnessParam& param, std::ostream* os) { *os << param.name; }

std::string HarnessParamName(const ::testing::TestParamInfo<HarnessParam>& info) {
  return info.param.name;
}

void KvStoreConformanceTest::SetUp() {
  auto harness = GetParam().make();
  ASSERT_TRUE(harness.ok()) << "cannot create the store under test: " << harness.status();
  harness_ = std::move(*harness);
  ASSERT_NE(harness_->store(), nullptr);
}

void KvStoreConformanceTest::TearDown() { harness_.reset(); }

std::unique_ptr<KvStoreHarness> KvStoreConformanceTest::MakeOtherHarness() {
  auto harness = GetParam().make();
  if (!harness.ok()) {
    ADD_FAILURE() << "cannot create a second store: " << harness.status();
    return nullptr;
  }
  return std::move(*harness);
}

PutResponse KvStoreConformanceTest::MustPut(const std::string& key, const std::string& value,
                                            int64_t lease) {
  auto response = kv().Put(PutRequest{.key = key, .value = value, .lease = lease});
  if (!response.ok()) {
    ADD_FAILURE() << "Put(" << key << ") failed: " << response.status();
    return {};
  }
  return *std::move(response);
}

DeleteRangeResponse KvStoreConformanceTest::MustDelete(const std::string& key,
                                                       const std::string& range_end) {
  auto response = kv().DeleteRange(DeleteRangeRequest{.key = key, .range_end = range_end});
  if (!response.ok()) {
    ADD_FAILURE() << "DeleteRange(" << key << ") failed: " << response.status();
    return {};
  }
  return *std::move(response);
}

RangeResponse KvStoreConformanceTest::MustRange(const RangeRequest& request) {
  auto response = kv().Range(request);
  if (!response.ok()) {
    ADD_FAILURE() << "Range(" << request.key << ") failed: " << response.status();
    return {};
  }
  return *std::move(response);
}

std::optional<KeyValue> KvStoreConformanceTest::MustGet(const std::string& key, int64_t revision) {
  RangeRequest request = RangeOf(key);
  request.revision = revision;
  RangeResponse response = MustRange(request);
  if (response.kvs.empty()) return std::nullopt;
  EXPECT_EQ(response.kvs.size(), 1u) << "a single-key range returned several keys";
  return response.kvs.front();
}

TxnResponse KvStoreConformanceTest::MustTxn(const TxnRequest& request) {
  auto response = kv().Txn(request);
  if (!response.ok()) {
    ADD_FAILURE() << "Txn failed: " << response.status();
    return {};
  }
  return *std::move(response);
}

int64_t KvStoreConformanceTest::MustGrant(int64_t ttl_seconds, int64_t id) {
  auto response = kv().LeaseGrant(id, ttl_seconds);
  if (!response.ok()) {
    ADD_FAILURE() << "LeaseGrant(" << id << ", " << ttl_seconds
                  << ") failed: " << response.status();
    return 0;
  }
  return response->id;
}

std::vector<WatchResponse> KvStoreConformanceTest::Collect(WatchStream& stream, size_t events) {
  std::vector<WatchResponse> responses;
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWatchWait;
  int idle = 0;
  while (got < events && std::chrono::steady_clock::now() < deadline) {
    if (std::optional<WatchResponse> response = stream.Next()) {
      got += response->events.size();
      responses.push_back(*std::move(response));
      idle = 0;
      continue;
    }
    harness().PumpWatchers();
    // A store may hand events over from its own thread after the write returned.
    if (++idle > 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return responses;
}

std::optional<WatchResponse> KvStoreConformanceTest::NextResponse(WatchStream& stream) {
  const auto deadline = std::chrono::steady_clock::now() + kWatchWait;
  int idle = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::optional<WatchResponse> response = stream.Next()) return response;
    harness().PumpWatchers();
    if (++idle > 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

std::vector<WatchResponse> KvStoreConformanceTest::Quiesce(WatchStream& stream) {
  std::vector<WatchResponse> responses;
  for (int round = 0; round < kQuiesceRounds; ++round) {
    harness().PumpWatchers();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    while (std::optional<WatchResponse> response = stream.Next()) {
      responses.push_back(*std::move(response));
    }
  }
  return responses;
}

RangeRequest RangeOf(const std::string& key, const std::string& range_end) {
  return RangeRequest{.key = key, .range_end = range_end};
}

RangeRequest PrefixOf(const std::string& prefix) { return RangeOf(prefix, PrefixEnd(prefix)); }

RequestOp OpPut(const std::string& key, const std::string& value, int64_t lease) {
  return RequestOp{PutRequest{.key = key, .value = value, .lease = lease}};
}

RequestOp OpRange(const std::string& key, const std::string& range_end) {
  return RequestOp{RangeOf(key, range_end)};
}

RequestOp OpDelete(const std::string& key, const std::string& range_end, bool prev_kv) {
  return RequestOp{DeleteRangeRequest{.key = key, .range_end = range_end, .prev_kv = prev_kv}};
}

RequestOp OpTxn(TxnRequest txn) { return RequestOp{std::move(txn)}; }

Compare CmpNumber(const std::string& key, Compare::Target target, Compare::Result result,
                  int64_t number) {
  return Compare{.result = result, .target = target, .key = key, .number = number};
}

Compare CmpValue(const std::string& key, Compare::Result result, const std::string& value) {
  return Compare{.result = result, .target = Compare::Target::kValue, .key = key, .value = value};
}

std::vector<std::string> KeysOf(const std::vector<KeyValue>& kvs) {
  std::vector<std::string> keys;
  keys.reserve(kvs.size());
  for (const KeyValue& kv : kvs) keys.push_back(kv.key);
  return keys;
}

std::vector<Event> EventsOf(const std::vector<WatchResponse>& responses, int64_t watch_id) {
  std::vector<Event> events;
  for (const WatchResponse& response : responses) {
    if (response.watch_id != watch_id) continue;
    events.insert(events.end(), response.events.begin(), response.events.end());
  }
  return events;
}

}  // namespace aio::store::conformance
