// What etcd's permission checks see of each KV request, and AuthorizeKv over a real AuthService
// (MvccStore in a temp dir): open until etcd auth is enabled, then etcd's errors.
#include "protocol/grpc/etcd_auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "base/clock.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = etcdserverpb;

TEST(AccessesOfTest, PutAndDeleteWithPrevKvAlsoRead) {
  pb::PutRequest put;
  put.set_key("k");
  EXPECT_EQ(AccessesOf(put).size(), 1u);
  put.set_prev_kv(true);
  ASSERT_EQ(AccessesOf(put).size(), 2u);
  EXPECT_EQ(AccessesOf(put)[1].action, auth::kRead);

  pb::DeleteRangeRequest del;
  del.set_key("a");
  del.set_range_end("b");
  ASSERT_EQ(AccessesOf(del).size(), 1u);
  EXPECT_EQ(AccessesOf(del)[0].range_end, "b");
  EXPECT_EQ(AccessesOf(del)[0].action, auth::kWrite);
}

TEST(AccessesOfTest, TxnCoversComparesBothBranchesAndNestedTxns) {
  pb::TxnRequest txn;
  txn.add_compare()->set_key("c");
  txn.add_success()->mutable_request_put()->set_key("s");
  txn.add_failure()->mutable_request_range()->set_key("f");
  txn.add_success()->mutable_request_txn()->add_failure()->mutable_request_delete_range()->set_key(
      "n");
  std::vector<KvAccess> accesses = AccessesOf(txn);
  ASSERT_EQ(accesses.size(), 4u);
  EXPECT_EQ(accesses[0].key, "c");
  EXPECT_EQ(accesses[0].action, auth::kRead);
  EXPECT_EQ(accesses[1].key, "s");
  EXPECT_EQ(accesses[1].action, auth::kWrite);
  EXPECT_EQ(accesses[2].key, "n");
  EXPECT_EQ(accesses[2].action, auth::kWrite);
  EXPECT_EQ(accesses[3].key, "f");
  EXPECT_EQ(accesses[3].action, auth::kRead);
}

TEST(AuthorizeKvTest, WithoutAuthServiceEverythingIsOpen) {
  EXPECT_TRUE(AuthorizeKv(nullptr, "", {{"k", "", auth::kWrite}}).ok());
  EXPECT_TRUE(AuthorizeAdmin(nullptr, "").ok());
}

class AuthorizeKvWithAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-etcd-auth-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto store = store::mvcc::MvccStore::Open(
        {.data_dir = dir_.string(), .sync_writes = false, .background_threads = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auth_ = std::make_unique<auth::AuthService>(
        store_.get(), auth::AuthOptions{.initial_admin_password = "admin-pw",
                                        .data_dir = dir_.string(),
                                        .argon2 = {.time_cost = 1, .memory_kib = 1024}});
    ASSERT_TRUE(auth_->Start().ok());
  }
  void TearDown() override {
    auth_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<auth::AuthService> auth_;
  auth::Caller caller_{.actor = "test", .protocol = "etcd"};
};

TEST_F(AuthorizeKvWithAuthTest, OpenUntilEnabledThenEtcdErrors) {
  ASSERT_TRUE(auth_->AddRole("app", caller_).ok());
  ASSERT_TRUE(auth_
                  ->GrantPermission("app",
                                    {.resource = auth::Resource::kKv,
                                     .key = "/app/",
                                     .range_end = "/app0",
                                     .actions = auth::kRead | auth::kWrite},
                                    caller_)
                  .ok());
  ASSERT_TRUE(auth_->AddUser("alice", "alice-pw", {"app"}, caller_).ok());
  absl::StatusOr<auth::IssuedToken> token = auth_->Login("alice", "alice-pw", caller_);
  ASSERT_TRUE(token.ok()) << token.status();

  EXPECT_TRUE(AuthorizeKv(auth_.get(), "", {{"/other", "", auth::kWrite}}).ok());
  ASSERT_TRUE(auth_->SetEtcdAuthEnabled(true, caller_).ok());
  EXPECT_TRUE(EtcdAuthActive(auth_.get()));

  EXPECT_TRUE(AuthorizeKv(auth_.get(), token->token, {{"/app/x", "", auth::kWrite}}).ok());
  absl::Status denied = AuthorizeKv(auth_.get(), token->token, {{"/other", "", auth::kRead}});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "etcdserver: permission denied");
  absl::Status empty = AuthorizeKv(auth_.get(), "", {{"/app/x", "", auth::kRead}});
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "etcdserver: user name is empty");
  absl::Status bad = AuthorizeKv(auth_.get(), "not-a-token", {{"/app/x", "", auth::kRead}});
  EXPECT_EQ(bad.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(bad.message(), "etcdserver: invalid auth token");
  EXPECT_EQ(AuthorizeAdmin(auth_.get(), token->token).code(), absl::StatusCode::kPermissionDenied);

  ASSERT_TRUE(auth_->SetEtcdAuthEnabled(false, caller_).ok());
  EXPECT_TRUE(AuthorizeKv(auth_.get(), "", {{"/other", "", auth::kWrite}}).ok());
}

}  // namespace
}  // namespace aio::protocol::grpc
