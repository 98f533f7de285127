#include "registry/registry.h"

#include <atomic>
#include <chrono>
#include <random>
#include <utility>

#include "absl/synchronization/notification.h"
#include "base/logging.h"
#include "fmt/format.h"

namespace aio::registry {
namespace {

constexpr int kWriteAttempts = 3;
constexpr absl::Duration kApplyTimeout = absl::Seconds(5);

absl::Status NotFound() { return absl::NotFoundError("service not found"); }
absl::Status Stopped() { return absl::UnavailableError("registry is stopped"); }

// A random (version 4) UUID: "b2f7a9a8-c2b1-4a8a-9f0a-4f1e5e3b2e1a".
std::string NewUuid() {
  static std::mutex mu;
  static std::mt19937_64 random{std::random_device{}()};
  uint64_t hi = 0;
  uint64_t lo = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    hi = random();
    lo = random();
  }
  hi = (hi & ~0xF000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFull);
}

// Equal but for last_renew_time: a renewal, which subscribers are not told about.
bool OnlyRenewed(ServiceInstance a, const ServiceInstance& b) {
  a.last_renew_time_ms = b.last_renew_time_ms;
  return a == b;
}

store::TxnRequest CompareAndPut(const std::string& key, int64_t mod_revision, std::string value) {
  store::TxnRequest txn;
  txn.compare.push_back({.result = store::Compare::Result::kEqual,
                         .target = store::Compare::Target::kMod,
                         .key = key,
                         .number = mod_revision});
  txn.success.emplace_back().op = store::PutRequest{.key = key, .value = std::move(value)};
  txn.failure.emplace_back().op = store::RangeRequest{.key = key};
  return txn;
}

// The key's current state from a failed CompareAndPut; nullopt when it no longer exists.
std::optional<store::KeyValue> CurrentOf(const store::TxnResponse& response) {
  const auto& range = std::get<store::RangeResponse>(response.responses.at(0).op);
  if (range.kvs.empty()) return std::nullopt;
  return range.kvs.front();
}

absl::StatusOr<ServiceInstance> Decode(const std::string& value) {
  nlohmann::json json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  return FromJson(json);
}

}  // namespace

Registry::Registry(store::KvStore* store, RegistryOptions options)
    : store_(store),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : base::WallClock::Get()) {}

Registry::~Registry() { Stop(); }

std::string Registry::KeyOf(std::string_view name, std::string_view id) const {
  return fmt::format("{}/{}/{}", options_.prefix, name, id);
}

bool Registry::ParseKey(std::string_view key, std::string* name, std::string* id) const {
  if (key.size() <= options_.prefix.size() + 1 || !key.starts_with(options_.prefix) ||
      key[options_.prefix.size()] != '/') {
    return false;
  }
  key.remove_prefix(options_.prefix.size() + 1);
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size()) return false;
  *name = std::string(key.substr(0, slash));
  *id = std::string(key.substr(slash + 1));
  return id->find('/') == std::string::npos;
}

absl::Status Registry::Start() {
  if (absl::Status status = Load(); !status.ok()) return status;
  watch_thread_ = std::thread([this] { WatchLoop(); });
  if (options_.renew_interval_ms > 0) sweep_thread_ = std::thread([this] { SweepLoop(); });
  return absl::OkStatus();
}

void Registry::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  {
    std::lock_guard<std::mutex> lock(signal_mu_);
    stopping_ = true;
  }
  signal_.notify_all();
  if (watch_thread_.joinable()) watch_thread_.join();
  if (sweep_thread_.joinable()) sweep_thread_.join();
  watch_.reset();
}

