#include "net/http_router.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "fmt/format.h"

namespace aio::net {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = path.starts_with('/') ? 1 : 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

}  // namespace

std::string_view HttpRequest::Param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

HttpRouter::HttpRouter()
    : not_found_([](const HttpRequest&) {
        return HttpResponse{.status = 404, .content_type = "text/plain", .body = "not found\n"};
      }),
      method_not_allowed_([](const HttpRequest&) {
        return HttpResponse{
            .status = 405, .content_type = "text/plain", .body = "method not allowed\n"};
      }) {}

void HttpRouter::Add(std::string method, std::string path, HttpHandler handler) {
  AddAsync(std::move(method), std::move(path),
           [handler = std::move(handler)](const HttpRequest& request, HttpRespond respond) {
             respond(handler(request));
           });
}

void HttpRouter::AddAsync(std::string method, std::string path, HttpAsyncHandler handler) {
  if (path.find("/:") == std::string::npos) {
    routes_[std::move(path)][std::move(method)] = std::move(handler);
    return;
  }
  std::vector<std::string> segments = SplitPath(path);
  auto same = std::find_if(patterns_.begin(), patterns_.end(),
                           [&](const Pattern& p) { return p.segments == segments; });
  if (same == patterns_.end()) {
    patterns_.push_back(Pattern{.segments = std::move(segments)});
    same = patterns_.end() - 1;
  }
  same->methods[std::move(method)] = std::move(handler);
}

const HttpRouter::Methods* HttpRouter::Find(
    const HttpRequest& request, std::map<std::string, std::string, std::less<>>& params) const {
  if (auto path = routes_.find(request.path); path != routes_.end()) return &path->second;
  const std::vector<std::string> segments = SplitPath(request.path);
  for (const Pattern& pattern : patterns_) {
    if (pattern.segments.size() != segments.size()) continue;
    params.clear();
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& want = pattern.segments[i];
      if (want.starts_with(':')) {
        match = !segments[i].empty();
        params[want.substr(1)] = segments[i];
      } else {
        match = want == segments[i];
      }
    }
    if (match) return &pattern.methods;
  }
  params.clear();
  return nullptr;
}

void HttpRouter::SetNotFound(HttpHandler handler) { not_found_ = std::move(handler); }

void HttpRouter::SetMethodNotAllowed(HttpHandler handler) {
  method_not_allowed_ = std::move(handler);
}

void HttpRouter::Dispatch(const HttpRequest& request, HttpRespond respond) const {
  std::map<std::string, std::string, std::less<>> params;
  const Methods* methods = Find(request, params);
  if (methods == nullptr) return respond(not_found_(request));
  auto method = methods->find(request.method);
  if (method != methods->end()) {
    if (params.empty()) return method->second(request, std::move(respond));
    HttpRequest with_params = request;
    with_params.params = std::move(params);
    return method->second(with_params, std::move(respond));
  }
  HttpResponse response = method_not_allowed_(request);
  std::vector<std::string> allowed;
  for (const auto& [name, handler] : *methods) allowed.push_back(name);
  response.headers.emplace_back("Allow", fmt::format("{}", fmt::join(allowed, ", ")));
  respond(std::move(response));
}

HttpResponse HttpRouter::Dispatch(const HttpRequest& request) const {
  auto answer = std::make_shared<std::optional<HttpResponse>>();
  Dispatch(request, [answer](HttpResponse response) {
    if (!answer->has_value()) *answer = std::move(response);
  });
  if (answer->has_value()) return std::move(**answer);
  return HttpResponse{
      .status = 500, .content_type = "text/plain", .body = "handler answers asynchronously\n"};
}

}  // namespace aio::net
