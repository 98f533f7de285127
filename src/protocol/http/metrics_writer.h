// MetricsWriter: builds a Prometheus text exposition (format 0.0.4): one HELP and TYPE line per
// metric family, then its samples. https://prometheus.io/docs/instrumenting/exposition_formats/
// Not thread-safe: one writer per scrape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio::protocol::http {

inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

class MetricsWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // A family with one unlabeled sample. Counter names end in _total.
  void Counter(std::string_view name, std::string_view help, double value);
  void Gauge(std::string_view name, std::string_view help, double value);

  // A family with several labeled samples: Family() once, then Sample() per label set.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace aio::protocol::http
