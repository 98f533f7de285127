// RegistryHttpApi: the HTTP front-end of registry::Registry, every route of seed 003's API
// document under /api, with its envelope, fields, defaults and shapes:
//   POST   /api/registry/services                     {name, address, protocol?, metadata?,
//                                                      weight?, status?, id?} -> the instance
//   DELETE /api/registry/services/:serviceID          -> "服务注销成功"
//   PUT    /api/registry/services/:serviceID/renew    -> "服务续约成功"
//   GET    /api/registry/services/:serviceID          -> the instance
//   GET    /api/registry/services                     -> [service names]
//   GET    /api/registry/discovery/:serviceName?status=&protocol=   -> [instances]
//   GET    /api/registry/services/:serviceID/health   -> {service_id, service_name, status,
//                                                      healthy, uptime, register_duration,
//                                                      last_check, last_renew_time}
//   GET    /api/registry/stats                        -> {total_services, total_instances, ...}
//   GET    /api/registry/services/:serviceName/stats  -> {service_name, protocols, statuses, ...}
//   GET    /api/registry/admin/all                    -> {name: [instances]}            (admin)
//   DELETE /api/registry/admin/services/:serviceName  -> {service_name, total_instances,
//                                                      removed_count, errors}          (admin)
// Every route needs a Bearer token (AuthHttpApi::RequireToken) and the registry resource on the
// service name (read, or write for changes; "*" for the global stats); GET services lists only
// the names the caller may read. Errors: 40000 bad body or field ("name is required", ...), 40400
// "service not found", 40100/40300 auth; a partly failed admin delete answers code 50000 with the
// result as data (seed 003 §4.2).
//
// Thread-safe: handlers run on the HTTP server's I/O threads.
#pragma once

#include "auth/auth_service.h"
#include "net/http_router.h"
#include "protocol/http/auth_api.h"
#include "registry/registry.h"

namespace aio::protocol::http {

class RegistryHttpApi {
 public:
  // Both must outlive the routes.
  RegistryHttpApi(registry::Registry* registry, AuthHttpApi* auth, auth::AuthService* service)
      : registry_(registry), auth_(auth), service_(service) {}

  void Register(net::HttpRouter& router);

 private:
  net::HttpResponse RegisterInstance(const net::HttpRequest& request,
                                     const auth::Identity& who) const;
  net::HttpResponse Discover(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse ServiceStats(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse RemoveService(const net::HttpRequest& request) const;
  // `action` on the service of the instance :serviceID; then `then` with the instance.
  net::HttpResponse WithInstance(
      const net::HttpRequest& request, const auth::Identity& who, uint32_t action,
      const std::function<net::HttpResponse(const registry::ServiceInstance&)>& then) const;

  registry::Registry* const registry_;
  AuthHttpApi* const auth_;
  auth::AuthService* const service_;
};

}  // namespace aio::protocol::http
