#include "protocol/http/config_api.h"

#include <charconv>
#include <chrono>
#include <optional>

#include "base/duration.h"
#include "fmt/format.h"
#include "protocol/http/envelope.h"
#include "protocol/http/query.h"

namespace aio::protocol::http {
namespace {

using nlohmann::json;
using Query = std::map<std::string, std::string>;
namespace cc = configcenter;

constexpr std::chrono::milliseconds kDefaultWatchTimeout{30'000};
constexpr std::chrono::milliseconds kMaxWatchTimeout{300'000};

std::string Env(const Query& query) {
  auto it = query.find("env");
  return it == query.end() || it->second.empty() ? std::string(cc::kDefaultEnv) : it->second;
}

bool Flag(const Query& query, const std::string& name) {
  auto it = query.find(name);
  return it != query.end() && (it->second == "true" || it->second == "1");
}

cc::Reveal RevealOf(const Query& query) {
  return Flag(query, "reveal") ? cc::Reveal::kPlain : cc::Reveal::kMask;
}

// The integer query parameter `name`; InvalidArgument when absent or not an integer.
absl::StatusOr<int64_t> IntParam(const Query& query, const std::string& name) {
  auto it = query.find(name);
  if (it == query.end()) {
    return absl::InvalidArgumentError(fmt::format("query parameter {} is required", name));
  }
  int64_t value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("query parameter {} must be an integer, not \"{}\"", name, text));
  }
  return value;
}

absl::StatusOr<json> Body(const net::HttpRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return absl::InvalidArgumentError("request body is not valid JSON");
  if (!body.is_object()) return absl::InvalidArgumentError("request body must be a JSON object");
  return body;
}

std::string KeyOf(const net::HttpRequest& request) { return PercentDecode(request.Param("key")); }

json ItemsJson(const std::vector<cc::ConfigItem>& items) {
  json out = json::array();
  for (const cc::ConfigItem& item : items) out.push_back(cc::ItemToJson(item));
  return out;
}

json ChangeJson(const cc::ConfigChange& change) {
  return {{"env", change.env},
          {"key", change.key},
          {"op", change.op},
          {"old_version", change.old_version},
          {"new_version", change.new_version},
          {"revision", change.revision}};
}

template <typename T, typename ToJson>
net::HttpResponse Reply(const absl::StatusOr<T>& result, ToJson to_json) {
  if (!result.ok()) return ToHttpEnvelope(result.status());
  return Success(to_json(*result));
}

net::HttpResponse ReplyItem(const absl::StatusOr<cc::ConfigItem>& item) {
  return Reply(item, [](const cc::ConfigItem& i) { return cc::ItemToJson(i); });
}

// The text of a PUT body's value: a string as is; for other JSON values their JSON text (so a
// json item may give the object itself and an int item the number).
absl::StatusOr<std::string> ValueText(const json& body) {
  auto it = body.find("value");
  if (it == body.end() || it->is_null()) return absl::InvalidArgumentError("\"value\" is missing");
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

absl::StatusOr<cc::PutRequest> ParsePut(const json& body, std::string key) {
  cc::PutRequest put{.key = std::move(key)};
  if (auto env = body.find("env"); env != body.end() && env->is_string()) {
    put.env = env->get<std::string>();
  }
  std::string type = "string";
  if (auto it = body.find("type"); it != body.end()) {
    if (!it->is_string()) return absl::InvalidArgumentError("\"type\" must be a string");
    type = it->get<std::string>();
  }
  absl::StatusOr<cc::ValueType> parsed = cc::ParseValueType(type);
  if (!parsed.ok()) return parsed.status();
  put.type = *parsed;
  absl::StatusOr<std::string> value = ValueText(body);
  if (!value.ok()) return value.status();
  put.value = std::move(*value);
  if (auto it = body.find("description"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return absl::InvalidArgumentError("\"description\" must be a string");
    put.description = it->get<std::string>();
  }
  if (auto it = body.find("metadata"); it != body.end()) {
    absl::StatusOr<std::map<std::string, std::string>> metadata = cc::MetadataFromJson(*it);
    if (!metadata.ok()) return metadata.status();
    put.metadata = std::move(*metadata);
  }
  if (auto it = body.find("expected_version"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return absl::InvalidArgumentError("\"expected_version\" must be an integer");
    }
    put.expected_version = it->get<int64_t>();
  }
  return put;
}

}  // namespace

net::HttpHandler ConfigApi::Route(Handler handler) {
  return auth_->RequireToken(
      [this, handler](const net::HttpRequest& request, const auth::Identity& who) {
        return (this->*handler)(request, who);
      });
}

void ConfigApi::Register(net::HttpRouter& router) {
  router.Add("GET", "/api/config/items", Route(&ConfigApi::List));
  router.Add("GET", "/api/config/items/:key", Route(&ConfigApi::Get));
  router.Add("PUT", "/api/config/items/:key", Route(&ConfigApi::Put));
  router.Add("DELETE", "/api/config/items/:key", Route(&ConfigApi::Delete));
  router.Add("POST", "/api/config/items/:key/restore", Route(&ConfigApi::Restore));
  router.Add("POST", "/api/config/items/:key/purge", Route(&ConfigApi::Purge));
  router.Add("GET", "/api/config/items/:key/history", Route(&ConfigApi::History));
  router.Add("GET", "/api/config/items/:key/diff", Route(&ConfigApi::Diff));
  router.Add("POST", "/api/config/items/:key/rollback", Route(&ConfigApi::Rollback));
  router.Add("GET", "/api/config/export", Route(&ConfigApi::Export));
  router.Add("POST", "/api/config/import", Route(&ConfigApi::Import));
  router.AddAsync("GET", "/api/config/watch",
                  [this](const net::HttpRequest& request, net::HttpRespond respond) {
                    Watch(request, std::move(respond));
                  });
}

net::HttpResponse ConfigApi::List(const net::HttpRequest& request, const auth::Identity& who) {
  const Query query = ParseQuery(request.query);
  auto prefix = query.find("prefix");
  return Reply(center_->List(who, Env(query), prefix == query.end() ? "" : prefix->second,
                             Flag(query, "include_deleted"), RevealOf(query)),
               ItemsJson);
}

net::HttpResponse ConfigApi::Get(const net::HttpRequest& request, const auth::Identity& who) {
  return ReplyItem(center_->Get(who, Env(ParseQuery(request.query)), KeyOf(request)));
}

net::HttpResponse ConfigApi::Put(const net::HttpRequest& request, const auth::Identity& who) {
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<cc::PutRequest> put = ParsePut(*body, KeyOf(request));
  if (!put.ok()) return ToHttpEnvelope(put.status());
  return ReplyItem(center_->Put(who, *put));
}

net::HttpResponse ConfigApi::Delete(const net::HttpRequest& request, const auth::Identity& who) {
  return ReplyItem(center_->Delete(who, Env(ParseQuery(request.query)), KeyOf(request)));
}

net::HttpResponse ConfigApi::Restore(const net::HttpRequest& request, const auth::Identity& who) {
  return ReplyItem(center_->Restore(who, Env(ParseQuery(request.query)), KeyOf(request)));
}

net::HttpResponse ConfigApi::Purge(const net::HttpRequest& request, const auth::Identity& who) {
  return Reply(center_->Purge(who, Env(ParseQuery(request.query)), KeyOf(request)),
               [](int64_t removed) {
                 return json{{"versions_removed", removed}};
               });
}

net::HttpResponse ConfigApi::History(const net::HttpRequest& request, const auth::Identity& who) {
  const Query query = ParseQuery(request.query);
  return Reply(center_->History(who, Env(query), KeyOf(request), RevealOf(query)), ItemsJson);
}

net::HttpResponse ConfigApi::Diff(const net::HttpRequest& request, const auth::Identity& who) {
  const Query query = ParseQuery(request.query);
  absl::StatusOr<int64_t> from = IntParam(query, "from");
  if (!from.ok()) return ToHttpEnvelope(from.status());
  absl::StatusOr<int64_t> to = IntParam(query, "to");
  if (!to.ok()) return ToHttpEnvelope(to.status());
  return Reply(
      center_->Diff(who, Env(query), KeyOf(request), *from, *to, RevealOf(query)),
      [](const cc::ConfigDiff& diff) {
        json changes = json::array();
        for (const cc::FieldChange& change : diff.changes) {
          changes.push_back({{"field", change.field}, {"from", change.from}, {"to", change.to}});
        }
        json out = {{"from", cc::ItemToJson(diff.from)},
                    {"to", cc::ItemToJson(diff.to)},
                    {"changes", std::move(changes)}};
        if (diff.json_patch) out["json_patch"] = *diff.json_patch;
        return out;
      });
}

net::HttpResponse ConfigApi::Rollback(const net::HttpRequest& request, const auth::Identity& who) {
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  auto version = body->find("version");
  if (version == body->end() || !version->is_number_integer()) {
    return Failure(400, "\"version\" is required: the version to roll back to");
  }
  std::string env = std::string(cc::kDefaultEnv);
  if (auto it = body->find("env"); it != body->end() && it->is_string()) {
    env = it->get<std::string>();
  }
  return ReplyItem(center_->Rollback(who, env, KeyOf(request), version->get<int64_t>()));
}

net::HttpResponse ConfigApi::Export(const net::HttpRequest& request, const auth::Identity& who) {
  return Reply(center_->Export(who, Env(ParseQuery(request.query))),
               [](const json& document) { return document; });
}

net::HttpResponse ConfigApi::Import(const net::HttpRequest& request, const auth::Identity& who) {
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  const Query query = ParseQuery(request.query);
  auto env = query.find("env");
  return Reply(center_->Import(who, env == query.end() ? "" : env->second, *body),
               [](const cc::ImportResult& result) {
                 return json{{"created", result.created},
                             {"updated", result.updated},
                             {"unchanged", result.unchanged}};
               });
}

void ConfigApi::Watch(const net::HttpRequest& request, net::HttpRespond respond) {
  // Authenticate through the shared middleware (it answers and audits a refusal).
  std::optional<auth::Identity> who;
  net::HttpResponse refused =
      auth_->RequireToken([&who](const net::HttpRequest&, const auth::Identity& identity) {
        who = identity;
        return net::HttpResponse{};
      })(request);
  if (!who) return respond(std::move(refused));

  const Query query = ParseQuery(request.query);
  cc::WatchFilter filter{.env = Env(query)};
  if (auto keys = query.find("keys"); keys != query.end()) {
    std::string_view rest = keys->second;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (comma != 0) filter.keys.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  int64_t after = 0;
  if (query.contains("version")) {
    absl::StatusOr<int64_t> version = IntParam(query, "version");
    if (!version.ok()) return respond(ToHttpEnvelope(version.status()));
    after = *version;
  }
  std::chrono::milliseconds timeout = kDefaultWatchTimeout;
  if (auto it = query.find("timeout"); it != query.end()) {
    absl::StatusOr<std::chrono::milliseconds> parsed = base::ParseDuration(it->second);
    if (!parsed.ok()) {
      return respond(Failure(
          400, fmt::format("query parameter timeout: {}", std::string(parsed.status().message()))));
    }
    if (*parsed > kMaxWatchTimeout) {
      return respond(Failure(400, "query parameter timeout must be at most 5m"));
    }
    timeout = *parsed;
  }
  center_->Poll(*who, filter, after, timeout,
                [respond = std::move(respond)](absl::StatusOr<cc::PollResult> result) {
                  respond(Reply(result, [](const cc::PollResult& poll) {
                    json changes = json::array();
                    for (const cc::ConfigChange& change : poll.changes) {
                      changes.push_back(ChangeJson(change));
                    }
                    return json{{"changes", std::move(changes)},
                                {"version", poll.revision},
                                {"timed_out", poll.changes.empty()}};
                  }));
                });
}

}  // namespace aio::protocol::http
