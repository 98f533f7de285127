#include "protocol/http/metrics_writer.h"

#include <limits>

#include "gtest/gtest.h"

namespace aio::protocol::http {
namespace {

TEST(MetricsWriterTest, WritesHelpTypeAndSamples) {
  MetricsWriter writer;
  writer.Counter("aio_x_total", "Things done.", 42);
  writer.Gauge("aio_y", "A level.", 1.5);
  writer.Family("aio_z", "gauge", "Per kind.");
  writer.Sample("aio_z", {{"kind", "a"}, {"node", "n1"}}, 3);
  EXPECT_EQ(writer.text(),
            "# HELP aio_x_total Things done.\n"
            "# TYPE aio_x_total counter\n"
            "aio_x_total 42\n"
            "# HELP aio_y A level.\n"
            "# TYPE aio_y gauge\n"
            "aio_y 1.5\n"
            "# HELP aio_z Per kind.\n"
            "# TYPE aio_z gauge\n"
            "aio_z{kind=\"a\",node=\"n1\"} 3\n");
}

TEST(MetricsWriterTest, EscapesHelpAndLabelValues) {
  MetricsWriter writer;
  writer.Family("m", "gauge", "line\\one\ntwo");
  writer.Sample("m", {{"v", "say \"hi\"\n\\"}}, 0);
  EXPECT_EQ(writer.text(),
            "# HELP m line\\\\one\\ntwo\n"
            "# TYPE m gauge\n"
            "m{v=\"say \\\"hi\\\"\\n\\\\\"} 0\n");
}

TEST(MetricsWriterTest, SpecialValues) {
  MetricsWriter writer;
  writer.Gauge("a", "h", std::numeric_limits<double>::infinity());
  writer.Gauge("b", "h", std::numeric_limits<double>::quiet_NaN());
  writer.Gauge("c", "h", 1e18);
  EXPECT_NE(writer.text().find("a +Inf\n"), std::string::npos);
  EXPECT_NE(writer.text().find("b NaN\n"), std::string::npos);
  EXPECT_NE(writer.text().find("c 1e+18\n"), std::string::npos);
}

}  // namespace
}  // namespace aio::protocol::http
