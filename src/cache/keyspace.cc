#include "cache/keyspace.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace aio::cache {
namespace {

// The entry header (8), the allocator's chunk header (8) and a table slot at about half load (16).
constexpr int64_t kEntryOverhead = 32;
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

void Db::Clear() {
  dict.ForEach(ObjectDeleter());
  expires.ForEach([](Expiry* expiry) { delete expiry; });
  dict.Clear();
  expires.Clear();
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

uint32_t Keyspace::LruClock() {
  return g_lru_clock.load(std::memory_order_relaxed) & Object::kAccessMask;
}

uint32_t Keyspace::NewAccess() const { return lfu_ ? (Minutes() << 8 | kLfuInit) : LruClock(); }

void Keyspace::Touch(Object& object) const {
  if (!lfu_) {
    object.set_access(LruClock());
    return;
  }
  // Redis's LFU: decay one step per idle minute, then a logarithmic increment.
  const uint32_t now = Minutes();
  int counter = static_cast<int>(object.access() & 0xFF);
  const uint32_t last = object.access() >> 8;
  const uint32_t idle = now >= last ? now - last : 0xFFFF - last + now;
  counter = idle > static_cast<uint32_t>(counter) ? 0 : counter - static_cast<int>(idle);
  if (counter < 255) {
    const double base = std::max(0, counter - kLfuInit);
    const double p = 1.0 / (base * kLfuLogFactor + 1);
    if (static_cast<double>(std::rand()) / RAND_MAX < p) ++counter;
  }
  object.set_access(now << 8 | static_cast<uint32_t>(counter));
}

int64_t Keyspace::IdleSeconds(const Object& object) {
  const int64_t now = LruClock();
  const int64_t last = object.access();
  return now >= last ? now - last : now + Object::kAccessMask + 1 - last;
}

int Keyspace::LfuCounter(const Object& object) { return static_cast<int>(object.access() & 0xFF); }

int64_t Keyspace::EntryBytes(const Object& object) {
  return kEntryOverhead + static_cast<int64_t>(object.key().size()) + object.bytes();
}

int64_t Keyspace::ExpireOf(const Db& d, const Object& object) {
  if (!object.has_expire()) return -1;
  return d.expires.Find(object.key())->when_ms;
}

bool Keyspace::ExpireIfNeeded(Shard& shard, int db, Object& object, size_t hash, int64_t now_ms) {
  if (!object.has_expire()) return false;
  Db& d = shard.dbs[db];
  if (d.expires.Find(object.key(), hash)->when_ms > now_ms) return false;
  // The listener sees the key before it goes (keyspace events, WATCH).
  if (listener_) listener_(Removal::kExpired, db, object.key());
  Erase(shard, d, object, hash);
  return true;
}

void Keyspace::Erase(Shard& shard, Db& d, Object& object, size_t hash) {
  shard.used_memory.fetch_sub(EntryBytes(object), std::memory_order_relaxed);
  if (object.has_expire()) delete d.expires.Remove(object.key(), hash);
  d.dict.Remove(object.key(), hash);
  Object::Destroy(&object);
}

Object* Keyspace::Find(int db, const HashedKey& key, int64_t now_ms, bool touch) {
  Shard& shard = ShardFor(key);
  Object* object = shard.dbs[db].dict.Find(key.key, key.hash);
  if (object == nullptr) return nullptr;
  if (ExpireIfNeeded(shard, db, *object, key.hash, now_ms)) return nullptr;
  if (touch) Touch(*object);
  return object;
}

Object& Keyspace::Store(Shard& shard, Db& d, size_t hash, Object* entry, Object* old,
                        bool keep_ttl) {
  if (old == nullptr) {
    d.dict.Insert(entry, hash);
  } else {
    shard.used_memory.fetch_sub(EntryBytes(*old), std::memory_order_relaxed);
    d.dict.Replace(entry, hash);
    if (old->has_expire()) {
      if (keep_ttl) {
        d.expires.Find(entry->key(), hash)->object = entry;
        entry->set_has_expire(true);
      } else {
        delete d.expires.Remove(entry->key(), hash);
      }
    }
    Object::Destroy(old);
  }
  shard.used_memory.fetch_add(EntryBytes(*entry), std::memory_order_relaxed);
  return *entry;
}

Object& Keyspace::Put(int db, const HashedKey& key, ObjectPtr object, bool keep_ttl) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  Object* entry = Object::Rekey(key.key, std::move(object));
  entry->set_access(NewAccess());
  return Store(shard, d, key.hash, entry, d.dict.Find(key.key, key.hash), keep_ttl);
}

Object& Keyspace::SetString(int db, const HashedKey& key, std::string_view value, bool keep_ttl) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  Object* old = d.dict.Find(key.key, key.hash);
  if (old != nullptr) {
    const int64_t old_length = old->embedded() ? static_cast<int64_t>(old->str().size()) : 0;
    if (old->RewriteInPlace(value)) {
      shard.used_memory.fetch_add(static_cast<int64_t>(value.size()) - old_length,
                                  std::memory_order_relaxed);
      if (old->has_expire() && !keep_ttl) {
        delete d.expires.Remove(key.key, key.hash);
        old->set_has_expire(false);
      }
      old->set_access(NewAccess());
      return *old;
    }
  }
  Object* entry = Object::NewEmbedded(key.key, value);
  entry->set_access(NewAccess());
  return Store(shard, d, key.hash, entry, old, keep_ttl);
}

