// EtcdGrpcServer over a real MvccStore (temp dir, no fsync), driven through the generated etcd
// stubs on 127.0.0.1: what etcd clients see on the wire.
#include "protocol/grpc/etcd_grpc_server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "etcd/rpc.grpc.pb.h"
#include "store/mvcc/mvcc_store.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = etcdserverpb;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kClusterId = 0x1234;
constexpr uint64_t kMemberId = 0xabcd;
constexpr int64_t kMaxRequestBytes = 64 * 1024;

class EtcdGrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aio-grpc-etcd-" + std::to_string(std::random_device{}()));
    auto store = store::mvcc::MvccStore::Open({.data_dir = dir_.string(),
                                               .max_request_bytes = kMaxRequestBytes,
                                               .quota_bytes = quota_bytes_,
                                               .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    server_ = std::make_unique<EtcdGrpcServer>(
        store_.get(), EtcdServerOptions{.listen_addresses = {"127.0.0.1:0"},
                                        .max_request_bytes = kMaxRequestBytes,
                                        .cluster_id = kClusterId,
                                        .member_id = kMemberId,
                                        .member_name = "aio-test"});
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_EQ(server_->bound_ports().size(), 1u);
    port_ = server_->bound_ports()[0];
    ASSERT_GT(port_, 0);
    auto channel = ::grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                         ::grpc::InsecureChannelCredentials());
    kv_ = pb::KV::NewStub(channel);
    watch_ = pb::Watch::NewStub(channel);
    lease_ = pb::Lease::NewStub(channel);
    cluster_ = pb::Cluster::NewStub(channel);
    maintenance_ = pb::Maintenance::NewStub(channel);
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  pb::PutResponse Put(const std::string& key, const std::string& value, int64_t lease = 0) {
    ::grpc::ClientContext context;
    pb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    request.set_lease(lease);
    pb::PutResponse response;
    ::grpc::Status status = kv_->Put(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  int64_t quota_bytes_ = store::kDefaultQuotaBytes;
  std::filesystem::path dir_;
  std::unique_ptr<store::mvcc::MvccStore> store_;
  std::unique_ptr<EtcdGrpcServer> server_;
  int port_ = 0;
  std::unique_ptr<pb::KV::Stub> kv_;
  std::unique_ptr<pb::Watch::Stub> watch_;
  std::unique_ptr<pb::Lease::Stub> lease_;
  std::unique_ptr<pb::Cluster::Stub> cluster_;
  std::unique_ptr<pb::Maintenance::Stub> maintenance_;
};

TEST_F(EtcdGrpcServerTest, PutRangeAndHeaders) {
  pb::PutResponse put = Put("foo", "bar");
  EXPECT_EQ(put.header().cluster_id(), kClusterId);
  EXPECT_EQ(put.header().member_id(), kMemberId);
  EXPECT_GT(put.header().raft_term(), 0u);
  const int64_t revision = put.header().revision();
  EXPECT_GT(revision, 1);

  ::grpc::ClientContext context;
  pb::RangeRequest request;
  request.set_key("foo");
  pb::RangeResponse range;
  ASSERT_TRUE(kv_->Range(&context, request, &range).ok());
  EXPECT_EQ(range.header().revision(), revision);
  EXPECT_EQ(range.count(), 1);
  ASSERT_EQ(range.kvs_size(), 1);
  EXPECT_EQ(range.kvs(0).value(), "bar");
  EXPECT_EQ(range.kvs(0).mod_revision(), revision);
  EXPECT_EQ(range.kvs(0).version(), 1);
}

TEST_F(EtcdGrpcServerTest, ErrorsKeepEtcdCodesAndTexts) {
  {
    ::grpc::ClientContext context;
    pb::PutResponse response;
    ::grpc::Status status = kv_->Put(&context, pb::PutRequest(), &response);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "etcdserver: key is not provided");
  }
  {
    ::grpc::ClientContext context;
    pb::RangeRequest request;
    request.set_key("foo");
    request.set_revision(1000);
    pb::RangeResponse response;
    ::grpc::Status status = kv_->Range(&context, request, &response);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(status.error_message(), "etcdserver: mvcc: required revision is a future revision");
  }
  {
    // Over max_request_bytes but under the gRPC limit (+512 KiB): the store's text.
    ::grpc::ClientContext context;
    pb::PutRequest request;
    request.set_key("big");
    request.set_value(std::string(kMaxRequestBytes + 1024, 'x'));
    pb::PutResponse response;
    ::grpc::Status status = kv_->Put(&context, request, &response);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "etcdserver: request is too large");
  }
  {
    // Over the gRPC limit too: refused by gRPC before the store sees it.
    ::grpc::ClientContext context;
    pb::PutRequest request;
    request.set_key("huge");
    request.set_value(std::string(kMaxRequestBytes + 600 * 1024, 'x'));
    pb::PutResponse response;
    EXPECT_EQ(kv_->Put(&context, request, &response).error_code(),
              ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    ::grpc::ClientContext context;
    pb::LeaseRevokeRequest request;
    request.set_id(777);
    pb::LeaseRevokeResponse response;
    ::grpc::Status status = lease_->LeaseRevoke(&context, request, &response);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "etcdserver: requested lease not found");
  }
  {
    ::grpc::ClientContext context;
    pb::MemberAddResponse response;
    ::grpc::Status status = cluster_->MemberAdd(&context, pb::MemberAddRequest(), &response);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_NE(status.error_message().find("single-member"), std::string::npos);
  }
}

