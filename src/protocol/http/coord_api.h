// CoordHttpApi: locks, elections and ID generation over HTTP, in AIO's envelope. Every route
// needs a Bearer token whose roles grant kv write (election reads: kv read) on the keys involved:
// lock `x` lives under `/aio/lock/x/`, election `x` under `/aio/election/x/`, IDs under
// `/aio/coord/idgen/`.
//
//   POST   /api/lock/:name             {"ttl": s (2..86400, default 10), "timeout_ms": 0..30000
//                                       (0 = try once), "lease": id (optional, else one of ttl is
//                                       granted)} -> {key, fencing_token, lease}; 50400 when not
//                                       acquired within timeout_ms
//   POST   /api/lock/:name/keepalive   {"key"} -> {ttl}; 40400 when the lock is no longer held
//   DELETE /api/lock/:name?key=K[&revoke_lease=true]  releases (and revokes the lease)
//   POST   /api/election/:name/campaign  {"value", "ttl", "timeout_ms", "lease"} as a lock ->
//                                       {name, key, rev, lease}: this candidate leads
//   GET    /api/election/:name         the leader: {key, value, rev, mod_revision, lease};
//                                       40400 "election: no leader"
//   POST   /api/election/:name/proclaim  {"key", "rev", "lease", "value"}; 40900 "election: not
//                                       leader" when that leadership is gone
//   POST   /api/election/:name/keepalive {"key"} -> {ttl}
//   POST   /api/election/:name/resign  {"key", "rev"}: deletes the leader key if still that one
//   GET|POST /api/id/snowflake?count=N       (1..100000, default 1) -> {ids: [...], worker_id}
//   GET|POST /api/id/segment/:name?count=N   (1..10^7) -> {start, end}: [start, end) reserved
//   GET|POST /api/id/sequence/:name?count=N  (1..100000, default 1) -> {values: [...]}
// IDs are JSON integers up to 2^63-1 (JavaScript readers need a big-number parser).
//
// Waiting routes (lock, campaign) hold their I/O thread for at most timeout_ms, hence the 30 s cap;
// use aio.v1.LockService or etcd's Lock over gRPC for longer waits.
//
// Thread-safe: handlers run on the HTTP server's I/O threads.
#pragma once

#include "coord/election.h"
#include "coord/idgen.h"
#include "coord/lock.h"
#include "net/http_router.h"
#include "protocol/http/auth_api.h"

namespace aio::protocol::http {

struct CoordServices {
  coord::Watcher* watcher = nullptr;
  coord::Locker* locker = nullptr;
  coord::Elector* elector = nullptr;
  coord::Snowflake* snowflake = nullptr;
  coord::Sequences* sequences = nullptr;
};

class CoordHttpApi {
 public:
  // Everything must outlive the API.
  CoordHttpApi(CoordServices services, const AuthHttpApi* auth, auth::AuthService* auth_service)
      : s_(services), auth_(auth), auth_service_(auth_service) {}

  void Register(net::HttpRouter& router);

 private:
  net::HttpResponse Lock(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Unlock(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse KeepAlive(const net::HttpRequest& request, const auth::Identity& who,
                              const char* prefix);
  net::HttpResponse Campaign(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Leader(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Proclaim(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Resign(const net::HttpRequest& request, const auth::Identity& who);
  // Whether `who` may do `action` (auth::kRead / kWrite) on the kv keys under `key`.
  absl::Status Allowed(const auth::Identity& who, const std::string& key, uint32_t action) const;
  // The ?count= of an ID route, once the caller may generate IDs.
  absl::StatusOr<int64_t> IdCount(const net::HttpRequest& request, const auth::Identity& who) const;
  net::HttpResponse Snowflake(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Segment(const net::HttpRequest& request, const auth::Identity& who);
  net::HttpResponse Sequence(const net::HttpRequest& request, const auth::Identity& who);

  const CoordServices s_;
  const AuthHttpApi* const auth_;
  auth::AuthService* const auth_service_;
};

}  // namespace aio::protocol::http
