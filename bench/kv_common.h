// What every etcd-API workload of aio-bench shares: the flags, the key and value shapes, the
// connections, and the one-line JSON report.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "closed_loop.h"
#include "etcd/rpc.grpc.pb.h"
#include "grpcpp/channel.h"
#include "histogram.h"
#include "nlohmann/json.hpp"

namespace aio::bench {

struct KvOptions {
  std::string endpoint = "127.0.0.1:2379";
  int clients = 64;         // concurrent closed-loop clients
  int conns = 8;            // gRPC connections (HTTP/2), clients spread round-robin
  uint64_t keys = 10000;    // key space (put/range/txn), keys written (load)
  int key_size = 16;        // bytes
  int value_size = 256;     // bytes
  std::string mix = "put";  // put | range | txn | watch | load
  std::chrono::nanoseconds duration = std::chrono::seconds(10);  // put/range/txn
  int watchers = 1000;      // watch: watch streams on one prefix
  uint64_t events = 10000;  // watch: puts in the burst
  std::chrono::nanoseconds timeout = std::chrono::seconds(120);  // watch: wait for delivery
  bool serializable = false;  // range: serializable instead of linearizable reads
};

// Parses "10s", "500ms", "2m", "1h" or "250us"; false if malformed.
bool ParseDuration(std::string_view text, std::chrono::nanoseconds* out);

// The key of `index`: `prefix` then the zero-padded decimal index, `key_size` bytes in all.
// REQUIRES: key_size > prefix.size() and the index fits in the remaining digits.
std::string KeyOf(std::string_view prefix, uint64_t index, int key_size);

// Parses the index back from a key made by KeyOf; false if `key` is not one of ours.
bool IndexOf(std::string_view key, std::string_view prefix, uint64_t* index);

// Incompressible values: `value_size`-byte slices of a fixed random pool, a different slice per
// index, so that neither server gains from compressing repeated values.
class ValuePool {
 public:
  explicit ValuePool(int value_size);
  std::string_view ValueOf(uint64_t index) const;

 private:
  const size_t value_size_;
  std::string pool_;
};

// A well-mixed 64-bit hash (splitmix64), to pick random keys without shared RNG state.
uint64_t Mix64(uint64_t x);

// `conns` distinct connections to `endpoint` (gRPC would otherwise share one subchannel).
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const KvOptions& options);

// Asynchronous etcd calls for closed-loop clients; each calls `done` once with the outcome.
// Put(key, value).
void IssuePut(etcdserverpb::KV::Stub* stub, std::string key, std::string_view value, DoneFn done);
// Range of the single key `key`; an error unless exactly that key is found.
void IssueRange(etcdserverpb::KV::Stub* stub, std::string key, bool serializable, DoneFn done);
// Txn: if version(key) > 0 then Put(key, value); an error unless the compare succeeds.
void IssueCompareAndPut(etcdserverpb::KV::Stub* stub, std::string key, std::string_view value,
                        DoneFn done);

// Latency fields (µs) of a report, named `<prefix>p50_us`, `<prefix>p99_us`, `<prefix>p999_us`.
void AddLatency(const LatencyHistogram& histogram, std::string_view prefix, nlohmann::json* out);

}  // namespace aio::bench
