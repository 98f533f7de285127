#include "protocol/http/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace aio::protocol::http {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace

bool ParseProcStat(std::string_view stat, double boot_time_seconds, long ticks_per_second,
                   long page_size, ProcessSample* sample) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return false;
  std::istringstream in{std::string(stat.substr(close + 1))};
  std::vector<std::string> fields;  // fields[0] is field 3 (state) of proc(5)
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() < 22) return false;
  try {
    const double utime = std::stod(fields[11]);        // field 14
    const double stime = std::stod(fields[12]);        // field 15
    const double start_ticks = std::stod(fields[19]);  // field 22
    sample->cpu_seconds = (utime + stime) / static_cast<double>(ticks_per_second);
    sample->start_time_seconds =
        boot_time_seconds + start_ticks / static_cast<double>(ticks_per_second);
    sample->virtual_memory_bytes = std::stod(fields[20]);  // field 23
    sample->resident_memory_bytes = std::stod(fields[21]) * static_cast<double>(page_size);  // 24
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

std::optional<ProcessSample> ReadProcessSample() {
  std::optional<std::string> stat = ReadFile("/proc/self/stat");
  std::optional<double> boot_time = BootTimeSeconds();
  ProcessSample sample;
  if (!stat || !boot_time ||
      !ParseProcStat(*stat, *boot_time, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), &sample)) {
    return std::nullopt;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    sample.open_fds += 1;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) sample.max_fds = static_cast<double>(limit.rlim_cur);
  return sample;
}

void WriteProcessMetrics(const ProcessSample& sample, MetricsWriter& writer) {
  writer.Counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                 sample.cpu_seconds);
  writer.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
               sample.resident_memory_bytes);
  writer.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
               sample.virtual_memory_bytes);
  writer.Gauge("process_open_fds", "Number of open file descriptors.", sample.open_fds);
  writer.Gauge("process_max_fds", "Maximum number of open file descriptors.", sample.max_fds);
  writer.Gauge("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", sample.start_time_seconds);
}

}  // namespace aio::protocol::http
