// AuthService over a real MvccStore in a temp dir, on ManualClocks (steady + Unix wall time).
#include "auth/auth_service.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "gtest/gtest.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::auth {
namespace {

constexpr int64_t kUnixMs = 1'700'000'000'000;

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-auth-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    OpenStore();
    Restart();
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenStore() {
    auto store = store::mvcc::MvccStore::Open({.data_dir = dir_.string(),
                                               .sync_writes = false,
                                               .background_threads = false,
                                               .clock = &steady_});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  AuthOptions Options() {
    return {.token_ttl_s = 3600,
            .initial_admin_password = initial_password_,
            .data_dir = dir_.string(),
            .argon2 = {.time_cost = 1, .memory_kib = 1024},
            .throttle = {.free_failures = 2, .base_delay_ms = 1000},
            .clock = &steady_,
            .wall_clock = &wall_};
  }
  void Restart() {
    service_ = std::make_unique<AuthService>(store_.get(), Options());
    ASSERT_TRUE(service_->Start().ok());
  }
  std::string AdminToken() {
    absl::StatusOr<IssuedToken> t = service_->Login("admin", AdminPassword(), caller_);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? t->token : "";
  }
  std::string AdminPassword() {
    if (!initial_password_.empty()) return initial_password_;
    std::ifstream in(dir_ / "initial-admin-password");
    std::string password;
    std::getline(in, password);
    return password;
  }

  std::filesystem::path dir_;
  base::ManualClock steady_;
  base::ManualClock wall_{kUnixMs};
  std::string initial_password_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<AuthService> service_;
  Caller caller_{.actor = "admin", .protocol = "test", .source = "10.0.0.9"};
};

TEST_F(AuthServiceTest, FirstStartCreatesAdminWithARandomPasswordFile) {
  const std::filesystem::path file = dir_ / "initial-admin-password";
  ASSERT_TRUE(std::filesystem::exists(file));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const std::string password = AdminPassword();
  EXPECT_GE(password.size(), 20u);
  EXPECT_EQ(password, service_->generated_admin_password());
  absl::StatusOr<Identity> who = service_->AuthenticatePassword("admin", password, "h");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_TRUE(who->admin);
  // A restart keeps the admin and does not make a new password.
  std::filesystem::remove(file);
  Restart();
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_TRUE(service_->AuthenticatePassword("admin", password, "h").ok());
}

TEST_F(AuthServiceTest, ConfiguredInitialPasswordIsUsedAndNoFileWritten) {
  TearDown();
  initial_password_ = "s3cret-from-config";
  SetUp();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "initial-admin-password"));
  EXPECT_TRUE(service_->AuthenticatePassword("admin", "s3cret-from-config", "h").ok());
}

TEST_F(AuthServiceTest, UserLoginTokenAndPermissions) {
  ASSERT_TRUE(service_->AddRole("reader", caller_).ok());
  ASSERT_TRUE(
      service_->GrantPermission("reader", *MakePermission("kv", "/app/*", {"read"}), caller_).ok());
  ASSERT_TRUE(service_->AddUser("alice", "pw-alice", {"reader"}, caller_).ok());
  EXPECT_EQ(service_->AddUser("alice", "x", {}, caller_).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(service_->AddUser("bob", "x", {"nope"}, caller_).code(), absl::StatusCode::kNotFound);

  absl::StatusOr<IssuedToken> token = service_->Login("alice", "pw-alice", caller_);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->expires_at, kUnixMs / 1000 + 3600);
  absl::StatusOr<Identity> who = service_->AuthenticateToken(token->token, "h");
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->user, "alice");
  EXPECT_FALSE(who->admin);
  EXPECT_TRUE(service_->CheckKv(*who, "/app/a", "", kRead).ok());
  EXPECT_EQ(service_->CheckKv(*who, "/app/a", "", kWrite).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->RequireAdmin(*who).code(), absl::StatusCode::kPermissionDenied);

  // Permissions change immediately on this node.
  ASSERT_TRUE(
      service_
          ->RevokePermission("reader", Resource::kKv, "/app/", store::PrefixEnd("/app/"), caller_)
          .ok());
  EXPECT_FALSE(service_->CheckKv(*who, "/app/a", "", kRead).ok());
}