TEST_F(EtcdGrpcServerTest, TxnWithNestedTxn) {
  Put("a", "1");
  pb::TxnRequest txn;
  pb::Compare* compare = txn.add_compare();
  compare->set_key("a");
  compare->set_target(pb::Compare::VALUE);
  compare->set_result(pb::Compare::EQUAL);
  compare->set_value("1");
  pb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key("b");
  put->set_value("2");
  pb::TxnRequest* nested = txn.add_success()->mutable_request_txn();
  nested->add_success()->mutable_request_range()->set_key("a");
  txn.add_failure()->mutable_request_delete_range()->set_key("a");

  ::grpc::ClientContext context;
  pb::TxnResponse response;
  ASSERT_TRUE(kv_->Txn(&context, txn, &response).ok());
  EXPECT_TRUE(response.succeeded());
  ASSERT_EQ(response.responses_size(), 2);
  EXPECT_TRUE(response.responses(0).has_response_put());
  const pb::TxnResponse& inner = response.responses(1).response_txn();
  EXPECT_TRUE(inner.succeeded());
  ASSERT_EQ(inner.responses_size(), 1);
  ASSERT_EQ(inner.responses(0).response_range().kvs_size(), 1);
  EXPECT_EQ(inner.responses(0).response_range().kvs(0).value(), "1");
}

using WatchStream = ::grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>;

pb::WatchRequest CreateWatch(const std::string& key, int64_t start_revision = 0) {
  pb::WatchRequest request;
  request.mutable_create_request()->set_key(key);
  request.mutable_create_request()->set_start_revision(start_revision);
  request.mutable_create_request()->set_prev_kv(true);
  return request;
}

TEST_F(EtcdGrpcServerTest, WatchCreateEventProgressCancel) {
  ::grpc::ClientContext context;
  std::unique_ptr<WatchStream> stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(CreateWatch("w")));
  pb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_FALSE(response.canceled());
  EXPECT_EQ(response.header().member_id(), kMemberId);
  const int64_t id = response.watch_id();

  const int64_t first = Put("w", "1").header().revision();
  Put("w", "2");
  int64_t seen = 0;
  while (seen < 2) {
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_EQ(response.watch_id(), id);
    for (const mvccpb::Event& event : response.events()) {
      EXPECT_EQ(event.type(), mvccpb::Event::PUT);
      EXPECT_EQ(event.kv().key(), "w");
      EXPECT_EQ(event.kv().mod_revision(), first + seen);
      if (seen == 1) {
        EXPECT_EQ(event.prev_kv().value(), "1");
      }
      ++seen;
    }
  }

  pb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(stream->Write(progress));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), -1);
  EXPECT_EQ(response.events_size(), 0);
  EXPECT_EQ(response.header().revision(), first + 1);

  pb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(id);
  ASSERT_TRUE(stream->Write(cancel));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.watch_id(), id);

  // A duplicate watch ID is refused in-band, as etcd.
  pb::WatchRequest first_create = CreateWatch("x");
  first_create.mutable_create_request()->set_watch_id(7);
  ASSERT_TRUE(stream->Write(first_create));
  ASSERT_TRUE(stream->Write(first_create));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.watch_id(), 7);
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.watch_id(), -1);
  EXPECT_EQ(response.cancel_reason(), "mvcc: duplicate watch ID provided on the WatchStream");
  context.TryCancel();
}

