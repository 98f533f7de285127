// ConfigApi: the HTTP front-end of configcenter::ConfigCenter, under /api/config (seed 003
// envelope). Every route needs a Bearer token (AuthHttpApi::RequireToken); the center checks the
// config resource per key (read / write). `env` defaults to "default" everywhere.
//   GET    /api/config/items?env=&prefix=&include_deleted=true&reveal=true    list (env over
//   default) GET    /api/config/items/:key?env=                      one item, falls back to
//   default;
//                                                           encrypted values decrypted
//   PUT    /api/config/items/:key   {env,type,value,description,metadata,expected_version}
//          value: a string; a json item may also give the object/array itself, int/float/bool
//          items the JSON number/bool
//   DELETE /api/config/items/:key?env=                      soft delete (a new version)
//   POST   /api/config/items/:key/restore?env=              undo the soft delete (a new version)
//   POST   /api/config/items/:key/purge?env=                remove a deleted item and its history
//   GET    /api/config/items/:key/history?env=&reveal=true  every version, oldest first
//   GET    /api/config/items/:key/diff?env=&from=&to=&reveal=true
//   POST   /api/config/items/:key/rollback  {env, version}  a new version with `version`'s content
//   GET    /api/config/export?env=                          {format, env, items} (ciphertext kept)
//   POST   /api/config/import?env=   an export document     {created, updated, unchanged}
//   GET    /api/config/watch?env=&keys=a,b&version=N&timeout=30s
//          long-poll (async: holds no I/O thread): answers {changes:[{env,key,op,old_version,
//          new_version,revision}], version, timed_out} as soon as one of `keys` changed after
//          store revision N (at once if one already did), else after `timeout` (default 30s, at
//          most 5m) with no changes. Pass the answer's `version` to the next call.
// Encrypted values are masked ("******") in list, history and diff unless reveal=true; reveal is
// allowed to any caller holding read on the key (the same permission the route already needs).
//
// Thread-safe: handlers run on the HTTP server's I/O threads; watch answers on the center's thread.
#pragma once

#include "configcenter/config_center.h"
#include "net/http_router.h"
#include "protocol/http/auth_api.h"

namespace aio::protocol::http {

class ConfigApi {
 public:
  // Both must outlive the API.
  ConfigApi(configcenter::ConfigCenter* center, const AuthHttpApi* auth)
      : center_(center), auth_(auth) {}

  void Register(net::HttpRouter& router);

 private:
  using Handler = net::HttpResponse (ConfigApi::*)(const net::HttpRequest&, const auth::Identity&);
  net::HttpHandler Route(Handler handler);
  void Watch(const net::HttpRequest& request, net::HttpRespond respond);

  net::HttpResponse List(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Get(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Put(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Delete(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Restore(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Purge(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse History(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Diff(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Rollback(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Export(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Import(const net::HttpRequest& request, const auth::Identity& who);

  configcenter::ConfigCenter* const center_;
  const AuthHttpApi* const auth_;
};

}  // namespace aio::protocol::http
