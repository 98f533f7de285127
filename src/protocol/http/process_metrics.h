// The standard Prometheus process metrics, read from /proc/self at scrape time (as the official
// client libraries do): process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds.
#pragma once

#include <optional>
#include <string_view>

#include "protocol/http/metrics_writer.h"

namespace aio::protocol::http {

struct ProcessSample {
  double cpu_seconds = 0;
  double resident_memory_bytes = 0;
  double virtual_memory_bytes = 0;
  double start_time_seconds = 0;  // Unix time
  double open_fds = 0;
  double max_fds = 0;
};

// Parses the contents of /proc/<pid>/stat and the boot time (btime of /proc/stat) into `sample`;
// false if the text is malformed.
bool ParseProcStat(std::string_view stat, double boot_time_seconds, long ticks_per_second,
                   long page_size, ProcessSample* sample);

// Reads this process's sample; nullopt if /proc is unavailable.
std::optional<ProcessSample> ReadProcessSample();

// Appends the process_* families.
void WriteProcessMetrics(const ProcessSample& sample, MetricsWriter& writer);

}  // namespace aio::protocol::http
