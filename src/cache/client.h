// Client: one Redis-protocol connection's session state, as the cache sees it. The connection
// (protocol/resp) derives from it and implements delivery to its socket.
//
// Threading: the fields under "owner thread" are touched only by the connection's I/O thread (its
// commands run there). Deliver(), Wake() and Kill() are thread-safe: publishers, writers waking
// blocked pops and CLIENT KILL call them from other threads. The "shared" fields are read by
// CLIENT LIST / INFO from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "auth/authenticator.h"
#include "cache/object.h"

namespace aio::cache {

// A password check a front-end ran off its I/O thread (password hashing is blocking work) for the
// AUTH / HELLO AUTH it is about to Execute(); see PasswordRequestOf() in cache.h.
struct PasswordCheck {
  std::string user;  // "default" for AUTH <password>
  std::string password;
  absl::StatusOr<auth::Identity> result;
};

// What a client subscribes to: channels (SUBSCRIBE), patterns (PSUBSCRIBE), shard channels
// (SSUBSCRIBE; Redis 7's sharded pub/sub, one shard here).
enum class PubSubKind { kChannel, kPattern, kShard };

struct WatchedKey {
  int db;
  std::string key;
  bool existed;  // live (not expired) when WATCHed: expiring later invalidates the WATCH
};

class Client {
 public:
  virtual ~Client() = default;

  // Queues RESP bytes (already encoded for this client's protocol) for the socket.
  virtual void Deliver(std::string bytes) = 0;
  // A key this client is blocked on may be ready: run the blocked command again.
  virtual void Wake() = 0;
  // Closes the connection (CLIENT KILL).
  virtual void Kill() = 0;

  // Set once at registration.
  uint64_t id = 0;
  std::string addr;   // peer ip:port
  std::string laddr;  // local ip:port
  int64_t created_ms = 0;

  // --- owner thread ---
  int db = 0;
  std::atomic<int> resp{2};  // also read by publishers
  bool authenticated = false;
  std::optional<auth::Identity> identity;
  // Set by the front-end before Execute() of an AUTH / HELLO AUTH, cleared after it: AUTH uses
  // this answer instead of hashing the password on the I/O thread.
  std::optional<PasswordCheck> password_check;
  bool in_multi = false;
  bool multi_error = false;
  std::vector<std::vector<std::string>> queued;
  std::vector<WatchedKey> watched;
  StringSet channels;
  StringSet patterns;
  StringSet shard_channels;
  StringSet& subscriptions(PubSubKind kind) {
    return kind == PubSubKind::kChannel   ? channels
           : kind == PubSubKind::kPattern ? patterns
                                          : shard_channels;
  }
  bool tracking = false;
  bool tracking_bcast = false;
  bool tracking_noloop = false;
  // CLIENT TRACKING ON OPTIN / OPTOUT, and CLIENT CACHING YES|NO given for the next command (or
  // the next MULTI ... EXEC): OPTIN tracks only then, OPTOUT tracks except then.
  enum class TrackingOpt : uint8_t { kAll, kOptIn, kOptOut } tracking_opt = TrackingOpt::kAll;
  bool caching_flag = false;
  // Whether a key this client reads now is remembered for invalidation (default mode).
  bool TracksReads() const {
    if (!tracking || tracking_bcast) return false;
    switch (tracking_opt) {
      case TrackingOpt::kOptIn:
        return caching_flag;
      case TrackingOpt::kOptOut:
        return !caching_flag;
      default:
        return true;
    }
  }
  uint64_t tracking_redirect = 0;
  std::vector<std::string> tracking_prefixes;
  bool no_evict = false;
  bool monitor = false;
  bool close_after_reply = false;
  // A blocked pop: the keys it waits on and when it gives up (steady ms, 0 = never).
  std::vector<std::string> blocked_keys;
  // What a blocked command resolved when it first ran and reads again when woken (XREAD's "$"
  // IDs: the stream's last ID then, not when woken). Meaningful only while blocked_keys is set.
  std::string blocked_state;

  // --- shared ---
  std::atomic<bool> watch_dirty{false};
  std::atomic<int> info_db{0};
  std::atomic<const char*> last_command{"NULL"};
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<uint64_t> commands{0};
  std::atomic<int> sub_count{0};
  std::atomic<int> psub_count{0};
  std::atomic<int> ssub_count{0};
  std::atomic<int>& sub_counter(PubSubKind kind) {
    return kind == PubSubKind::kChannel   ? sub_count
           : kind == PubSubKind::kPattern ? psub_count
                                          : ssub_count;
  }

  std::string name() const {
    std::lock_guard<std::mutex> lock(info_mu_);
    return name_;
  }
  void set_name(std::string name) {
    std::lock_guard<std::mutex> lock(info_mu_);
    name_ = std::move(name);
  }
  std::pair<std::string, std::string> lib() const {
    std::lock_guard<std::mutex> lock(info_mu_);
    return {lib_name_, lib_ver_};
  }
  std::string user() const {
    std::lock_guard<std::mutex> lock(info_mu_);
    return user_;
  }
  void set_user(std::string user) {
    std::lock_guard<std::mutex> lock(info_mu_);
    user_ = std::move(user);
  }
  void set_lib(std::string name, std::string version) {
    std::lock_guard<std::mutex> lock(info_mu_);
    if (!name.empty()) lib_name_ = std::move(name);
    if (!version.empty()) lib_ver_ = std::move(version);
  }

  bool subscribed() const {
    return !channels.empty() || !patterns.empty() || !shard_channels.empty();
  }

 private:
  mutable std::mutex info_mu_;
  std::string name_;
  std::string lib_name_;
  std::string lib_ver_;
  std::string user_ = "default";
};

}  // namespace aio::cache
