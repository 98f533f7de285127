// ID generation on store::KvStore.
//
// Snowflake: 64-bit IDs laid out as 0 | 41 bits of milliseconds since 2024-01-01T00:00:00Z | 10
// bits of worker ID | 12 bits of sequence (4096 IDs per millisecond per worker), increasing within
// a generator. The worker ID (0..1023) is leased from the store: key `<prefix><id>` bound to a
// lease the generator keeps alive, so two live generators never share one and the ID of a dead one
// is recycled when its lease expires. IDs never go backwards: when the wall clock moves back the
// generator waits up to max_backward_wait_ms for it to catch up, else refuses with Unavailable.
//
// Sequences: named counters handed out in ranges by a compare-and-swap Txn on `<prefix><name>`
// (its value and mod_revision must be unchanged), so concurrent allocators, in any process, never
// receive overlapping ranges. Next() serves from a local segment of `step` values, fetching the
// next segment in the background once half of the current one is used. Values start at 1.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "store/errors.h"
#include "store/kv_store.h"

namespace aio::coord {

inline constexpr int64_t kSnowflakeEpochMs = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
inline constexpr int kSnowflakeWorkerBits = 10;
inline constexpr int kSnowflakeSequenceBits = 12;
inline constexpr int64_t kSnowflakeMaxWorkers = int64_t{1} << kSnowflakeWorkerBits;

struct SnowflakeOptions {
  std::string node_id = "aio";  // the worker key's value, for operators
  std::string prefix = "/aio/coord/idgen/workers/";
  int64_t lease_ttl_s = 10;
  int64_t max_backward_wait_ms = 50;
  base::Clock* clock = base::WallClock::Get();  // Unix-epoch milliseconds
  bool keep_alive_thread = true;                // tests turn it off and call KeepAlive()
};

class Snowflake {
 public:
  // `store` must outlive the generator.
  Snowflake(store::KvStore* store, SnowflakeOptions options);
  ~Snowflake();  // Stop()s

  Snowflake(const Snowflake&) = delete;
  Snowflake& operator=(const Snowflake&) = delete;

  // Leases the lowest free worker ID now; otherwise the first Next() does (so a server that
  // never hands out IDs writes nothing). Errors: ResourceExhausted "snowflake: all 1024 worker
  // IDs are leased", the store's.
  absl::Status Start();
  // Renews the worker lease; when it was lost, leases a worker ID again (IDs are refused
  // meanwhile).
  absl::Status KeepAlive();
  // The next ID. Errors: those of Start() (when no worker ID is leased yet, or the lease was lost
  // and could not be taken again), Unavailable "snowflake: clock moved backwards by <n> ms ..."
  // past the bound.
  absl::StatusOr<int64_t> Next();
  // `count` IDs (1..100000), increasing. Errors as Next(), InvalidArgument for the count.
  absl::StatusOr<std::vector<int64_t>> Next(int64_t count);
  // The leased worker ID, -1 when none.
  int64_t worker_id() const;
  // Releases the worker ID (revokes the lease). Idempotent.
  void Stop();

 private:
  absl::Status LeaseWorker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leases a worker ID unless one is held, and starts the keep-alive thread.
  absl::Status EnsureWorker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::KvStore* const store_;
  const SnowflakeOptions options_;
  mutable absl::Mutex mu_;
  int64_t worker_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t lease_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread keep_alive_;
};

// [start, end): the values a segment allocation handed out.
struct Segment {
  int64_t start = 0;
  int64_t end = 0;
};

class Sequences {
 public:
  // `store` must outlive this object. `step`: values fetched per local segment.
  Sequences(store::KvStore* store, int64_t step = 1000,
            std::string prefix = "/aio/coord/idgen/seq/");
  ~Sequences();

  Sequences(const Sequences&) = delete;
  Sequences& operator=(const Sequences&) = delete;

  // Reserves `count` (1..10000000) consecutive values of sequence `name` in the store. Errors:
  // InvalidArgument "coord: sequence name must be 1-128 characters of [A-Za-z0-9._-]", a bad
  // count; DataLoss when the stored value is not a number; Aborted "coord: sequence <name> is too
  // contended" after 64 lost CAS rounds; OutOfRange when the sequence would pass 2^63-1.
  absl::StatusOr<Segment> Allocate(std::string_view name, int64_t count);
  // `count` (1..100000) values from the local segment of `name`, increasing. Errors as Allocate.
  absl::StatusOr<std::vector<int64_t>> Next(std::string_view name, int64_t count);
  absl::StatusOr<int64_t> Next(std::string_view name);

 private:
  struct Buffer {
    Segment current;
    Segment prefetched;  // empty (start == end) when none
    bool refilling = false;
  };
  void Refill();

  store::KvStore* const store_;
  const int64_t step_;
  const std::string prefix_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Buffer> buffers_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> refills_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread refiller_;
};

}  // namespace aio::coord
