#include "protocol/http/coord_api.h"

#include <charconv>
#include <chrono>
#include <future>
#include <string>
#include <utility>

#include "fmt/format.h"
#include "protocol/http/envelope.h"
#include "protocol/http/query.h"

namespace aio::protocol::http {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxHttpWaitMs = 30'000;

absl::StatusOr<json> Body(const net::HttpRequest& request) {
  if (request.body.empty()) return json::object();
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::InvalidArgumentError("request body must be a JSON object");
  return body;
}

absl::StatusOr<int64_t> IntField(const json& body, const char* name, int64_t fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    return absl::InvalidArgumentError(fmt::format("field \"{}\" must be an integer", name));
  }
  return it->get<int64_t>();
}

absl::StatusOr<std::string> StringField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(fmt::format("field \"{}\" must be a string", name));
  }
  return it->get<std::string>();
}

absl::StatusOr<int64_t> QueryInt(const std::map<std::string, std::string>& query, const char* name,
                                 int64_t fallback) {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  const std::string& text = it->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return absl::InvalidArgumentError(
        fmt::format("query parameter \"{}\" must be an integer", name));
  }
  return value;
}

// The lease / ttl / timeout of a lock or campaign body.
absl::StatusOr<coord::HoldRequest> HoldOf(const json& body) {
  absl::StatusOr<int64_t> lease = IntField(body, "lease", 0);
  absl::StatusOr<int64_t> ttl = IntField(body, "ttl", 0);
  absl::StatusOr<int64_t> timeout = IntField(body, "timeout_ms", 0);
  for (const auto* v : {&lease, &ttl, &timeout}) {
    if (!v->ok()) return v->status();
  }
  if (*timeout < 0 || *timeout > kMaxHttpWaitMs) {
    return absl::InvalidArgumentError(
        "timeout_ms must be between 0 and 30000 over HTTP; use gRPC for longer waits");
  }
  return coord::HoldRequest{
      .lease = *lease, .ttl_s = *ttl, .timeout = absl::Milliseconds(*timeout)};
}

// Runs a hold to its end (HoldWithLease always ends within its timeout; a stopping server drops
// timers, so the wait is bounded here too).
absl::StatusOr<coord::Hold> Await(const coord::HoldRequest& hold,
                                  const std::function<std::shared_ptr<coord::Ticket>(
                                      std::function<void(absl::StatusOr<coord::Hold>)>)>& start) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<coord::Hold>>>();
  std::future<absl::StatusOr<coord::Hold>> future = promise->get_future();
  std::shared_ptr<coord::Ticket> ticket =
      start([promise](absl::StatusOr<coord::Hold> held) { promise->set_value(std::move(held)); });
  const auto bound = std::chrono::milliseconds(absl::ToInt64Milliseconds(hold.timeout) + 5000);
  if (future.wait_for(bound) != std::future_status::ready) ticket->Cancel();
  return future.get();
}

// The key of a request about lock/election `name` must be one of its own.
absl::Status CheckKey(std::string_view key, std::string_view queue) {
  if (key.size() <= queue.size() || key.substr(0, queue.size()) != queue) {
    return absl::InvalidArgumentError(fmt::format("key must be one of {}*", queue));
  }
  return absl::OkStatus();
}

std::string Queue(const char* prefix, std::string_view name) {
  return prefix + std::string(name) + "/";
}

}  // namespace

void CoordHttpApi::Register(net::HttpRouter& router) {
  using Method =
      net::HttpResponse (CoordHttpApi::*)(const net::HttpRequest&, const auth::Identity&);
  auto token = [this](Method method) {
    return auth_->RequireToken(
        [this, method](const net::HttpRequest& request, const auth::Identity& who) {
          return (this->*method)(request, who);
        });
  };
  router.Add("POST", "/api/lock/:name", token(&CoordHttpApi::Lock));
  router.Add("DELETE", "/api/lock/:name", token(&CoordHttpApi::Unlock));
  router.Add("POST", "/api/lock/:name/keepalive",
             auth_->RequireToken([this](const net::HttpRequest& r, const auth::Identity& who) {
               return KeepAlive(r, who, coord::kLockPrefix);
             }));
  router.Add("POST", "/api/election/:name/campaign", token(&CoordHttpApi::Campaign));
  router.Add("GET", "/api/election/:name", token(&CoordHttpApi::Leader));
  router.Add("POST", "/api/election/:name/proclaim", token(&CoordHttpApi::Proclaim));
  router.Add("POST", "/api/election/:name/resign", token(&CoordHttpApi::Resign));
  router.Add("POST", "/api/election/:name/keepalive",
             auth_->RequireToken([this](const net::HttpRequest& r, const auth::Identity& who) {
               return KeepAlive(r, who, coord::kElectionPrefix);
             }));
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/api/id/snowflake", token(&CoordHttpApi::Snowflake));
    router.Add(method, "/api/id/segment/:name", token(&CoordHttpApi::Segment));
    router.Add(method, "/api/id/sequence/:name", token(&CoordHttpApi::Sequence));
  }
}

