// The KvStore conformance suite: what an etcd v3.4 user checks, run against every KvStore
// implementation (store/mvcc, store/etcd). etcd 3.4 behaviour is the oracle; error texts are the
// ones of store/errors.h.
//
// An implementation provides a KvStoreHarness (a fresh, empty store per test, plus hooks to drive
// time, restarts, lease expiry and watch catch-up) and instantiates the suite once:
//
//   absl::StatusOr<std::unique_ptr<KvStoreHarness>> MakeHarness() { ... }
//   AIO_INSTANTIATE_KV_STORE_CONFORMANCE(Mvcc, &MakeHarness);
//
// The library is an OBJECT library so that every TEST_P registers in the test binary that links
// it (a static archive would drop the translation units nobody references).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/errors.h"
#include "store/kv_store.h"

namespace aio::store {

// Readable failure messages (gtest would print raw bytes otherwise).
void PrintTo(const KeyValue& kv, std::ostream* os);
void PrintTo(const Event& event, std::ostream* os);
void PrintTo(const WatchResponse& response, std::ostream* os);

}  // namespace aio::store

namespace aio::store::conformance {

// One store under test. Each test gets its own harness: a fresh store at revision 1.
// Single-threaded: the suite calls it from the test thread only.
class KvStoreHarness {
 public:
  virtual ~KvStoreHarness() = default;

  // The store under test; valid until the next Restart().
  virtual KvStore* store() = 0;

  // Whether AdvanceTimeMs moves the clock that leases expire on. Time-based cases are skipped
  // without it.
  virtual bool SupportsTime() const { return false; }
  virtual void AdvanceTimeMs(int64_t ms) {}

  // Whether Restart() closes the store and reopens it on the same data. Durability cases are
  // skipped without it. Watch streams are destroyed by the suite before it restarts.
  virtual bool SupportsRestart() const { return false; }
  virtual absl::Status Restart() { return absl::UnimplementedError("restart"); }

  // Lets the store revoke the leases whose deadline has passed (embedded: CheckLeases()).
  virtual void ExpireLeases() {}
  // Lets the store deliver watch events and catch slow watchers up (embedded: SyncWatchers()).
  // A backend that delivers by itself may sleep a little here instead.
  virtual void PumpWatchers() {}
  // Responses one watch stream queues before its watchers fall behind (the slow-reader case
  // writes several times this many events).
  virtual int64_t WatchQueueLimit() const { return 1024; }
  // The store's progress-notify interval (etcd --experimental-watch-progress-notify-interval), or
  // 0 when the suite cannot reach it with AdvanceTimeMs (the case is skipped).
  virtual int64_t ProgressNotifyIntervalMs() const { return 0; }
};

using KvStoreHarnessFactory = std::function<absl::StatusOr<std::unique_ptr<KvStoreHarness>>()>;

// The suite's parameter: a named factory.
struct HarnessParam {
  std::string name;
  KvStoreHarnessFactory make;
};
void PrintTo(const HarnessParam& param, std::ostream* os);

// Base fixture: builds a harness per test and offers small helpers. Helpers named Must* record a
// test failure (with the status) when the store returns an error, and return an empty value.
class KvStoreConformanceTest : public ::testing::TestWithParam<HarnessParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  KvStoreHarness& harness() { return *harness_; }
  KvStore& kv() { return *harness_->store(); }
  // A second, independent store of the same kind (for "same content, same hash" checks).
  std::unique_ptr<KvStoreHarness> MakeOtherHarness();

  PutResponse MustPut(const std::string& key, const std::string& value, int64_t lease = 0);
  DeleteRangeResponse MustDelete(const std::string& key, const std::string& range_end = "");
  RangeResponse MustRange(const RangeRequest& request);
  // The key at `revision` (0 = current), nullopt when absent.
  std::optional<KeyValue> MustGet(const std::string& key, int64_t revision = 0);
  TxnResponse MustTxn(const TxnRequest& request);
  int64_t MustGrant(int64_t ttl_seconds, int64_t id = 0);

  // Watch helpers. Collect takes responses (pumping in between) until `events` events in total
  // have arrived or a few seconds have passed; responses without events are kept too.
  std::vector<WatchResponse> Collect(WatchStream& stream, size_t events);
  // The next response, pumping until one arrives (nullopt after a few seconds).
  std::optional<WatchResponse> NextResponse(WatchStream& stream);
  // Pumps a few times and returns whatever arrived (normally nothing).
  std::vector<WatchResponse> Quiesce(WatchStream& stream);

 private:
  std::unique_ptr<KvStoreHarness> harness_;
};

// One suite per concern, so test names read "Mvcc/TxnConformance.NestedTxn/Mvcc".
class KvConformance : public KvStoreConformanceTest {};
class RangeConformance : public KvStoreConformanceTest {};
class TxnConformance : public KvStoreConformanceTest {};
class CompactConformance : public KvStoreConformanceTest {};
class LeaseConformance : public KvStoreConformanceTest {};
class WatchConformance : public KvStoreConformanceTest {};
class DurabilityConformance : public KvStoreConformanceTest {};
class MaintenanceConformance : public KvStoreConformanceTest {};
class ConcurrencyConformance : public KvStoreConformanceTest {};

