#include "cache/cache.h"

#include <algorithm>
#include <chrono>

#include "base/logging.h"
#include "cache/families.h"
#include "cache/snapshot.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

std::atomic<uint64_t> g_cache_instances{0};

std::string UnknownCommand(std::span<const std::string_view> args) {
  std::string text =
      fmt::format("ERR unknown command '{}', with args beginning with: ", args[0].substr(0, 128));
  for (size_t i = 1; i < args.size(); ++i) {
    text += fmt::format("'{}' ", args[i].substr(0, 128));
  }
  return text;
}

bool ArityOk(const CommandSpec& spec, size_t argc) {
  return spec.arity > 0 ? argc == static_cast<size_t>(spec.arity)
                        : argc >= static_cast<size_t>(-spec.arity);
}

}  // namespace

struct Cache::ThreadCounters {
  explicit ThreadCounters(size_t commands) : per_command(commands) {}
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};
  std::vector<CommandStats> per_command;
};

// One writer per block (its thread): plain load + store, no locked instruction.
static inline void Bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

Cache::Cache(CacheOptions options, auth::Authenticator* authenticator, auth::Authorizer* authorizer)
    : options_(std::move(options)),
      authenticator_(authenticator),
      authorizer_(authorizer),
      keyspace_(options_.shards, options_.databases),
      started_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count()),
      instance_id_(++g_cache_instances),
      maxmemory_(options_.maxmemory),
      policy_(EvictionPolicy::kNoEviction),
      last_save_s_(started_ms_ / 1000) {
  EvictionPolicy policy;
  if (ParseEvictionPolicy(options_.maxmemory_policy, &policy)) policy_ = policy;
  keyspace_.set_lfu(policy == EvictionPolicy::kAllKeysLfu ||
                    policy == EvictionPolicy::kVolatileLfu);
  ConfigSet("notify-keyspace-events", options_.notify_keyspace_events);
  keyspace_.set_removal_listener(
      [this](Removal why, int db, std::string_view key) { OnRemoval(why, db, key); });
}

Cache::~Cache() { Stop(); }

void Cache::Start() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (expiry_thread_.joinable()) return;
  stopping_ = false;
  expiry_thread_ = std::thread([this] { ExpiryLoop(); });
  if (persistence_enabled()) snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
}

void Cache::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_ && !expiry_thread_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
  if (snapshot_thread_.joinable()) {
    snapshot_thread_.join();
    // Errors are logged by SaveSnapshot(); the previous snapshot stays.
    (void)SaveSnapshot();
  }
}

absl::Status Cache::LoadSnapshot() {
  if (!persistence_enabled()) return absl::OkStatus();
  absl::StatusOr<SnapshotStats> loaded =
      cache::LoadSnapshot(keyspace_, options_.snapshot_path, NowMs());
  if (!loaded.ok()) return loaded.status();
  base::GetLogger("cache")->info("snapshot loaded path={} keys={} bytes={}", options_.snapshot_path,
                                 loaded->keys, loaded->bytes);
  return absl::OkStatus();
}

absl::Status Cache::SaveSnapshot() {
  if (!persistence_enabled()) {
    return absl::FailedPreconditionError(
        "ERR persistence is disabled (set cache.persistence: true in the AIO config)");
  }
  std::lock_guard<std::mutex> lock(save_mu_);
  save_in_progress_ = true;
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<SnapshotStats> saved =
      cache::SaveSnapshot(keyspace_, options_.snapshot_path, NowMs());
  save_in_progress_ = false;
  last_save_ok_ = saved.ok();
  auto log = base::GetLogger("cache");
  if (!saved.ok()) {
    log->error("snapshot failed path={}: {}", options_.snapshot_path,
               std::string(saved.status().message()));
    return saved.status();
  }
  last_save_s_ = NowMs() / 1000;
  log->info("snapshot saved path={} keys={} bytes={} ms={}", options_.snapshot_path, saved->keys,
            saved->bytes,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count());
  return absl::OkStatus();
}

bool Cache::RequestBackgroundSave() {
  if (!persistence_enabled() || save_in_progress_) return false;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (save_requested_) return false;
    save_requested_ = true;
  }
  stop_cv_.notify_all();
  return true;
}

void Cache::SnapshotLoop() {
  const int64_t interval_ms = options_.snapshot_interval_ms;
  auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
  std::unique_lock<std::mutex> lock(stop_mu_);
  for (;;) {
    auto wake = [this] { return stopping_ || save_requested_; };
    if (interval_ms > 0) {
      stop_cv_.wait_until(lock, next, wake);
    } else {
      stop_cv_.wait(lock, wake);
    }
    if (stopping_) return;
    const bool due = interval_ms > 0 && std::chrono::steady_clock::now() >= next;
    if (!save_requested_ && !due) continue;
    lock.unlock();
    (void)SaveSnapshot();
    lock.lock();
    save_requested_ = false;
    next = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
  }
}

