#include "cache/keyspace.h"

#include <chrono>
#include <cmath>

namespace aio::cache {
namespace {

constexpr int64_t kEntryOverhead = 64;  // node, hash bucket and Object header
constexpr int kExpireSample = 20;
constexpr int kEvictSample = 5;
constexpr int kLfuInit = 5;
constexpr double kLfuLogFactor = 10;

struct PolicyName {
  EvictionPolicy policy;
  const char* name;
};
constexpr PolicyName kPolicies[] = {
    {EvictionPolicy::kNoEviction, "noeviction"},
    {EvictionPolicy::kAllKeysLru, "allkeys-lru"},
    {EvictionPolicy::kAllKeysLfu, "allkeys-lfu"},
    {EvictionPolicy::kAllKeysRandom, "allkeys-random"},
    {EvictionPolicy::kVolatileLru, "volatile-lru"},
    {EvictionPolicy::kVolatileLfu, "volatile-lfu"},
    {EvictionPolicy::kVolatileRandom, "volatile-random"},
    {EvictionPolicy::kVolatileTtl, "volatile-ttl"},
};

uint32_t Minutes() {
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::minutes>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count() &
                               0xFFFF);
}

// A random element of an unordered map: a random bucket, then the next non-empty one.
template <typename Map>
typename Map::iterator RandomEntry(Map& map, std::minstd_rand& rng) {
  if (map.empty()) return map.end();
  const size_t buckets = map.bucket_count();
  size_t b = rng() % buckets;
  for (size_t tried = 0; tried < buckets; ++tried, b = (b + 1) % buckets) {
    const size_t n = map.bucket_size(b);
    if (n == 0) continue;
    auto local = map.begin(b);
    std::advance(local, rng() % n);
    return map.find(local->first);
  }
  return map.begin();
}

}  // namespace

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* policy) {
  for (const PolicyName& p : kPolicies) {
    if (name.size() == std::char_traits<char>::length(p.name)) {
      bool equal = true;
      for (size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(name[i])) != p.name[i]) equal = false;
      }
      if (equal) {
        *policy = p.policy;
        return true;
      }
    }
  }
  return false;
}

const char* EvictionPolicyName(EvictionPolicy policy) {
  for (const PolicyName& p : kPolicies) {
    if (p.policy == policy) return p.name;
  }
  return "noeviction";
}

Keyspace::Keyspace(int shards, int databases) : databases_(databases) {
  for (int i = 0; i < shards; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->dbs.resize(databases);
    shard->rng.seed(static_cast<unsigned>(i + 1));
    shards_.push_back(std::move(shard));
  }
}

size_t Keyspace::ShardOf(std::string_view key) const {
  // The high bits: the dictionaries inside the shard use the low ones for buckets.
  return (std::hash<std::string_view>{}(key) >> 40) % shards_.size();
}

namespace {
uint32_t ComputeLruClock() {
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}
// Seconds resolution is all LRU needs: refreshed by every active expiry cycle (as Redis's
// server.lruclock in serverCron), so lookups do not read the clock.
std::atomic<uint32_t> g_lru_clock{ComputeLruClock()};
}  // namespace

uint32_t Keyspace::LruClock() { return g_lru_clock.load(std::memory_order_relaxed); }

uint32_t Keyspace::NewAccess() const { return lfu_ ? (Minutes() << 8 | kLfuInit) : LruClock(); }

void Keyspace::Touch(Object& object) const {
  if (!lfu_) {
    object.access = LruClock();
    return;
  }
  // Redis's LFU: decay one step per idle minute, then a logarithmic increment.
  const uint32_t now = Minutes();
  int counter = static_cast<int>(object.access & 0xFF);
  const uint32_t last = object.access >> 8;
  const uint32_t idle = now >= last ? now - last : 0xFFFF - last + now;
  counter = idle > static_cast<uint32_t>(counter) ? 0 : counter - static_cast<int>(idle);
  if (counter < 255) {
    const double base = std::max(0, counter - kLfuInit);
    const double p = 1.0 / (base * kLfuLogFactor + 1);
    if (static_cast<double>(std::rand()) / RAND_MAX < p) ++counter;
  }
  object.access = now << 8 | static_cast<uint32_t>(counter);
}

int64_t Keyspace::IdleSeconds(const Object& object) {
  const int64_t now = LruClock();
  return now >= object.access ? now - object.access : 0;
}

int Keyspace::LfuCounter(const Object& object) { return static_cast<int>(object.access & 0xFF); }

int64_t Keyspace::EntryBytes(std::string_view key, const Object& object) {
  return kEntryOverhead + static_cast<int64_t>(key.size()) + object.bytes;
}

bool Keyspace::ExpireIfNeeded(Shard& shard, int db, std::string_view key, int64_t now_ms) {
  Db& d = shard.dbs[db];
  if (d.expires.empty()) return false;
  auto it = d.expires.find(key);
  if (it == d.expires.end() || it->second > now_ms) return false;
  auto entry = d.dict.find(key);
  // The listener sees the key before it goes (keyspace events, WATCH).
  std::string name(key);
  if (listener_) listener_(Removal::kExpired, db, name);
  if (entry != d.dict.end()) Erase(shard, d, entry);
  return true;
}