Object& Keyspace::AppendString(int db, Object& object, std::string_view suffix) {
  const size_t hash = Dict<Object>::Hash(object.key());
  Shard& shard = *shards_[ShardOf(hash)];
  if (object.word_ & Object::kRaw) {
    static_cast<std::string*>(object.Pointer())->append(suffix);
    shard.used_memory.fetch_add(static_cast<int64_t>(suffix.size()), std::memory_order_relaxed);
    return object;
  }
  auto* value = new std::string(object.str());
  value->append(suffix);
  Object* entry = Object::NewRaw(object.key(), value);
  entry->set_access(object.access());
  return Store(shard, shard.dbs[db], hash, entry, &object, true);
}

bool Keyspace::Delete(int db, const HashedKey& key) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  Object* object = d.dict.Find(key.key, key.hash);
  if (object == nullptr) return false;
  Erase(shard, d, *object, key.hash);
  return true;
}

bool Keyspace::Take(int db, const HashedKey& key, ObjectPtr* out, int64_t* expire_ms) {
  Shard& shard = ShardFor(key);
  Db& d = shard.dbs[db];
  Object* object = d.dict.Find(key.key, key.hash);
  if (object == nullptr) return false;
  *expire_ms = ExpireOf(d, *object);
  shard.used_memory.fetch_sub(EntryBytes(*object), std::memory_order_relaxed);
  if (object->has_expire()) delete d.expires.Remove(key.key, key.hash);
  object->set_has_expire(false);
  d.dict.Remove(key.key, key.hash);
  out->reset(object);
  return true;
}

int64_t Keyspace::GetExpire(int db, const HashedKey& key) {
  Db& d = ShardFor(key).dbs[db];
  const Object* object = d.dict.Find(key.key, key.hash);
  if (object == nullptr || !object->has_expire()) return -1;
  return d.expires.Find(key.key, key.hash)->when_ms;
}

void Keyspace::SetExpire(int db, const HashedKey& key, int64_t when_ms) {
  Db& d = ShardFor(key).dbs[db];
  Object* object = d.dict.Find(key.key, key.hash);
  if (object == nullptr) return;
  if (object->has_expire()) {
    d.expires.Find(key.key, key.hash)->when_ms = when_ms;
  } else {
    d.expires.Insert(new Expiry{object, when_ms}, key.hash);
    object->set_has_expire(true);
  }
}

bool Keyspace::Persist(int db, const HashedKey& key) {
  Db& d = ShardFor(key).dbs[db];
  Object* object = d.dict.Find(key.key, key.hash);
  if (object == nullptr || !object->has_expire()) return false;
  delete d.expires.Remove(key.key, key.hash);
  object->set_has_expire(false);
  return true;
}

