#include "protocol/http/auth_api.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "protocol/http/envelope.h"
#include "protocol/http/query.h"

namespace aio::protocol::http {
namespace {

using nlohmann::json;

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};

int64_t QueryInt(const std::map<std::string, std::string>& query, const std::string& name) {
  auto it = query.find(name);
  int64_t value = 0;
  if (it != query.end())
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return value;
}

absl::StatusOr<json> Body(const net::HttpRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::InvalidArgumentError("request body must be a JSON object");
  return body;
}

// A string field; "" when absent. Wrong types are errors.
absl::StatusOr<std::string> Field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(std::string("field \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

absl::StatusOr<std::vector<std::string>> Strings(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::vector<std::string>{};
  if (!it->is_array()) {
    return absl::InvalidArgumentError(std::string("field \"") + name +
                                      "\" must be a list of strings");
  }
  std::vector<std::string> out;
  for (const json& item : *it) {
    if (!item.is_string()) {
      return absl::InvalidArgumentError(std::string("field \"") + name +
                                        "\" must be a list of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

json Dump(const std::string& text) {
  // Keys may be binary: invalid UTF-8 is replaced when the envelope is serialized.
  return text;
}

json UserJson(const auth::User& user) {
  return {{"name", user.name},
          {"roles", user.roles},
          {"disabled", user.disabled},
          {"created_ms", user.created_ms},
          {"updated_ms", user.updated_ms},
          {"has_password", !user.password_hash.empty()}};
}

json PermissionJson(const auth::Permission& p) {
  return {{"resource", std::string(auth::ResourceName(p.resource))},
          {"pattern", Dump(auth::PermissionPattern(p))},
          {"actions", auth::ActionNames(p.actions)}};
}

json RoleJson(const auth::Role& role) {
  json permissions = json::array();
  for (const auth::Permission& p : role.permissions) permissions.push_back(PermissionJson(p));
  return {{"name", role.name}, {"permissions", std::move(permissions)}};
}

json ClientJson(const auth::ClientCredential& c) {
  return {{"client_key", c.client_key},    {"roles", c.roles},
          {"description", c.description},  {"disabled", c.disabled},
          {"expires_at_ms", c.expires_ms}, {"created_ms", c.created_ms}};
}

absl::StatusOr<std::vector<auth::Permission>> Permissions(const json& body, const char* name) {
  std::vector<auth::Permission> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return absl::InvalidArgumentError(std::string("field \"") + name +
                                      "\" must be a list of permissions");
  }
  for (const json& item : *it) {
    if (!item.is_object()) return absl::InvalidArgumentError("a permission must be an object");
    absl::StatusOr<std::string> resource = Field(item, "resource");
    absl::StatusOr<std::string> pattern = Field(item, "pattern");
    absl::StatusOr<std::vector<std::string>> actions = Strings(item, "actions");
    if (!resource.ok()) return resource.status();
    if (!pattern.ok()) return pattern.status();
    if (!actions.ok()) return actions.status();
    absl::StatusOr<auth::Permission> p = auth::MakePermission(*resource, *pattern, *actions);
    if (!p.ok()) return p.status();
    out.push_back(*std::move(p));
  }
  return out;
}

auth::Caller CallerOf(const net::HttpRequest& request, const auth::Identity& who) {
  return {.actor = who.user, .protocol = "http", .source = request.remote_address};
}

std::string BearerToken(const net::HttpRequest& request) {
  const std::string& header = request.authorization;
  if (header.size() < 7 || absl::AsciiStrToLower(header.substr(0, 7)) != "bearer ") return "";
  return std::string(absl::StripAsciiWhitespace(header.substr(7)));
}

net::HttpResponse Unauthenticated(const absl::Status& status) {
  net::HttpResponse response = ToHttpEnvelope(status);
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"aio\"");
  return response;
}

net::HttpResponse Reply(const absl::Status& status, json data = json::object()) {
  if (!status.ok()) return ToHttpEnvelope(status);
  return Success(std::move(data));
}

}  // namespace

net::HttpHandler AuthHttpApi::Guard(bool admin, AuthedHandler handler) const {
  return [this, admin, handler = std::move(handler)](const net::HttpRequest& request) {
    if (!service_->enabled()) {
      return handler(request, auth::Identity{.user = "anonymous", .admin = true});
    }
    const std::string token = BearerToken(request);
    auth::Caller caller{.protocol = "http", .source = request.remote_address};
    if (token.empty()) {
      const absl::Status missing = absl::UnauthenticatedError(
          "authentication required: send Authorization: Bearer <token> (POST /api/auth/login)");
      service_->AuditDenied(caller, request.method + " " + request.path, missing);
      return Unauthenticated(missing);
    }
    absl::StatusOr<auth::Identity> who = service_->AuthenticateToken(token, request.remote_address);
    if (!who.ok()) {
      service_->AuditDenied(caller, request.method + " " + request.path, who.status());
      return Unauthenticated(who.status());
    }
    caller.actor = who->user;
    if (admin) {
      if (absl::Status denied = service_->RequireAdmin(*who); !denied.ok()) {
        service_->AuditDenied(caller, request.method + " " + request.path, denied);
        return ToHttpEnvelope(denied);
      }
    }
    return handler(request, *who);
  };
}

net::HttpHandler AuthHttpApi::RequireToken(AuthedHandler handler) const {
  return Guard(false, std::move(handler));
}

net::HttpHandler AuthHttpApi::RequireAdmin(AuthedHandler handler) const {
  return Guard(true, std::move(handler));
}

void AuthHttpApi::Register(net::HttpRouter& router) {
  router.Add("POST", "/api/auth/login", [this](const net::HttpRequest& r) { return Login(r); });
  router.Add("POST", "/api/auth/logout",
             RequireToken([this](const net::HttpRequest& r, const auth::Identity& who) {
               return Logout(r, who);
             }));
  router.Add("GET", "/api/auth/me",
             RequireToken([](const net::HttpRequest&, const auth::Identity& who) {
               return Success({{"user", who.user}, {"roles", who.roles}, {"admin", who.admin}});
             }));
  for (const char* method : kMethods) {
    router.Add(method, "/api/auth/users",
               RequireAdmin([this](const net::HttpRequest& r, const auth::Identity& who) {
                 return Users(r, who);
               }));
    router.Add(method, "/api/auth/roles",
               RequireAdmin([this](const net::HttpRequest& r, const auth::Identity& who) {
                 return Roles(r, who);
               }));
    router.Add(method, "/api/auth/clients",
               RequireAdmin([this](const net::HttpRequest& r, const auth::Identity& who) {
                 return Clients(r, who);
               }));
  }
  router.Add("POST", "/api/auth/keys/rotate",
             RequireAdmin([this](const net::HttpRequest& r, const auth::Identity& who) {
               return Reply(service_->RotateSigningKey(CallerOf(r, who)));
             }));
  router.Add(
      "GET", "/api/audit",
      RequireAdmin([this](const net::HttpRequest& r, const auth::Identity&) { return Audit(r); }));
}

net::HttpResponse AuthHttpApi::Login(const net::HttpRequest& request) const {
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<std::string> user = Field(*body, "username");
  if (user.ok() && user->empty()) user = Field(*body, "user");
  absl::StatusOr<std::string> password = Field(*body, "password");
  if (!user.ok()) return ToHttpEnvelope(user.status());
  if (!password.ok()) return ToHttpEnvelope(password.status());
  if (user->empty()) return Failure(400, "username is required");
  absl::StatusOr<auth::IssuedToken> token = service_->Login(
      *user, *password, {.actor = *user, .protocol = "http", .source = request.remote_address});
  if (!token.ok()) {
    return absl::IsUnauthenticated(token.status()) ? Unauthenticated(token.status())
                                                   : ToHttpEnvelope(token.status());
  }
  return Success({{"token", token->token},
                  {"token_type", "Bearer"},
                  {"expires_at", token->expires_at},
                  {"user", token->identity.user},
                  {"roles", token->identity.roles}});
}

net::HttpResponse AuthHttpApi::Logout(const net::HttpRequest& request,
                                      const auth::Identity& who) const {
  if (!service_->enabled()) return Failure(400, "auth is disabled: there is no token to revoke");
  return Reply(service_->Logout(BearerToken(request), CallerOf(request, who)));
}

net::HttpResponse AuthHttpApi::Users(const net::HttpRequest& request,
                                     const auth::Identity& who) const {
  const auth::Caller caller = CallerOf(request, who);
  const auto query = ParseQuery(request.query);
  if (request.method == "GET") {
    if (auto it = query.find("name"); it != query.end()) {
      absl::StatusOr<auth::User> user = service_->GetUser(it->second);
      return user.ok() ? Success(UserJson(*user)) : ToHttpEnvelope(user.status());
    }
    absl::StatusOr<std::vector<auth::User>> users = service_->ListUsers();
    if (!users.ok()) return ToHttpEnvelope(users.status());
    json list = json::array();
    for (const auth::User& user : *users) list.push_back(UserJson(user));
    return Success(std::move(list));
  }
  if (request.method == "DELETE") {
    auto it = query.find("name");
    if (it == query.end()) return Failure(400, "query parameter name is required");
    return Reply(service_->DeleteUser(it->second, caller));
  }
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<std::string> name = Field(*body, "name");
  absl::StatusOr<std::string> password = Field(*body, "password");
  absl::StatusOr<std::vector<std::string>> roles = Strings(*body, "roles");
  for (const absl::Status& s : {name.status(), password.status(), roles.status()}) {
    if (!s.ok()) return ToHttpEnvelope(s);
  }
  if (request.method == "POST") {
    if (password->empty()) return Failure(400, "password is required");
    absl::Status status = service_->AddUser(*name, *password, *roles, caller);
    if (!status.ok()) return ToHttpEnvelope(status);
    return Success(UserJson(*service_->GetUser(*name)));
  }
  // PUT: change what is given.
  absl::Status status = service_->GetUser(*name).status();
  if (status.ok() && !password->empty())
    status = service_->ChangePassword(*name, *password, caller);
  if (status.ok() && body->contains("roles")) {
    absl::StatusOr<auth::User> current = service_->GetUser(*name);
    status = current.status();
    for (const std::string& role : *roles) {
      if (!status.ok()) break;
      if (std::find(current->roles.begin(), current->roles.end(), role) == current->roles.end()) {
        status = service_->GrantRole(*name, role, caller);
      }
    }
    for (const std::string& role : status.ok() ? current->roles : std::vector<std::string>{}) {
      if (!status.ok()) break;
      if (std::find(roles->begin(), roles->end(), role) == roles->end()) {
        status = service_->RevokeRole(*name, role, caller);
      }
    }
  }
  if (status.ok() && body->contains("disabled")) {
    if (!(*body)["disabled"].is_boolean()) return Failure(400, "field \"disabled\" must be a bool");
    status = service_->SetUserDisabled(*name, (*body)["disabled"].get<bool>(), caller);
  }
  if (!status.ok()) return ToHttpEnvelope(status);
  return Success(UserJson(*service_->GetUser(*name)));
}

net::HttpResponse AuthHttpApi::Roles(const net::HttpRequest& request,
                                     const auth::Identity& who) const {
  const auth::Caller caller = CallerOf(request, who);
  const auto query = ParseQuery(request.query);
  if (request.method == "GET") {
    if (auto it = query.find("name"); it != query.end()) {
      absl::StatusOr<auth::Role> role = service_->GetRole(it->second);
      return role.ok() ? Success(RoleJson(*role)) : ToHttpEnvelope(role.status());
    }
    absl::StatusOr<std::vector<auth::Role>> roles = service_->ListRoles();
    if (!roles.ok()) return ToHttpEnvelope(roles.status());
    json list = json::array();
    for (const auth::Role& role : *roles) list.push_back(RoleJson(role));
    return Success(std::move(list));
  }
  if (request.method == "DELETE") {
    auto it = query.find("name");
    if (it == query.end()) return Failure(400, "query parameter name is required");
    return Reply(service_->DeleteRole(it->second, caller));
  }
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<std::string> name = Field(*body, "name");
  if (!name.ok()) return ToHttpEnvelope(name.status());
  // Everything is validated before anything is changed.
  absl::StatusOr<std::vector<auth::Permission>> grant =
      Permissions(*body, request.method == "POST" ? "permissions" : "grant");
  absl::StatusOr<std::vector<auth::Permission>> revoke = Permissions(*body, "revoke");
  if (!grant.ok()) return ToHttpEnvelope(grant.status());
  if (!revoke.ok()) return ToHttpEnvelope(revoke.status());
  absl::Status status = request.method == "POST" ? service_->AddRole(*name, caller)
                                                 : service_->GetRole(*name).status();
  for (const auth::Permission& p : *grant) {
    if (status.ok()) status = service_->GrantPermission(*name, p, caller);
  }
  for (const auth::Permission& p : *revoke) {
    if (status.ok())
      status = service_->RevokePermission(*name, p.resource, p.key, p.range_end, caller);
  }
  if (!status.ok()) return ToHttpEnvelope(status);
  return Success(RoleJson(*service_->GetRole(*name)));
}

net::HttpResponse AuthHttpApi::Clients(const net::HttpRequest& request,
                                       const auth::Identity& who) const {
  const auth::Caller caller = CallerOf(request, who);
  const auto query = ParseQuery(request.query);
  if (request.method == "GET") {
    absl::StatusOr<std::vector<auth::ClientCredential>> clients = service_->ListClients();
    if (!clients.ok()) return ToHttpEnvelope(clients.status());
    json list = json::array();
    for (const auth::ClientCredential& c : *clients) list.push_back(ClientJson(c));
    return Success(std::move(list));
  }
  if (request.method == "DELETE") {
    auto it = query.find("client_key");
    if (it == query.end()) return Failure(400, "query parameter client_key is required");
    return Reply(service_->DeleteClient(it->second, caller));
  }
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  if (request.method == "PUT") {
    absl::StatusOr<std::string> key = Field(*body, "client_key");
    if (!key.ok()) return ToHttpEnvelope(key.status());
    if (!body->contains("disabled") || !(*body)["disabled"].is_boolean()) {
      return Failure(400, "field \"disabled\" (bool) is required");
    }
    return Reply(service_->SetClientDisabled(*key, (*body)["disabled"].get<bool>(), caller));
  }
  absl::StatusOr<std::vector<std::string>> roles = Strings(*body, "roles");
  absl::StatusOr<std::string> description = Field(*body, "description");
  if (!roles.ok()) return ToHttpEnvelope(roles.status());
  if (!description.ok()) return ToHttpEnvelope(description.status());
  int64_t expires_ms = 0;
  if (auto it = body->find("expires_at_ms"); it != body->end() && !it->is_null()) {
    if (!it->is_number_integer()) return Failure(400, "field \"expires_at_ms\" must be an integer");
    expires_ms = it->get<int64_t>();
  }
  absl::StatusOr<auth::NewClient> client =
      service_->CreateClient(*roles, *description, expires_ms, caller);
  if (!client.ok()) return ToHttpEnvelope(client.status());
  json data = ClientJson(client->record);
  data["client_secret"] = client->client_secret;
  return Success(std::move(data));
}

net::HttpResponse AuthHttpApi::Audit(const net::HttpRequest& request) const {
  const auto query = ParseQuery(request.query);
  auth::AuditFilter filter;
  if (auto it = query.find("actor"); it != query.end()) filter.actor = it->second;
  if (auto it = query.find("action"); it != query.end()) filter.action = it->second;
  if (auto it = query.find("protocol"); it != query.end()) filter.protocol = it->second;
  if (auto it = query.find("source"); it != query.end()) filter.source = it->second;
  filter.since_ms = QueryInt(query, "since_ms");
  filter.until_ms = QueryInt(query, "until_ms");
  if (int64_t limit = QueryInt(query, "limit"); limit > 0) filter.limit = limit;
  absl::StatusOr<std::vector<auth::AuditRecord>> records = service_->audit().Query(filter);
  if (!records.ok()) return ToHttpEnvelope(records.status());
  json list = json::array();
  for (const auth::AuditRecord& r : *records) {
    list.push_back({{"time_ms", r.time_ms},
                    {"actor", r.actor},
                    {"action", r.action},
                    {"target", r.target},
                    {"protocol", r.protocol},
                    {"source", r.source},
                    {"result", r.result}});
  }
  return Success(std::move(list));
}

}  // namespace aio::protocol::http
