// ConfigCenter over a real MvccStore in a temp dir (no permission checks: auth is null).
#include "configcenter/config_center.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "store/mvcc/mvcc_store.h"

namespace aio::configcenter {
namespace {

using namespace std::chrono_literals;

class ConfigCenterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-config-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto store = store::mvcc::MvccStore::Open({.data_dir = dir_.string(), .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    center_ = std::make_unique<ConfigCenter>(
        store_.get(), nullptr,
        ConfigCenterOptions{.config_salt = "test-salt", .wall_clock = &clock_});
    ASSERT_TRUE(center_->Start().ok());
  }
  void TearDown() override {
    center_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ConfigItem Put(std::string env, std::string key, std::string value,
                 ValueType type = ValueType::kString) {
    absl::StatusOr<ConfigItem> item = center_->Put(
        who_, {.key = std::move(key), .env = std::move(env), .type = type, .value = value});
    EXPECT_TRUE(item.ok()) << item.status();
    return item.ok() ? *item : ConfigItem{};
  }
  int64_t Revision() { return store_->CurrentRevision(); }

  std::filesystem::path dir_;
  base::ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<ConfigCenter> center_;
  auth::Identity who_{.user = "alice", .admin = true};
};

TEST_F(ConfigCenterTest, EnvironmentsFallBackToDefault) {
  Put("default", "db.url", "postgres://default");
  EXPECT_EQ(center_->Get(who_, "prod", "db.url")->value, "postgres://default");
  EXPECT_EQ(center_->Get(who_, "prod", "db.url")->env, "default");
  Put("prod", "db.url", "postgres://prod");
  EXPECT_EQ(center_->Get(who_, "prod", "db.url")->value, "postgres://prod");
  EXPECT_EQ(center_->Get(who_, "dev", "db.url")->value, "postgres://default");
  // A deleted item in prod falls back again.
  ASSERT_TRUE(center_->Delete(who_, "prod", "db.url").ok());
  EXPECT_EQ(center_->Get(who_, "prod", "db.url")->value, "postgres://default");
  EXPECT_EQ(center_->Get(who_, "prod", "nope").status().message(),
            "config \"nope\" not found in environment \"prod\" or \"default\"");
  EXPECT_EQ(center_->Get(who_, "qa", "db.url").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigCenterTest, EveryChangeIsANewVersionWithHistory) {
  ConfigItem first = Put("dev", "timeout", "10", ValueType::kInt);
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.updated_by, "alice");
  EXPECT_EQ(first.updated_at, 1'700'000'000'000);
  clock_.AdvanceMs(1000);
  EXPECT_EQ(Put("dev", "timeout", "20", ValueType::kInt).version, 2);
  EXPECT_EQ(center_->Delete(who_, "dev", "timeout")->version, 3);
  EXPECT_EQ(center_->Restore(who_, "dev", "timeout")->version, 4);
  absl::StatusOr<std::vector<ConfigItem>> history =
      center_->History(who_, "dev", "timeout", Reveal::kMask);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  std::vector<std::string> ops;
  for (const ConfigItem& item : *history) ops.push_back(item.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"put", "put", "delete", "restore"}));
  EXPECT_EQ((*history)[3].value, "20");
  EXPECT_EQ((*history)[1].updated_at, 1'700'000'001'000);
}

TEST_F(ConfigCenterTest, BadValuesChangeNothing) {
  Put("default", "limits", R"({"rps":10})", ValueType::kJson);
  const int64_t revision = Revision();
  absl::StatusOr<ConfigItem> bad =
      center_->Put(who_, {.key = "limits", .type = ValueType::kJson, .value = R"({"rps":)"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(center_->Put(who_, {.key = "a/b", .value = "x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Revision(), revision);
  EXPECT_EQ(center_->Get(who_, "default", "limits")->version, 1);
}

TEST_F(ConfigCenterTest, ExpectedVersionGuardsAWrite) {
  Put("default", "k", "a");
  absl::StatusOr<ConfigItem> stale =
      center_->Put(who_, {.key = "k", .value = "b", .expected_version = 0});
  EXPECT_EQ(stale.status().message(),
            "config \"k\" in environment \"default\" is at version 1, not 0");
  EXPECT_TRUE(center_->Put(who_, {.key = "k", .value = "b", .expected_version = 1}).ok());
}

TEST_F(ConfigCenterTest, RollbackWritesANewVersionAndDeletesNothing) {
  Put("default", "mode", "a");
  Put("default", "mode", "b");
  Put("default", "mode", "c");
  absl::StatusOr<ConfigItem> rolled = center_->Rollback(who_, "default", "mode", 1);
  ASSERT_TRUE(rolled.ok()) << rolled.status();
  EXPECT_EQ(rolled->version, 4);
  EXPECT_EQ(rolled->op, "rollback");
  EXPECT_EQ(rolled->source_version, 1);
  EXPECT_EQ(center_->Get(who_, "default", "mode")->value, "a");
  EXPECT_EQ(center_->History(who_, "default", "mode", Reveal::kMask)->size(), 4u);

  const int64_t revision = Revision();
  absl::StatusOr<ConfigItem> missing = center_->Rollback(who_, "default", "mode", 9);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "config \"mode\" in environment \"default\" has no version 9 (versions 1..4)");
  EXPECT_EQ(Revision(), revision);
}

TEST_F(ConfigCenterTest, DiffListsChangedFieldsAndJsonPatch) {
  Put("default", "cfg", R"({"a":1,"b":2})", ValueType::kJson);
  Put("default", "cfg", R"({"a":1,"b":3,"c":true})", ValueType::kJson);
  absl::StatusOr<ConfigDiff> diff = center_->Diff(who_, "default", "cfg", 1, 2, Reveal::kMask);
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->changes.size(), 1u);
  EXPECT_EQ(diff->changes[0].field, "value");
  ASSERT_TRUE(diff->json_patch.has_value());
  EXPECT_EQ(*diff->json_patch, nlohmann::json::parse(
                                   R"([{"op":"replace","path":"/b","value":3},
                                       {"op":"add","path":"/c","value":true}])"));
  EXPECT_TRUE(center_->Diff(who_, "default", "cfg", 2, 2, Reveal::kMask)->changes.empty());
  EXPECT_EQ(center_->Diff(who_, "default", "cfg", 0, 2, Reveal::kMask).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ConfigCenterTest, EncryptedValuesAreStoredAsCiphertextAndMasked) {
  Put("prod", "db.password", "hunter2", ValueType::kEncrypted);
  absl::StatusOr<store::RangeResponse> raw =
      store_->Range({.key = "/aio/config/items/prod/db.password"});
  ASSERT_EQ(raw->kvs.size(), 1u);
  EXPECT_EQ(raw->kvs[0].value.find("hunter2"), std::string::npos);
  EXPECT_EQ(center_->Get(who_, "prod", "db.password")->value, "hunter2");
  EXPECT_EQ(center_->List(who_, "prod", "", false, Reveal::kMask)->at(0).value, "******");
  EXPECT_EQ(center_->List(who_, "prod", "", false, Reveal::kPlain)->at(0).value, "hunter2");
  EXPECT_EQ(center_->History(who_, "prod", "db.password", Reveal::kMask)->at(0).value, "******");
}

TEST_F(ConfigCenterTest, EncryptedValuesNeedASalt) {
  ConfigCenter no_salt(store_.get(), nullptr, {});
  absl::StatusOr<ConfigItem> refused =
      no_salt.Put(who_, {.key = "secret", .type = ValueType::kEncrypted, .value = "x"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(no_salt.Put(who_, {.key = "plain", .value = "x"}).ok());
}

TEST_F(ConfigCenterTest, SoftDeleteRestoreAndPurge) {
  Put("default", "flag", "true", ValueType::kBool);
  EXPECT_EQ(center_->Purge(who_, "default", "flag").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(center_->Delete(who_, "default", "flag").ok());
  EXPECT_EQ(center_->Get(who_, "default", "flag").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(center_->List(who_, "default", "", false, Reveal::kMask)->empty());
  EXPECT_EQ(center_->List(who_, "default", "", true, Reveal::kMask)->size(), 1u);
  ASSERT_TRUE(center_->Restore(who_, "default", "flag").ok());
  EXPECT_EQ(center_->Get(who_, "default", "flag")->value, "true");
  ASSERT_TRUE(center_->Delete(who_, "default", "flag").ok());
  EXPECT_EQ(*center_->Purge(who_, "default", "flag"), 4);
  EXPECT_EQ(center_->History(who_, "default", "flag", Reveal::kMask).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ConfigCenterTest, ExportImportRoundTripKeepsCiphertext) {
  Put("staging", "a", "1", ValueType::kInt);
  Put("staging", "s", "pw", ValueType::kEncrypted);
  absl::StatusOr<nlohmann::json> exported = center_->Export(who_, "staging");
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->dump().find("\"pw\""), std::string::npos);
  absl::StatusOr<ImportResult> same = center_->Import(who_, "", *exported);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->unchanged, 2);
  absl::StatusOr<ImportResult> into_prod = center_->Import(who_, "prod", *exported);
  ASSERT_TRUE(into_prod.ok()) << into_prod.status();
  EXPECT_EQ(into_prod->created, 2);
  EXPECT_EQ(center_->Get(who_, "prod", "s")->value, "pw");  // re-encrypted for prod

  const int64_t revision = Revision();
  nlohmann::json bad = *exported;
  bad["items"].push_back({{"key", "n"}, {"type", "int"}, {"value", "x"}});
  absl::StatusOr<ImportResult> refused = center_->Import(who_, "dev", bad);
  EXPECT_EQ(refused.status().message(),
            "import item 2: config \"n\": value \"x\" is not an int (base-10 64-bit integer)");
  EXPECT_EQ(Revision(), revision);
}

TEST_F(ConfigCenterTest, ConcurrentWritersNeverLoseAnUpdate) {
  constexpr int kThreads = 4;
  constexpr int kWrites = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        absl::StatusOr<ConfigItem> put =
            center_->Put(who_, {.key = "hot", .value = std::to_string(t)});
        EXPECT_TRUE(put.ok()) << put.status();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(center_->Get(who_, "default", "hot")->version, kThreads * kWrites);
  EXPECT_EQ(center_->History(who_, "default", "hot", Reveal::kMask)->size(),
            static_cast<size_t>(kThreads * kWrites));
}

TEST_F(ConfigCenterTest, PollAnswersOnChangeWithOldAndNewVersion) {
  Put("default", "w", "1");
  const int64_t seen = Revision();
  std::promise<absl::StatusOr<PollResult>> answer;
  center_->Poll(who_, {.env = "prod", .keys = {"w"}}, seen, 10s,
                [&](absl::StatusOr<PollResult> result) { answer.set_value(std::move(result)); });
  Put("default", "w", "2");
  auto future = answer.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  absl::StatusOr<PollResult> result = future.get();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->changes.size(), 1u);
  EXPECT_EQ(result->changes[0].old_version, 1);
  EXPECT_EQ(result->changes[0].new_version, 2);
  EXPECT_EQ(result->changes[0].env, "default");
  EXPECT_GT(result->revision, seen);
}

TEST_F(ConfigCenterTest, PollAnswersAtOnceForAMissedChangeAndTimesOut) {
  Put("dev", "w", "1");
  const int64_t seen = Revision();
  Put("dev", "w", "2");
  Put("dev", "w", "3");
  std::promise<absl::StatusOr<PollResult>> missed;
  center_->Poll(who_, {.env = "dev", .keys = {"w"}}, seen, 10s,
                [&](absl::StatusOr<PollResult> r) { missed.set_value(std::move(r)); });
  absl::StatusOr<PollResult> result = missed.get_future().get();
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->changes.size(), 1u);
  EXPECT_EQ(result->changes[0].old_version, 1);
  EXPECT_EQ(result->changes[0].new_version, 3);

  std::promise<absl::StatusOr<PollResult>> quiet;
  const auto start = std::chrono::steady_clock::now();
  center_->Poll(who_, {.env = "dev", .keys = {"w"}}, result->revision, 200ms,
                [&](absl::StatusOr<PollResult> r) { quiet.set_value(std::move(r)); });
  absl::StatusOr<PollResult> timed_out = quiet.get_future().get();
  ASSERT_TRUE(timed_out.ok());
  EXPECT_TRUE(timed_out->changes.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST_F(ConfigCenterTest, SubscribersSeeMatchingChangesUntilUnsubscribed) {
  std::mutex mu;
  std::vector<ConfigChange> seen;
  absl::StatusOr<uint64_t> id =
      center_->Subscribe(who_, {.env = "test", .keys = {"a"}}, [&](const ConfigChange& change) {
        std::lock_guard lock(mu);
        seen.push_back(change);
      });
  ASSERT_TRUE(id.ok());
  Put("test", "a", "1");
  Put("test", "b", "1");
  Put("dev", "a", "1");
  Put("test", "a", "2");
  for (int i = 0; i < 500; ++i) {
    std::lock_guard lock(mu);
    if (seen.size() >= 2) break;
    std::this_thread::sleep_for(5ms);
  }
  center_->Unsubscribe(*id);
  Put("test", "a", "3");
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].old_version, 1);
  EXPECT_EQ(seen[1].new_version, 2);
}

}  // namespace
}  // namespace aio::configcenter
