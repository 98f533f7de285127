// Cache: the Redis-semantics service behind the RESP front-end. Owns the keyspace, the client,
// pub/sub, WATCH, tracking and blocked-client registries, the settings CONFIG GET/SET change, the
// active-expiry thread and the counters /metrics and INFO read.
//
// Execute() runs one request for one client: command lookup, arity, auth and ACL checks, MULTI
// queueing, maxmemory eviction, then the handler with the shards of its keys locked in ascending
// order (docs/threading.md). Execute() is called on the client's own I/O thread; everything else
// here is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/authenticator.h"
#include "cache/client.h"
#include "cache/command.h"
#include "cache/keyspace.h"
#include "cache/scripting.h"
#include "protocol/resp/reply_builder.h"

namespace aio::cache {

struct CacheOptions {
  int databases = 16;
  int shards = 32;
  int64_t maxmemory = 0;  // bytes; 0 = no limit
  std::string maxmemory_policy = "noeviction";
  std::string notify_keyspace_events;
  int64_t max_clients = 10000;
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024ll * 1024 * 1024;
  int64_t hz = 10;  // active expiry cycles per second
  int port = 6379;  // shown by INFO server
  // Persistence (snapshot.h): "" = off (SAVE/BGSAVE refused, nothing loaded or saved). Otherwise
  // the snapshot is loaded by LoadSnapshot(), written every snapshot_interval_ms (0 = never) and
  // at Stop().
  std::string snapshot_path;
  int64_t snapshot_interval_ms = 0;
};

// Plain counters read at scrape time (aio_cache_*).
struct Stats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<int64_t> connected_clients{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> evicted_keys{0};
  std::atomic<uint64_t> pubsub_messages{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> protocol_errors{0};
};

// Per-command counters (INFO commandstats), one block per I/O thread.
struct CommandStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> failed{0};
};

// Orders (db, key) pairs whatever the key's string type, for lookups without a copy.
struct DbKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.first != b.first) return a.first < b.first;
    return std::string_view(a.second) < std::string_view(b.second);
  }
};

// The user and password that AUTH or HELLO ... AUTH in `args` (the command name first) asks to
// check, user "default" for AUTH <password>; nullopt for any other request. A front-end runs that
// check off its I/O thread and hands the answer to Execute() in Client::password_check.
struct PasswordRequest {
  std::string_view user;
  std::string_view password;
};
std::optional<PasswordRequest> PasswordRequestOf(std::span<const std::string_view> args);

// ACL USERS / LIST / GETUSER: one AIO user (src/auth) as the cache enforces it for Redis ACL
// replies: admins run everything; other users every command outside @admin and @dangerous, on the
// keys their cache permissions' patterns (AIO globs: `*` only) grant.
struct AclUser {
  struct KeyPattern {
    std::string pattern;
    bool read = false;
    bool write = false;
  };
  std::string name;
  bool enabled = true;
  bool admin = false;
  std::vector<KeyPattern> keys;
};
// Lists the users, sorted by name; set by the server when the cache requires authentication.
using AclUserDirectory = std::function<absl::StatusOr<std::vector<AclUser>>()>;

class Cache {
 public:
  Cache(CacheOptions options, auth::Authenticator* authenticator, auth::Authorizer* authorizer);
  ~Cache();  // Stop()s

  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // Starts the active-expiry thread (and the snapshot thread with persistence). Stop() ends them
  // and, with persistence, writes a last snapshot; idempotent.
  void Start();
  void Stop();
  // Before Start(): where ACL USERS / LIST / GETUSER read users (unset: only Redis's "default").
  void set_acl_users(AclUserDirectory directory) { acl_users_ = std::move(directory); }
  const AclUserDirectory& acl_users() const { return acl_users_; }

  // Persistence. LoadSnapshot() is called once before Start(); errors are snapshot.h's.
  bool persistence_enabled() const { return !options_.snapshot_path.empty(); }
  absl::Status LoadSnapshot();
  // SAVE: writes a snapshot now (saves are serialised). FailedPrecondition without persistence.
  absl::Status SaveSnapshot();
  // BGSAVE: asks the snapshot thread for a save; false when one is already under way.
  bool RequestBackgroundSave();
  int64_t last_save_s() const { return last_save_s_.load(); }  // LASTSAVE, Unix seconds
  bool save_in_progress() const { return save_in_progress_.load(); }
  bool last_save_ok() const { return last_save_ok_.load(); }

