// aio-bench: a load generator for the etcd v3 gRPC API, run against aio and against a real etcd
// with the same flags (see bench/README.md and docs/benchmarks.md).
//
//   aio-bench kv --endpoint 127.0.0.1:2379 --clients 64 --conns 8 --keys 10000 --key-size 16
//                --value-size 256 --mix put|range|txn|watch|load --duration 10s
//                [--watchers 1000 --events 10000]
//
// Prints one JSON object per run on stdout; exits 1 if any request failed or any check failed.
#include <algorithm>
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "closed_loop.h"
#include "kv_common.h"
#include "watch_bench.h"

namespace aio::bench {
namespace {

constexpr std::string_view kKeyPrefix = "k";   // put, range, txn
constexpr std::string_view kLoadPrefix = "l";  // load

using Stubs = std::vector<std::unique_ptr<etcdserverpb::KV::Stub>>;

// Runs one closed loop and adds its results to `report` under `prefix`; false on errors.
bool RunLoop(const KvOptions& options, LoopBudget budget, IssueFn issue, const std::string& prefix,
             nlohmann::json* report) {
  LatencyHistogram latency;
  ClosedLoop loop(options.clients, budget, &latency, std::move(issue));
  const LoopResult result = loop.Run();
  (*report)[prefix + "ops"] = result.ok;
  (*report)[prefix + "errors"] = result.errors;
  (*report)[prefix + "seconds"] = result.seconds;
  (*report)[prefix + "ops_per_s"] =
      result.seconds > 0 ? static_cast<double>(result.ok) / result.seconds : 0;
  AddLatency(latency, prefix, report);
  if (result.errors > 0) (*report)[prefix + "error"] = result.first_error;
  return result.errors == 0;
}

// Writes keys 0..keys-1 of `prefix` once each, as fast as `clients` clients can.
IssueFn SequentialPuts(const KvOptions& options, const Stubs& stubs, const ValuePool& values,
                       std::string_view prefix) {
  return [&, prefix](int client, uint64_t index, DoneFn done) {
    IssuePut(stubs[client % stubs.size()].get(), KeyOf(prefix, index, options.key_size),
             values.ValueOf(index), std::move(done));
  };
}

// Request `request` of a timed run targets this pseudo-random key of the key space.
uint64_t RandomKey(const KvOptions& options, uint64_t request) {
  return Mix64(request) % options.keys;
}

// Runs the workload of `options.mix`; report["ok"] is false if any request or check failed.
nlohmann::json RunKv(const KvOptions& options) {
  const auto channels = MakeChannels(options);
  if (options.mix == "watch") return RunWatchBench(options, channels);
  nlohmann::json report = {{"mix", options.mix},
                           {"endpoint", options.endpoint},
                           {"clients", options.clients},
                           {"conns", options.conns},
                           {"keys", options.keys},
                           {"key_size", options.key_size},
                           {"value_size", options.value_size}};

  Stubs stubs;
  for (const auto& channel : channels) stubs.push_back(etcdserverpb::KV::NewStub(channel));
  const ValuePool values(options.value_size);
  if (options.mix == "load") {
    report["ok"] = RunLoop(options, LoopBudget{.max_requests = options.keys},
                           SequentialPuts(options, stubs, values, kLoadPrefix), "", &report);
    return report;
  }

  // range and txn need every key of the space to exist.
  if (options.mix != "put" &&
      !RunLoop(options, LoopBudget{.max_requests = options.keys},
               SequentialPuts(options, stubs, values, kKeyPrefix), "preload_", &report)) {
    report["ok"] = false;
    return report;
  }
  IssueFn issue;
  if (options.mix == "put") {
    issue = [&](int client, uint64_t request, DoneFn done) {
      const uint64_t key = RandomKey(options, request);
      IssuePut(stubs[client % stubs.size()].get(), KeyOf(kKeyPrefix, key, options.key_size),
               values.ValueOf(request), std::move(done));
    };
  } else if (options.mix == "range") {
    report["serializable"] = options.serializable;
    issue = [&](int client, uint64_t request, DoneFn done) {
      IssueRange(stubs[client % stubs.size()].get(),
                 KeyOf(kKeyPrefix, RandomKey(options, request), options.key_size),
                 options.serializable, std::move(done));
    };
  } else {
    issue = [&](int client, uint64_t request, DoneFn done) {
      IssueCompareAndPut(stubs[client % stubs.size()].get(),
                         KeyOf(kKeyPrefix, RandomKey(options, request), options.key_size),
                         values.ValueOf(request), std::move(done));
    };
  }
  report["ok"] = RunLoop(options, LoopBudget{.deadline = Clock::now() + options.duration},
                         std::move(issue), "", &report);
  return report;
}

// A CLI11 validator for durations ("10s", "500ms").
CLI::Validator DurationValidator() {
  return CLI::Validator(
      [](std::string& text) {
        std::chrono::nanoseconds unused;
        return ParseDuration(text, &unused) ? std::string()
                                            : "not a duration (e.g. 10s, 500ms): " + text;
      },
      "DURATION");
}

}  // namespace
}  // namespace aio::bench

int main(int argc, char** argv) {
  using aio::bench::KvOptions;
  CLI::App app("aio-bench: load generator for aio and the peers it replaces");
  app.require_subcommand(1);
  CLI::App* kv = app.add_subcommand("kv", "etcd v3 gRPC API workloads");
  KvOptions options;
  std::string duration = "10s";
  std::string timeout = "120s";
  kv->add_option("--endpoint", options.endpoint, "host:port of the etcd v3 gRPC API");
  kv->add_option("--clients", options.clients, "concurrent clients")->check(CLI::PositiveNumber);
  kv->add_option("--conns", options.conns, "gRPC connections")->check(CLI::PositiveNumber);
  kv->add_option("--keys", options.keys, "key space (put/range/txn) or keys to write (load)")
      ->check(CLI::PositiveNumber);
  kv->add_option("--key-size", options.key_size, "key size, bytes")->check(CLI::Range(8, 4096));
  kv->add_option("--value-size", options.value_size, "value size, bytes")
      ->check(CLI::Range(0, 1 << 20));
  kv->add_option("--mix", options.mix, "workload")
      ->check(CLI::IsMember({"put", "range", "txn", "watch", "load"}));
  kv->add_option("--duration", duration, "length of a put/range/txn run")
      ->check(aio::bench::DurationValidator());
  kv->add_option("--watchers", options.watchers, "watch: watchers on the prefix")
      ->check(CLI::PositiveNumber);
  kv->add_option("--events", options.events, "watch: puts in the burst")
      ->check(CLI::PositiveNumber);
  kv->add_option("--timeout", timeout, "watch: how long to wait for every event")
      ->check(aio::bench::DurationValidator());
  kv->add_flag("--serializable", options.serializable, "range: serializable reads");
  CLI11_PARSE(app, argc, argv);
  aio::bench::ParseDuration(duration, &options.duration);
  aio::bench::ParseDuration(timeout, &options.timeout);
  const uint64_t largest_index = std::max(options.keys, options.events) - 1;
  if (std::to_string(largest_index).size() >= static_cast<size_t>(options.key_size)) {
    std::fprintf(stderr, "--key-size %d is too small for index %lu\n", options.key_size,
                 static_cast<unsigned long>(largest_index));
    return 2;
  }

  const nlohmann::json report = aio::bench::RunKv(options);
  std::printf("%s\n", report.dump().c_str());
  return report["ok"].get<bool>() ? 0 : 1;
}
