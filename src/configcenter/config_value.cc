#include "configcenter/config_value.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace aio::configcenter {
namespace {

constexpr std::array<std::string_view, 6> kTypeNames = {"string", "int",  "float",
                                                        "bool",   "json", "encrypted"};

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == ':';
}

bool ParsesAsInt(std::string_view value) {
  int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  return ec == std::errc() && end == value.data() + value.size() && !value.empty();
}

bool ParsesAsFloat(std::string_view value) {
  double parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  return ec == std::errc() && end == value.data() + value.size() && !value.empty() &&
         std::isfinite(parsed);
}

}  // namespace

std::string_view ValueTypeName(ValueType type) { return kTypeNames[static_cast<size_t>(type)]; }

absl::StatusOr<ValueType> ParseValueType(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<ValueType>(i);
  }
  return absl::InvalidArgumentError(
      fmt::format("value type \"{}\" is not one of {}", name, fmt::join(kTypeNames, ", ")));
}

absl::Status ValidateEnv(std::string_view env) {
  for (std::string_view known : kEnvironments) {
    if (known == env) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      fmt::format("environment \"{}\" is not one of {}", env, fmt::join(kEnvironments, ", ")));
}

absl::Status ValidateKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("config key is empty");
  if (key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(
        fmt::format("config key is {} bytes, more than the limit of {}", key.size(), kMaxKeyBytes));
  }
  for (char c : key) {
    if (!IsKeyChar(c)) {
      return absl::InvalidArgumentError(fmt::format(
          "config key \"{}\" has a character other than letters, digits and . _ - :", key));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateValue(std::string_view key, ValueType type, std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        fmt::format("config \"{}\": value is {} bytes, more than the limit of {}", key,
                    value.size(), kMaxValueBytes));
  }
  switch (type) {
    case ValueType::kString:
    case ValueType::kEncrypted:
      return absl::OkStatus();
    case ValueType::kInt:
      if (ParsesAsInt(value)) return absl::OkStatus();
      return absl::InvalidArgumentError(fmt::format(
          "config \"{}\": value \"{}\" is not an int (base-10 64-bit integer)", key, value));
    case ValueType::kFloat:
      if (ParsesAsFloat(value)) return absl::OkStatus();
      return absl::InvalidArgumentError(
          fmt::format("config \"{}\": value \"{}\" is not a float (finite number)", key, value));
    case ValueType::kBool:
      if (value == "true" || value == "false") return absl::OkStatus();
      return absl::InvalidArgumentError(
          fmt::format("config \"{}\": value \"{}\" is not a bool (true or false)", key, value));
    case ValueType::kJson: {
      nlohmann::json parsed;
      try {
        parsed = nlohmann::json::parse(value);
      } catch (const nlohmann::json::parse_error& e) {
        return absl::InvalidArgumentError(
            fmt::format("config \"{}\": invalid JSON value: {}", key, e.what()));
      }
      if (parsed.is_object() || parsed.is_array()) return absl::OkStatus();
      return absl::InvalidArgumentError(
          fmt::format("config \"{}\": a json value must be an object or an array, not a {}", key,
                      parsed.type_name()));
    }
  }
  return absl::InternalError("unknown value type");
}

}  // namespace aio::configcenter