absl::Status Registry::Load() {
  const std::string begin = options_.prefix + "/";
  const std::string end = options_.prefix + "0";  // '/' + 1
  absl::StatusOr<store::RangeResponse> range = store_->Range({.key = begin, .range_end = end});
  if (!range.ok()) return range.status();
  std::map<std::string, std::map<std::string, Entry>, std::less<>> services;
  std::map<std::string, std::string, std::less<>> name_of_id;
  for (const store::KeyValue& kv : range->kvs) {
    std::string name;
    std::string id;
    absl::StatusOr<ServiceInstance> instance = Decode(kv.value);
    if (!ParseKey(kv.key, &name, &id) || !instance.ok()) {
      base::GetLogger("registry")->warn("skipping malformed registry key {}", kv.key);
      continue;
    }
    name_of_id[id] = name;
    services[name][id] = Entry{std::move(*instance), kv.mod_revision};
  }
  watch_ = store_->NewWatchStream([this] {
    {
      std::lock_guard<std::mutex> lock(signal_mu_);
      watch_ready_ = true;
    }
    signal_.notify_all();
  });
  absl::StatusOr<int64_t> watch_id =
      watch_->Watch({.key = begin, .range_end = end, .start_revision = range->revision + 1});
  if (!watch_id.ok()) return watch_id.status();
  absl::MutexLock lock(&mu_);
  services_ = std::move(services);
  name_of_id_ = std::move(name_of_id);
  applied_revision_ = std::max(applied_revision_, range->revision);
  for (const auto& [id, subscriber] : subscribers_) {
    subscriber.callback({WatchEvent::Type::kSnapshot, InstancesLocked(subscriber.name)});
  }
  return absl::OkStatus();
}

void Registry::WatchLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(signal_mu_);
      signal_.wait(lock, [this] { return watch_ready_ || stopping_; });
      if (stopping_) return;
      watch_ready_ = false;
    }
    while (std::optional<store::WatchResponse> response = watch_->Next()) {
      if (response->canceled) {
        // The watch fell behind compaction (or the store stopped): reload and watch again.
        base::GetLogger("registry")
            ->warn("registry watch canceled ({}), reloading", response->cancel_reason);
        if (absl::Status status = Load(); !status.ok()) {
          base::GetLogger("registry")
              ->error("registry reload failed: {}", std::string(status.message()));
          std::this_thread::sleep_for(std::chrono::seconds(1));
          std::lock_guard<std::mutex> lock(signal_mu_);
          watch_ready_ = true;  // try again
        }
        break;
      }
      absl::MutexLock lock(&mu_);
      for (const store::Event& event : response->events) Apply(event);
      applied_revision_ = std::max(applied_revision_, response->revision);
    }
  }
}

void Registry::Apply(const store::Event& event) {
  std::string name;
  std::string id;
  if (!ParseKey(event.kv.key, &name, &id)) return;
  auto service = services_.find(name);
  Entry* existing = nullptr;
  if (service != services_.end()) {
    auto it = service->second.find(id);
    if (it != service->second.end()) existing = &it->second;
  }
  if (event.type == store::Event::Type::kDelete) {
    if (existing == nullptr) return;
    WatchEvent change{WatchEvent::Type::kUnregister, {std::move(existing->instance)}};
    service->second.erase(id);
    if (service->second.empty()) services_.erase(service);
    if (auto owner = name_of_id_.find(id); owner != name_of_id_.end() && owner->second == name) {
      name_of_id_.erase(owner);
    }
    Notify(name, change);
    return;
  }
  absl::StatusOr<ServiceInstance> instance = Decode(event.kv.value);
  if (!instance.ok()) {
    base::GetLogger("registry")->warn("ignoring malformed registry value at {}", event.kv.key);
    return;
  }
  WatchEvent change{WatchEvent::Type::kUpdate, {*instance}};
  if (existing == nullptr) {
    change.type = WatchEvent::Type::kRegister;
  } else if (instance->status == kStatusOffline && existing->instance.status != kStatusOffline) {
    change.type = WatchEvent::Type::kOffline;
  } else if (OnlyRenewed(existing->instance, *instance)) {
    existing->instance = std::move(*instance);
    existing->mod_revision = event.kv.mod_revision;
    return;
  }
  services_[name][id] = Entry{std::move(*instance), event.kv.mod_revision};
  name_of_id_[id] = name;
  Notify(name, change);
}