void Cache::ExpiryLoop() {
  const auto period = std::chrono::milliseconds(1000 / std::max<int64_t>(1, options_.hz));
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    keyspace_.ActiveExpireCycle(NowMs());
    lock.lock();
  }
}

int64_t Cache::NowMs() const { return NowUs() / 1000; }

int64_t Cache::NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Cache::ThreadCounters& Cache::Local() {
  // Keyed by instance id, so a Cache rebuilt at the same address (tests) gets fresh counters.
  thread_local uint64_t tl_instance = 0;
  thread_local ThreadCounters* tl_counters = nullptr;
  if (tl_instance != instance_id_) {
    std::lock_guard<std::mutex> lock(counters_mu_);
    counters_.push_back(std::make_unique<ThreadCounters>(CommandTable().size()));
    tl_counters = counters_.back().get();
    tl_instance = instance_id_;
  }
  return *tl_counters;
}

void Cache::CountHit(bool hit) { Bump(hit ? Local().hits : Local().misses); }

uint64_t Cache::TotalCommands() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(counters_mu_));
  uint64_t n = 0;
  for (const auto& c : counters_) n += c->commands.load(std::memory_order_relaxed);
  return n;
}

uint64_t Cache::KeyspaceHits() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(counters_mu_));
  uint64_t n = 0;
  for (const auto& c : counters_) n += c->hits.load(std::memory_order_relaxed);
  return n;
}

uint64_t Cache::KeyspaceMisses() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(counters_mu_));
  uint64_t n = 0;
  for (const auto& c : counters_) n += c->misses.load(std::memory_order_relaxed);
  return n;
}

int64_t Cache::KeyCount() {
  int64_t n = 0;
  for (size_t i = 0; i < keyspace_.shard_count(); ++i) {
    Shard& shard = keyspace_.shard(i);
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const Db& db : shard.dbs) n += static_cast<int64_t>(db.dict.size());
  }
  return n;
}

std::vector<std::pair<const CommandSpec*, const CommandStats*>> Cache::CommandStatsSnapshot() {
  std::vector<std::pair<const CommandSpec*, const CommandStats*>> out;
  std::lock_guard<std::mutex> lock(counters_mu_);
  std::span<const CommandSpec> table = CommandTable();
  for (size_t i = 0; i < table.size(); ++i) {
    for (const auto& c : counters_) out.emplace_back(&table[i], &c->per_command[i]);
  }
  return out;
}

void Cache::ResetStats() {
  std::lock_guard<std::mutex> lock(counters_mu_);
  for (auto& c : counters_) {
    c->hits = 0;
    c->misses = 0;
    for (CommandStats& s : c->per_command) {
      s.calls = 0;
      s.usec = 0;
      s.failed = 0;
    }
  }
  stats_.expired_keys = 0;
  stats_.evicted_keys = 0;
  stats_.pubsub_messages = 0;
  stats_.rejected_connections = 0;
}

void Cache::OnRemoval(Removal why, int db, std::string_view key) {
  if (why == Removal::kExpired) {
    stats_.expired_keys.fetch_add(1, std::memory_order_relaxed);
    Notify(db, kNotifyExpired, "expired", key);
  } else {
    stats_.evicted_keys.fetch_add(1, std::memory_order_relaxed);
    Notify(db, kNotifyEvicted, "evicted", key);
  }
  KeyModified(db, key, nullptr);
}

bool Cache::FreeMemory() {
  const int64_t limit = maxmemory();
  while (keyspace_.UsedMemory() > limit) {
    if (!keyspace_.EvictOne(policy(), NowMs())) return false;
  }
  return true;
}

Cache::AclDenial Cache::AclCheck(Client& client, const CommandSpec* spec,
                                 std::span<const std::string_view> args) {
  if (authorizer_ == nullptr || !client.identity.has_value()) return AclDenial::kNone;
  std::vector<std::string_view> keys;
  if (spec->first_key != 0 || spec->keys_fn != nullptr) CommandKeys(*spec, args, &keys);
  std::vector<std::string_view> categories;
  std::string_view cats = spec->categories;
  while (!cats.empty()) {
    size_t space = cats.find(' ');
    std::string_view cat = cats.substr(0, space);
    if (!cat.empty() && cat[0] == '@') cat.remove_prefix(1);
    if (!cat.empty()) categories.push_back(cat);
    if (space == std::string_view::npos) break;
    cats.remove_prefix(space + 1);
  }
  absl::Status status =
      authorizer_->CheckCacheCommand(*client.identity, spec->name, categories, keys);
  if (status.ok()) return AclDenial::kNone;
  if (status.code() == absl::StatusCode::kPermissionDenied && !keys.empty() &&
      std::string(status.message()).find("key") != std::string::npos) {
    return AclDenial::kKey;
  }
  return AclDenial::kCommand;
}

