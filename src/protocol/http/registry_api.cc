#include "protocol/http/registry_api.h"

#include <string>
#include <utility>

#include "nlohmann/json.hpp"
#include "protocol/http/envelope.h"
#include "protocol/http/query.h"

namespace aio::protocol::http {
namespace {

using nlohmann::json;
using registry::ServiceInstance;

json InstancesJson(const std::vector<ServiceInstance>& instances) {
  json out = json::array();
  for (const ServiceInstance& instance : instances) out.push_back(registry::ToJson(instance));
  return out;
}

absl::Status Allowed(auth::AuthService* service, const auth::Identity& who, std::string_view name,
                     uint32_t action) {
  return service->CheckResource(who, auth::Resource::kRegistry, name, action);
}

}  // namespace

void RegistryHttpApi::Register(net::HttpRouter& router) {
  auto token = [this](auto method) {
    return auth_->RequireToken(
        [this, method](const net::HttpRequest& request, const auth::Identity& who) {
          return (this->*method)(request, who);
        });
  };
  router.Add("POST", "/api/registry/services", token(&RegistryHttpApi::RegisterInstance));
  router.Add(
      "DELETE", "/api/registry/services/:serviceID",
      auth_->RequireToken([this](const net::HttpRequest& request, const auth::Identity& who) {
        return WithInstance(request, who, auth::kWrite, [this](const ServiceInstance& i) {
          absl::Status status = registry_->Unregister(i.id);
          return status.ok() ? Success("服务注销成功") : ToHttpEnvelope(status);
        });
      }));
  router.Add(
      "PUT", "/api/registry/services/:serviceID/renew",
      auth_->RequireToken([this](const net::HttpRequest& request, const auth::Identity& who) {
        return WithInstance(request, who, auth::kWrite, [this](const ServiceInstance& i) {
          absl::StatusOr<ServiceInstance> renewed = registry_->Renew(i.id);
          return renewed.ok() ? Success("服务续约成功") : ToHttpEnvelope(renewed.status());
        });
      }));
  router.Add(
      "GET", "/api/registry/services/:serviceID",
      auth_->RequireToken([this](const net::HttpRequest& request, const auth::Identity& who) {
        return WithInstance(request, who, auth::kRead,
                            [](const ServiceInstance& i) { return Success(registry::ToJson(i)); });
      }));
  router.Add(
      "GET", "/api/registry/services/:serviceID/health",
      auth_->RequireToken([this](const net::HttpRequest& request, const auth::Identity& who) {
        return WithInstance(request, who, auth::kRead, [this](const ServiceInstance& i) {
          absl::StatusOr<registry::InstanceHealth> health = registry_->Health(i.id);
          if (!health.ok()) return ToHttpEnvelope(health.status());
          return Success({
              {"service_id", health->instance.id},
              {"service_name", health->instance.name},
              {"status", health->instance.status},
              {"healthy", health->healthy},
              {"uptime", registry::FormatUptime(health->uptime_ms)},
              {"register_duration", registry::FormatUptime(health->register_duration_ms)},
              {"last_check", registry::FormatTime(health->checked_at_ms)},
              {"last_renew_time", registry::FormatTime(health->instance.last_renew_time_ms)},
          });
        });
      }));
  router.Add("GET", "/api/registry/services",
             auth_->RequireToken([this](const net::HttpRequest&, const auth::Identity& who) {
               json names = json::array();
               for (const std::string& name : registry_->ListServices()) {
                 if (Allowed(service_, who, name, auth::kRead).ok()) names.push_back(name);
               }
               return Success(std::move(names));
             }));
  router.Add("GET", "/api/registry/discovery/:serviceName", token(&RegistryHttpApi::Discover));
  router.Add("GET", "/api/registry/stats",
             auth_->RequireToken([this](const net::HttpRequest&, const auth::Identity& who) {
               if (absl::Status allowed = Allowed(service_, who, "*", auth::kRead); !allowed.ok()) {
                 return ToHttpEnvelope(allowed);
               }
               const registry::RegistryStats s = registry_->Stats();
               return Success({{"total_services", s.total_services},
                               {"total_instances", s.total_instances},
                               {"healthy_instances", s.healthy_instances},
                               {"unhealthy_instances", s.unhealthy_instances},
                               {"service_stats", s.service_stats},
                               {"timestamp", registry::FormatTime(s.timestamp_ms)}});
             }));
  router.Add("GET", "/api/registry/services/:serviceName/stats",
             token(&RegistryHttpApi::ServiceStats));
  router.Add("GET", "/api/registry/admin/all",
             auth_->RequireAdmin([this](const net::HttpRequest&, const auth::Identity&) {
               json out = json::object();
               for (const auto& [name, instances] : registry_->AllInstances()) {
                 out[name] = InstancesJson(instances);
               }
               return Success(std::move(out));
             }));
  router.Add("DELETE", "/api/registry/admin/services/:serviceName",
             auth_->RequireAdmin([this](const net::HttpRequest& request, const auth::Identity&) {
               return RemoveService(request);
             }));
}

net::HttpResponse RegistryHttpApi::WithInstance(
    const net::HttpRequest& request, const auth::Identity& who, uint32_t action,
    const std::function<net::HttpResponse(const ServiceInstance&)>& then) const {
  absl::StatusOr<ServiceInstance> instance = registry_->GetService(request.Param("serviceID"));
  if (!instance.ok()) return ToHttpEnvelope(instance.status());
  if (absl::Status allowed = Allowed(service_, who, instance->name, action); !allowed.ok()) {
    return ToHttpEnvelope(allowed);
  }
  return then(*instance);
}

net::HttpResponse RegistryHttpApi::RegisterInstance(const net::HttpRequest& request,
                                                    const auth::Identity& who) const {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Failure(400, "request body must be a JSON object");
  absl::StatusOr<ServiceInstance> instance = registry::FromJson(body);
  if (!instance.ok()) return ToHttpEnvelope(instance.status());
  // Only the registration fields come from the client; the times are the registry's.
  instance->register_time_ms = 0;
  instance->last_renew_time_ms = 0;
  instance->offline_time_ms = 0;
  if (absl::Status valid = registry::ValidateRegistration(*instance); !valid.ok()) {
    return ToHttpEnvelope(valid);
  }
  if (absl::Status allowed = Allowed(service_, who, instance->name, auth::kWrite); !allowed.ok()) {
    return ToHttpEnvelope(allowed);
  }
  // Re-registering an id under another name moves it out of its old service too.
  if (absl::StatusOr<ServiceInstance> old = registry_->GetService(instance->id);
      old.ok() && old->name != instance->name) {
    if (absl::Status allowed = Allowed(service_, who, old->name, auth::kWrite); !allowed.ok()) {
      return ToHttpEnvelope(allowed);
    }
  }
  absl::StatusOr<ServiceInstance> stored = registry_->Register(std::move(*instance));
  if (!stored.ok()) return ToHttpEnvelope(stored.status());
  return Success(registry::ToJson(*stored));
}

net::HttpResponse RegistryHttpApi::Discover(const net::HttpRequest& request,
                                            const auth::Identity& who) const {
  const std::string name(request.Param("serviceName"));
  if (absl::Status allowed = Allowed(service_, who, name, auth::kRead); !allowed.ok()) {
    return ToHttpEnvelope(allowed);
  }
  std::map<std::string, std::string> query = ParseQuery(request.query);
  registry::DiscoverFilter filter{.status = std::move(query["status"]),
                                  .protocol = std::move(query["protocol"])};
  return Success(InstancesJson(registry_->Discover(name, filter)));
}

net::HttpResponse RegistryHttpApi::ServiceStats(const net::HttpRequest& request,
                                                const auth::Identity& who) const {
  const std::string name(request.Param("serviceName"));
  if (absl::Status allowed = Allowed(service_, who, name, auth::kRead); !allowed.ok()) {
    return ToHttpEnvelope(allowed);
  }
  absl::StatusOr<registry::ServiceStats> s = registry_->StatsOf(name);
  if (!s.ok()) return ToHttpEnvelope(s.status());
  return Success({{"service_name", s->service_name},
                  {"total_instances", s->total_instances},
                  {"healthy_instances", s->healthy_instances},
                  {"unhealthy_instances", s->unhealthy_instances},
                  {"protocols", s->protocols},
                  {"statuses", s->statuses},
                  {"instances", InstancesJson(s->instances)},
                  {"timestamp", registry::FormatTime(s->timestamp_ms)}});
}

net::HttpResponse RegistryHttpApi::RemoveService(const net::HttpRequest& request) const {
  absl::StatusOr<registry::RemoveServiceResult> result =
      registry_->RemoveService(request.Param("serviceName"));
  if (!result.ok()) return ToHttpEnvelope(result.status());
  json data = {{"service_name", result->service_name},
               {"total_instances", result->total_instances},
               {"removed_count", result->removed_count},
               {"errors", result->errors}};
  if (result->errors.empty()) return Success(std::move(data));
  // Seed 003 §4.2: a partial failure keeps HTTP 200 with code 50000 and the result as data.
  net::HttpResponse response = Success(nullptr);
  response.body =
      json{{"code", 50000}, {"msg", "部分删除失败，详情请查看响应数据"}, {"data", std::move(data)}}
          .dump();
  return response;
}

}  // namespace aio::protocol::http