void Registry::Notify(std::string_view name, const WatchEvent& event) {
  for (const auto& [id, subscriber] : subscribers_) {
    if (subscriber.name.empty() || subscriber.name == name) subscriber.callback(event);
  }
}

void Registry::WaitApplied(int64_t revision) const {
  absl::MutexLock lock(&mu_);
  auto applied = [this, revision]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return applied_revision_ >= revision || stopped_;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&applied), kApplyTimeout)) {
    base::GetLogger("registry")
        ->warn("registry view did not apply revision {} within 5s", revision);
  }
}

const Registry::Entry* Registry::FindLocked(std::string_view id) const {
  auto owner = name_of_id_.find(id);
  if (owner == name_of_id_.end()) return nullptr;
  auto service = services_.find(owner->second);
  if (service == services_.end()) return nullptr;
  auto it = service->second.find(std::string(id));
  return it == service->second.end() ? nullptr : &it->second;
}

std::vector<ServiceInstance> Registry::InstancesLocked(std::string_view name) const {
  std::vector<ServiceInstance> out;
  for (const auto& [service, entries] : services_) {
    if (!name.empty() && service != name) continue;
    for (const auto& [id, entry] : entries) out.push_back(entry.instance);
  }
  return out;
}

absl::StatusOr<ServiceInstance> Registry::Register(ServiceInstance instance) {
  if (absl::Status status = ValidateRegistration(instance); !status.ok()) return status;
  if (instance.id.empty()) instance.id = fmt::format("{}-{}", instance.name, NewUuid());
  const std::string key = KeyOf(instance.name, instance.id);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    // The id's current key, if any: it may live under another name.
    std::string old_key;
    {
      absl::ReaderMutexLock lock(&mu_);
      if (stopped_) return Stopped();
      if (auto owner = name_of_id_.find(instance.id); owner != name_of_id_.end()) {
        old_key = KeyOf(owner->second, instance.id);
      }
    }
    std::optional<store::KeyValue> current;
    if (!old_key.empty()) {
      absl::StatusOr<store::RangeResponse> range = store_->Range({.key = old_key});
      if (!range.ok()) return range.status();
      if (!range->kvs.empty()) current = range->kvs.front();
    }
    const int64_t now = clock_->NowMs();
    ServiceInstance stored = instance;
    stored.register_time_ms = now;
    if (stored.start_time_ms == 0) stored.start_time_ms = now;
    if (current) {
      if (absl::StatusOr<ServiceInstance> previous = Decode(current->value); previous.ok()) {
        stored.register_time_ms = previous->register_time_ms;
        if (instance.start_time_ms == 0) stored.start_time_ms = previous->start_time_ms;
      }
    }
    stored.last_renew_time_ms = now;
    stored.offline_time_ms = 0;

    store::TxnRequest txn;
    if (current) {
      txn.compare.push_back({.result = store::Compare::Result::kEqual,
                             .target = store::Compare::Target::kMod,
                             .key = old_key,
                             .number = current->mod_revision});
      if (old_key != key) txn.success.emplace_back().op = store::DeleteRangeRequest{.key = old_key};
    } else {
      txn.compare.push_back({.result = store::Compare::Result::kEqual,
                             .target = store::Compare::Target::kCreate,
                             .key = key,
                             .number = 0});
    }
    txn.success.emplace_back().op = store::PutRequest{.key = key, .value = ToJson(stored).dump()};
    absl::StatusOr<store::TxnResponse> response = store_->Txn(txn);
    if (!response.ok()) return response.status();
    if (response->succeeded) {
      WaitApplied(response->revision);
      return stored;
    }
    // Changed (or created by another node) meanwhile: let the view catch up and try again.
    WaitApplied(store_->CurrentRevision());
  }
  return absl::AbortedError(
      fmt::format("instance {} changed concurrently, registration not applied", instance.id));
}

