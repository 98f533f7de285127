// HttpRouter: the route table of an HttpServer. Exact method + path matches; a path known under
// another method answers the method-not-allowed handler (with an Allow header), an unknown path the
// not-found handler. Routes are added before the server starts; Dispatch() is then thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
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
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
};

// Runs on an I/O thread: must not block for long.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpRouter {
 public:
  HttpRouter();

  void Add(std::string method, std::string path, HttpHandler handler);
  // Replace the plain-text defaults for an unknown path (404) and a wrong method (405).
  void SetNotFound(HttpHandler handler);
  void SetMethodNotAllowed(HttpHandler handler);

  HttpResponse Dispatch(const HttpRequest& request) const;

 private:
  std::map<std::string, std::map<std::string, HttpHandler>> routes_;  // path -> method -> handler
  HttpHandler not_found_;
  HttpHandler method_not_allowed_;
};

}  // namespace aio::net