TEST_F(AuthServiceTest, ExpiredRevokedAndDisabledTokensAreRefused) {
  ASSERT_TRUE(service_->AddUser("carol", "pw", {}, caller_).ok());
  const std::string t1 = service_->Login("carol", "pw", caller_)->token;
  const std::string t2 = service_->Login("carol", "pw", caller_)->token;
  ASSERT_TRUE(service_->AuthenticateToken(t1, "h").ok());
  ASSERT_TRUE(service_->Logout(t1, caller_).ok());
  EXPECT_EQ(service_->AuthenticateToken(t1, "h").status().message(), "token was revoked");
  EXPECT_TRUE(service_->AuthenticateToken(t2, "h").ok());

  ASSERT_TRUE(service_->SetUserDisabled("carol", true, caller_).ok());
  EXPECT_EQ(service_->AuthenticateToken(t2, "h").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(service_->Login("carol", "pw", caller_).ok());
  ASSERT_TRUE(service_->SetUserDisabled("carol", false, caller_).ok());

  wall_.AdvanceMs(1000);
  const std::string t3 = service_->Login("carol", "pw", caller_)->token;
  wall_.AdvanceMs(3600 * 1000);
  EXPECT_EQ(service_->AuthenticateToken(t3, "h").status().message(), "token expired");
}

TEST_F(AuthServiceTest, PasswordChangeRevokesEarlierTokens) {
  ASSERT_TRUE(service_->AddUser("dave", "old", {}, caller_).ok());
  const std::string before = service_->Login("dave", "old", caller_)->token;
  wall_.AdvanceMs(2000);
  ASSERT_TRUE(service_->ChangePassword("dave", "new", caller_).ok());
  EXPECT_FALSE(service_->AuthenticateToken(before, "h").ok());
  EXPECT_FALSE(service_->Login("dave", "old", caller_).ok());
  EXPECT_TRUE(service_->Login("dave", "new", caller_).ok());
}

TEST_F(AuthServiceTest, KeyRotationKeepsOldTokensUntilTheyExpire) {
  const std::string old_token = AdminToken();
  ASSERT_TRUE(service_->RotateSigningKey(caller_).ok());
  const std::string new_token = AdminToken();
  EXPECT_TRUE(service_->AuthenticateToken(old_token, "h").ok());
  EXPECT_TRUE(service_->AuthenticateToken(new_token, "h").ok());
  // Survives a restart (keys live in the store).
  Restart();
  EXPECT_TRUE(service_->AuthenticateToken(old_token, "h").ok());
  wall_.AdvanceMs(3600 * 1000);
  EXPECT_FALSE(service_->AuthenticateToken(old_token, "h").ok());
}

TEST_F(AuthServiceTest, BruteForceIsThrottled) {
  ASSERT_TRUE(service_->AddUser("erin", "right", {}, caller_).ok());
  EXPECT_EQ(service_->Login("erin", "w1", caller_).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(service_->Login("erin", "w2", caller_).ok());
  EXPECT_FALSE(service_->Login("erin", "w3", caller_).ok());  // starts the back-off
  absl::Status throttled = service_->Login("erin", "right", caller_).status();
  EXPECT_EQ(throttled.code(), absl::StatusCode::kResourceExhausted) << throttled;
  steady_.AdvanceMs(1000);
  EXPECT_TRUE(service_->Login("erin", "right", caller_).ok());
  // Failures are in the audit log.
  auto records = service_->audit().Query({.action = "login.failed"});
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].source, "10.0.0.9");
}

TEST_F(AuthServiceTest, ClientCredentialsFlowAndRenewal) {
  ASSERT_TRUE(service_->AddRole("svc", caller_).ok());
  ASSERT_TRUE(
      service_->GrantPermission("svc", *MakePermission("mq", "orders.>", {"write"}), caller_).ok());
  absl::StatusOr<NewClient> client = service_->CreateClient({"svc"}, "billing", 0, caller_);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(client->record.secret_hash.find(client->client_secret), std::string::npos);
  EXPECT_FALSE(service_->AuthenticateClient(client->client_key, "wrong", caller_).ok());
  absl::StatusOr<IssuedToken> token =
      service_->AuthenticateClient(client->client_key, client->client_secret, caller_);
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Identity> who = service_->AuthenticateToken(token->token, "h");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->user, client->client_key);
  EXPECT_TRUE(service_->CheckPublish(*who, "orders.eu.new").ok());
  EXPECT_FALSE(service_->CheckSubscribe(*who, "orders.eu.new").ok());
  wall_.AdvanceMs(10'000);
  absl::StatusOr<IssuedToken> renewed = service_->RenewToken(token->token, caller_);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->expires_at, token->expires_at + 10);
  ASSERT_TRUE(service_->SetClientDisabled(client->client_key, true, caller_).ok());
  EXPECT_FALSE(service_->AuthenticateToken(renewed->token, "h").ok());
}

TEST_F(AuthServiceTest, LastAdministratorCannotBeRemoved) {
  EXPECT_EQ(service_->DeleteUser("admin", caller_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_->RevokeRole("admin", "admin", caller_).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(service_->AddUser("root", "r", {"root"}, caller_).ok());
  EXPECT_TRUE(service_->RevokeRole("admin", "admin", caller_).ok());
  auto changes = service_->audit().Query({.action = "user."});
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->front().action, "user.revoke_role");
  EXPECT_EQ(changes->front().actor, "admin");
}

TEST_F(AuthServiceTest, RedisStyleChecks) {
  ASSERT_TRUE(service_->AddRole("cache-ro", caller_).ok());
  ASSERT_TRUE(
      service_->GrantPermission("cache-ro", *MakePermission("cache", "user:*", {"read"}), caller_)
          .ok());
  ASSERT_TRUE(service_->AddUser("fred", "pw", {"cache-ro"}, caller_).ok());
  absl::StatusOr<Identity> who = service_->AuthenticatePassword("fred", "pw", "h");
  ASSERT_TRUE(who.ok());
  EXPECT_TRUE(service_->CheckCacheCommand(*who, "get", {"read", "string"}, {"user:1"}).ok());
  EXPECT_FALSE(service_->CheckCacheCommand(*who, "set", {"write", "string"}, {"user:1"}).ok());
  EXPECT_FALSE(service_->CheckCacheCommand(*who, "get", {"read"}, {"other"}).ok());
  EXPECT_FALSE(
      service_->CheckCacheCommand(*who, "flushall", {"keyspace", "write", "dangerous"}, {}).ok());
  // A JWT works as the password too.
  const std::string token = service_->Login("fred", "pw", caller_)->token;
  EXPECT_EQ(service_->AuthenticatePassword("fred", token, "h")->user, "fred");
}

}  // namespace
}  // namespace aio::auth