  enum class Outcome { kDone, kBlocked, kClose };
  // Runs `args` (the command name first) for `client`, appending the reply to `rb`. kBlocked: no
  // reply was written; call Execute() again with the same args after client.Wake() or give up
  // after *block_timeout_ms (0 = never) with TimeoutBlocked(). kClose: close after the reply.
  // clock_us, for a front-end running a batch of requests back to back: in, NowUs() read at the
  // start of the batch or left by the previous Execute() of the same batch (0 = read it); out, the
  // clock when this request ended. The request's Unix time and its INFO commandstats duration come
  // from those readings, so a batch reads the clock once per request plus once, where Redis's
  // call() reads it twice per request. Reset it to 0 whenever the batch waits.
  Outcome Execute(Client& client, std::span<const std::string_view> args,
                  protocol::resp::ReplyBuilder& rb, int64_t* block_timeout_ms = nullptr,
                  int64_t* clock_us = nullptr);
  // The reply of a blocked command whose timeout passed (a null array), and its cleanup.
  void TimeoutBlocked(Client& client, protocol::resp::ReplyBuilder& rb);
  void Unblock(Client& client);

  // Client registry: Register assigns the id; Unregister drops subscriptions, watches, tracking.
  // Register returns false (and the caller closes) past max_clients.
  bool RegisterClient(Client* client);
  void UnregisterClient(Client* client);

  Stats& stats() { return stats_; }
  Keyspace& keyspace() { return keyspace_; }
  int64_t NowMs() const;
  static int64_t NowUs();  // the wall clock, Unix µs
  const CacheOptions& options() const { return options_; }
  auth::Authenticator* authenticator() const { return authenticator_; }
  bool auth_required() const { return authenticator_ != nullptr && authenticator_->enabled(); }

  // Totals over every thread.
  uint64_t TotalCommands() const;
  uint64_t KeyspaceHits() const;
  uint64_t KeyspaceMisses() const;
  int64_t KeyCount();  // locks shards one at a time

  // --- used by the command families --------------------------------------------------------
  void CountHit(bool hit);
  // Under the key's shard lock: WATCH, tracking invalidation, blocked-pop wakeups.
  void KeyModified(int db, std::string_view key, Client* by);
  void DbModified(int db);  // FLUSHDB, FLUSHALL, SWAPDB
  void Notify(int db, uint32_t cls, std::string_view event, std::string_view key);
  // PUBLISH (SPUBLISH with `shard`: to SSUBSCRIBE's shard channels only): returns the receivers.
  int64_t Publish(std::string_view channel, std::string_view message, bool shard = false);
  void Subscribe(Client& client, std::string_view channel, PubSubKind kind);
  void Unsubscribe(Client& client, std::string_view channel, PubSubKind kind);
  // PUBSUB CHANNELS / NUMSUB, and with `shard` SHARDCHANNELS / SHARDNUMSUB.
  std::vector<std::string> Channels(std::string_view pattern, bool shard = false);
  int64_t NumSub(std::string_view channel, bool shard = false);
  int64_t NumPat();
  void Watch(Client& client, int db, std::string_view key, bool live);
  void Unwatch(Client& client);
  bool WatchStillValid(Client& client, int64_t now_ms);
  void Track(Client& client, int db, std::string_view key);
  void EnableTracking(Client& client, bool on);
  // Blocked pops, served first come first served per key, as Redis: BlockOn() queues the client
  // at the end of each key's queue (a client already queued, running its command again after a
  // wakeup, keeps its places); a write to a key wakes only the first client queued on it, and a
  // blocking command takes from a key only when MayServe() (no client queued on it, or the caller
  // first). Unblock() leaves every queue, waking the new first client of each queue the caller
  // headed (it may be the one an element waits for); idempotent. The dispatcher unblocks a queued
  // client whose command ran without blocking again before waking anyone for its writes.
  void BlockOn(Client& client, std::span<const std::string_view> keys);
  bool MayServe(Client& client, int db, std::string_view key);
  void MonitorFeed(Client& from, std::span<const std::string_view> args);
  void SetMonitor(Client& client);

  // Lua scripting: the script cache and Lua state shared by every client.
  ScriptEngine& scripts() { return scripts_; }
  // Runs one command of a Lua script as `client` under the shard locks the script holds, as EXEC
  // runs its queue (WATCH, notifications and tracking see its writes; blocking commands do not
  // block), the reply to `rb`; nothing runs when the client's ACL denies the command or one of
  // its keys. REQUIRES: every shard locked; `args` passed arity and the script's own checks.
  enum class ScriptCall { kRan, kCommandDenied, kKeyDenied };
  ScriptCall RunForScript(Client& client, const CommandSpec* spec,
                          std::span<const std::string_view> args, protocol::resp::ReplyBuilder& rb);

  // CLIENT LIST / KILL / INFO.
  std::string ClientInfo(Client& client);
  std::vector<std::string> ClientList();
  int KillClients(std::string_view filter, std::string_view value);

  // CONFIG GET / SET: Redis's parameter names.
  std::vector<std::pair<std::string, std::string>> ConfigGet(std::string_view pattern);
  // Returns "" or the error text.
  std::string ConfigSet(std::string_view name, std::string_view value);
  void ResetStats();