std::string HarnessParamName(const ::testing::TestParamInfo<HarnessParam>& info);

// ---- request builders -------------------------------------------------------------------------

// etcd's prefix range end: the prefix with its last byte incremented ("a/" -> "a0").
RangeRequest RangeOf(const std::string& key, const std::string& range_end = "");
RangeRequest PrefixOf(const std::string& prefix);

RequestOp OpPut(const std::string& key, const std::string& value, int64_t lease = 0);
RequestOp OpRange(const std::string& key, const std::string& range_end = "");
RequestOp OpDelete(const std::string& key, const std::string& range_end = "", bool prev_kv = false);
RequestOp OpTxn(TxnRequest txn);

Compare CmpNumber(const std::string& key, Compare::Target target, Compare::Result result,
                  int64_t number);
Compare CmpValue(const std::string& key, Compare::Result result, const std::string& value);

std::vector<std::string> KeysOf(const std::vector<KeyValue>& kvs);
// Events of one watcher, flattened in arrival order.
std::vector<Event> EventsOf(const std::vector<WatchResponse>& responses, int64_t watch_id);

// ---- status matchers --------------------------------------------------------------------------

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches a Status or StatusOr whose code and message equal `expected` (etcd's exact text).
MATCHER_P(HasStatus, expected, "has status " + ::testing::PrintToString(expected)) {
  const absl::Status& got = StatusOf(arg);
  if (got.code() == expected.code() && got.message() == expected.message()) return true;
  *result_listener << "whose status is " << got;
  return false;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& got = StatusOf(arg);
  if (got.ok()) return true;
  *result_listener << "whose status is " << got;
  return false;
}

}  // namespace aio::store::conformance

#define AIO_CONF_CONCAT_INNER_(a, b) a##b
#define AIO_CONF_CONCAT_(a, b) AIO_CONF_CONCAT_INNER_(a, b)

// ASSERTs that a StatusOr expression is OK and moves its value into `lhs` (a declaration or an
// lvalue).
#define CONF_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  CONF_ASSERT_OK_AND_ASSIGN_IMPL_(AIO_CONF_CONCAT_(conf_status_or_, __LINE__), lhs, rexpr)
#define CONF_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, rexpr)          \
  auto tmp = (rexpr);                                             \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status(); \
  lhs = std::move(*tmp)

#define CONF_ASSERT_OK(expr) ASSERT_THAT((expr), ::aio::store::conformance::IsOk())
#define CONF_EXPECT_OK(expr) EXPECT_THAT((expr), ::aio::store::conformance::IsOk())

// Skips the current test when the harness cannot drive the corresponding capability.
#define CONF_REQUIRE_TIME()                                                     \
  if (!harness().SupportsTime()) GTEST_SKIP() << "harness has no manual clock"; \
  static_assert(true)
#define CONF_REQUIRE_RESTART()                                                \
  if (!harness().SupportsRestart()) GTEST_SKIP() << "harness cannot restart"; \
  static_assert(true)

// Instantiates every conformance suite for one implementation. `factory` is a callable returning
// absl::StatusOr<std::unique_ptr<KvStoreHarness>>. Use at namespace scope, once per binary.
#define AIO_INSTANTIATE_KV_STORE_CONFORMANCE(name, factory)         \
  namespace aio::store::conformance {                               \
  AIO_CONF_INSTANTIATE_ONE_(name, KvConformance, factory);          \
  AIO_CONF_INSTANTIATE_ONE_(name, RangeConformance, factory);       \
  AIO_CONF_INSTANTIATE_ONE_(name, TxnConformance, factory);         \
  AIO_CONF_INSTANTIATE_ONE_(name, CompactConformance, factory);     \
  AIO_CONF_INSTANTIATE_ONE_(name, LeaseConformance, factory);       \
  AIO_CONF_INSTANTIATE_ONE_(name, WatchConformance, factory);       \
  AIO_CONF_INSTANTIATE_ONE_(name, DurabilityConformance, factory);  \
  AIO_CONF_INSTANTIATE_ONE_(name, MaintenanceConformance, factory); \
  AIO_CONF_INSTANTIATE_ONE_(name, ConcurrencyConformance, factory); \
  }                                                                 \
  static_assert(true)
#define AIO_CONF_INSTANTIATE_ONE_(name, suite, factory)                                            \
  INSTANTIATE_TEST_SUITE_P(name, suite,                                                            \
                           ::testing::Values(::aio::store::conformance::HarnessParam{              \
                               #name, ::aio::store::conformance::KvStoreHarnessFactory(factory)}), \
                           ::aio::store::conformance::HarnessParamName)
