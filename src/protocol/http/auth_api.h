// AuthHttpApi: the HTTP front-end of auth::AuthService and the Bearer-token middleware every other
// AIO HTTP route uses.
//   POST /api/auth/login    {"username","password"} -> {token, token_type, expires_at, user, roles}
//   POST /api/auth/logout   revokes the caller's token
//   GET  /api/auth/me       {user, roles, admin}
//   /api/auth/users         GET (list, or ?name=), POST {name,password,roles},
//                           PUT {name, password?, roles?, disabled?}, DELETE ?name=      (admin)
//   /api/auth/roles         GET (list, or ?name=), POST {name, permissions},
//                           PUT {name, grant: [...], revoke: [...]}, DELETE ?name=        (admin)
//                           a permission is {"resource","pattern","actions":["read",...]}
//   /api/auth/clients       GET, POST {roles, description, expires_at_ms} (the secret is shown
//                           once), PUT {client_key, disabled}, DELETE ?client_key=         (admin)
//   POST /api/auth/keys/rotate                                                             (admin)
//   GET  /api/audit         ?actor=&action=&protocol=&source=&since_ms=&until_ms=&limit=   (admin)
// Failures use the envelope: 40100 no or bad token (with WWW-Authenticate: Bearer), 40300 not
// permitted, 40000 bad request, 42900 login throttled. With auth.enabled false every route is
// open and runs as an anonymous administrator.
//
// Thread-safe: handlers run on the HTTP server's I/O threads.
#pragma once

#include <functional>

#include "auth/auth_service.h"
#include "net/http_router.h"

namespace aio::protocol::http {

using AuthedHandler =
    std::function<net::HttpResponse(const net::HttpRequest&, const auth::Identity&)>;

class AuthHttpApi {
 public:
  explicit AuthHttpApi(auth::AuthService* service) : service_(service) {}

  void Register(net::HttpRouter& router);

  // Middleware: runs `handler` for a request with a valid Bearer token (admin only: and an
  // administrator's), else answers 40100 / 40300 and records the denial in the audit log.
  net::HttpHandler RequireToken(AuthedHandler handler) const;
  net::HttpHandler RequireAdmin(AuthedHandler handler) const;

 private:
  net::HttpHandler Guard(bool admin, AuthedHandler handler) const;
  net::HttpResponse Login(const net::HttpRequest& request) const;
  net::HttpResponse Logout(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse Users(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse Roles(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse Clients(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse Audit(const net::HttpRequest& request) const;

  auth::AuthService* const service_;
};

}  // namespace aio::protocol::http