absl::Status Registry::Unregister(std::string_view id) {
  std::string key;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (stopped_) return Stopped();
    auto owner = name_of_id_.find(id);
    if (owner == name_of_id_.end()) return NotFound();
    key = KeyOf(owner->second, id);
  }
  absl::StatusOr<store::DeleteRangeResponse> deleted = store_->DeleteRange({.key = key});
  if (!deleted.ok()) return deleted.status();
  if (deleted->deleted == 0) return NotFound();
  WaitApplied(deleted->revision);
  return absl::OkStatus();
}

void Registry::UpdateAsync(std::string id, Mutation mutate, WriteDone done) {
  std::string key;
  ServiceInstance current;
  int64_t mod_revision = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (stopped_) return done(Stopped());
    const Entry* entry = FindLocked(id);
    if (entry == nullptr) return done(NotFound());
    key = KeyOf(entry->instance.name, id);
    current = entry->instance;
    mod_revision = entry->mod_revision;
  }
  UpdateAttempt(std::move(key), std::move(current), mod_revision, std::move(mutate), 0,
                std::move(done));
}

void Registry::UpdateAttempt(std::string key, ServiceInstance instance, int64_t mod_revision,
                             Mutation mutate, int attempt, WriteDone done) {
  if (!mutate(instance)) return done(Written{std::move(instance), 0});
  std::string value = ToJson(instance).dump();
  store_->TxnAsync(CompareAndPut(key, mod_revision, std::move(value)),
                   [this, key, instance = std::move(instance), mutate = std::move(mutate), attempt,
                    done = std::move(done)](absl::StatusOr<store::TxnResponse> response) mutable {
                     if (!response.ok()) return done(response.status());
                     if (response->succeeded)
                       return done(Written{std::move(instance), response->revision});
                     std::optional<store::KeyValue> now = CurrentOf(*response);
                     if (!now) return done(NotFound());
                     if (attempt + 1 >= kWriteAttempts) {
                       return done(absl::AbortedError(fmt::format(
                           "instance {} changed concurrently, update not applied", instance.id)));
                     }
                     absl::StatusOr<ServiceInstance> stored = Decode(now->value);
                     if (!stored.ok()) return done(stored.status());
                     UpdateAttempt(std::move(key), std::move(*stored), now->mod_revision,
                                   std::move(mutate), attempt + 1, std::move(done));
                   });
}

absl::StatusOr<Registry::Written> Registry::UpdateSync(std::string id, Mutation mutate) {
  absl::Notification finished;
  absl::StatusOr<Written> result = absl::UnknownError("not finished");
  UpdateAsync(std::move(id), std::move(mutate), [&](absl::StatusOr<Written> written) {
    result = std::move(written);
    finished.Notify();
  });
  finished.WaitForNotification();
  if (result.ok()) WaitApplied(result->revision);
  return result;
}

absl::StatusOr<ServiceInstance> Registry::Offline(std::string_view id) {
  const int64_t now = clock_->NowMs();
  absl::StatusOr<Written> written = UpdateSync(std::string(id), [now](ServiceInstance& instance) {
    if (instance.status == kStatusOffline) return false;
    instance.status = kStatusOffline;
    instance.offline_time_ms = now;
    return true;
  });
  if (!written.ok()) return written.status();
  return std::move(written->instance);
}

namespace {

bool RenewMutation(int64_t now, ServiceInstance& instance) {
  instance.last_renew_time_ms = now;
  if (instance.status == kStatusOffline) {
    instance.status = kStatusActive;
    instance.offline_time_ms = 0;
  }
  return true;
}

}  // namespace

