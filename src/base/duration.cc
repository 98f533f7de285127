#include "base/duration.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

#include "fmt/format.h"

namespace aio::base {
namespace {

absl::Status DurationError(std::string_view text) {
  return absl::InvalidArgumentError(fmt::format(
      "expected a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\", got \"{}\"", text));
}

// Milliseconds per unit, or 0 for an unknown unit.
int64_t UnitMs(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 60 * 60 * 1000;
  return 0;
}

}  // namespace

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return DurationError(text);
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    std::string_view number = text.substr(start, i - start);
    start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const int64_t unit_ms = UnitMs(text.substr(start, i - start));
    if (number.empty() || number == "." || number.find('.') != number.rfind('.') || unit_ms == 0) {
      return DurationError(text);
    }
    total_ms += std::stod(std::string(number)) * static_cast<double>(unit_ms);
  }
  if (total_ms > static_cast<double>(std::numeric_limits<int64_t>::max() / 2)) {
    return DurationError(text);
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms % 1000 != 0) {
    // Sub-second precision: keep one unit so the value reads as written ("1500ms").
    return fmt::format("{}ms", ms);
  }
  int64_t seconds = ms / 1000;
  if (seconds >= 3600) {
    out += fmt::format("{}h", seconds / 3600);
    seconds %= 3600;
  }
  if (seconds >= 60) {
    out += fmt::format("{}m", seconds / 60);
    seconds %= 60;
  }
  if (seconds > 0) out += fmt::format("{}s", seconds);
  return out;
}

}  // namespace aio::base
