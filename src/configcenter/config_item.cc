#include "configcenter/config_item.h"

#include "fmt/format.h"

namespace aio::configcenter {

using nlohmann::json;

json ItemToJson(const ConfigItem& item) {
  json out = {{"key", item.key},
              {"env", item.env},
              {"type", ValueTypeName(item.type)},
              {"value", item.value},
              {"version", item.version},
              {"description", item.description},
              {"updated_by", item.updated_by},
              {"updated_at", item.updated_at},
              {"metadata", item.metadata},
              {"deleted", item.deleted},
              {"op", item.op},
              {"source_version", item.source_version},
              {"revision", item.revision}};
  if (item.masked) out["masked"] = true;
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> MetadataFromJson(const json& json) {
  std::map<std::string, std::string> out;
  if (json.is_null()) return out;
  if (!json.is_object()) return absl::InvalidArgumentError("metadata must be an object of strings");
  for (const auto& [name, value] : json.items()) {
    if (!value.is_string()) {
      return absl::InvalidArgumentError(fmt::format(
          "metadata must be an object of strings: \"{}\" is a {}", name, value.type_name()));
    }
    out[name] = value.get<std::string>();
  }
  return out;
}

absl::StatusOr<ConfigItem> ItemFromJson(const json& json) {
  if (!json.is_object()) return absl::InvalidArgumentError("a config item must be a JSON object");
  ConfigItem item;
  auto text = [&](const char* name, std::string& out) -> absl::Status {
    auto it = json.find(name);
    if (it == json.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_string()) {
      return absl::InvalidArgumentError(
          fmt::format("config item field \"{}\" must be a string", name));
    }
    out = it->get<std::string>();
    return absl::OkStatus();
  };
  auto number = [&](const char* name, int64_t& out) -> absl::Status {
    auto it = json.find(name);
    if (it == json.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_number_integer()) {
      return absl::InvalidArgumentError(
          fmt::format("config item field \"{}\" must be an integer", name));
    }
    out = it->get<int64_t>();
    return absl::OkStatus();
  };
  std::string type = "string";
  for (absl::Status status :
       {text("key", item.key), text("env", item.env), text("type", type), text("value", item.value),
        text("description", item.description), text("updated_by", item.updated_by),
        text("op", item.op), number("version", item.version), number("updated_at", item.updated_at),
        number("source_version", item.source_version)}) {
    if (!status.ok()) return status;
  }
  absl::StatusOr<ValueType> parsed = ParseValueType(type);
  if (!parsed.ok()) return parsed.status();
  item.type = *parsed;
  if (auto it = json.find("metadata"); it != json.end()) {
    absl::StatusOr<std::map<std::string, std::string>> metadata = MetadataFromJson(*it);
    if (!metadata.ok()) return metadata.status();
    item.metadata = std::move(*metadata);
  }
  if (auto it = json.find("deleted"); it != json.end() && it->is_boolean()) {
    item.deleted = it->get<bool>();
  }
  return item;
}

}  // namespace aio::configcenter
