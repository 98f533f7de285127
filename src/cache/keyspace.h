// Keyspace: the 16 (databases) logical databases of the cache, split into shards by key hash.
// Each shard owns a mutex and, per database, the key -> Object dictionary and the key -> expiry
// (Unix ms) table, as Redis's db->dict and db->expires. Lazy expiry happens in Find(), active
// expiry in ActiveExpireCycle() (sampling, as Redis's activeExpireCycle), eviction in Evict().
//
// Threading: see docs/threading.md. Methods taking a Shard& or a (db, key) on a request path
// REQUIRE the shard's mutex held by the caller (the dispatcher locks every shard a command names,
// in ascending order). ActiveExpireCycle() and Evict() lock shards themselves, one at a time, and
// must be called with no shard lock held. UsedMemory() and the counters are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/object.h"

namespace aio::cache {

enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
// Redis's names: "allkeys-lru", ...; false for an unknown name.
bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* policy);
const char* EvictionPolicyName(EvictionPolicy policy);

struct Db {
  std::unordered_map<std::string, Object, StringHash, StringEq> dict;
  std::unordered_map<std::string, int64_t, StringHash, StringEq> expires;  // Unix ms
};

struct Shard {
  std::mutex mu;
  std::vector<Db> dbs;
  std::atomic<int64_t> used_memory{0};
  std::minstd_rand rng;  // sampling; under mu
};

// Why a key left without a command deleting it.
enum class Removal { kExpired, kEvicted };

class Keyspace {
 public:
  // Called with the key's shard lock held; must not lock shards.
  using RemovalListener = std::function<void(Removal why, int db, std::string_view key)>;

  Keyspace(int shards, int databases);

  void set_removal_listener(RemovalListener listener) { listener_ = std::move(listener); }
  void set_lfu(bool lfu) { lfu_ = lfu; }

  int databases() const { return databases_; }
  size_t shard_count() const { return shards_.size(); }
  size_t ShardOf(std::string_view key) const;
  Shard& shard(size_t i) { return *shards_[i]; }
  Shard& ShardFor(std::string_view key) { return *shards_[ShardOf(key)]; }

  // --- REQUIRES the key's shard lock -------------------------------------------------------
  // The live object, expiring it first when its time has passed; touches LRU/LFU unless
  // `touch` is false. nullptr when absent.
  Object* Find(int db, std::string_view key, int64_t now_ms, bool touch = true);
  // Stores `object` under `key`, replacing any value. The TTL is removed unless `keep_ttl`.
  Object& Put(int db, std::string_view key, Object object, bool keep_ttl = false);
  bool Delete(int db, std::string_view key);
  // Takes the object out (RENAME, MOVE) with its TTL (-1 = none) in *ttl.
  bool Take(int db, std::string_view key, Object* out, int64_t* expire_ms);
  // -1 when the key has no TTL. REQUIRES the key to exist.
  int64_t GetExpire(int db, std::string_view key);
  void SetExpire(int db, std::string_view key, int64_t when_ms);
  bool Persist(int db, std::string_view key);
  // Charges `delta` bytes more (or less) to `object`, which lives under `key`.
  void Charge(std::string_view key, Object& object, int64_t delta);

  // --- lock all shards first ----------------------------------------------------------------
  size_t DbSize(int db);
  int64_t ExpiresCount(int db);
  void FlushDb(int db);
  void SwapDb(int a, int b);
  // A random live key, or false.
  bool RandomKey(int db, int64_t now_ms, std::string* key);
  // One step of SCAN: visits some keys from `cursor`, calls `fn` with each live key, and returns
  // the next cursor (0 when done). Cursor = shard << 40 | bucket.
  uint64_t Scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                const std::function<void(const std::string&, Object&)>& fn);

  // --- lock-free / self-locking ---------------------------------------------------------------
  int64_t UsedMemory() const;
  // Expires keys by sampling, as Redis: per shard and database, 20 keys with a TTL at a time,
  // again while more than a quarter were expired. Returns the number expired.
  int64_t ActiveExpireCycle(int64_t now_ms);
  // Evicts one key by `policy` from a sample of keys. False when nothing can be evicted.
  bool EvictOne(EvictionPolicy policy, int64_t now_ms);

  // LRU clock (seconds) and LFU helpers.
  static uint32_t LruClock();
  uint32_t NewAccess() const;
  void Touch(Object& object) const;
  // Seconds since the last access (OBJECT IDLETIME) and the LFU counter (OBJECT FREQ).
  static int64_t IdleSeconds(const Object& object);
  static int LfuCounter(const Object& object);

  static int64_t EntryBytes(std::string_view key, const Object& object);

 private:
  bool ExpireIfNeeded(Shard& shard, int db, std::string_view key, int64_t now_ms);
  void Erase(Shard& shard, Db& d,
             std::unordered_map<std::string, Object, StringHash, StringEq>::iterator it);

  const int databases_;
  std::vector<std::unique_ptr<Shard>> shards_;
  RemovalListener listener_;
  std::atomic<bool> lfu_{false};
  std::atomic<size_t> evict_cursor_{0};
};

}  // namespace aio::cache
