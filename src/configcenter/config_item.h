// ConfigItem: one version of one config key in one environment, and its JSON form. The same JSON
// shape is the stored record (under /aio/config/, see config_center.h), the HTTP API's item and
// an export entry:
//   {"key","env","type","value","version","description","updated_by","updated_at" (Unix ms),
//    "metadata":{string:string},"deleted","op","source_version","revision"}
// `op` says what made the version: put, delete, restore, rollback (source_version = the version
// whose content it copied) or import. `revision` is the store revision that wrote it (the watch
// watermark); it is not stored, it comes from the store's mod_revision.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "configcenter/config_value.h"
#include "nlohmann/json.hpp"

namespace aio::configcenter {

// What an encrypted value shows where it is not revealed.
inline constexpr std::string_view kMaskedValue = "******";

struct ConfigItem {
  std::string key;
  std::string env;
  ValueType type = ValueType::kString;
  // Plaintext; for an encrypted item the plaintext when revealed, kMaskedValue when masked, the
  // stored ciphertext in records and exports.
  std::string value;
  int64_t version = 0;
  std::string description;
  std::string updated_by;
  int64_t updated_at = 0;  // Unix ms
  std::map<std::string, std::string> metadata;
  bool deleted = false;
  std::string op;
  int64_t source_version = 0;
  int64_t revision = 0;
  bool masked = false;  // value is kMaskedValue (not stored)

  friend bool operator==(const ConfigItem&, const ConfigItem&) = default;
};

nlohmann::json ItemToJson(const ConfigItem& item);
// InvalidArgument naming the field for a record that is not an item.
absl::StatusOr<ConfigItem> ItemFromJson(const nlohmann::json& json);

// {"k":"v"} -> map; InvalidArgument "metadata must be an object of strings" otherwise.
absl::StatusOr<std::map<std::string, std::string>> MetadataFromJson(const nlohmann::json& json);

}  // namespace aio::configcenter