absl::StatusOr<ServiceInstance> Registry::Renew(std::string_view id) {
  const int64_t now = clock_->NowMs();
  absl::StatusOr<Written> written = UpdateSync(
      std::string(id), [now](ServiceInstance& instance) { return RenewMutation(now, instance); });
  if (!written.ok()) return written.status();
  return std::move(written->instance);
}

void Registry::RenewAsync(std::string id,
                          std::function<void(absl::StatusOr<ServiceInstance>)> done) {
  const int64_t now = clock_->NowMs();
  UpdateAsync(
      std::move(id), [now](ServiceInstance& instance) { return RenewMutation(now, instance); },
      [done = std::move(done)](absl::StatusOr<Written> written) {
        if (!written.ok()) return done(written.status());
        done(std::move(written->instance));
      });
}

int64_t Registry::Sweep() {
  const int64_t now = clock_->NowMs();
  const int64_t deadline = now - options_.ttl_ms;
  std::vector<std::string> stale;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [name, entries] : services_) {
      for (const auto& [id, entry] : entries) {
        if (entry.instance.status != kStatusOffline &&
            entry.instance.last_renew_time_ms < deadline) {
          stale.push_back(id);
        }
      }
    }
  }
  if (stale.empty()) return 0;
  // Every write is queued at once (the store group-commits them); then wait for all.
  struct Batch {
    absl::Mutex mu;
    int64_t pending ABSL_GUARDED_BY(mu) = 0;
    int64_t marked ABSL_GUARDED_BY(mu) = 0;
    int64_t revision ABSL_GUARDED_BY(mu) = 0;
  };
  auto batch = std::make_shared<Batch>();
  {
    absl::MutexLock lock(&batch->mu);
    batch->pending = static_cast<int64_t>(stale.size());
  }
  for (std::string& id : stale) {
    UpdateAsync(
        std::move(id),
        [now, deadline](ServiceInstance& instance) {
          // Re-checked on the stored state: a renewal may have landed since the scan.
          if (instance.status == kStatusOffline || instance.last_renew_time_ms >= deadline) {
            return false;
          }
          instance.status = kStatusOffline;
          instance.offline_time_ms = now;
          return true;
        },
        [batch](absl::StatusOr<Written> written) {
          absl::MutexLock lock(&batch->mu);
          --batch->pending;
          if (written.ok() && written->revision > 0) {
            ++batch->marked;
            batch->revision = std::max(batch->revision, written->revision);
          }
        });
  }
  int64_t marked = 0;
  int64_t revision = 0;
  {
    absl::MutexLock lock(&batch->mu);
    batch->mu.Await(absl::Condition(
        +[](int64_t* pending) { return *pending == 0; }, &batch->pending));
    marked = batch->marked;
    revision = batch->revision;
  }
  if (revision > 0) WaitApplied(revision);
  if (marked > 0) base::GetLogger("registry")->info("sweep marked {} instances offline", marked);
  return marked;
}

void Registry::SweepLoop() {
  const auto interval = std::chrono::milliseconds(options_.renew_interval_ms);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(signal_mu_);
      if (signal_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
    bool empty = false;
    {
      absl::ReaderMutexLock lock(&mu_);
      empty = services_.empty();
    }
    // Nothing to sweep: the leader election is not even asked (no store writes while unused).
    if (empty) continue;
    if (!options_.is_sweep_leader || options_.is_sweep_leader()) Sweep();
  }
}

std::vector<ServiceInstance> Registry::Discover(std::string_view name,
                                                const DiscoverFilter& filter) const {
  std::vector<ServiceInstance> out;
  absl::ReaderMutexLock lock(&mu_);
  auto service = services_.find(name);
  if (service == services_.end()) return out;
  for (const auto& [id, entry] : service->second) {
    const ServiceInstance& instance = entry.instance;
    if (filter.status.empty() ? !instance.healthy() : instance.status != filter.status) continue;
    if (!filter.protocol.empty() && instance.protocol != filter.protocol) continue;
    bool match = true;
    for (const auto& [key, value] : filter.metadata) {
      auto it = instance.metadata.find(key);
      if (it == instance.metadata.end() || it->second != value) {
        match = false;
        break;
      }
    }
    if (match) out.push_back(instance);
  }
  return out;
}

