// ConfigCenter: versioned configuration over a store::KvStore. Each key has one item per
// environment (default, dev, test, staging, prod); reads in an environment fall back to
// `default`. Every change (put, delete, restore, rollback, import) writes a new version (+1) and a
// history record in one Txn that compares the item's mod_revision, so concurrent writers never
// lose an update (a lost race is retried on the fresh state). Nothing is ever removed except by
// Purge: delete is soft (restorable), rollback to N writes version N+k with N's content.
//
// Key schema (this file is its home):
//   /aio/config/items/<env>/<key>                     current item (ConfigItem JSON)
//   /aio/config/history/<env>/<key>/<version, %020d>  every version ever written
//
// Permissions: every call takes the caller's auth::Identity; reading a key needs
// CheckResource(kConfig, key, kRead), writing kWrite. Lists and history only show keys the caller
// may read. Encrypted values: Get decrypts for the caller (who has read on the key by then); List,
// History and Diff mask them ("******") unless the caller asks to reveal, and an "allowed caller"
// for reveal is exactly one holding read on that key. Export keeps ciphertext.
//
// Watch: Subscribe() for streams (gRPC) and Poll() for HTTP long-polls; each ConfigChange carries
// the old and the new version. Both are fed by one store watch on /aio/config/items/, drained by
// the center's own thread, which also expires long-polls.
//
// Errors: InvalidArgument (bad key, env, type, value, JSON), NotFound, FailedPrecondition (version
// mismatch, purge of a live item, encrypted value without system.config_salt), PermissionDenied,
// Aborted (too many concurrent writers), Unavailable (stopping), store errors as they are.
// Thread-safe. Start() and Stop() from one owner thread; callbacks run on the center's thread and
// must not block.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/auth_service.h"
#include "base/clock.h"
#include "configcenter/config_cipher.h"
#include "configcenter/config_item.h"
#include "nlohmann/json.hpp"
#include "store/kv_store.h"

namespace aio::configcenter {

inline constexpr std::string_view kItemsPrefix = "/aio/config/items/";
inline constexpr std::string_view kHistoryPrefix = "/aio/config/history/";

struct ConfigCenterOptions {
  std::string config_salt;  // system.config_salt; empty = encrypted values are refused
  base::Clock* wall_clock = base::WallClock::Get();  // updated_at (Unix ms)
  int max_retries = 16;                              // Txn attempts of one change under contention
};

struct PutRequest {
  std::string key;
  std::string env = std::string(kDefaultEnv);
  ValueType type = ValueType::kString;
  std::string value;  // plaintext, validated against `type`
  std::string description;
  std::map<std::string, std::string> metadata;
  // When set, the write happens only if the item is at this version (0 = does not exist yet).
  std::optional<int64_t> expected_version;
};

// How an encrypted value is shown.
enum class Reveal { kMask, kPlain };

struct FieldChange {
  std::string field;  // type, value, description, metadata, deleted
  nlohmann::json from;
  nlohmann::json to;
};

struct ConfigDiff {
  ConfigItem from;
  ConfigItem to;
  std::vector<FieldChange> changes;  // empty when the versions' contents are equal
  // For two json values: the RFC 6902 patch from `from` to `to` (nlohmann::json::diff).
  std::optional<nlohmann::json> json_patch;
};

struct ImportResult {
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;  // same type, value, description and metadata: no new version
};

struct ConfigChange {
  std::string env;
  std::string key;
  std::string op;           // put, delete, restore, rollback, import, purge
  int64_t old_version = 0;  // 0 when the key did not exist
  int64_t new_version = 0;  // 0 after a purge
  int64_t revision = 0;     // store revision of the change (the watch watermark)
};

// Which changes a watcher wants: these keys in `env`, and in `default` (its fallback).
struct WatchFilter {
  std::string env = std::string(kDefaultEnv);
  std::vector<std::string> keys;  // non-empty
};

struct PollResult {
  std::vector<ConfigChange> changes;  // empty on timeout
  int64_t revision = 0;               // pass as after_revision to the next Poll
};

class ConfigCenter {
 public:
  // `store` (and `auth`, null = no permission checks) must outlive the center.
  ConfigCenter(store::KvStore* store, auth::AuthService* auth, ConfigCenterOptions options);
  ~ConfigCenter();  // Stop()s

  // Opens the store watch and starts the center's thread.
  absl::Status Start();
  // Answers pending polls with Unavailable "config center is stopping", drops subscribers, joins.
  void Stop();