bool Cache::CheckAcl(Client& client, const CommandSpec* spec,
                     std::span<const std::string_view> args, protocol::resp::ReplyBuilder& rb) {
  switch (AclCheck(client, spec, args)) {
    case AclDenial::kNone:
      return true;
    case AclDenial::kKey:
      rb.Error("NOPERM No permissions to access a key");
      return false;
    case AclDenial::kCommand:
      break;
  }
  rb.Error(fmt::format("NOPERM User {} has no permissions to run the '{}' command",
                       client.identity->user, spec->name));
  return false;
}

Cache::Outcome Cache::Execute(Client& client, std::span<const std::string_view> args,
                              protocol::resp::ReplyBuilder& rb, int64_t* block_timeout_ms,
                              int64_t* clock_us) {
  if (args.empty()) return Outcome::kDone;
  const CommandSpec* spec = FindCommand(args[0]);
  if (spec == nullptr) {
    if (client.in_multi) client.multi_error = true;
    rb.Error(UnknownCommand(args));
    return Outcome::kDone;
  }
  if (!ArityOk(*spec, args.size())) {
    if (client.in_multi) client.multi_error = true;
    rb.Error(ArityError(spec->name));
    return Outcome::kDone;
  }
  if (!client.authenticated && !(spec->flags & kNoAuth) && auth_required()) {
    if (client.in_multi) client.multi_error = true;
    rb.Error(errors::kNoAuth);
    return Outcome::kDone;
  }
  if (!CheckAcl(client, spec, args, rb)) {
    if (client.in_multi) client.multi_error = true;
    return Outcome::kDone;
  }
  if (client.resp == 2 && client.subscribed() && !(spec->flags & kPubSub)) {
    rb.Error(fmt::format(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
        "are allowed in this context",
        spec->name));
    return Outcome::kDone;
  }
  if ((spec->flags & kDenyOom) && maxmemory() > 0 && !FreeMemory()) {
    if (client.in_multi) client.multi_error = true;
    rb.Error(errors::kOom);
    return Outcome::kDone;
  }
  if (client.in_multi && !(spec->flags & kNoMulti)) {
    std::vector<std::string> queued;
    queued.reserve(args.size());
    for (std::string_view a : args) queued.emplace_back(a);
    client.queued.push_back(std::move(queued));
    rb.Simple("QUEUED");
    return Outcome::kDone;
  }
  if (monitor_count_.load(std::memory_order_relaxed) > 0) MonitorFeed(client, args);
  return Dispatch(client, spec, args, rb, block_timeout_ms, clock_us, false);
}

void Cache::Run(CommandContext& ctx, const std::vector<std::string_view>& keys) {
  ctx.spec->handler(ctx);
  if (ctx.blocked()) return;
  // A queued client served (or failed) on a wakeup leaves the queues; the next client of each of
  // its keys (all among the command's keys) is woken by KeyModified just below.
  const bool write = (ctx.spec->flags & kWrite) != 0;
  LeaveQueues(ctx.client, /*wake_next=*/!write);
  if (write) {
    for (std::string_view key : keys) KeyModified(ctx.db(), key, &ctx.client);
  }
}

