// aio-idgen-bench: IDs per second from one in-process generator over an embedded MvccStore
// (fsync'ed writes, as the server): coord::Snowflake::Next() and coord::Sequences::Next() called
// one ID at a time from one thread. Results go to docs/benchmarks.md.
//
//   aio-idgen-bench [--ids N] [--step S]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>

#include "CLI/CLI.hpp"
#include "coord/idgen.h"
#include "store/mvcc/mvcc_store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Rates {
  double wall = 0;  // IDs per second of elapsed time
  double cpu = 0;   // IDs per second of this process's CPU time (fair on a loaded machine)
};

template <class Fn>
Rates Rate(int64_t n, Fn&& next) {
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  int64_t last = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = next();
    if (id <= last) {
      std::fprintf(stderr, "ID %lld after %lld: not increasing\n", static_cast<long long>(id),
                   static_cast<long long>(last));
      std::exit(1);
    }
    last = id;
  }
  const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return {static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count(),
          static_cast<double>(n) / cpu_s};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("In-process ID generator throughput");
  int64_t ids = 5'000'000;
  int64_t step = 100'000;
  app.add_option("--ids", ids, "IDs per generator");
  app.add_option("--step", step, "sequence values fetched per segment");
  CLI11_PARSE(app, argc, argv);

  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("aio-idgen-bench-" + std::to_string(std::random_device{}()));
  auto store = aio::store::mvcc::MvccStore::Open({.data_dir = dir.string()});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  {
    aio::coord::Snowflake snowflake(store->get(), {.node_id = "bench"});
    if (absl::Status status = snowflake.Start(); !status.ok()) {
      std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
      return 1;
    }
    const Rates snowflake_rate = Rate(ids, [&] { return *snowflake.Next(); });
    std::printf("snowflake  %12.0f IDs/s wall  %12.0f IDs/s CPU  (%lld IDs, one thread)\n",
                snowflake_rate.wall, snowflake_rate.cpu, static_cast<long long>(ids));

    aio::coord::Sequences sequences(store->get(), step);
    const Rates segment_rate = Rate(ids, [&] { return *sequences.Next("bench"); });
    std::printf(
        "segment    %12.0f IDs/s wall  %12.0f IDs/s CPU  (%lld IDs, step %lld, one thread)\n",
        segment_rate.wall, segment_rate.cpu, static_cast<long long>(ids),
        static_cast<long long>(step));
  }
  (*store)->Stop();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
