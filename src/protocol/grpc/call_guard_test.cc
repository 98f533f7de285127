// CallGuard over a real AuthService (MvccStore in a temp dir): directly on a server context with
// metadata (ServerContextTestSpouse), and through the aio.v1 auth services on an in-process
// server, as a client sees it.
#include "protocol/grpc/call_guard.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "base/clock.h"
#include "protocol/grpc/aio_auth_service.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = ::aio::v1;
constexpr int64_t kTtlS = 60;

class CallGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-call-guard-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto store = store::mvcc::MvccStore::Open(
        {.data_dir = dir_.string(), .sync_writes = false, .background_threads = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auth_ = std::make_unique<auth::AuthService>(
        store_.get(), auth::AuthOptions{.token_ttl_s = kTtlS,
                                        .initial_admin_password = "admin-pw",
                                        .data_dir = dir_.string(),
                                        .argon2 = {.time_cost = 1, .memory_kib = 1024},
                                        .clock = &clock_,
                                        .wall_clock = &wall_});
    ASSERT_TRUE(auth_->Start().ok());
    ASSERT_TRUE(auth_->AddRole("app", caller_).ok());
    ASSERT_TRUE(
        auth_
            ->GrantPermission(
                "app",
                {.resource = auth::Resource::kRegistry, .key = "orders-*", .actions = auth::kRead},
                caller_)
            .ok());
    ASSERT_TRUE(auth_->AddUser("alice", "alice-pw", {"app"}, caller_).ok());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    auth_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string TokenOf(const std::string& user, const std::string& password) {
    absl::StatusOr<auth::IssuedToken> token = auth_->Login(user, password, caller_);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? token->token : "";
  }

  // Serves the aio.v1 auth services in-process; returns a channel to them.
  std::shared_ptr<::grpc::Channel> Serve() {
    client_auth_ = std::make_unique<AioClientAuthService>(auth_.get());
    auth_service_ = std::make_unique<AioAuthService>(auth_.get());
    ::grpc::ServerBuilder builder;
    builder.RegisterService(client_auth_.get());
    builder.RegisterService(auth_service_.get());
    server_ = builder.BuildAndStart();
    return server_->InProcessChannel(::grpc::ChannelArguments());
  }

  static void Bearer(::grpc::ClientContext* context, const std::string& token) {
    context->AddMetadata("authorization", "Bearer " + token);
  }

  base::ManualClock clock_;
  base::ManualClock wall_{1'700'000'000'000};
  std::filesystem::path dir_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<auth::AuthService> auth_;
  auth::Caller caller_{.actor = "test", .protocol = "grpc"};
  std::unique_ptr<AioClientAuthService> client_auth_;
  std::unique_ptr<AioAuthService> auth_service_;
  std::unique_ptr<::grpc::Server> server_;
};

TEST_F(CallGuardTest, BearerTokenNeedsTheBearerScheme) {
  ::grpc::ServerContext call;
  // The spouse owns the metadata it adds: it must outlive the context's use.
  ::grpc::testing::ServerContextTestSpouse spouse(&call);
  EXPECT_EQ(BearerToken(call), "");
  spouse.AddClientMetadata("authorization", "Basic YWxpY2U6cHc=");
  EXPECT_EQ(BearerToken(call), "");

  ::grpc::ServerContext bearer;
  ::grpc::testing::ServerContextTestSpouse bearer_spouse(&bearer);
  bearer_spouse.AddClientMetadata("authorization", "bearer abc.def");
  EXPECT_EQ(BearerToken(bearer), "abc.def");
}

TEST_F(CallGuardTest, AuthorizeChecksTokenThenPermission) {
  CallGuard guard(auth_.get());
  const std::string token = TokenOf("alice", "alice-pw");

  ::grpc::ServerContext none;
  absl::StatusOr<auth::Identity> missing =
      guard.Authorize(none, "test/Method", auth::Resource::kRegistry, "orders-api", auth::kRead);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("authorization: Bearer <token>"),
            absl::string_view::npos);

  ::grpc::ServerContext malformed;
  ::grpc::testing::ServerContextTestSpouse malformed_spouse(&malformed);
  malformed_spouse.AddClientMetadata("authorization", "Bearer not.a.jwt");
  EXPECT_EQ(guard.Authenticate(malformed, "test/Method").status().code(),
            absl::StatusCode::kUnauthenticated);

  ::grpc::ServerContext call;
  ::grpc::testing::ServerContextTestSpouse call_spouse(&call);
  call_spouse.AddClientMetadata("authorization", "Bearer " + token);
  absl::StatusOr<auth::Identity> allowed =
      guard.Authorize(call, "test/Method", auth::Resource::kRegistry, "orders-api", auth::kRead);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->user, "alice");
  EXPECT_EQ(
      guard.Authorize(call, "test/Method", auth::Resource::kRegistry, "orders-api", auth::kWrite)
          .status()
          .code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard.Authorize(call, "test/Method", auth::Resource::kRegistry, "billing", auth::kRead)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard.RequireAdmin(call, "test/Method").status().code(),
            absl::StatusCode::kPermissionDenied);

  // Denials are audited with protocol grpc.
  absl::StatusOr<std::vector<auth::AuditRecord>> denied =
      auth_->audit().Query({.action = "request.denied", .protocol = "grpc"});
  ASSERT_TRUE(denied.ok());
  EXPECT_GE(denied->size(), 4u);

  // Expired: the token's exp has passed on the wall clock.
  wall_.AdvanceMs((kTtlS + 1) * 1000);
  EXPECT_EQ(guard.Authenticate(call, "test/Method").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(CallGuardTest, WithAuthDisabledEveryCallIsAnAnonymousAdmin) {
  auth::AuthService open(store_.get(),
                         auth::AuthOptions{.enabled = false,
                                           .data_dir = dir_.string(),
                                           .argon2 = {.time_cost = 1, .memory_kib = 1024}});
  CallGuard guard(&open);
  ::grpc::ServerContext none;
  absl::StatusOr<auth::Identity> who = guard.RequireAdmin(none, "test/Method");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->user, "anonymous");
}

