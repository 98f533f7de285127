// Registry: AIO's service registry (seed 003 semantics) on store::KvStore.
//
// Every instance is one key, <prefix>/<name>/<id>, holding ToJson(instance); no leases. Clients
// renew (Renew, or gRPC heartbeats), which sets last_renew_time; a sweep every renew_interval marks
// instances whose last renewal is older than ttl offline (kept, with offline_time), and a renewal
// brings an offline instance back to active. Only Unregister and RemoveService delete keys. The
// sweep runs only where is_sweep_leader() says so (the node that won the election), so a cluster
// of nodes over one store sweeps once.
//
// Reads (Discover, GetService, ListServices, stats, health) are served from an in-memory view that
// a store watch on the prefix keeps current, so writes by other nodes show up within the watch
// latency; each write method returns once the view holds its own write (read-your-writes).
// Subscribers (Subscribe) get a snapshot, then every change but pure renewals, from the same watch.
//
// Errors: InvalidArgument for a bad registration (see ValidateRegistration), NotFound "service not
// found" for an unknown id, Unavailable "registry is stopped" after Stop(), Aborted when an
// instance kept changing under three attempts of one write, and the store's errors unchanged.
//
// Thread-safe. Times are wall-clock ms since the Unix epoch from options.clock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "registry/instance.h"
#include "store/kv_store.h"

namespace aio::registry {

struct RegistryOptions {
  std::string prefix = "/aio/registry";   // keys are <prefix>/<name>/<id>; no trailing '/'
  int64_t ttl_ms = 30'000;                // no renewal for this long -> offline
  int64_t renew_interval_ms = 10'000;     // sweep period; 0 = no sweep thread (tests call Sweep)
  const base::Clock* clock = nullptr;     // null = base::WallClock
  std::function<bool()> is_sweep_leader;  // null = this node always sweeps
};

// Discover's filters (seed 003 §2.2); empty fields do not filter. Without `status` only healthy
// (active) instances are returned.
struct DiscoverFilter {
  std::string status;
  std::string protocol;
  std::map<std::string, std::string> metadata;  // every pair must be present
};

struct InstanceHealth {
  ServiceInstance instance;
  bool healthy = false;
  int64_t uptime_ms = 0;             // now - start_time
  int64_t register_duration_ms = 0;  // now - register_time
  int64_t checked_at_ms = 0;         // now
};

struct RegistryStats {
  int64_t total_services = 0;
  int64_t total_instances = 0;
  int64_t healthy_instances = 0;
  int64_t unhealthy_instances = 0;
  std::map<std::string, int64_t> service_stats;  // name -> instances
  int64_t timestamp_ms = 0;
};

struct ServiceStats {
  std::string service_name;
  int64_t total_instances = 0;
  int64_t healthy_instances = 0;
  int64_t unhealthy_instances = 0;
  std::map<std::string, int64_t> protocols;  // protocol -> instances
  std::map<std::string, int64_t> statuses;   // status -> instances
  std::vector<ServiceInstance> instances;
  int64_t timestamp_ms = 0;
};

struct RemoveServiceResult {
  std::string service_name;
  int64_t total_instances = 0;
  int64_t removed_count = 0;
  std::vector<std::string> errors;  // "failed to delete instance <id>: <reason>"
};

// One change seen by a subscriber. kSnapshot carries every current instance of the watched
// service(s) (first event of a subscription, and again after the view had to be reloaded); the
// others carry the one instance concerned (for kUnregister its last state).
struct WatchEvent {
  enum class Type { kSnapshot, kRegister, kUpdate, kOffline, kUnregister };
  Type type = Type::kSnapshot;
  std::vector<ServiceInstance> instances;
};
// Runs on the registry's watch thread with the view locked: must be quick and must not call back
// into the Registry.
using WatchCallback = std::function<void(const WatchEvent&)>;

class Registry {
 public:
  // `store` must outlive the registry.
  Registry(store::KvStore* store, RegistryOptions options);
  ~Registry();  // Stop()s

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Loads the instances under the prefix, starts the watch and the sweep. Errors: the store's.
  absl::Status Start();
  // Stops the threads and refuses further writes; idempotent.
  void Stop();