absl::Status CoordHttpApi::Allowed(const auth::Identity& who, const std::string& key,
                                   uint32_t action) const {
  return auth_service_->CheckResource(who, auth::Resource::kKv, key, action);
}

net::HttpResponse CoordHttpApi::Lock(const net::HttpRequest& request, const auth::Identity& who) {
  const std::string name = PercentDecode(request.Param("name"));
  if (absl::Status denied = Allowed(who, Queue(coord::kLockPrefix, name), auth::kWrite);
      !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<coord::HoldRequest> hold = HoldOf(*body);
  if (!hold.ok()) return ToHttpEnvelope(hold.status());
  absl::StatusOr<coord::Hold> held =
      Await(*hold, [&](auto done) { return s_.locker->Acquire(name, *hold, std::move(done)); });
  if (!held.ok()) return ToHttpEnvelope(held.status());
  return Success({{"key", held->turn.key},
                  {"fencing_token", held->turn.create_revision},
                  {"lease", held->lease}});
}

net::HttpResponse CoordHttpApi::Unlock(const net::HttpRequest& request, const auth::Identity& who) {
  const std::string queue = Queue(coord::kLockPrefix, PercentDecode(request.Param("name")));
  const std::map<std::string, std::string> query = ParseQuery(request.query);
  auto key = query.find("key");
  if (key == query.end()) return ToHttpEnvelope(absl::InvalidArgumentError("key is required"));
  if (absl::Status bad = CheckKey(key->second, queue); !bad.ok()) return ToHttpEnvelope(bad);
  if (absl::Status denied = Allowed(who, queue, auth::kWrite); !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  auto revoke = query.find("revoke_lease");
  absl::Status released =
      s_.locker->Release(key->second, revoke != query.end() && revoke->second == "true");
  return released.ok() ? Success(json::object()) : ToHttpEnvelope(released);
}

net::HttpResponse CoordHttpApi::KeepAlive(const net::HttpRequest& request,
                                          const auth::Identity& who, const char* prefix) {
  const std::string queue = Queue(prefix, PercentDecode(request.Param("name")));
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<std::string> key = StringField(*body, "key");
  if (!key.ok()) return ToHttpEnvelope(key.status());
  if (absl::Status bad = CheckKey(*key, queue); !bad.ok()) return ToHttpEnvelope(bad);
  if (absl::Status denied = Allowed(who, queue, auth::kWrite); !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  absl::StatusOr<int64_t> ttl = coord::KeepAliveKey(s_.watcher->store(), *key);
  if (!ttl.ok()) return ToHttpEnvelope(ttl.status());
  return Success({{"ttl", *ttl}});
}

net::HttpResponse CoordHttpApi::Campaign(const net::HttpRequest& request,
                                         const auth::Identity& who) {
  const std::string name = PercentDecode(request.Param("name"));
  const std::string election = coord::kElectionPrefix + name;
  if (absl::Status denied = Allowed(who, election + "/", auth::kWrite); !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<coord::HoldRequest> hold = HoldOf(*body);
  if (!hold.ok()) return ToHttpEnvelope(hold.status());
  absl::StatusOr<std::string> value = StringField(*body, "value");
  if (!value.ok()) return ToHttpEnvelope(value.status());
  absl::StatusOr<coord::Hold> held = Await(*hold, [&](auto done) {
    return coord::HoldWithLease(
        s_.watcher, *hold, "leadership of " + name,
        [&](int64_t lease, auto turn_done) {
          return s_.elector->Campaign(election, lease, *value, std::move(turn_done));
        },
        std::move(done));
  });
  if (!held.ok()) return ToHttpEnvelope(held.status());
  return Success({{"name", name},
                  {"key", held->turn.key},
                  {"rev", held->turn.create_revision},
                  {"lease", held->lease}});
}

net::HttpResponse CoordHttpApi::Leader(const net::HttpRequest& request, const auth::Identity& who) {
  const std::string election = coord::kElectionPrefix + PercentDecode(request.Param("name"));
  if (absl::Status denied = Allowed(who, election + "/", auth::kRead); !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  auto leader = s_.elector->Leader(election);
  if (!leader.ok()) return ToHttpEnvelope(leader.status());
  const store::KeyValue& kv = leader->first;
  return Success({{"key", kv.key},
                  {"value", kv.value},
                  {"rev", kv.create_revision},
                  {"mod_revision", kv.mod_revision},
                  {"lease", kv.lease}});
}

net::HttpResponse CoordHttpApi::Proclaim(const net::HttpRequest& request,
                                         const auth::Identity& who) {
  const std::string queue = Queue(coord::kElectionPrefix, PercentDecode(request.Param("name")));
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<std::string> key = StringField(*body, "key");
  absl::StatusOr<std::string> value = StringField(*body, "value");
  absl::StatusOr<int64_t> rev = IntField(*body, "rev", 0);
  absl::StatusOr<int64_t> lease = IntField(*body, "lease", 0);
  for (const absl::Status& status : {key.status(), value.status(), rev.status(), lease.status()}) {
    if (!status.ok()) return ToHttpEnvelope(status);
  }
  if (absl::Status bad = CheckKey(*key, queue); !bad.ok()) return ToHttpEnvelope(bad);
  if (absl::Status denied = Allowed(who, queue, auth::kWrite); !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  absl::StatusOr<int64_t> revision =
      s_.elector->Proclaim({.key = *key, .rev = *rev, .lease = *lease}, *value);
  if (!revision.ok()) {
    // 409: the caller's leadership is gone, not a malformed request.
    if (revision.status().code() == absl::StatusCode::kFailedPrecondition) {
      return Failure(409, std::string(revision.status().message()));
    }
    return ToHttpEnvelope(revision.status());
  }
  return Success({{"revision", *revision}});
}

net::HttpResponse CoordHttpApi::Resign(const net::HttpRequest& request, const auth::Identity& who) {
  const std::string queue = Queue(coord::kElectionPrefix, PercentDecode(request.Param("name")));
  absl::StatusOr<json> body = Body(request);
  if (!body.ok()) return ToHttpEnvelope(body.status());
  absl::StatusOr<std::string> key = StringField(*body, "key");
  absl::StatusOr<int64_t> rev = IntField(*body, "rev", 0);
  if (!key.ok()) return ToHttpEnvelope(key.status());
  if (!rev.ok()) return ToHttpEnvelope(rev.status());
  if (absl::Status bad = CheckKey(*key, queue); !bad.ok()) return ToHttpEnvelope(bad);
  if (absl::Status denied = Allowed(who, queue, auth::kWrite); !denied.ok()) {
    return ToHttpEnvelope(denied);
  }
  absl::StatusOr<int64_t> revision = s_.elector->Resign({.key = *key, .rev = *rev});
  if (!revision.ok()) return ToHttpEnvelope(revision.status());
  return Success({{"revision", *revision}});
}

absl::StatusOr<int64_t> CoordHttpApi::IdCount(const net::HttpRequest& request,
                                              const auth::Identity& who) const {
  if (absl::Status denied = Allowed(who, "/aio/coord/idgen/", auth::kWrite); !denied.ok()) {
    return denied;
  }
  return QueryInt(ParseQuery(request.query), "count", 1);
}

net::HttpResponse CoordHttpApi::Snowflake(const net::HttpRequest& request,
                                          const auth::Identity& who) {
  absl::StatusOr<int64_t> count = IdCount(request, who);
  if (!count.ok()) return ToHttpEnvelope(count.status());
  absl::StatusOr<std::vector<int64_t>> ids = s_.snowflake->Next(*count);
  if (!ids.ok()) return ToHttpEnvelope(ids.status());
  return Success({{"ids", *ids}, {"worker_id", s_.snowflake->worker_id()}});
}

net::HttpResponse CoordHttpApi::Segment(const net::HttpRequest& request,
                                        const auth::Identity& who) {
  absl::StatusOr<int64_t> count = IdCount(request, who);
  if (!count.ok()) return ToHttpEnvelope(count.status());
  absl::StatusOr<coord::Segment> segment =
      s_.sequences->Allocate(PercentDecode(request.Param("name")), *count);
  if (!segment.ok()) return ToHttpEnvelope(segment.status());
  return Success({{"start", segment->start}, {"end", segment->end}});
}

net::HttpResponse CoordHttpApi::Sequence(const net::HttpRequest& request,
                                         const auth::Identity& who) {
  absl::StatusOr<int64_t> count = IdCount(request, who);
  if (!count.ok()) return ToHttpEnvelope(count.status());
  absl::StatusOr<std::vector<int64_t>> values =
      s_.sequences->Next(PercentDecode(request.Param("name")), *count);
  if (!values.ok()) return ToHttpEnvelope(values.status());
  return Success({{"values", *values}});
}

}  // namespace aio::protocol::http