void Keyspace::Charge(const HashedKey& key, Object& object, int64_t delta) {
  object.AddBytes(delta);
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
    d.dict.ForEach([&bytes](const Object* object) { bytes += EntryBytes(*object); });
    shard->used_memory.fetch_sub(bytes, std::memory_order_relaxed);
    d.Clear();
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
      Object* object = shard.dbs[db].dict.Random(shard.rng);
      if (object == nullptr) continue;
      if (ExpireIfNeeded(shard, db, *object, Dict<Object>::Hash(object->key()), now_ms)) {
        break;  // try again
      }
      *key = object->key();
      return true;
    }
    if (DbSize(db) == 0) return false;
  }
  return false;
}

uint64_t Keyspace::Scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                        const std::function<void(std::string_view, Object&)>& fn) {
  constexpr uint64_t kBucketMask = (uint64_t{1} << 40) - 1;
  size_t shard_index = cursor >> 40;
  uint64_t bucket = cursor & kBucketMask;
  size_t visited = 0;
  std::vector<Object*> expired;
  while (shard_index < shards_.size() && visited < count) {
    Shard& shard = *shards_[shard_index];
    Db& d = shard.dbs[db];
    bucket = d.dict.Scan(bucket, [&](Object* object) {
      if (object->has_expire() && d.expires.Find(object->key())->when_ms <= now_ms) {
        expired.push_back(object);
        return;
      }
      fn(object->key(), *object);
      ++visited;
    });
    for (Object* object : expired) {
      ExpireIfNeeded(shard, db, *object, Dict<Object>::Hash(object->key()), now_ms);
    }
    expired.clear();
    if (bucket == 0) ++shard_index;
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
  std::vector<Object*> batch;
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard<std::mutex> lock(shard.mu);
    for (int db = 0; db < databases_; ++db) {
      Db& d = shard.dbs[db];
      for (int round = 0; round < 16 && !d.expires.empty(); ++round) {
        batch.clear();
        const int sample = static_cast<int>(std::min<size_t>(kExpireSample, d.expires.size()));
        for (int i = 0; i < sample; ++i) {
          const Expiry* e = d.expires.Random(shard.rng);
          // A key sampled twice is expired once.
          if (e->when_ms <= now_ms &&
              std::find(batch.begin(), batch.end(), e->object) == batch.end()) {
            batch.push_back(e->object);
          }
        }
        for (Object* object : batch) {
          ExpireIfNeeded(shard, db, *object, Dict<Object>::Hash(object->key()), now_ms);
        }
        const int expired = static_cast<int>(batch.size());
        expired_total += expired;
        if (expired * 4 <= sample) break;
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
      Object* best = nullptr;
      double best_score = 0;
      for (int s = 0; s < kEvictSample; ++s) {
        Object* object = nullptr;
        double score = 0;
        if (volatile_only) {
          const Expiry* e = d.expires.Random(shard.rng);
          object = e->object;
          if (policy == EvictionPolicy::kVolatileTtl) score = static_cast<double>(e->when_ms);
        } else {
          object = d.dict.Random(shard.rng);
        }
        switch (policy) {
          case EvictionPolicy::kAllKeysLru:
          case EvictionPolicy::kVolatileLru:
            score = -static_cast<double>(IdleSeconds(*object));
            break;
          case EvictionPolicy::kAllKeysLfu:
          case EvictionPolicy::kVolatileLfu:
            score = LfuCounter(*object);
            break;
          case EvictionPolicy::kAllKeysRandom:
          case EvictionPolicy::kVolatileRandom:
            score = static_cast<double>(shard.rng());
            break;
          default:
            break;
        }
        if (best == nullptr || score < best_score) {
          best = object;
          best_score = score;
        }
      }
      if (listener_) listener_(Removal::kEvicted, db, best->key());
      Erase(shard, d, *best, Dict<Object>::Hash(best->key()));
      return true;
    }
  }
  return false;
}

}  // namespace aio::cache
