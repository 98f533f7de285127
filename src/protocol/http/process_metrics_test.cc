#include "protocol/http/process_metrics.h"

#include <ctime>

#include "gtest/gtest.h"

namespace aio::protocol::http {
namespace {

TEST(ProcessMetricsTest, ParsesProcStatWithSpacesInComm) {
  // Fields 14/15 (utime/stime) = 250/150 ticks, 22 (starttime) = 1000 ticks, 23 (vsize) = 8 MiB,
  // 24 (rss) = 100 pages.
  const std::string stat =
      "1234 (aio (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 3 0 1000 8388608 "
      "100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  ProcessSample sample;
  ASSERT_TRUE(ParseProcStat(stat, 1'700'000'000, 100, 4096, &sample));
  EXPECT_DOUBLE_EQ(sample.cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(sample.start_time_seconds, 1'700'000'010);
  EXPECT_DOUBLE_EQ(sample.virtual_memory_bytes, 8388608);
  EXPECT_DOUBLE_EQ(sample.resident_memory_bytes, 409600);
}

TEST(ProcessMetricsTest, RejectsMalformedStat) {
  ProcessSample sample;
  EXPECT_FALSE(ParseProcStat("garbage", 0, 100, 4096, &sample));
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2 3", 0, 100, 4096, &sample));
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  std::optional<ProcessSample> sample = ReadProcessSample();
  ASSERT_TRUE(sample.has_value());
  EXPECT_GT(sample->resident_memory_bytes, 0);
  EXPECT_GT(sample->virtual_memory_bytes, sample->resident_memory_bytes);
  EXPECT_GE(sample->open_fds, 3);
  EXPECT_GT(sample->max_fds, 0);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(sample->start_time_seconds, now + 1);
  EXPECT_GT(sample->start_time_seconds, now - 3600);
}

TEST(ProcessMetricsTest, WritesTheStandardNames) {
  MetricsWriter writer;
  WriteProcessMetrics(ProcessSample{.cpu_seconds = 1.25}, writer);
  for (const char* name :
       {"process_cpu_seconds_total 1.25\n", "# TYPE process_cpu_seconds_total counter\n",
        "process_resident_memory_bytes ", "process_virtual_memory_bytes ", "process_open_fds ",
        "process_max_fds ", "process_start_time_seconds "}) {
    EXPECT_NE(writer.text().find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace aio::protocol::http