  // The item `key` of `env`, else (env != default) of `default`; value decrypted. NotFound
  // `config "k" not found in environment "prod" or "default"`.
  absl::StatusOr<ConfigItem> Get(const auth::Identity& who, std::string_view env,
                                 std::string_view key);
  // The keys visible in `env` (its own items over default's), sorted, whose name starts with
  // `prefix` and that the caller may read; deleted items of `env` only with include_deleted.
  absl::StatusOr<std::vector<ConfigItem>> List(const auth::Identity& who, std::string_view env,
                                               std::string_view prefix, bool include_deleted,
                                               Reveal reveal);
  absl::StatusOr<ConfigItem> Put(const auth::Identity& who, const PutRequest& request);
  // Soft delete: a new version marked deleted. NotFound if absent or already deleted.
  absl::StatusOr<ConfigItem> Delete(const auth::Identity& who, std::string_view env,
                                    std::string_view key);
  // A new version with the content of the last version before the delete. FailedPrecondition if
  // the item is not deleted.
  absl::StatusOr<ConfigItem> Restore(const auth::Identity& who, std::string_view env,
                                     std::string_view key);
  // Removes a deleted item and its whole history; returns the number of versions removed.
  // FailedPrecondition if the item is not deleted.
  absl::StatusOr<int64_t> Purge(const auth::Identity& who, std::string_view env,
                                std::string_view key);
  // Every version, oldest first.
  absl::StatusOr<std::vector<ConfigItem>> History(const auth::Identity& who, std::string_view env,
                                                  std::string_view key, Reveal reveal);
  absl::StatusOr<ConfigDiff> Diff(const auth::Identity& who, std::string_view env,
                                  std::string_view key, int64_t from, int64_t to, Reveal reveal);
  // A new version with the type, value, description and metadata of `version`. NotFound
  // `config "k" in environment "dev" has no version 9 (versions 1..4)`; nothing is written then.
  absl::StatusOr<ConfigItem> Rollback(const auth::Identity& who, std::string_view env,
                                      std::string_view key, int64_t version);

  // {"format":"aio-config/v1","env":..,"items":[{key,type,value,description,metadata}]} of the
  // live items of `env` (no fallback) that the caller may read; encrypted values stay ciphertext.
  absl::StatusOr<nlohmann::json> Export(const auth::Identity& who, std::string_view env);
  // Imports an Export document into `env` (the document's env when empty). Every item is
  // validated (and every ciphertext decrypted) before anything is written; items are written in
  // transactions of up to 60.
  absl::StatusOr<ImportResult> Import(const auth::Identity& who, std::string_view env,
                                      const nlohmann::json& document);

  // Calls `on_change` for every change matching `filter` made after this call, until
  // Unsubscribe. Returns its ID.
  // InvalidArgument for a bad filter, PermissionDenied without read on a key.
  absl::StatusOr<uint64_t> Subscribe(const auth::Identity& who, const WatchFilter& filter,
                                     std::function<void(const ConfigChange&)> on_change);
  void Unsubscribe(uint64_t id);
  // Long-poll: `done` gets the changes of `filter` after store revision `after_revision` as soon
  // as there are any (at once if some happened already), or an empty result after `timeout`.
  // Each change's old_version is the version current at `after_revision` (0 if none), its
  // new_version the current one. `done` runs exactly once (on the caller's thread for an
  // immediate answer or an error, else on the center's thread).
  void Poll(const auth::Identity& who, const WatchFilter& filter, int64_t after_revision,
            std::chrono::milliseconds timeout,
            std::function<void(absl::StatusOr<PollResult>)> done);

 private:
  struct Stored {  // an item as read, with its store mod_revision (0 when absent)
    std::optional<ConfigItem> item;
    int64_t mod_revision = 0;
    int64_t revision = 0;  // the store revision the read was served at
  };
  struct Waiter;
  struct Subscriber;
  // One change: `make` computes the new item from the current one (absent when the key does not
  // exist); the item and its history record are written by one Txn conditioned on the item's
  // mod_revision, retried on a lost race.
  using MakeItem = std::function<absl::StatusOr<ConfigItem>(const std::optional<ConfigItem>&)>;
  absl::StatusOr<ConfigItem> Change(const auth::Identity& who, std::string_view env,
                                    std::string_view key, const MakeItem& make);

  absl::Status Check(const auth::Identity& who, std::string_view key, uint32_t action) const;
  absl::StatusOr<Stored> Read(std::string_view env, std::string_view key) const;
  // Every item stored under `prefix`, in key order.
  absl::StatusOr<std::vector<ConfigItem>> ReadPrefix(const std::string& prefix) const;
  absl::StatusOr<std::vector<ConfigItem>> ReadHistory(std::string_view env,
                                                      std::string_view key) const;
  absl::StatusOr<std::vector<ConfigItem>> ReadEnv(std::string_view env) const;
  // Ciphertext of `plaintext` for env/key; FailedPrecondition without a salt.
  absl::StatusOr<std::string> Seal(std::string_view env, std::string_view key,
                                   std::string_view plaintext) const;
  absl::StatusOr<std::string> Open(std::string_view env, std::string_view key,
                                   std::string_view stored) const;
  // Replaces the stored value of an encrypted item by its plaintext or the mask.
  absl::Status Present(ConfigItem& item, Reveal reveal) const;
  // Changes of `filter` already made after `after_revision`; sets *revision to the read revision.
  absl::StatusOr<std::vector<ConfigChange>> ChangesSince(const WatchFilter& filter,
                                                         int64_t after_revision,
                                                         int64_t* revision) const;

  void Run();  // the center's thread
  void Deliver(const std::vector<store::Event>& events);
  void ExpireWaiters();

  store::KvStore* const store_;
  auth::AuthService* const auth_;
  const ConfigCenterOptions options_;
  std::optional<ConfigCipher> cipher_;  // none without a salt

  std::unique_ptr<store::WatchStream> watch_;
  std::thread thread_;
  // Guards the watch state below; the center's thread waits on wake_.
  std::mutex mu_;
  std::condition_variable wake_;
  bool ready_ = false;  // the store watch has responses
  bool stopping_ = false;
  bool started_ = false;
  int64_t synced_revision_ = 0;  // every change up to here has been delivered
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Waiter>> waiters_;
  std::map<uint64_t, std::shared_ptr<Subscriber>> subscribers_;
};

}  // namespace aio::configcenter