  // Stores `instance` (validated, defaults filled; id "<name>-<uuid v4>" when empty). An existing
  // id is updated in place (moved if its name changed) and keeps its register_time and, unless
  // given, its start_time; status and last_renew_time are set as for a new one, offline_time
  // cleared. Returns the stored instance.
  absl::StatusOr<ServiceInstance> Register(ServiceInstance instance);
  // Deletes the instance. Errors: NotFound.
  absl::Status Unregister(std::string_view id);
  // Marks the instance offline now (kept); an offline one is returned unchanged. Errors: NotFound.
  absl::StatusOr<ServiceInstance> Offline(std::string_view id);
  // Sets last_renew_time to now; an offline instance becomes active again. Errors: NotFound.
  absl::StatusOr<ServiceInstance> Renew(std::string_view id);
  // Renew without blocking the caller: `done` runs once on a store thread (or the caller's) and
  // must not block. The view may not hold the renewal yet when it runs.
  void RenewAsync(std::string id, std::function<void(absl::StatusOr<ServiceInstance>)> done);

  // Instances of `name` matching `filter`, by id.
  std::vector<ServiceInstance> Discover(std::string_view name, const DiscoverFilter& filter) const;
  absl::StatusOr<ServiceInstance> GetService(std::string_view id) const;
  // Distinct service names, sorted.
  std::vector<std::string> ListServices() const;
  // Every instance, by service name then id.
  std::map<std::string, std::vector<ServiceInstance>> AllInstances() const;
  absl::StatusOr<InstanceHealth> Health(std::string_view id) const;
  RegistryStats Stats() const;
  // Errors: NotFound "service <name> not found" when it has no instance.
  absl::StatusOr<ServiceStats> StatsOf(std::string_view name) const;
  // Unregisters every instance of `name`. Errors: NotFound as StatsOf; per-instance failures are
  // listed in the result.
  absl::StatusOr<RemoveServiceResult> RemoveService(std::string_view name);

  // Marks every instance not renewed within ttl offline (whatever is_sweep_leader says); returns
  // how many it marked. The sweep thread calls it every renew_interval on the leader.
  int64_t Sweep();

  // Subscribes to `name` ("" = every service): `callback` gets the snapshot before this returns,
  // then the changes. Returns the subscription's ID for Unsubscribe.
  int64_t Subscribe(std::string name, WatchCallback callback);
  void Unsubscribe(int64_t subscription);

  int64_t ttl_ms() const { return options_.ttl_ms; }
  int64_t NowMs() const { return clock_->NowMs(); }

 private:
  struct Entry {
    ServiceInstance instance;
    int64_t mod_revision = 0;
  };
  struct Subscriber {
    std::string name;
    WatchCallback callback;
  };
  struct Written {
    ServiceInstance instance;
    int64_t revision = 0;  // 0 when the mutation wrote nothing
  };
  // Changes `instance` in place; false when there is nothing to write.
  using Mutation = std::function<bool(ServiceInstance& instance)>;
  using WriteDone = std::function<void(absl::StatusOr<Written>)>;

  std::string KeyOf(std::string_view name, std::string_view id) const;
  // The (name, id) of a key under the prefix; false for any other key.
  bool ParseKey(std::string_view key, std::string* name, std::string* id) const;
  // Compare-and-swap of the instance `id` through `mutate`, retried on concurrent changes.
  void UpdateAsync(std::string id, Mutation mutate, WriteDone done);
  void UpdateAttempt(std::string key, ServiceInstance instance, int64_t mod_revision,
                     Mutation mutate, int attempt, WriteDone done);
  absl::StatusOr<Written> UpdateSync(std::string id, Mutation mutate);
  // Blocks until the view has applied `revision` (or 5 s passed).
  void WaitApplied(int64_t revision) const;
  const Entry* FindLocked(std::string_view id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  std::vector<ServiceInstance> InstancesLocked(std::string_view name) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // The view: (re)loads it from a Range and watches from the next revision.
  absl::Status Load();
  void WatchLoop();
  void SweepLoop();
  void Apply(const store::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Notify(std::string_view name, const WatchEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::KvStore* const store_;
  const RegistryOptions options_;
  const base::Clock* const clock_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::map<std::string, Entry>, std::less<>> services_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> name_of_id_ ABSL_GUARDED_BY(mu_);
  int64_t applied_revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
  int64_t next_subscriber_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  // Wakes the threads: watch responses ready, or Stop().
  std::mutex signal_mu_;
  std::condition_variable signal_;
  bool watch_ready_ = false;                   // guarded by signal_mu_
  bool stopping_ = false;                      // guarded by signal_mu_
  std::unique_ptr<store::WatchStream> watch_;  // touched by Start and the watch thread
  std::thread watch_thread_;
  std::thread sweep_thread_;
};

}  // namespace aio::registry