TEST_F(EtcdGrpcServerTest, WatchFromCompactedRevisionIsCreatedThenCanceled) {
  Put("c", "1");
  const int64_t compact_at = Put("c", "2").header().revision();
  {
    ::grpc::ClientContext context;
    pb::CompactionRequest request;
    request.set_revision(compact_at);
    request.set_physical(true);
    pb::CompactionResponse response;
    ASSERT_TRUE(kv_->Compact(&context, request, &response).ok());
  }
  ::grpc::ClientContext context;
  std::unique_ptr<WatchStream> stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(CreateWatch("c", 1)));
  pb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.compact_revision(), compact_at);
  EXPECT_EQ(response.cancel_reason(), "etcdserver: mvcc: required revision has been compacted");
  context.TryCancel();
}

TEST_F(EtcdGrpcServerTest, LeaseGrantKeepAliveTimeToLiveLeases) {
  int64_t id;
  {
    ::grpc::ClientContext context;
    pb::LeaseGrantRequest request;
    request.set_ttl(30);
    pb::LeaseGrantResponse response;
    ASSERT_TRUE(lease_->LeaseGrant(&context, request, &response).ok());
    EXPECT_EQ(response.ttl(), 30);
    id = response.id();
    EXPECT_NE(id, 0);
  }
  Put("leased", "v", id);
  {
    ::grpc::ClientContext context;
    auto stream = lease_->LeaseKeepAlive(&context);
    pb::LeaseKeepAliveRequest request;
    request.set_id(id);
    ASSERT_TRUE(stream->Write(request));
    pb::LeaseKeepAliveResponse response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.id(), id);
    EXPECT_EQ(response.ttl(), 30);
    request.set_id(id + 1);  // unknown: TTL 0, as etcd
    ASSERT_TRUE(stream->Write(request));
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.id(), id + 1);
    EXPECT_EQ(response.ttl(), 0);
    ASSERT_TRUE(stream->WritesDone());
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_TRUE(stream->Finish().ok());
  }
  {
    ::grpc::ClientContext context;
    pb::LeaseTimeToLiveRequest request;
    request.set_id(id);
    request.set_keys(true);
    pb::LeaseTimeToLiveResponse response;
    ASSERT_TRUE(lease_->LeaseTimeToLive(&context, request, &response).ok());
    EXPECT_EQ(response.grantedttl(), 30);
    EXPECT_GT(response.ttl(), 25);
    ASSERT_EQ(response.keys_size(), 1);
    EXPECT_EQ(response.keys(0), "leased");
  }
  {
    ::grpc::ClientContext context;
    pb::LeaseLeasesResponse response;
    ASSERT_TRUE(lease_->LeaseLeases(&context, pb::LeaseLeasesRequest(), &response).ok());
    ASSERT_EQ(response.leases_size(), 1);
    EXPECT_EQ(response.leases(0).id(), id);
  }
  {
    // Over the gRPC limit too: refused by gRPC before the store sees it.
    ::grpc::ClientContext context;
    pb::PutRequest request;
    request.set_key("huge");
    request.set_value(std::string(kMaxRequestBytes + 600 * 1024, 'x'));
    pb::PutResponse response;
    EXPECT_EQ(kv_->Put(&context, request, &response).error_code(),
              ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    ::grpc::ClientContext context;
    pb::LeaseRevokeRequest request;
    request.set_id(id);
    pb::LeaseRevokeResponse response;
    ASSERT_TRUE(lease_->LeaseRevoke(&context, request, &response).ok());
  }
  ::grpc::ClientContext context;
  pb::RangeRequest request;
  request.set_key("leased");
  pb::RangeResponse range;
  ASSERT_TRUE(kv_->Range(&context, request, &range).ok());
  EXPECT_EQ(range.kvs_size(), 0);
}

TEST_F(EtcdGrpcServerTest, StatusMemberListAlarmHash) {
  const int64_t revision = Put("s", "1").header().revision();
  {
    ::grpc::ClientContext context;
    pb::StatusResponse response;
    ASSERT_TRUE(maintenance_->Status(&context, pb::StatusRequest(), &response).ok());
    EXPECT_EQ(response.version(), "3.4.0");
    EXPECT_EQ(response.leader(), kMemberId);
    EXPECT_EQ(response.raftindex(), static_cast<uint64_t>(revision));
    EXPECT_GT(response.dbsize(), 0);
    EXPECT_EQ(response.errors_size(), 0);
  }
  {
    ::grpc::ClientContext context;
    pb::MemberListResponse response;
    ASSERT_TRUE(cluster_->MemberList(&context, pb::MemberListRequest(), &response).ok());
    ASSERT_EQ(response.members_size(), 1);
    EXPECT_EQ(response.members(0).id(), kMemberId);
    EXPECT_EQ(response.members(0).name(), "aio-test");
    ASSERT_EQ(response.members(0).clienturls_size(), 1);
    EXPECT_EQ(response.members(0).clienturls(0), absl::StrCat("http://127.0.0.1:", port_));
  }
  {
    ::grpc::ClientContext context;
    pb::AlarmResponse response;
    ASSERT_TRUE(maintenance_->Alarm(&context, pb::AlarmRequest(), &response).ok());
    EXPECT_EQ(response.alarms_size(), 0);
  }
  {
    ::grpc::ClientContext context;
    pb::HashKVResponse response;
    ASSERT_TRUE(maintenance_->HashKV(&context, pb::HashKVRequest(), &response).ok());
    EXPECT_EQ(response.header().revision(), revision);
  }
}