  int64_t maxmemory() const { return maxmemory_.load(std::memory_order_relaxed); }
  EvictionPolicy policy() const { return policy_.load(std::memory_order_relaxed); }
  std::string notify_config() const;
  // CONFIG hll-sparse-max-bytes: a sparse HyperLogLog growing past it turns dense.
  int64_t hll_sparse_max_bytes() const {
    return hll_sparse_max_bytes_.load(std::memory_order_relaxed);
  }

  std::vector<std::pair<const CommandSpec*, const CommandStats*>> CommandStatsSnapshot();
  CommandStats* StatsFor(const CommandSpec* spec);
  int64_t started_ms() const { return started_ms_; }
  size_t blocked_clients() const { return blocked_count_.load(); }

 private:
  struct ThreadCounters;
  ThreadCounters& Local();
  Outcome Dispatch(Client& client, const CommandSpec* spec, std::span<const std::string_view> args,
                   protocol::resp::ReplyBuilder& rb, int64_t* block_timeout_ms, int64_t* clock_us,
                   bool in_exec);
  void Run(CommandContext& ctx, const std::vector<std::string_view>& keys);
  void Exec(Client& client, protocol::resp::ReplyBuilder& rb);
  // One command of EXEC's queue or of a script, under the locks they hold.
  void RunLocked(Client& client, const CommandSpec* spec, std::span<const std::string_view> args,
                 protocol::resp::ReplyBuilder& rb);
  // What the client's ACL denies of the command: nothing, the command, or one of its keys.
  enum class AclDenial { kNone, kCommand, kKey };
  AclDenial AclCheck(Client& client, const CommandSpec* spec,
                     std::span<const std::string_view> args);
  // AclCheck, replying Redis's NOPERM error when denied.
  bool CheckAcl(Client& client, const CommandSpec* spec, std::span<const std::string_view> args,
                protocol::resp::ReplyBuilder& rb);
  // Evicts until under maxmemory; false (reply -OOM) when that is impossible.
  bool FreeMemory();
  void ExpiryLoop();
  void OnRemoval(Removal why, int db, std::string_view key);
  // Unblock(), waking the new first clients only with `wake_next`.
  void LeaveQueues(Client& client, bool wake_next);
  void DeliverInvalidation(uint64_t client_id, const std::string* key);

  CacheOptions options_;
  AclUserDirectory acl_users_;
  auth::Authenticator* const authenticator_;
  auth::Authorizer* const authorizer_;
  Keyspace keyspace_;
  Stats stats_;
  const int64_t started_ms_;
  const uint64_t instance_id_;

  std::atomic<int64_t> maxmemory_;
  std::atomic<EvictionPolicy> policy_;
  std::atomic<uint32_t> notify_flags_{0};
  std::atomic<int64_t> hll_sparse_max_bytes_{3000};

  std::mutex counters_mu_;
  std::vector<std::unique_ptr<ThreadCounters>> counters_;

  std::mutex clients_mu_;
  std::atomic<uint64_t> next_client_id_{1};
  absl::flat_hash_map<uint64_t, Client*> clients_;
  absl::flat_hash_set<Client*> monitors_;
  std::atomic<int> monitor_count_{0};

  std::mutex pubsub_mu_;
  StringMap<absl::flat_hash_set<Client*>> channels_;
  StringMap<absl::flat_hash_set<Client*>> patterns_;
  StringMap<absl::flat_hash_set<Client*>> shard_channels_;
  StringMap<absl::flat_hash_set<Client*>>& Registry(PubSubKind kind);

  // WATCH: (db, key) -> clients; and blocked pops: (db, key) -> clients.
  std::mutex watch_mu_;
  std::map<std::pair<int, std::string>, absl::flat_hash_set<Client*>, DbKeyLess> watched_;
  std::atomic<size_t> watch_count_{0};
  std::mutex blocked_mu_;
  std::map<std::pair<int, std::string>, std::deque<Client*>, DbKeyLess> blocked_;  // in order
  std::atomic<size_t> blocked_count_{0};

  // CLIENT TRACKING: key -> client ids (default mode), and the broadcasting clients.
  std::mutex tracking_mu_;
  StringMap<absl::flat_hash_set<uint64_t>> tracked_;
  absl::flat_hash_set<Client*> bcast_;
  std::atomic<size_t> tracking_count_{0};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread expiry_thread_;

  std::mutex save_mu_;  // one save at a time
  std::atomic<int64_t> last_save_s_;
  std::atomic<bool> save_in_progress_{false};
  std::atomic<bool> last_save_ok_{true};
  bool save_requested_ = false;  // under stop_mu_
  std::thread snapshot_thread_;
  void SnapshotLoop();

  ScriptEngine scripts_;
};

}  // namespace aio::cache