void Keyspace::Erase(Shard& shard, Db& d,
                     std::unordered_map<std::string, Object, StringHash, StringEq>::iterator it) {
  shard.used_memory.fetch_sub(EntryBytes(it->first, it->second), std::memory_order_relaxed);
  if (!d.expires.empty()) d.expires.erase(it->first);
  d.dict.erase(it);
}

Object* Keyspace::Find(int db, std::string_view key, int64_t now_ms, bool touch) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  auto it = d.dict.find(key);
  if (it == d.dict.end()) return nullptr;
  if (ExpireIfNeeded(shard, db, key, now_ms)) return nullptr;
  if (touch) Touch(it->second);
  return &it->second;
}

Object& Keyspace::Put(int db, std::string_view key, Object object, bool keep_ttl) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  if (object.type() == Type::kString) object.bytes = static_cast<int64_t>(object.str().size());
  object.access = NewAccess();
  auto it = d.dict.find(key);
  if (it == d.dict.end()) {
    it = d.dict.emplace(std::string(key), std::move(object)).first;
  } else {
    shard.used_memory.fetch_sub(EntryBytes(it->first, it->second), std::memory_order_relaxed);
    it->second = std::move(object);
    if (!keep_ttl && !d.expires.empty()) {
      if (auto e = d.expires.find(key); e != d.expires.end()) d.expires.erase(e);
    }
  }
  shard.used_memory.fetch_add(EntryBytes(it->first, it->second), std::memory_order_relaxed);
  return it->second;
}

bool Keyspace::Delete(int db, std::string_view key) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  auto it = d.dict.find(key);
  if (it == d.dict.end()) return false;
  Erase(shard, d, it);
  return true;
}

bool Keyspace::Take(int db, std::string_view key, Object* out, int64_t* expire_ms) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  auto it = d.dict.find(key);
  if (it == d.dict.end()) return false;
  *expire_ms = -1;
  if (auto e = d.expires.find(key); e != d.expires.end()) *expire_ms = e->second;
  shard.used_memory.fetch_sub(EntryBytes(it->first, it->second), std::memory_order_relaxed);
  *out = std::move(it->second);
  if (!d.expires.empty()) d.expires.erase(it->first);
  d.dict.erase(it);
  return true;
}

int64_t Keyspace::GetExpire(int db, std::string_view key) {
  Db& d = ShardFor(key).dbs[db];
  if (d.expires.empty()) return -1;
  auto it = d.expires.find(key);
  return it == d.expires.end() ? -1 : it->second;
}

void Keyspace::SetExpire(int db, std::string_view key, int64_t when_ms) {
  Db& d = ShardFor(key).dbs[db];
  auto it = d.expires.find(key);
  if (it == d.expires.end()) {
    d.expires.emplace(std::string(key), when_ms);
  } else {
    it->second = when_ms;
  }
}

bool Keyspace::Persist(int db, std::string_view key) {
  Db& d = ShardFor(key).dbs[db];
  return d.expires.erase(std::string(key)) > 0;
}

void Keyspace::Charge(std::string_view key, Object& object, int64_t delta) {
  object.bytes += delta;
  ShardFor(key).used_memory.fetch_add(delta, std::memory_order_relaxed);
}

size_t Keyspace::DbSize(int db) {
  size_t n = 0;
  for (auto& shard : shards_) n += shard->dbs[db].dict.size();
  return n;
}

int64_t Keyspace::ExpiresCount(int db) {
  int64_t n = 0;
  for (auto& shard : shards_) n += static_cast<int64_t>(shard->dbs[db].expires.size());
  return n;
}

void Keyspace::FlushDb(int db) {
  for (auto& shard : shards_) {
    Db& d = shard->dbs[db];
    int64_t bytes = 0;
    for (const auto& [key, object] : d.dict) bytes += EntryBytes(key, object);
    shard->used_memory.fetch_sub(bytes, std::memory_order_relaxed);
    d.dict = decltype(d.dict)();
    d.expires = decltype(d.expires)();
  }
}

void Keyspace::SwapDb(int a, int b) {
  for (auto& shard : shards_) std::swap(shard->dbs[a], shard->dbs[b]);
}

bool Keyspace::RandomKey(int db, int64_t now_ms, std::string* key) {
  const size_t start = static_cast<size_t>(std::rand());
  for (int attempt = 0; attempt < 100; ++attempt) {
    for (size_t i = 0; i < shards_.size(); ++i) {
      Shard& shard = *shards_[(start + attempt + i) % shards_.size()];
      Db& d = shard.dbs[db];
      auto it = RandomEntry(d.dict, shard.rng);
      if (it == d.dict.end()) continue;
      std::string candidate = it->first;
      if (ExpireIfNeeded(shard, db, candidate, now_ms)) break;  // try again
      *key = std::move(candidate);
      return true;
    }
    if (DbSize(db) == 0) return false;
  }
  return false;
}

