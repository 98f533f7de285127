#include "net/http_router.h"

#include "fmt/format.h"

namespace aio::net {

HttpRouter::HttpRouter()
    : not_found_([](const HttpRequest&) {
        return HttpResponse{.status = 404, .content_type = "text/plain", .body = "not found\n"};
      }),
      method_not_allowed_([](const HttpRequest&) {
        return HttpResponse{
            .status = 405, .content_type = "text/plain", .body = "method not allowed\n"};
      }) {}

void HttpRouter::Add(std::string method, std::string path, HttpHandler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

void HttpRouter::SetNotFound(HttpHandler handler) { not_found_ = std::move(handler); }

void HttpRouter::SetMethodNotAllowed(HttpHandler handler) {
  method_not_allowed_ = std::move(handler);
}

HttpResponse HttpRouter::Dispatch(const HttpRequest& request) const {
  auto path = routes_.find(request.path);
  if (path == routes_.end()) return not_found_(request);
  auto method = path->second.find(request.method);
  if (method != path->second.end()) return method->second(request);
  HttpResponse response = method_not_allowed_(request);
  std::vector<std::string> allowed;
  for (const auto& [name, handler] : path->second) allowed.push_back(name);
  response.headers.emplace_back("Allow", fmt::format("{}", fmt::join(allowed, ", ")));
  return response;
}

}  // namespace aio::net
