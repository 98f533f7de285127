#include "auth/records.h"

#include <string>

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace aio::auth {
namespace {

using nlohmann::json;

std::string B64(const std::string& bytes) { return absl::Base64Escape(bytes); }

std::string UnB64(const json& value) {
  std::string out;
  if (value.is_string()) absl::Base64Unescape(value.get<std::string>(), &out);
  return out;
}

template <typename T>
absl::StatusOr<T> Parse(std::string_view what, std::string_view text,
                        void (*fill)(const json&, T&)) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return absl::DataLossError(fmt::format("auth store: {} record is not a JSON object", what));
  }
  T value;
  try {
    fill(doc, value);
  } catch (const json::exception& e) {
    return absl::DataLossError(fmt::format("auth store: bad {} record: {}", what, e.what()));
  }
  return value;
}

void FillUser(const json& j, User& u) {
  u.name = j.at("name").get<std::string>();
  u.password_hash = j.value("password_hash", "");
  u.roles = j.value("roles", std::vector<std::string>{});
  u.disabled = j.value("disabled", false);
  u.created_ms = j.value("created_ms", int64_t{0});
  u.updated_ms = j.value("updated_ms", int64_t{0});
  u.tokens_not_before = j.value("tokens_not_before", int64_t{0});
}

void FillRole(const json& j, Role& r) {
  r.name = j.at("name").get<std::string>();
  for (const json& p : j.value("permissions", json::array())) {
    Permission permission;
    absl::StatusOr<Resource> resource = ParseResource(p.at("resource").get<std::string>());
    if (!resource.ok()) throw json::other_error::create(501, "unknown resource", nullptr);
    permission.resource = *resource;
    permission.key = UnB64(p.value("key_b64", json()));
    permission.range_end = UnB64(p.value("range_end_b64", json()));
    permission.actions = p.value("actions", uint32_t{0});
    r.permissions.push_back(std::move(permission));
  }
}

void FillClient(const json& j, ClientCredential& c) {
  c.client_key = j.at("client_key").get<std::string>();
  c.secret_hash = j.at("secret_hash").get<std::string>();
  c.roles = j.value("roles", std::vector<std::string>{});
  c.expires_ms = j.value("expires_ms", int64_t{0});
  c.description = j.value("description", "");
  c.disabled = j.value("disabled", false);
  c.created_ms = j.value("created_ms", int64_t{0});
  c.tokens_not_before = j.value("tokens_not_before", int64_t{0});
}

void FillKey(const json& j, SigningKey& k) {
  k.kid = j.at("kid").get<std::string>();
  k.secret = UnB64(j.at("secret_b64"));
  k.created_s = j.value("created_s", int64_t{0});
  k.retired_s = j.value("retired_s", int64_t{0});
}

}  // namespace

bool IsSuperRole(std::string_view role) { return role == kAdminRole || role == kRootRole; }

std::string EncodeUser(const User& u) {
  return json{{"name", u.name},
              {"password_hash", u.password_hash},
              {"roles", u.roles},
              {"disabled", u.disabled},
              {"created_ms", u.created_ms},
              {"updated_ms", u.updated_ms},
              {"tokens_not_before", u.tokens_not_before}}
      .dump();
}

absl::StatusOr<User> DecodeUser(std::string_view text) { return Parse("user", text, &FillUser); }

std::string EncodeRole(const Role& r) {
  json permissions = json::array();
  for (const Permission& p : r.permissions) {
    permissions.push_back({{"resource", std::string(ResourceName(p.resource))},
                           {"key_b64", B64(p.key)},
                           {"range_end_b64", B64(p.range_end)},
                           {"actions", p.actions}});
  }
  return json{{"name", r.name}, {"permissions", std::move(permissions)}}.dump();
}

absl::StatusOr<Role> DecodeRole(std::string_view text) { return Parse("role", text, &FillRole); }

std::string EncodeClient(const ClientCredential& c) {
  return json{{"client_key", c.client_key},
              {"secret_hash", c.secret_hash},
              {"roles", c.roles},
              {"expires_ms", c.expires_ms},
              {"description", c.description},
              {"disabled", c.disabled},
              {"created_ms", c.created_ms},
              {"tokens_not_before", c.tokens_not_before}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<ClientCredential> DecodeClient(std::string_view text) {
  return Parse("client", text, &FillClient);
}

std::string EncodeSigningKey(const SigningKey& k) {
  return json{{"kid", k.kid},
              {"secret_b64", B64(k.secret)},
              {"created_s", k.created_s},
              {"retired_s", k.retired_s}}
      .dump();
}

absl::StatusOr<SigningKey> DecodeSigningKey(std::string_view text) {
  return Parse("signing key", text, &FillKey);
}

absl::Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(fmt::format("{} name is empty", what));
  if (name.size() > 128) {
    return absl::InvalidArgumentError(fmt::format("{} name is longer than 128 bytes", what));
  }
  for (unsigned char c : name) {
    if (c == '/' || c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          fmt::format("{} name must not contain '/' or control characters", what));
    }
  }
  return absl::OkStatus();
}

}  // namespace aio::auth