Cache::Outcome Cache::Dispatch(Client& client, const CommandSpec* spec,
                               std::span<const std::string_view> args,
                               protocol::resp::ReplyBuilder& rb, int64_t* block_timeout_ms,
                               int64_t* clock_us, bool in_exec) {
  ThreadCounters& counters = Local();
  const int64_t start_us = clock_us != nullptr && *clock_us > 0 ? *clock_us : NowUs();
  const size_t reply_start = rb.out()->size();
  CommandContext ctx(*this, client, rb, args, spec, start_us / 1000);
  ctx.in_exec = in_exec;
  client.last_command.store(spec->name, std::memory_order_relaxed);
  thread_local std::vector<std::string_view> keys;
  keys.clear();
  if (spec->handler == nullptr) {
    Exec(client, rb);
  } else if (spec->flags & kNoLock) {
    spec->handler(ctx);
  } else if (spec->flags & kAllShards) {
    for (size_t i = 0; i < keyspace_.shard_count(); ++i) keyspace_.shard(i).mu.lock();
    Run(ctx, keys);
    for (size_t i = keyspace_.shard_count(); i-- > 0;) keyspace_.shard(i).mu.unlock();
  } else {
    CommandKeys(*spec, args, &keys);
    // Each key is hashed once: the hash picks the shard here and the slot in the handler.
    thread_local std::vector<size_t> hashes;
    thread_local std::vector<size_t> shards;  // no allocation per request, whatever the key count
    hashes.clear();
    shards.clear();
    for (std::string_view key : keys) {
      hashes.push_back(HashedKey(key).hash);
      shards.push_back(keyspace_.ShardOf(hashes.back()));
    }
    ctx.set_key_hashes(keys, hashes);
    if (shards.size() > 1) {
      std::sort(shards.begin(), shards.end());
      shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
    }
    for (size_t s : shards) keyspace_.shard(s).mu.lock();
    Run(ctx, keys);
    for (size_t i = shards.size(); i-- > 0;) keyspace_.shard(shards[i]).mu.unlock();
  }
  const size_t index = static_cast<size_t>(spec - CommandTable().data());
  CommandStats& cs = counters.per_command[index];
  Bump(counters.commands);
  Bump(cs.calls);
  const int64_t end_us = NowUs();
  if (clock_us != nullptr) *clock_us = end_us;
  // The wall clock may step back: such a command counts 0 µs.
  Bump(cs.usec, static_cast<uint64_t>(std::max<int64_t>(0, end_us - start_us)));
  if (rb.out()->size() > reply_start && (*rb.out())[reply_start] == '-') Bump(cs.failed);
  // CLIENT CACHING applies to the next command, or to a whole MULTI ... EXEC (Redis's
  // resetClient keeps it through any CLIENT command and inside MULTI).
  if (!in_exec && !client.in_multi && spec->handler != &ServerFamily::ClientCmd) {
    client.caching_flag = false;
  }
  if (ctx.blocked()) {
    if (block_timeout_ms != nullptr) *block_timeout_ms = ctx.block_timeout_ms();
    return Outcome::kBlocked;
  }
  if (client.close_after_reply) return Outcome::kClose;
  return Outcome::kDone;
}

void Cache::Exec(Client& client, protocol::resp::ReplyBuilder& rb) {
  if (!client.in_multi) {
    rb.Error("ERR EXEC without MULTI");
    return;
  }
  std::vector<std::vector<std::string>> queued = std::move(client.queued);
  client.queued.clear();
  client.in_multi = false;
  if (client.multi_error) {
    client.multi_error = false;
    Unwatch(client);
    rb.Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  for (size_t i = 0; i < keyspace_.shard_count(); ++i) keyspace_.shard(i).mu.lock();
  if (!WatchStillValid(client, NowMs())) {
    for (size_t i = keyspace_.shard_count(); i-- > 0;) keyspace_.shard(i).mu.unlock();
    Unwatch(client);
    rb.NullArray();
    return;
  }
  rb.Array(static_cast<int64_t>(queued.size()));
  std::vector<std::string_view> args;
  for (const auto& command : queued) {
    args.assign(command.begin(), command.end());
    RunLocked(client, FindCommand(args[0]), args, rb);
  }
  for (size_t i = keyspace_.shard_count(); i-- > 0;) keyspace_.shard(i).mu.unlock();
  Unwatch(client);
}

void Cache::RunLocked(Client& client, const CommandSpec* spec,
                      std::span<const std::string_view> args, protocol::resp::ReplyBuilder& rb) {
  CommandContext ctx(*this, client, rb, args, spec, NowMs());
  ctx.in_exec = true;
  std::vector<std::string_view> keys;
  if (spec->first_key != 0 || spec->keys_fn != nullptr) CommandKeys(*spec, args, &keys);
  Run(ctx, keys);
  const size_t index = static_cast<size_t>(spec - CommandTable().data());
  Bump(Local().per_command[index].calls);
  Bump(Local().commands);
}

Cache::ScriptCall Cache::RunForScript(Client& client, const CommandSpec* spec,
                                      std::span<const std::string_view> args,
                                      protocol::resp::ReplyBuilder& rb) {
  switch (AclCheck(client, spec, args)) {  // a script answers its own NOPERM text
    case AclDenial::kKey:
      return ScriptCall::kKeyDenied;
    case AclDenial::kCommand:
      return ScriptCall::kCommandDenied;
    case AclDenial::kNone:
      break;
  }
  RunLocked(client, spec, args, rb);
  return ScriptCall::kRan;
}

void Cache::TimeoutBlocked(Client& client, protocol::resp::ReplyBuilder& rb) {
  Unblock(client);
  rb.NullArray();
}

}  // namespace aio::cache
