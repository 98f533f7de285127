// HttpRouter: the route table of an HttpServer. A route's path is literal ("/api/health") or has
// parameter segments ("/api/registry/services/:serviceID/renew"), each matching one non-empty
// segment whose text reaches the handler in HttpRequest::params. A literal route wins over a
// pattern; patterns are tried in the order they were added. A path known under another method
// answers the method-not-allowed handler (with an Allow header), an unknown path the not-found
// handler. Routes are added before the server starts; Dispatch() is then thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target up to '?'
  std::string query;   // the target after '?', not decoded
  std::string content_type;
  std::string body;
  std::string authorization;   // the Authorization header field
  std::string remote_address;  // the peer's IP address
  // The route's parameter segments, by name without ':' ("serviceID" -> "svc-1"); not decoded.
  std::map<std::string, std::string, std::less<>> params;

  // The parameter `name`, or "" when the route has none of that name.
  std::string_view Param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
};

// Runs on an I/O thread: must not block for long.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Answers one request; the first call counts, later ones are ignored. Callable from any thread.
using HttpRespond = std::function<void(HttpResponse)>;
// A handler that may answer later (long-polls): it runs on an I/O thread, must not block, and
// calls `respond` once, now or later from any thread. HttpServer::Stop() answers requests still
// pending with 503.
using HttpAsyncHandler = std::function<void(const HttpRequest&, HttpRespond respond)>;

class HttpRouter {
 public:
  HttpRouter();

  void Add(std::string method, std::string path, HttpHandler handler);
  void AddAsync(std::string method, std::string path, HttpAsyncHandler handler);
  // Replace the plain-text defaults for an unknown path (404) and a wrong method (405).
  void SetNotFound(HttpHandler handler);
  void SetMethodNotAllowed(HttpHandler handler);

  // Routes `request`; its handler answers through `respond` (at once for Add() routes).
  void Dispatch(const HttpRequest& request, HttpRespond respond) const;
  // The answer of an Add() route; 500 for an AddAsync() route that has not answered on return.
  HttpResponse Dispatch(const HttpRequest& request) const;

 private:
  using Methods = std::map<std::string, HttpAsyncHandler>;  // method -> handler
  struct Pattern {
    std::vector<std::string> segments;  // ":name" for a parameter
    Methods methods;
  };
  // The handlers for `request`'s path, with its parameters filled in `params`; null if none.
  const Methods* Find(const HttpRequest& request,
                      std::map<std::string, std::string, std::less<>>& params) const;

  std::map<std::string, Methods> routes_;  // literal path -> handlers
  std::vector<Pattern> patterns_;
  HttpHandler not_found_;
  HttpHandler method_not_allowed_;
};

}  // namespace aio::net
