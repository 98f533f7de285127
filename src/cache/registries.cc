// Cache's cross-client registries: clients, pub/sub, WATCH, CLIENT TRACKING, blocked pops,
// MONITOR, keyspace notifications and CONFIG GET/SET. Each registry has its own mutex; the lock
// order is shard locks -> watch/tracking/blocked/pubsub -> clients (docs/threading.md).
#include <algorithm>

#include "cache/cache.h"
#include "fmt/format.h"

namespace aio::cache {
namespace {

void AppendBulk(std::string* out, std::string_view s) {
  fmt::format_to(std::back_inserter(*out), "${}\r\n", s.size());
  out->append(s);
  out->append("\r\n");
}

constexpr std::string_view kNotifyLetters = "g$lshzxet";

// Redis's memory units: 1k = 1000, 1kb = 1024 ... ; a bare number is bytes.
bool ParseMemory(std::string_view text, int64_t* bytes) {
  std::string lower = ToLower(text);
  int64_t mult = 1;
  auto strip = [&](std::string_view suffix, int64_t m) {
    if (lower.size() > suffix.size() && lower.ends_with(suffix)) {
      lower.resize(lower.size() - suffix.size());
      mult = m;
      return true;
    }
    return false;
  };
  strip("gb", 1ll << 30) || strip("mb", 1ll << 20) || strip("kb", 1ll << 10) ||
      strip("g", 1000000000ll) || strip("m", 1000000ll) || strip("k", 1000ll) || strip("b", 1);
  int64_t value = 0;
  if (!ParseInt(lower, &value) || value < 0) return false;
  *bytes = value * mult;
  return true;
}

}  // namespace

bool Cache::RegisterClient(Client* client) {
  stats_.connections_received.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(clients_mu_);
  if (static_cast<int64_t>(clients_.size()) >= options_.max_clients) {
    stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  client->id = next_client_id_++;
  client->created_ms = NowMs();
  client->last_interaction_ms = client->created_ms;
  client->authenticated = !auth_required();
  clients_.emplace(client->id, client);
  stats_.connected_clients.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Cache::UnregisterClient(Client* client) {
  {
    std::lock_guard<std::mutex> lock(pubsub_mu_);
    for (PubSubKind kind : {PubSubKind::kChannel, PubSubKind::kPattern, PubSubKind::kShard}) {
      auto& registry = Registry(kind);
      for (const std::string& channel : client->subscriptions(kind)) {
        auto it = registry.find(channel);
        if (it != registry.end() && (it->second.erase(client), it->second.empty())) {
          registry.erase(it);
        }
      }
    }
  }
  Unwatch(*client);
  Unblock(*client);
  EnableTracking(*client, false);
  std::lock_guard<std::mutex> lock(clients_mu_);
  if (monitors_.erase(client) > 0) --monitor_count_;
  if (clients_.erase(client->id) > 0) stats_.connected_clients.fetch_sub(1);
}

// --- pub/sub -------------------------------------------------------------------------------

StringMap<absl::flat_hash_set<Client*>>& Cache::Registry(PubSubKind kind) {
  return kind == PubSubKind::kChannel   ? channels_
         : kind == PubSubKind::kPattern ? patterns_
                                        : shard_channels_;
}

int64_t Cache::Publish(std::string_view channel, std::string_view message, bool shard) {
  int64_t receivers = 0;
  std::lock_guard<std::mutex> lock(pubsub_mu_);
  const auto& registry = shard ? shard_channels_ : channels_;
  if (auto it = registry.find(channel); it != registry.end()) {
    for (Client* client : it->second) {
      std::string frame(client->resp == 3 ? ">3\r\n" : "*3\r\n");
      AppendBulk(&frame, shard ? "smessage" : "message");
      AppendBulk(&frame, channel);
      AppendBulk(&frame, message);
      client->Deliver(std::move(frame));
      ++receivers;
    }
  }
  for (const auto& [pattern, clients] : patterns_) {
    if (shard || !GlobMatch(pattern, channel)) continue;
    for (Client* client : clients) {
      std::string frame(client->resp == 3 ? ">4\r\n" : "*4\r\n");
      AppendBulk(&frame, "pmessage");
      AppendBulk(&frame, pattern);
      AppendBulk(&frame, channel);
      AppendBulk(&frame, message);
      client->Deliver(std::move(frame));
      ++receivers;
    }
  }
  stats_.pubsub_messages.fetch_add(1, std::memory_order_relaxed);
  return receivers;
}

void Cache::Subscribe(Client& client, std::string_view channel, PubSubKind kind) {
  std::lock_guard<std::mutex> lock(pubsub_mu_);
  if (!client.subscriptions(kind).emplace(channel).second) return;
  Registry(kind)[channel].insert(&client);
  ++client.sub_counter(kind);
}

void Cache::Unsubscribe(Client& client, std::string_view channel, PubSubKind kind) {
  std::lock_guard<std::mutex> lock(pubsub_mu_);
  StringSet& own = client.subscriptions(kind);
  auto mine = own.find(channel);
  if (mine == own.end()) return;
  own.erase(mine);
  --client.sub_counter(kind);
  auto& registry = Registry(kind);
  auto it = registry.find(channel);
  if (it != registry.end() && (it->second.erase(&client), it->second.empty())) registry.erase(it);
}

std::vector<std::string> Cache::Channels(std::string_view pattern, bool shard) {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(pubsub_mu_);
  for (const auto& [channel, clients] : shard ? shard_channels_ : channels_) {
    if (pattern.empty() || GlobMatch(pattern, channel)) out.push_back(channel);
  }
  return out;
}

int64_t Cache::NumSub(std::string_view channel, bool shard) {
  std::lock_guard<std::mutex> lock(pubsub_mu_);
  const auto& registry = shard ? shard_channels_ : channels_;
  auto it = registry.find(channel);
  return it == registry.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t Cache::NumPat() {
  std::lock_guard<std::mutex> lock(pubsub_mu_);
  return static_cast<int64_t>(patterns_.size());
}

// --- keyspace events -------------------------------------------------------------------------

void Cache::Notify(int db, uint32_t cls, std::string_view event, std::string_view key) {
  const uint32_t flags = notify_flags_.load(std::memory_order_relaxed);
  if (!(flags & cls)) return;
  if (flags & kNotifyKeyspace) Publish(fmt::format("__keyspace@{}__:{}", db, key), event);
  if (flags & kNotifyKeyevent) Publish(fmt::format("__keyevent@{}__:{}", db, event), key);
}

std::string Cache::notify_config() const {
  const uint32_t flags = notify_flags_.load(std::memory_order_relaxed);
  std::string out;
  const uint32_t all = (1u << kNotifyLetters.size()) - 1;
  if ((flags & all) == all) {
    out = "A";
  } else {
    for (size_t i = 0; i < kNotifyLetters.size(); ++i) {
      if (flags & (1u << i)) out += kNotifyLetters[i];
    }
  }
  if (flags & kNotifyKeyspace) out += 'K';
  if (flags & kNotifyKeyevent) out += 'E';
  if (flags & kNotifyNew) out += 'n';
  return out;
}

// --- WATCH, tracking, blocked pops ---------------------------------------------------------

void Cache::KeyModified(int db, std::string_view key, Client* by) {
  if (watch_count_.load(std::memory_order_relaxed) > 0) {
    std::lock_guard<std::mutex> lock(watch_mu_);
    auto it = watched_.find(std::make_pair(db, key));
    if (it != watched_.end()) {
      for (Client* client : it->second) client->watch_dirty = true;
    }
  }
  if (tracking_count_.load(std::memory_order_relaxed) > 0) {
    std::vector<uint64_t> targets;
    {
      std::lock_guard<std::mutex> lock(tracking_mu_);
      if (auto it = tracked_.find(key); it != tracked_.end()) {
        for (uint64_t id : it->second) {
          if (by == nullptr || !by->tracking_noloop || by->id != id) targets.push_back(id);
        }
        tracked_.erase(it);
      }
      for (Client* client : bcast_) {
        if (by == client && client->tracking_noloop) continue;
        bool match = client->tracking_prefixes.empty();
        for (const std::string& prefix : client->tracking_prefixes) {
          if (key.starts_with(prefix)) match = true;
        }
        if (match) targets.push_back(client->id);
      }
    }
    const std::string name(key);
    for (uint64_t id : targets) DeliverInvalidation(id, &name);
  }
  if (blocked_count_.load(std::memory_order_relaxed) > 0) {
    // Only the first client queued: it takes the element or blocks again keeping its place; the
    // next one is woken by its pop (a write too) or when it leaves the queue.
    std::lock_guard<std::mutex> lock(blocked_mu_);
    auto it = blocked_.find(std::make_pair(db, key));
    if (it != blocked_.end()) it->second.front()->Wake();
  }
}

void Cache::DbModified(int db) {
  if (watch_count_.load() > 0) {
    std::lock_guard<std::mutex> lock(watch_mu_);
    for (auto& [dbkey, clients] : watched_) {
      if (dbkey.first == db || db < 0) {
        for (Client* client : clients) client->watch_dirty = true;
      }
    }
  }
  if (tracking_count_.load() > 0) {
    std::vector<uint64_t> targets;
    {
      std::lock_guard<std::mutex> lock(tracking_mu_);
      absl::flat_hash_set<uint64_t> ids;
      for (auto& [key, set] : tracked_) ids.insert(set.begin(), set.end());
      for (Client* client : bcast_) ids.insert(client->id);
      tracked_.clear();
      targets.assign(ids.begin(), ids.end());
    }
    for (uint64_t id : targets) DeliverInvalidation(id, nullptr);
  }
  if (blocked_count_.load() > 0) {
    // SWAPDB may bring a blocked client's keys into its database (Redis 7 serves such clients
    // then); after a FLUSH the woken clients find nothing and block again, keeping their places.
    std::lock_guard<std::mutex> lock(blocked_mu_);
    for (auto& [dbkey, queue] : blocked_) {
      if (dbkey.first == db || db < 0) queue.front()->Wake();
    }
  }
}

void Cache::DeliverInvalidation(uint64_t client_id, const std::string* key) {
  std::lock_guard<std::mutex> lock(clients_mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return;
  Client* client = it->second;
  std::string payload = key == nullptr ? "*-1\r\n" : "*1\r\n";
  if (key != nullptr) AppendBulk(&payload, *key);
  if (client->tracking_redirect != 0) {
    auto target = clients_.find(client->tracking_redirect);
    if (target == clients_.end()) return;
    std::string frame = target->second->resp == 3 ? ">3\r\n" : "*3\r\n";
    AppendBulk(&frame, "message");
    AppendBulk(&frame, "__redis__:invalidate");
    frame += payload;
    target->second->Deliver(std::move(frame));
    return;
  }
  std::string frame = ">2\r\n";
  AppendBulk(&frame, "invalidate");
  frame += key == nullptr ? "_\r\n" : payload;
  client->Deliver(std::move(frame));
}

void Cache::Track(Client& client, int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(tracking_mu_);
  tracked_[key].insert(client.id);
}

void Cache::EnableTracking(Client& client, bool on) {
  std::lock_guard<std::mutex> lock(tracking_mu_);
  if (on && !client.tracking) ++tracking_count_;
  if (!on && client.tracking) --tracking_count_;
  if (!on || !client.tracking_bcast) bcast_.erase(&client);
  if (on && client.tracking_bcast) bcast_.insert(&client);
  client.tracking = on;
}

void Cache::Watch(Client& client, int db, std::string_view key, bool live) {
  for (const WatchedKey& w : client.watched) {
    if (w.db == db && w.key == key) return;
  }
  client.watched.push_back(WatchedKey{db, std::string(key), live});
  std::lock_guard<std::mutex> lock(watch_mu_);
  watched_[std::make_pair(db, std::string(key))].insert(&client);
  ++watch_count_;
}

void Cache::Unwatch(Client& client) {
  if (!client.watched.empty()) {
    std::lock_guard<std::mutex> lock(watch_mu_);
    for (const WatchedKey& w : client.watched) {
      auto it = watched_.find(std::make_pair(w.db, std::string_view(w.key)));
      if (it == watched_.end()) continue;
      it->second.erase(&client);
      if (it->second.empty()) watched_.erase(it);
      --watch_count_;
    }
  }
  client.watched.clear();
  client.watch_dirty = false;
}

bool Cache::WatchStillValid(Client& client, int64_t now_ms) {
  if (client.watch_dirty) return false;
  for (const WatchedKey& w : client.watched) {
    if (!w.existed) continue;
    // A key live at WATCH time that has expired since invalidates the transaction, even if
    // nothing touched it yet (as Redis's isWatchedKeyExpired).
    const int64_t when = keyspace_.GetExpire(w.db, w.key);
    if (when >= 0 && when <= now_ms) return false;
  }
  return true;
}

void Cache::BlockOn(Client& client, std::span<const std::string_view> keys) {
  if (!client.blocked_keys.empty()) return;  // woken, found nothing: keeps its places
  std::lock_guard<std::mutex> lock(blocked_mu_);
  client.blocked_keys.assign(keys.begin(), keys.end());
  for (std::string_view key : keys) {
    std::deque<Client*>& queue = blocked_[std::make_pair(client.db, std::string(key))];
    // BLPOP k k: once per key.
    if (std::find(queue.begin(), queue.end(), &client) == queue.end()) queue.push_back(&client);
  }
  ++blocked_count_;
}

bool Cache::MayServe(Client& client, int db, std::string_view key) {
  if (blocked_count_.load(std::memory_order_relaxed) == 0) return true;
  std::lock_guard<std::mutex> lock(blocked_mu_);
  auto it = blocked_.find(std::make_pair(db, key));
  return it == blocked_.end() || it->second.front() == &client;
}

void Cache::Unblock(Client& client) { LeaveQueues(client, true); }

void Cache::LeaveQueues(Client& client, bool wake_next) {
  if (client.blocked_keys.empty()) return;  // owner thread: no lock needed to read it
  std::lock_guard<std::mutex> lock(blocked_mu_);
  for (const std::string& key : client.blocked_keys) {
    auto it = blocked_.find(std::make_pair(client.db, std::string_view(key)));
    if (it == blocked_.end()) continue;
    std::deque<Client*>& queue = it->second;
    const bool was_first = queue.front() == &client;
    queue.erase(std::find(queue.begin(), queue.end(), &client));
    if (queue.empty()) {
      blocked_.erase(it);
    } else if (was_first && wake_next) {
      queue.front()->Wake();
    }
  }
  client.blocked_keys.clear();
  --blocked_count_;
}

// --- MONITOR, CLIENT -------------------------------------------------------------------------

void Cache::SetMonitor(Client& client) {
  std::lock_guard<std::mutex> lock(clients_mu_);
  if (monitors_.insert(&client).second) ++monitor_count_;
  client.monitor = true;
}

void Cache::MonitorFeed(Client& from, std::span<const std::string_view> args) {
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  std::string line =
      fmt::format("+{}.{:06} [{} {}]", us / 1000000, us % 1000000, from.db, from.addr);
  for (std::string_view arg : args) {
    line += " \"";
    for (char c : arg) {
      if (c == '"' || c == '\\') {
        line += '\\';
        line += c;
      } else if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) {
        line += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      } else {
        line += c;
      }
    }
    line += '"';
  }
  line += "\r\n";
  std::lock_guard<std::mutex> lock(clients_mu_);
  for (Client* monitor : monitors_) {
    if (monitor != &from) monitor->Deliver(line);
  }
}

std::string Cache::ClientInfo(Client& c) {
  // Only fields that are safe to read from another thread: atomics and the locked name fields.
  const int64_t now = NowMs();
  auto [lib_name, lib_ver] = c.lib();
  const bool subscribed = c.sub_count + c.psub_count + c.ssub_count > 0;
  return fmt::format(
      "id={} addr={} laddr={} fd=8 name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} "
      "multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=4096 rbp=0 obl=0 oll=0 omem=0 "
      "tot-mem=0 events=r cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
      c.id, c.addr, c.laddr, c.name(), (now - c.created_ms) / 1000,
      (now - c.last_interaction_ms) / 1000, subscribed ? "P" : "N", c.info_db.load(),
      c.sub_count.load(), c.psub_count.load(), c.ssub_count.load(), c.last_command.load(), c.user(),
      c.resp.load(), lib_name, lib_ver);
}

std::vector<std::string> Cache::ClientList() {
  std::vector<Client*> all;
  {
    std::lock_guard<std::mutex> lock(clients_mu_);
    for (const auto& [id, client] : clients_) all.push_back(client);
  }
  std::sort(all.begin(), all.end(), [](Client* a, Client* b) { return a->id < b->id; });
  std::vector<std::string> lines;
  // Reading other clients' fields: they stay registered while clients_mu_ is not held only if
  // they do not disconnect; take the lock again per line.
  std::lock_guard<std::mutex> lock(clients_mu_);
  for (Client* client : all) {
    if (clients_.contains(client->id)) lines.push_back(ClientInfo(*client));
  }
  return lines;
}

int Cache::KillClients(std::string_view filter, std::string_view value) {
  int killed = 0;
  std::lock_guard<std::mutex> lock(clients_mu_);
  for (const auto& [id, client] : clients_) {
    bool match = false;
    if (filter == "addr") match = client->addr == value;
    if (filter == "laddr") match = client->laddr == value;
    if (filter == "id") match = std::to_string(id) == value;
    if (filter == "user") match = client->user() == value;
    if (match) {
      client->Kill();
      ++killed;
    }
  }
  return killed;
}

// --- CONFIG ----------------------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Cache::ConfigGet(std::string_view pattern) {
  const std::pair<std::string, std::string> all[] = {
      {"maxmemory", std::to_string(maxmemory())},
      {"maxmemory-policy", EvictionPolicyName(policy())},
      {"maxmemory-samples", "5"},
      {"notify-keyspace-events", notify_config()},
      {"databases", std::to_string(options_.databases)},
      {"maxclients", std::to_string(options_.max_clients)},
      {"proto-max-bulk-len", std::to_string(options_.proto_max_bulk_len)},
      {"client-query-buffer-limit", std::to_string(options_.client_query_buffer_limit)},
      {"hz", std::to_string(options_.hz)},
      {"port", std::to_string(options_.port)},
      {"bind", "127.0.0.1"},
      {"timeout", "0"},
      {"save", ""},
      {"appendonly", "no"},
      {"lfu-log-factor", "10"},
      {"lfu-decay-time", "1"},
      {"tracking-table-max-keys", "1000000"},
      {"hll-sparse-max-bytes", std::to_string(hll_sparse_max_bytes())},
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : all) {
    if (GlobMatch(pattern, entry.first, true)) out.push_back(entry);
  }
  return out;
}

std::string Cache::ConfigSet(std::string_view name_arg, std::string_view value) {
  const std::string name = ToLower(name_arg);
  auto invalid = [&](std::string_view why) {
    return fmt::format("ERR CONFIG SET failed (possibly related to argument '{}') - {}", name, why);
  };
  if (name == "maxmemory") {
    int64_t bytes = 0;
    if (!ParseMemory(value, &bytes)) return invalid("argument must be a memory value");
    maxmemory_ = bytes;
    return "";
  }
  if (name == "maxmemory-policy") {
    EvictionPolicy policy;
    if (!ParseEvictionPolicy(value, &policy)) {
      return invalid(
          "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
          "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
    }
    policy_ = policy;
    keyspace_.set_lfu(policy == EvictionPolicy::kAllKeysLfu ||
                      policy == EvictionPolicy::kVolatileLfu);
    return "";
  }
  if (name == "hll-sparse-max-bytes") {
    int64_t bytes = 0;
    if (!ParseMemory(value, &bytes)) return invalid("argument must be a memory value");
    hll_sparse_max_bytes_ = bytes;
    return "";
  }
  if (name == "notify-keyspace-events") {
    uint32_t flags = 0;
    for (char c : value) {
      const size_t letter = kNotifyLetters.find(c);
      if (letter != std::string_view::npos) {
        flags |= 1u << letter;
      } else if (c == 'A') {
        flags |= (1u << kNotifyLetters.size()) - 1;
      } else if (c == 'K') {
        flags |= kNotifyKeyspace;
      } else if (c == 'E') {
        flags |= kNotifyKeyevent;
      } else if (c == 'n') {
        flags |= kNotifyNew;
      } else if (c != 'd' && c != 'm') {
        return invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      }
    }
    // Without K or E nothing is delivered (as Redis).
    if (!(flags & (kNotifyKeyspace | kNotifyKeyevent))) flags = 0;
    notify_flags_ = flags;
    return "";
  }
  for (const char* fixed : {"maxmemory-samples", "lfu-log-factor", "lfu-decay-time", "timeout",
                            "save", "appendonly", "hz", "maxclients"}) {
    if (name == fixed) return "";  // accepted; AIO's value is fixed
  }
  return fmt::format("ERR Unknown option or number of arguments for CONFIG SET - '{}'", name);
}

}  // namespace aio::cache
