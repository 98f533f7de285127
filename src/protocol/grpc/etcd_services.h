// The etcd v3 gRPC services (KV, Watch, Lease, Cluster, Maintenance) as thin adapters over
// store::KvStore. Unary methods use the sync API: a store write blocks until its group commit is
// fsync'ed, so each call runs on its own thread of the sync server's pool. Watch and
// LeaseKeepAlive use the callback API (no thread per stream). Behaviour and texts follow etcd v3.4
// (server/etcdserver/api/v3rpc).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "auth/auth_service.h"
#include "etcd/rpc.grpc.pb.h"
#include "protocol/grpc/stream_registry.h"
#include "store/kv_store.h"

namespace aio::protocol::grpc {

// etcd's raft term of a fresh single-member cluster (its first leader is elected in term 2); AIO
// has no raft, so every header carries this constant.
inline constexpr uint64_t kRaftTerm = 2;
// The etcd API version AIO speaks (Maintenance.Status.version, `etcdctl endpoint status`).
inline constexpr char kEtcdVersion[] = "3.4.0";

// What every service needs. Thread-safe; client_urls is set once the listeners are bound.
class EtcdServiceContext {
 public:
  // `auth` may be null: no etcd Auth service, the KV API is always open.
  EtcdServiceContext(store::KvStore* store, uint64_t cluster_id, uint64_t member_id,
                     std::string member_name, auth::AuthService* auth = nullptr)
      : store_(store),
        auth_(auth),
        cluster_id_(cluster_id),
        member_id_(member_id),
        member_name_(std::move(member_name)) {}

  store::KvStore* store() const { return store_; }
  auth::AuthService* auth() const { return auth_; }
  uint64_t member_id() const { return member_id_; }
  const std::string& member_name() const { return member_name_; }
  StreamRegistry* streams() { return &streams_; }

  void FillHeader(etcdserverpb::ResponseHeader* header, int64_t revision) const;

  void set_client_urls(std::vector<std::string> urls);
  std::vector<std::string> client_urls() const;

 private:
  store::KvStore* const store_;
  auth::AuthService* const auth_;
  const uint64_t cluster_id_;
  const uint64_t member_id_;
  const std::string member_name_;
  StreamRegistry streams_;
  mutable absl::Mutex mu_;
  std::vector<std::string> client_urls_ ABSL_GUARDED_BY(mu_);
};

// Writes (Put, DeleteRange, Txn) use the callback API: the store's writer thread completes them
// after the group commit, so a write parks no thread while it waits for the WAL sync.
using KvServiceBase =
    etcdserverpb::KV::WithCallbackMethod_Put<etcdserverpb::KV::WithCallbackMethod_DeleteRange<
        etcdserverpb::KV::WithCallbackMethod_Txn<etcdserverpb::KV::Service>>>;

class KvService final : public KvServiceBase {
 public:
  explicit KvService(EtcdServiceContext* context) : context_(context) {}

  ::grpc::Status Range(::grpc::ServerContext* call, const etcdserverpb::RangeRequest* request,
                       etcdserverpb::RangeResponse* response) override;
  ::grpc::ServerUnaryReactor* Put(::grpc::CallbackServerContext* call,
                                  const etcdserverpb::PutRequest* request,
                                  etcdserverpb::PutResponse* response) override;
  ::grpc::ServerUnaryReactor* DeleteRange(::grpc::CallbackServerContext* call,
                                          const etcdserverpb::DeleteRangeRequest* request,
                                          etcdserverpb::DeleteRangeResponse* response) override;
  ::grpc::ServerUnaryReactor* Txn(::grpc::CallbackServerContext* call,
                                  const etcdserverpb::TxnRequest* request,
                                  etcdserverpb::TxnResponse* response) override;
  ::grpc::Status Compact(::grpc::ServerContext* call,
                         const etcdserverpb::CompactionRequest* request,
                         etcdserverpb::CompactionResponse* response) override;

 private:
  EtcdServiceContext* const context_;
};

class WatchService final : public etcdserverpb::Watch::CallbackService {
 public:
  explicit WatchService(EtcdServiceContext* context) : context_(context) {}

