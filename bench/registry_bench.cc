// aio-registry-bench: the registry's cost at fleet scale, in process (registry::Registry over the
// embedded MvccStore with fsync'ed writes; no HTTP/gRPC in the way).
//   1. registers --instances instances (100 per service),
//   2. heartbeats: renews every instance once per --interval, spread evenly (RenewAsync, as the
//      gRPC HeartbeatStream does), for --duration seconds; reports the process CPU time over wall
//      time (percent of one core) and checks that no instance went offline,
//   3. the same heartbeats plus one thread calling Discover on random services back to back;
//      reports Discover's p50/p99/p99.9 latency.
// Prints one JSON line; exits 1 on any failed renewal or an instance seen offline.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "CLI/CLI.hpp"
#include "histogram.h"
#include "nlohmann/json.hpp"
#include "registry/registry.h"
#include "store/mvcc/mvcc_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using aio::registry::Registry;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Renews every instance once per `interval`, evenly spread, until `stop`. Counts failures.
void Heartbeat(Registry* registry, const std::vector<std::string>& ids,
               std::chrono::milliseconds interval, const std::atomic<bool>& stop,
               std::atomic<int64_t>& failures, std::atomic<int64_t>& renewals) {
  constexpr auto kTick = std::chrono::milliseconds(10);
  const double per_tick = static_cast<double>(ids.size()) * kTick.count() / interval.count();
  double due = 0;
  size_t next = 0;
  auto tick = Clock::now();
  while (!stop.load()) {
    due += per_tick;
    for (; due >= 1; due -= 1) {
      registry->RenewAsync(ids[next], [&](absl::StatusOr<aio::registry::ServiceInstance> r) {
        (r.ok() ? renewals : failures).fetch_add(1);
      });
      next = (next + 1) % ids.size();
    }
    tick += kTick;
    std::this_thread::sleep_until(tick);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aio-registry-bench: registry heartbeat CPU and Discover latency"};
  int64_t instances = 10'000;
  int64_t interval_s = 10;
  int64_t duration_s = 30;
  app.add_option("--instances", instances, "registered instances")->check(CLI::PositiveNumber);
  app.add_option("--interval", interval_s, "seconds between two heartbeats of one instance")
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", duration_s, "seconds of each phase")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const auto dir = std::filesystem::temp_directory_path() /
                   ("aio-registry-bench-" + std::to_string(std::random_device{}()));
  auto store = aio::store::mvcc::MvccStore::Open({.data_dir = dir.string()});
  if (!store.ok()) {
    std::cerr << "cannot open the store: " << store.status() << "\n";
    return 1;
  }
  const auto interval = std::chrono::milliseconds(interval_s * 1000);
  Registry registry(store->get(),
                    {.ttl_ms = 3 * interval.count(), .renew_interval_ms = interval.count()});
  if (absl::Status status = registry.Start(); !status.ok()) {
    std::cerr << "cannot start the registry: " << status << "\n";
    return 1;
  }
  const int64_t services = std::max<int64_t>(1, instances / 100);
  // Registered from 16 threads so that the store group-commits them.
  std::vector<std::string> ids(instances);
  std::atomic<bool> register_failed{false};
  std::vector<std::thread> registrars;
  for (int t = 0; t < 16; ++t) {
    registrars.emplace_back([&, t] {
      for (int64_t i = t; i < instances; i += 16) {
        auto stored = registry.Register({.name = "svc-" + std::to_string(i % services),
                                         .address = "10.0." + std::to_string(i / 250 % 250) + "." +
                                                    std::to_string(i % 250) + ":8080"});
        if (!stored.ok()) {
          std::cerr << "register failed: " << stored.status() << "\n";
          register_failed = true;
          return;
        }
        ids[i] = stored->id;
      }
    });
  }
  for (std::thread& thread : registrars) thread.join();
  if (register_failed) return 1;

  std::atomic<int64_t> failures{0};
  std::atomic<int64_t> renewals{0};
  std::atomic<bool> stop{false};
  // Phase 1: heartbeats only.
  const double cpu0 = CpuSeconds();
  const auto wall0 = Clock::now();
  std::thread beater(Heartbeat, &registry, std::cref(ids), interval, std::cref(stop),
                     std::ref(failures), std::ref(renewals));
  std::this_thread::sleep_for(std::chrono::seconds(duration_s));
  const double cpu_percent =
      100.0 * (CpuSeconds() - cpu0) / std::chrono::duration<double>(Clock::now() - wall0).count();
  const int64_t renewals_phase1 = renewals.load();

  // Phase 2: heartbeats go on, one thread discovers back to back.
  aio::bench::LatencyHistogram discover;
  std::mt19937 random(1);
  int64_t found = 0;
  const auto end = Clock::now() + std::chrono::seconds(duration_s);
  while (Clock::now() < end) {
    const std::string name = "svc-" + std::to_string(random() % services);
    const auto start = Clock::now();
    found += static_cast<int64_t>(registry.Discover(name, {}).size());
    discover.Record(Clock::now() - start);
  }
  stop = true;
  beater.join();
  const aio::registry::RegistryStats stats = registry.Stats();
  registry.Stop();
  (*store)->Stop();
  std::filesystem::remove_all(dir);

  const nlohmann::json result = {
      {"instances", instances},
      {"interval_s", interval_s},
      {"duration_s", duration_s},
      {"renewals_per_s", static_cast<double>(renewals_phase1) / duration_s},
      {"heartbeat_cpu_percent_of_one_core", cpu_percent},
      {"renew_failures", failures.load()},
      {"unhealthy_instances", stats.unhealthy_instances},
      {"discover_calls", discover.Count()},
      {"discover_instances_per_call", discover.Count() ? found / double(discover.Count()) : 0},
      {"discover_p50_us", discover.PercentileUs(0.5)},
      {"discover_p99_us", discover.PercentileUs(0.99)},
      {"discover_p999_us", discover.PercentileUs(0.999)},
  };
  std::cout << result.dump() << std::endl;
  return failures.load() == 0 && stats.unhealthy_instances == 0 ? 0 : 1;
}
