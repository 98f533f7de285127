// Durations as written in AIO's config files and APIs: Go-style "500ms", "30s", "10m", "1h",
// combinations such as "1h30m", and fractions such as "1.5h". A bare "0" is zero.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace aio::base {

// Parses `text` to milliseconds. Units: ms, s, m, h. Negative values are rejected. The error
// message says what was expected and quotes the input.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest text that ParseDuration() maps back to `duration`: "1h", "90s", "1h30m", "500ms".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace aio::base
