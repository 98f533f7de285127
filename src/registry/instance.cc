#include "registry/instance.h"

#include <charconv>
#include <utility>

#include "absl/time/time.h"
#include "base/duration.h"
#include "fmt/format.h"

namespace aio::registry {
namespace {

using nlohmann::json;

absl::Status FieldError(std::string_view name, std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("field \"{}\" must be {}", name, what));
}

absl::StatusOr<std::string> StringField(const json& in, std::string_view name) {
  auto it = in.find(name);
  if (it == in.end() || it->is_null()) return std::string();
  if (!it->is_string()) return FieldError(name, "a string");
  return it->get<std::string>();
}

absl::StatusOr<int64_t> TimeField(const json& in, std::string_view name) {
  absl::StatusOr<std::string> text = StringField(in, name);
  if (!text.ok()) return text.status();
  if (text->empty()) return 0;
  absl::StatusOr<int64_t> ms = ParseTime(*text);
  if (!ms.ok()) return FieldError(name, "an RFC 3339 time");
  return ms;
}

// host:port with a non-empty host ("[v6]" allowed) and a port 1-65535.
bool IsHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
  } else if (host.find(':') != std::string_view::npos || host.find('/') != std::string_view::npos) {
    return false;
  }
  const std::string_view port = address.substr(colon + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

}  // namespace

std::string FormatTime(int64_t ms) {
  // RFC 3339 with "Z" (absl::RFC3339_full would write "+00:00"), as Go's time.Time in JSON.
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseTime(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    return absl::InvalidArgumentError(fmt::format("bad RFC 3339 time \"{}\": {}", text, error));
  }
  return absl::ToUnixMillis(time);
}

std::string FormatUptime(int64_t ms) {
  if (ms < 1000) return "0s";
  return base::FormatDuration(std::chrono::seconds(ms / 1000));
}

json ToJson(const ServiceInstance& instance) {
  json out = {
      {"id", instance.id},
      {"name", instance.name},
      {"address", instance.address},
      {"protocol", instance.protocol},
      {"register_time", FormatTime(instance.register_time_ms)},
      {"start_time", FormatTime(instance.start_time_ms)},
      {"last_renew_time", FormatTime(instance.last_renew_time_ms)},
      {"metadata", instance.metadata},
      {"weight", instance.weight},
      {"status", instance.status},
  };
  if (instance.offline_time_ms != 0) out["offline_time"] = FormatTime(instance.offline_time_ms);
  return out;
}

absl::StatusOr<ServiceInstance> FromJson(const json& in) {
  if (!in.is_object()) return absl::InvalidArgumentError("an instance must be a JSON object");
  ServiceInstance out;
  for (auto [name, field] :
       {std::pair{"id", &out.id}, std::pair{"name", &out.name}, std::pair{"address", &out.address},
        std::pair{"protocol", &out.protocol}, std::pair{"status", &out.status}}) {
    absl::StatusOr<std::string> value = StringField(in, name);
    if (!value.ok()) return value.status();
    *field = std::move(*value);
  }
  for (auto [name, field] : {std::pair{"register_time", &out.register_time_ms},
                             std::pair{"start_time", &out.start_time_ms},
                             std::pair{"last_renew_time", &out.last_renew_time_ms},
                             std::pair{"offline_time", &out.offline_time_ms}}) {
    absl::StatusOr<int64_t> value = TimeField(in, name);
    if (!value.ok()) return value.status();
    *field = *value;
  }
  if (auto it = in.find("metadata"); it != in.end() && !it->is_null()) {
    if (!it->is_object()) return FieldError("metadata", "an object of strings");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return FieldError("metadata", "an object of strings");
      out.metadata[key] = value.get<std::string>();
    }
  }
  if (auto it = in.find("weight"); it != in.end() && !it->is_null()) {
    if (!it->is_number_integer()) return FieldError("weight", "an integer");
    out.weight = it->get<int64_t>();
  }
  return out;
}

absl::Status ValidateRegistration(ServiceInstance& instance) {
  if (instance.name.empty()) return absl::InvalidArgumentError("name is required");
  if (instance.address.empty()) return absl::InvalidArgumentError("address is required");
  if (!IsHostPort(instance.address)) {
    return absl::InvalidArgumentError(
        fmt::format("address must be host:port, got \"{}\"", instance.address));
  }
  if (instance.weight < 0 || instance.weight > 10000) {
    return absl::InvalidArgumentError("weight must be between 0 and 10000");
  }
  if (instance.status.empty()) instance.status = kStatusActive;
  if (instance.status != kStatusActive && instance.status != kStatusInactive &&
      instance.status != kStatusMaintenance) {
    return absl::InvalidArgumentError(fmt::format(
        "status must be one of active, inactive, maintenance, got \"{}\"", instance.status));
  }
  if (instance.id.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("id must not contain '/'");
  }
  if (instance.name.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("name must not contain '/'");
  }
  if (instance.protocol.empty()) instance.protocol = kDefaultProtocol;
  return absl::OkStatus();
}

}  // namespace aio::registry