absl::StatusOr<ServiceInstance> Registry::GetService(std::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Entry* entry = FindLocked(id);
  if (entry == nullptr) return NotFound();
  return entry->instance;
}

std::vector<std::string> Registry::ListServices() const {
  std::vector<std::string> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, entries] : services_) out.push_back(name);
  return out;
}

std::map<std::string, std::vector<ServiceInstance>> Registry::AllInstances() const {
  std::map<std::string, std::vector<ServiceInstance>> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, entries] : services_) out[name] = InstancesLocked(name);
  return out;
}

absl::StatusOr<InstanceHealth> Registry::Health(std::string_view id) const {
  absl::StatusOr<ServiceInstance> instance = GetService(id);
  if (!instance.ok()) return instance.status();
  const int64_t now = clock_->NowMs();
  InstanceHealth health;
  health.healthy = instance->healthy();
  health.uptime_ms = std::max<int64_t>(0, now - instance->start_time_ms);
  health.register_duration_ms = std::max<int64_t>(0, now - instance->register_time_ms);
  health.checked_at_ms = now;
  health.instance = std::move(*instance);
  return health;
}

RegistryStats Registry::Stats() const {
  RegistryStats stats;
  stats.timestamp_ms = clock_->NowMs();
  absl::ReaderMutexLock lock(&mu_);
  stats.total_services = static_cast<int64_t>(services_.size());
  for (const auto& [name, entries] : services_) {
    stats.service_stats[name] = static_cast<int64_t>(entries.size());
    for (const auto& [id, entry] : entries) {
      ++stats.total_instances;
      ++(entry.instance.healthy() ? stats.healthy_instances : stats.unhealthy_instances);
    }
  }
  return stats;
}

absl::StatusOr<ServiceStats> Registry::StatsOf(std::string_view name) const {
  ServiceStats stats;
  stats.service_name = std::string(name);
  stats.timestamp_ms = clock_->NowMs();
  absl::ReaderMutexLock lock(&mu_);
  auto service = services_.find(name);
  if (service == services_.end()) {
    return absl::NotFoundError(fmt::format("service {} not found", name));
  }
  for (const auto& [id, entry] : service->second) {
    const ServiceInstance& instance = entry.instance;
    ++stats.total_instances;
    ++(instance.healthy() ? stats.healthy_instances : stats.unhealthy_instances);
    ++stats.protocols[instance.protocol];
    ++stats.statuses[instance.status];
    stats.instances.push_back(instance);
  }
  return stats;
}

absl::StatusOr<RemoveServiceResult> Registry::RemoveService(std::string_view name) {
  absl::StatusOr<ServiceStats> stats = StatsOf(name);
  if (!stats.ok()) return stats.status();
  RemoveServiceResult result;
  result.service_name = stats->service_name;
  result.total_instances = stats->total_instances;
  for (const ServiceInstance& instance : stats->instances) {
    absl::Status status = Unregister(instance.id);
    if (status.ok()) {
      ++result.removed_count;
    } else {
      result.errors.push_back(fmt::format("failed to delete instance {}: {}", instance.id,
                                          std::string(status.message())));
    }
  }
  return result;
}

int64_t Registry::Subscribe(std::string name, WatchCallback callback) {
  absl::MutexLock lock(&mu_);
  callback({WatchEvent::Type::kSnapshot, InstancesLocked(name)});
  const int64_t id = next_subscriber_++;
  subscribers_[id] = Subscriber{std::move(name), std::move(callback)};
  return id;
}

void Registry::Unsubscribe(int64_t subscription) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscription);
}

}  // namespace aio::registry
