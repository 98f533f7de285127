// ServiceInstance: one registered instance of a service (seed 003's ServiceInstance plus
// last_renew_time and offline_time), its JSON (the stored value and the HTTP shape, one format)
// and the validation of a registration. Times are wall-clock milliseconds since the Unix epoch; in
// JSON they are RFC 3339 UTC strings ("2023-10-27T10:00:00Z", fractional seconds when non-zero).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace aio::registry {

// Statuses (seed 003): a client registers active, inactive or maintenance; the sweep and
// Registry::Offline set offline. Only active instances are healthy.
inline constexpr std::string_view kStatusActive = "active";
inline constexpr std::string_view kStatusInactive = "inactive";
inline constexpr std::string_view kStatusMaintenance = "maintenance";
inline constexpr std::string_view kStatusOffline = "offline";

inline constexpr int64_t kDefaultWeight = 100;
inline constexpr std::string_view kDefaultProtocol = "http";

struct ServiceInstance {
  std::string id;
  std::string name;
  std::string address;  // host:port
  std::string protocol;
  int64_t register_time_ms = 0;    // first registration of this id; kept on re-registration
  int64_t start_time_ms = 0;       // when the instance started (the client's, or registration)
  int64_t last_renew_time_ms = 0;  // last registration or renewal
  int64_t offline_time_ms = 0;     // when it went offline; 0 while not offline
  std::map<std::string, std::string> metadata;
  int64_t weight = kDefaultWeight;
  std::string status;

  bool healthy() const { return status == kStatusActive; }
  friend bool operator==(const ServiceInstance&, const ServiceInstance&) = default;
};

// {"id","name","address","protocol","register_time","start_time","last_renew_time",
//  "offline_time" (only when offline),"metadata","weight","status"}.
nlohmann::json ToJson(const ServiceInstance& instance);
// The inverse of ToJson; errors name the field ("field \"weight\" must be an integer").
absl::StatusOr<ServiceInstance> FromJson(const nlohmann::json& json);

// RFC 3339 UTC text of `ms` since the epoch, and back.
std::string FormatTime(int64_t ms);
absl::StatusOr<int64_t> ParseTime(std::string_view text);
// A duration as Go prints it, to whole seconds: "3h25m10s", "0s".
std::string FormatUptime(int64_t ms);

// Checks a registration (seed 003 §1.1) and fills the defaults (protocol http, weight 100,
// status active). Errors (InvalidArgument), checked in this order:
//   "name is required", "address is required",
//   "address must be host:port, got \"<address>\"", "weight must be between 0 and 10000",
//   "status must be one of active, inactive, maintenance, got \"<status>\"",
//   "id must not contain '/'", "name must not contain '/'".
absl::Status ValidateRegistration(ServiceInstance& instance);

}  // namespace aio::registry