  ::grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>* Watch(
      ::grpc::CallbackServerContext*) override;

 private:
  EtcdServiceContext* const context_;
};

class LeaseService final
    : public etcdserverpb::Lease::WithCallbackMethod_LeaseKeepAlive<etcdserverpb::Lease::Service> {
 public:
  explicit LeaseService(EtcdServiceContext* context) : context_(context) {}

  ::grpc::Status LeaseGrant(::grpc::ServerContext*, const etcdserverpb::LeaseGrantRequest* request,
                            etcdserverpb::LeaseGrantResponse* response) override;
  ::grpc::Status LeaseRevoke(::grpc::ServerContext*,
                             const etcdserverpb::LeaseRevokeRequest* request,
                             etcdserverpb::LeaseRevokeResponse* response) override;
  ::grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                            etcdserverpb::LeaseKeepAliveResponse>*
  LeaseKeepAlive(::grpc::CallbackServerContext*) override;
  ::grpc::Status LeaseTimeToLive(::grpc::ServerContext*,
                                 const etcdserverpb::LeaseTimeToLiveRequest* request,
                                 etcdserverpb::LeaseTimeToLiveResponse* response) override;
  ::grpc::Status LeaseLeases(::grpc::ServerContext*, const etcdserverpb::LeaseLeasesRequest*,
                             etcdserverpb::LeaseLeasesResponse* response) override;

 private:
  EtcdServiceContext* const context_;
};

// A standalone AIO is a one-member cluster: MemberList answers, membership changes are refused.
class ClusterService final : public etcdserverpb::Cluster::Service {
 public:
  explicit ClusterService(EtcdServiceContext* context) : context_(context) {}

  ::grpc::Status MemberAdd(::grpc::ServerContext*, const etcdserverpb::MemberAddRequest*,
                           etcdserverpb::MemberAddResponse*) override;
  ::grpc::Status MemberRemove(::grpc::ServerContext*, const etcdserverpb::MemberRemoveRequest*,
                              etcdserverpb::MemberRemoveResponse*) override;
  ::grpc::Status MemberUpdate(::grpc::ServerContext*, const etcdserverpb::MemberUpdateRequest*,
                              etcdserverpb::MemberUpdateResponse*) override;
  ::grpc::Status MemberList(::grpc::ServerContext*, const etcdserverpb::MemberListRequest*,
                            etcdserverpb::MemberListResponse* response) override;
  ::grpc::Status MemberPromote(::grpc::ServerContext*, const etcdserverpb::MemberPromoteRequest*,
                               etcdserverpb::MemberPromoteResponse*) override;

 private:
  EtcdServiceContext* const context_;
};

class MaintenanceService final : public etcdserverpb::Maintenance::Service {
 public:
  explicit MaintenanceService(EtcdServiceContext* context) : context_(context) {}

  ::grpc::Status Alarm(::grpc::ServerContext*, const etcdserverpb::AlarmRequest* request,
                       etcdserverpb::AlarmResponse* response) override;
  ::grpc::Status Status(::grpc::ServerContext*, const etcdserverpb::StatusRequest*,
                        etcdserverpb::StatusResponse* response) override;
  ::grpc::Status Defragment(::grpc::ServerContext*, const etcdserverpb::DefragmentRequest*,
                            etcdserverpb::DefragmentResponse* response) override;
  ::grpc::Status Hash(::grpc::ServerContext*, const etcdserverpb::HashRequest*,
                      etcdserverpb::HashResponse* response) override;
  ::grpc::Status HashKV(::grpc::ServerContext*, const etcdserverpb::HashKVRequest* request,
                        etcdserverpb::HashKVResponse* response) override;
  ::grpc::Status Snapshot(::grpc::ServerContext*, const etcdserverpb::SnapshotRequest*,
                          ::grpc::ServerWriter<etcdserverpb::SnapshotResponse>*) override;
  ::grpc::Status MoveLeader(::grpc::ServerContext*, const etcdserverpb::MoveLeaderRequest*,
                            etcdserverpb::MoveLeaderResponse*) override;

 private:
  EtcdServiceContext* const context_;
};

}  // namespace aio::protocol::grpc