uint64_t Keyspace::Scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                        const std::function<void(const std::string&, Object&)>& fn) {
  size_t shard_index = cursor >> 40;
  size_t bucket = cursor & ((uint64_t{1} << 40) - 1);
  size_t visited = 0;
  std::vector<std::string> expired;
  while (shard_index < shards_.size() && visited < count) {
    Shard& shard = *shards_[shard_index];
    Db& d = shard.dbs[db];
    const size_t buckets = d.dict.bucket_count();
    while (bucket < buckets && visited < count) {
      for (auto it = d.dict.begin(bucket); it != d.dict.end(bucket); ++it) {
        auto e = d.expires.empty() ? d.expires.end() : d.expires.find(it->first);
        if (e != d.expires.end() && e->second <= now_ms) {
          expired.push_back(it->first);
          continue;
        }
        fn(it->first, it->second);
        ++visited;
      }
      ++bucket;
    }
    for (const std::string& key : expired) ExpireIfNeeded(shard, db, key, now_ms);
    expired.clear();
    if (bucket >= buckets) {
      ++shard_index;
      bucket = 0;
    }
  }
  if (shard_index >= shards_.size()) return 0;
  return static_cast<uint64_t>(shard_index) << 40 | bucket;
}

int64_t Keyspace::UsedMemory() const {
  int64_t total = 0;
  for (const auto& shard : shards_) total += shard->used_memory.load(std::memory_order_relaxed);
  return total;
}

int64_t Keyspace::ActiveExpireCycle(int64_t now_ms) {
  g_lru_clock.store(ComputeLruClock(), std::memory_order_relaxed);
  int64_t expired_total = 0;
  std::vector<std::string> batch;
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard<std::mutex> lock(shard.mu);
    for (int db = 0; db < databases_; ++db) {
      Db& d = shard.dbs[db];
      for (int round = 0; round < 16 && !d.expires.empty(); ++round) {
        batch.clear();
        const int sample = static_cast<int>(std::min<size_t>(kExpireSample, d.expires.size()));
        for (int i = 0; i < sample; ++i) {
          auto it = RandomEntry(d.expires, shard.rng);
          if (it != d.expires.end() && it->second <= now_ms) batch.push_back(it->first);
        }
        int expired = 0;
        for (const std::string& key : batch) expired += ExpireIfNeeded(shard, db, key, now_ms);
        expired_total += expired;
        if (expired * 4 <= sample) break;
      }
      // Give memory back after mass deletions, so sampling stays cheap.
      if (d.dict.bucket_count() > 1024 && d.dict.size() * 8 < d.dict.bucket_count())
        d.dict.rehash(0);
      if (d.expires.bucket_count() > 1024 && d.expires.size() * 8 < d.expires.bucket_count()) {
        d.expires.rehash(0);
      }
    }
  }
  return expired_total;
}

bool Keyspace::EvictOne(EvictionPolicy policy, int64_t now_ms) {
  if (policy == EvictionPolicy::kNoEviction) return false;
  const bool volatile_only =
      policy == EvictionPolicy::kVolatileLru || policy == EvictionPolicy::kVolatileLfu ||
      policy == EvictionPolicy::kVolatileRandom || policy == EvictionPolicy::kVolatileTtl;
  const size_t start = evict_cursor_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = *shards_[(start + i) % shards_.size()];
    std::lock_guard<std::mutex> lock(shard.mu);
    for (int db = 0; db < databases_; ++db) {
      Db& d = shard.dbs[db];
      if (volatile_only ? d.expires.empty() : d.dict.empty()) continue;
      // Pick the best of a few samples: lowest score goes.
      std::string best;
      double best_score = 0;
      bool found = false;
      for (int s = 0; s < kEvictSample; ++s) {
        std::string key;
        double score = 0;
        if (volatile_only) {
          auto e = RandomEntry(d.expires, shard.rng);
          key = e->first;
          if (policy == EvictionPolicy::kVolatileTtl) score = static_cast<double>(e->second);
        } else {
          key = RandomEntry(d.dict, shard.rng)->first;
        }
        auto obj = d.dict.find(key);
        if (obj == d.dict.end()) continue;
        switch (policy) {
          case EvictionPolicy::kAllKeysLru:
          case EvictionPolicy::kVolatileLru:
            score = obj->second.access;
            break;
          case EvictionPolicy::kAllKeysLfu:
          case EvictionPolicy::kVolatileLfu:
            score = LfuCounter(obj->second);
            break;
          case EvictionPolicy::kAllKeysRandom:
          case EvictionPolicy::kVolatileRandom:
            score = static_cast<double>(shard.rng());
            break;
          default:
            break;
        }
        if (!found || score < best_score) {
          best = std::move(key);
          best_score = score;
          found = true;
        }
      }
      if (!found) continue;
      auto it = d.dict.find(best);
      if (listener_) listener_(Removal::kEvicted, db, best);
      Erase(shard, d, it);
      return true;
    }
  }
  return false;
}

}  // namespace aio::cache