class EtcdGrpcServerSmallQuotaTest : public EtcdGrpcServerTest {
 protected:
  EtcdGrpcServerSmallQuotaTest() { quota_bytes_ = 2 << 20; }

  std::vector<pb::AlarmMember> Alarm(pb::AlarmRequest::AlarmAction action, pb::AlarmType type) {
    ::grpc::ClientContext context;
    pb::AlarmRequest request;
    request.set_action(action);
    request.set_alarm(type);
    request.set_memberid(action == pb::AlarmRequest::GET ? 0 : kMemberId);
    pb::AlarmResponse response;
    ::grpc::Status status = maintenance_->Alarm(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.alarms().begin(), response.alarms().end()};
  }
};

TEST_F(EtcdGrpcServerSmallQuotaTest, NoSpaceAlarmIsReportedAndDisarmed) {
  ::grpc::Status refused;
  for (int i = 0; i < 1000 && refused.ok(); ++i) {
    ::grpc::ClientContext context;
    pb::PutRequest request;
    request.set_key(absl::StrCat("k", i % 8));
    request.set_value(std::string(4096, 'v'));
    pb::PutResponse response;
    refused = kv_->Put(&context, request, &response);
  }
  EXPECT_EQ(refused.error_code(), ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message(), "etcdserver: mvcc: database space exceeded");
  {
    ::grpc::ClientContext context;
    pb::StatusResponse response;
    ASSERT_TRUE(maintenance_->Status(&context, pb::StatusRequest(), &response).ok());
    ASSERT_EQ(response.errors_size(), 1);
    EXPECT_EQ(response.errors(0), absl::StrCat("memberID:", kMemberId, " alarm:NOSPACE "));
  }
  std::vector<pb::AlarmMember> alarms = Alarm(pb::AlarmRequest::GET, pb::NONE);
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0].memberid(), kMemberId);
  EXPECT_EQ(alarms[0].alarm(), pb::NOSPACE);
  EXPECT_TRUE(Alarm(pb::AlarmRequest::GET, pb::CORRUPT).empty());

  // etcdctl's recovery: delete, compact, defrag, alarm disarm.
  ASSERT_TRUE(store_->DeleteRange({.key = "k", .range_end = "l"}).ok());
  ASSERT_TRUE(store_->Compact(store_->CurrentRevision(), true).ok());
  {
    ::grpc::ClientContext context;
    pb::DefragmentResponse response;
    ASSERT_TRUE(maintenance_->Defragment(&context, pb::DefragmentRequest(), &response).ok());
  }
  EXPECT_EQ(Alarm(pb::AlarmRequest::DEACTIVATE, pb::NOSPACE).size(), 1u);
  EXPECT_TRUE(Alarm(pb::AlarmRequest::GET, pb::NONE).empty());
  Put("after", "ok");
}

TEST_F(EtcdGrpcServerTest, SecondServerOnTheSamePortFailsNamingTheAddress) {
  const std::string address = absl::StrCat("127.0.0.1:", port_);
  EtcdGrpcServer second(store_.get(), EtcdServerOptions{.listen_addresses = {address}});
  absl::Status status = second.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(address), std::string::npos) << status;
}

TEST_F(EtcdGrpcServerTest, StopEndsOpenStreamsPromptly) {
  ::grpc::ClientContext context;
  std::unique_ptr<WatchStream> stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(CreateWatch("open")));
  pb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));

  const Clock::time_point start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_FALSE(stream->Read(&response));
  ::grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "etcdserver: server stopped");
}

TEST_F(EtcdGrpcServerTest, StopWithinTheGraceWhenAWatcherDoesNotRead) {
  ::grpc::ClientContext context;
  std::unique_ptr<WatchStream> stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(CreateWatch("slow")));
  pb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  // More than the HTTP/2 flow-control windows hold: the server's write stays in flight.
  for (int i = 0; i < 300; ++i) Put("slow", std::string(16 * 1024, 'v'));

  const Clock::time_point start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
  context.TryCancel();
}

}  // namespace
}  // namespace aio::protocol::grpc
