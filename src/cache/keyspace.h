// Keyspace: the 16 (databases) logical databases of the cache, split into shards by key hash.
// Each shard owns a mutex and, per database, the key -> Object dictionary and, for the keys with a
// TTL only, the key -> expiry (Unix ms) table, as Redis's db->dict and db->expires. Both are
// Dicts (dict.h) of pointers: an Object holds its key (object.h), an Expiry points to its Object,
// so no key is stored twice. Lazy expiry happens in Find(), active expiry in ActiveExpireCycle()
// (sampling, as Redis's activeExpireCycle), eviction in Evict().
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
#include <vector>

#include "cache/dict.h"
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

// A key and its Dict hash, which picks both the shard (high bits) and the table slot (low bits).
// The dispatcher hashes each key of a command once (CommandContext::Hashed); a bare string_view
// (or string) converts implicitly and is hashed then.
struct HashedKey {
  HashedKey(std::string_view k) : key(k), hash(Dict<Object>::Hash(k)) {}  // NOLINT: implicit
  HashedKey(const std::string& k) : HashedKey(std::string_view(k)) {}     // NOLINT: implicit
  HashedKey(const char* k) : HashedKey(std::string_view(k)) {}            // NOLINT: implicit
  HashedKey(std::string_view k, size_t h) : key(k), hash(h) {}
  std::string_view key;
  size_t hash;
};

// A key's TTL: its entry (the table is keyed by the entry's key) and when it expires.
struct Expiry {
  Object* object;
  int64_t when_ms;  // Unix ms
  std::string_view key() const { return object->key(); }
};

// One database of one shard. Owns its entries; moving swaps (SWAPDB).
struct Db {
  Db() = default;
  Db(Db&&) = default;
  Db& operator=(Db&&) = default;
  ~Db() { Clear(); }
  // Frees every entry and TTL.
  void Clear();

  Dict<Object> dict;
  Dict<Expiry> expires;  // only keys with a TTL (Object::has_expire)
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
  // The shard index of a key whose Dict hash is `hash` (HashedKey::hash).
  size_t ShardOf(size_t hash) const { return (hash >> 40) % shards_.size(); }
  Shard& shard(size_t i) { return *shards_[i]; }
  Shard& ShardFor(const HashedKey& key) { return *shards_[ShardOf(key.hash)]; }

  // --- REQUIRES the key's shard lock -------------------------------------------------------
  // The live object, expiring it first when its time has passed; touches LRU/LFU unless
  // `touch` is false. nullptr when absent.
  Object* Find(int db, const HashedKey& key, int64_t now_ms, bool touch = true);
  // Stores `object` under `key`, replacing any value. The TTL is removed unless `keep_ttl`. An
  // aggregate keeps the bytes charged to it.
  Object& Put(int db, const HashedKey& key, ObjectPtr object, bool keep_ttl = false);
  // Put() of a string value, in one allocation (SET, INCR, SETRANGE...). An inline string whose
  // block has room for the new value (without wasting over half of it) is rewritten in place, as
  // Redis's SET of a same-sized value costs no allocation; otherwise a new entry replaces it.
  // Objects found before under `key` may be gone: use the returned one.
  Object& SetString(int db, const HashedKey& key, std::string_view value, bool keep_ttl = false);
  // Appends to the string `object` (stored in `db`) and returns it, at a new address the first
  // time: an appended string moves to a separate growable buffer (Redis's raw encoding).
  Object& AppendString(int db, Object& object, std::string_view suffix);
  bool Delete(int db, const HashedKey& key);
  // Takes the object out (RENAME, MOVE) with its TTL (-1 = none) in *expire_ms.
  bool Take(int db, const HashedKey& key, ObjectPtr* out, int64_t* expire_ms);
  // -1 when the key has no TTL or does not exist.
  int64_t GetExpire(int db, const HashedKey& key);
  // Sets the TTL of an existing key (nothing for a missing one). Entries do not move.
  void SetExpire(int db, const HashedKey& key, int64_t when_ms);
  bool Persist(int db, const HashedKey& key);
  // Charges `delta` bytes more (or less) to the aggregate `object`, which lives under `key`
  // (a string's charge follows its length by itself).
  void Charge(const HashedKey& key, Object& object, int64_t delta);

  // --- lock all shards first ----------------------------------------------------------------
  size_t DbSize(int db);
  int64_t ExpiresCount(int db);
  void FlushDb(int db);
  void SwapDb(int a, int b);
  // A random live key, or false.
  bool RandomKey(int db, int64_t now_ms, std::string* key);
  // One step of SCAN: visits some keys from `cursor`, calls `fn` with each live key, and returns
  // the next cursor (0 when done). Cursor = shard << 40 | the shard's Dict::Scan cursor, so every
  // key present for the whole scan is returned at least once, across table resizes (Redis's
  // guarantee).
  uint64_t Scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                const std::function<void(std::string_view, Object&)>& fn);

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
  // Seconds since the last access (OBJECT IDLETIME; the 24-bit clock wraps as Redis's) and the
  // LFU counter (OBJECT FREQ).
  static int64_t IdleSeconds(const Object& object);
  static int LfuCounter(const Object& object);

  // What an entry is charged to maxmemory: key, value and an approximation of the overhead.
  static int64_t EntryBytes(const Object& object);
  // The TTL (Unix ms) of an entry of `d`, -1 when it has none.
  static int64_t ExpireOf(const Db& d, const Object& object);

 private:
  // `hash` is the Dict hash of object.key().
  bool ExpireIfNeeded(Shard& shard, int db, Object& object, size_t hash, int64_t now_ms);
  // Removes `object` (an entry of `d`, its key hashing to `hash`) with its TTL and frees it.
  void Erase(Shard& shard, Db& d, Object& object, size_t hash);
  // Stores the new entry `entry` (whose key hashes to `hash`) in `d`, replacing `old` (the entry
  // under that key, or null; its TTL moves to `entry` when `keep_ttl`) and charging `shard`.
  Object& Store(Shard& shard, Db& d, size_t hash, Object* entry, Object* old, bool keep_ttl);

  const int databases_;
  std::vector<std::unique_ptr<Shard>> shards_;
  RemovalListener listener_;
  std::atomic<bool> lfu_{false};
  std::atomic<size_t> evict_cursor_{0};
};

}  // namespace aio::cache