TEST_F(CallGuardTest, LoginWhoAmILogoutOverGrpc) {
  auto stub = pb::AuthService::NewStub(Serve());
  pb::LoginResponse login;
  {
    ::grpc::ClientContext context;
    pb::LoginRequest request;
    request.set_username("alice");
    request.set_password("wrong");
    EXPECT_EQ(stub->Login(&context, request, &login).error_code(),
              ::grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    ::grpc::ClientContext context;
    pb::LoginRequest request;
    request.set_username("alice");
    request.set_password("alice-pw");
    ASSERT_TRUE(stub->Login(&context, request, &login).ok());
    EXPECT_EQ(login.token_type(), "Bearer");
    EXPECT_EQ(login.expires_at(), wall_.NowMs() / 1000 + kTtlS);
  }
  {
    ::grpc::ClientContext context;
    pb::WhoAmIResponse me;
    EXPECT_EQ(stub->WhoAmI(&context, {}, &me).error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, login.access_token());
    pb::WhoAmIResponse me;
    ASSERT_TRUE(stub->WhoAmI(&context, {}, &me).ok());
    EXPECT_EQ(me.user(), "alice");
    ASSERT_EQ(me.roles_size(), 1);
    EXPECT_EQ(me.roles(0), "app");
    EXPECT_FALSE(me.admin());
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, login.access_token());
    pb::ListUsersResponse users;
    EXPECT_EQ(stub->ListUsers(&context, {}, &users).error_code(),
              ::grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, login.access_token());
    pb::LogoutResponse out;
    ASSERT_TRUE(stub->Logout(&context, {}, &out).ok());
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, login.access_token());
    pb::WhoAmIResponse me;
    EXPECT_EQ(stub->WhoAmI(&context, {}, &me).error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(CallGuardTest, ClientCredentialsFlowOverGrpc) {
  auto channel = Serve();
  auto admin = pb::AuthService::NewStub(channel);
  auto clients = pb::ClientAuthService::NewStub(channel);
  const std::string admin_token = TokenOf("admin", "admin-pw");

  pb::CreateClientResponse created;
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::CreateClientRequest request;
    request.add_roles("app");
    request.set_description("orders service");
    ASSERT_TRUE(admin->CreateClient(&context, request, &created).ok());
    EXPECT_FALSE(created.client_secret().empty());
    EXPECT_EQ(created.client().description(), "orders service");
  }
  {
    ::grpc::ClientContext context;
    pb::AuthenticateClientRequest request;
    request.set_client_key(created.client().client_key());
    request.set_client_secret("not-the-secret");
    pb::TokenResponse token;
    EXPECT_EQ(clients->AuthenticateClient(&context, request, &token).error_code(),
              ::grpc::StatusCode::UNAUTHENTICATED);
  }
  pb::TokenResponse token;
  {
    ::grpc::ClientContext context;
    pb::AuthenticateClientRequest request;
    request.set_client_key(created.client().client_key());
    request.set_client_secret(created.client_secret());
    ASSERT_TRUE(clients->AuthenticateClient(&context, request, &token).ok());
    EXPECT_EQ(token.token_type(), "Bearer");
  }
  wall_.AdvanceMs(10'000);
  pb::TokenResponse renewed;
  {
    ::grpc::ClientContext context;
    Bearer(&context, token.access_token());
    ASSERT_TRUE(clients->RenewToken(&context, {}, &renewed).ok());
    EXPECT_EQ(renewed.expires_at(), token.expires_at() + 10);
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, renewed.access_token());
    pb::WhoAmIResponse me;
    ASSERT_TRUE(admin->WhoAmI(&context, {}, &me).ok());
    EXPECT_EQ(me.user(), created.client().client_key());
  }
  {
    ::grpc::ClientContext context;
    pb::TokenResponse out;
    EXPECT_EQ(clients->RenewToken(&context, {}, &out).error_code(),
              ::grpc::StatusCode::UNAUTHENTICATED);
  }
  // Disabling the client refuses its tokens.
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::SetClientDisabledRequest request;
    request.set_client_key(created.client().client_key());
    request.set_disabled(true);
    pb::Client client;
    ASSERT_TRUE(admin->SetClientDisabled(&context, request, &client).ok());
    EXPECT_TRUE(client.disabled());
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, renewed.access_token());
    pb::WhoAmIResponse me;
    EXPECT_EQ(admin->WhoAmI(&context, {}, &me).error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(CallGuardTest, AdminManagesUsersAndRolesOverGrpc) {
  auto stub = pb::AuthService::NewStub(Serve());
  const std::string admin_token = TokenOf("admin", "admin-pw");
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::AddRoleRequest request;
    request.set_name("cfg");
    pb::Permission* p = request.add_permissions();
    p->set_resource("config");
    p->set_pattern("app/*");
    p->add_actions("read");
    pb::Permission* bad = request.add_permissions();
    bad->set_resource("nope");
    bad->set_pattern("x");
    bad->add_actions("read");
    pb::Role role;
    EXPECT_EQ(stub->AddRole(&context, request, &role).error_code(),
              ::grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_TRUE(absl::IsNotFound(auth_->GetRole("cfg").status()));  // nothing stored
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::AddRoleRequest request;
    request.set_name("cfg");
    pb::Permission* p = request.add_permissions();
    p->set_resource("config");
    p->set_pattern("app/*");
    p->add_actions("read");
    pb::Role role;
    ASSERT_TRUE(stub->AddRole(&context, request, &role).ok());
    ASSERT_EQ(role.permissions_size(), 1);
    EXPECT_EQ(role.permissions(0).pattern(), "app/*");
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::AddUserRequest request;
    request.set_name("bob");
    request.set_password("bob-pw");
    request.add_roles("cfg");
    pb::User user;
    ASSERT_TRUE(stub->AddUser(&context, request, &user).ok());
    EXPECT_TRUE(user.has_password());
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::UpdateUserRequest request;
    request.set_name("bob");
    request.set_disabled(true);
    pb::User user;
    ASSERT_TRUE(stub->UpdateUser(&context, request, &user).ok());
    EXPECT_TRUE(user.disabled());
  }
  {
    ::grpc::ClientContext context;
    Bearer(&context, admin_token);
    pb::GetUserRequest request;
    request.set_name("nobody");
    pb::User user;
    ::grpc::Status status = stub->GetUser(&context, request, &user);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "user \"nobody\" not found");
  }
}

}  // namespace
}  // namespace aio::protocol::grpc
