// Registry over a real MvccStore in a temp dir, on a ManualClock (wall time).
#include "registry/registry.h"

#include <filesystem>
#include <random>

#include "gtest/gtest.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::registry {
namespace {

constexpr int64_t kUnixMs = 1'700'000'000'000;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-registry-" + std::to_string(std::random_device{}()));
    auto store = store::mvcc::MvccStore::Open({.data_dir = dir_.string(), .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    registry_ = NewRegistry();
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Registry> NewRegistry() {
    auto registry = std::make_unique<Registry>(
        store_.get(), RegistryOptions{.ttl_ms = 30'000, .renew_interval_ms = 0, .clock = &clock_});
    EXPECT_TRUE(registry->Start().ok());
    return registry;
  }
  ServiceInstance Register(std::string name, std::string address, std::string id = "") {
    absl::StatusOr<ServiceInstance> stored = registry_->Register(
        {.id = std::move(id), .name = std::move(name), .address = std::move(address)});
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.value_or(ServiceInstance{});
  }

  base::ManualClock clock_{kUnixMs};
  std::filesystem::path dir_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, RegisterGeneratesIdAndIsVisibleAtOnce) {
  ServiceInstance a = Register("user-service", "127.0.0.1:8080");
  EXPECT_TRUE(a.id.starts_with("user-service-")) << a.id;
  EXPECT_EQ(a.id.size(), std::string("user-service-").size() + 36);
  EXPECT_EQ(a.register_time_ms, kUnixMs);
  EXPECT_EQ(a.last_renew_time_ms, kUnixMs);
  EXPECT_EQ(*registry_->GetService(a.id), a);
  EXPECT_EQ(registry_->ListServices(), std::vector<std::string>{"user-service"});
  // Stored as JSON under the default prefix.
  auto range = store_->Range({.key = "/aio/registry/user-service/" + a.id});
  ASSERT_EQ(range->kvs.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(range->kvs[0].value)["address"], "127.0.0.1:8080");
}

TEST_F(RegistryTest, ReRegisterKeepsRegisterTimeAndUpdates) {
  ServiceInstance a = Register("svc", "127.0.0.1:1", "svc-1");
  clock_.AdvanceMs(5000);
  ServiceInstance b = Register("svc", "127.0.0.1:2", "svc-1");
  EXPECT_EQ(b.register_time_ms, a.register_time_ms);
  EXPECT_EQ(b.start_time_ms, a.start_time_ms);
  EXPECT_EQ(b.last_renew_time_ms, kUnixMs + 5000);
  EXPECT_EQ(registry_->GetService("svc-1")->address, "127.0.0.1:2");
  // Moving the id to another name leaves one instance.
  ServiceInstance c = Register("other", "127.0.0.1:3", "svc-1");
  EXPECT_EQ(c.register_time_ms, a.register_time_ms);
  EXPECT_EQ(registry_->ListServices(), std::vector<std::string>{"other"});
}

TEST_F(RegistryTest, BadRegistrationStoresNothing) {
  const int64_t revision = store_->CurrentRevision();
  absl::StatusOr<ServiceInstance> r = registry_->Register({.name = "svc", .address = "nope"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "address must be host:port, got \"nope\"");
  EXPECT_EQ(store_->CurrentRevision(), revision);
  EXPECT_TRUE(registry_->ListServices().empty());
}

TEST_F(RegistryTest, SweepMarksOfflineAfterTtlAndRenewBringsBack) {
  ServiceInstance a = Register("svc", "127.0.0.1:1", "a");
  Register("svc", "127.0.0.1:2", "b");
  clock_.AdvanceMs(20'000);
  ASSERT_TRUE(registry_->Renew("b").ok());
  clock_.AdvanceMs(10'001);  // a: 30.001 s without renewal; b: 10.001 s
  EXPECT_EQ(registry_->Sweep(), 1);
  ServiceInstance offline = *registry_->GetService("a");
  EXPECT_EQ(offline.status, "offline");
  EXPECT_EQ(offline.offline_time_ms, kUnixMs + 30'001);
  EXPECT_EQ(registry_->Discover("svc", {}).size(), 1u);  // only b is healthy
  EXPECT_EQ(registry_->Discover("svc", {.status = "offline"}).at(0).id, "a");
  EXPECT_EQ(registry_->Stats().unhealthy_instances, 1);
  EXPECT_EQ(registry_->Sweep(), 0);  // already offline: kept, not deleted, not re-marked

  absl::StatusOr<ServiceInstance> back = registry_->Renew("a");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->status, "active");
  EXPECT_EQ(back->offline_time_ms, 0);
  EXPECT_EQ(back->register_time_ms, a.register_time_ms);
  EXPECT_EQ(registry_->Discover("svc", {}).size(), 2u);
}

TEST_F(RegistryTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(registry_->Renew("x").status().message(), "service not found");
  EXPECT_EQ(registry_->Unregister("x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_->GetService("x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_->StatsOf("x").status().message(), "service x not found");
}

TEST_F(RegistryTest, DiscoverFiltersAndStats) {
  registry_->Register({.id = "h1", .name = "svc", .address = "h:1", .protocol = "http"}).value();
  registry_
      ->Register({.id = "g1",
                  .name = "svc",
                  .address = "h:2",
                  .protocol = "grpc",
                  .metadata = {{"zone", "a"}}})
      .value();
  registry_->Register({.id = "m1", .name = "svc", .address = "h:3", .status = "maintenance"})
      .value();
  EXPECT_EQ(registry_->Discover("svc", {}).size(), 2u);
  EXPECT_EQ(registry_->Discover("svc", {.protocol = "grpc"}).at(0).id, "g1");
  EXPECT_EQ(registry_->Discover("svc", {.metadata = {{"zone", "a"}}}).size(), 1u);
  EXPECT_EQ(registry_->Discover("svc", {.status = "maintenance"}).at(0).id, "m1");
  ServiceStats stats = *registry_->StatsOf("svc");
  EXPECT_EQ(stats.total_instances, 3);
  EXPECT_EQ(stats.healthy_instances, 2);
  EXPECT_EQ(stats.protocols, (std::map<std::string, int64_t>{{"grpc", 1}, {"http", 2}}));
  EXPECT_EQ(stats.statuses, (std::map<std::string, int64_t>{{"active", 2}, {"maintenance", 1}}));
  clock_.AdvanceMs(3'725'000);
  InstanceHealth health = *registry_->Health("h1");
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(FormatUptime(health.uptime_ms), "1h2m5s");
  RemoveServiceResult removed = *registry_->RemoveService("svc");
  EXPECT_EQ(removed.removed_count, 3);
  EXPECT_TRUE(registry_->ListServices().empty());
}

TEST_F(RegistryTest, SubscribersGetSnapshotThenChanges) {
  Register("svc", "h:1", "a");
  absl::Mutex mu;
  std::vector<std::pair<WatchEvent::Type, std::string>> seen;
  const int64_t sub = registry_->Subscribe("svc", [&](const WatchEvent& event) {
    absl::MutexLock lock(&mu);
    seen.emplace_back(event.type, event.instances.empty() ? "" : event.instances[0].id);
  });
  Register("svc", "h:2", "b");
  Register("unwatched", "h:3", "c");
  ASSERT_TRUE(registry_->Renew("b").ok());  // a pure renewal: not told
  ASSERT_TRUE(registry_->Offline("b").ok());
  ASSERT_TRUE(registry_->Unregister("b").ok());
  registry_->Unsubscribe(sub);
  absl::MutexLock lock(&mu);
  using T = WatchEvent::Type;
  EXPECT_EQ(
      seen,
      (std::vector<std::pair<T, std::string>>{
          {T::kSnapshot, "a"}, {T::kRegister, "b"}, {T::kOffline, "b"}, {T::kUnregister, "b"}}));
}

TEST_F(RegistryTest, AnotherRegistryOnTheSameStoreSeesWrites) {
  std::unique_ptr<Registry> other = NewRegistry();
  Register("svc", "h:1", "a");
  for (int i = 0; i < 200 && !other->GetService("a").ok(); ++i)
    absl::SleepFor(absl::Milliseconds(10));
  ASSERT_TRUE(other->Unregister("a").ok());
  EXPECT_EQ(registry_->Unregister("a").code(), absl::StatusCode::kNotFound);
}

TEST_F(RegistryTest, StoppedRegistryRefusesWrites) {
  registry_->Stop();
  EXPECT_EQ(registry_->Register({.name = "svc", .address = "h:1"}).status().message(),
            "registry is stopped");
}

}  // namespace
}  // namespace aio::registry
