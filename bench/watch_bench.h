// The watch workload of aio-bench: `watchers` Watch streams on one prefix, spread over the
// connections, then a burst of `events` puts under that prefix from `clients` closed-loop clients.
// Measures the time from the first put to the moment the last watcher has received every event,
// and checks that each watcher received each event exactly once, in revision order.
#pragma once

#include <memory>
#include <vector>

#include "grpcpp/channel.h"
#include "kv_common.h"
#include "nlohmann/json.hpp"

namespace aio::bench {

// Runs the workload and returns its report; report["ok"] is false if any event was lost,
// duplicated, reordered, or any request failed.
nlohmann::json RunWatchBench(const KvOptions& options,
                             const std::vector<std::shared_ptr<grpc::Channel>>& channels);

}  // namespace aio::bench
