#include "protocol/grpc/etcd_services.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "protocol/grpc/etcd_auth.h"
#include "protocol/grpc/etcd_convert.h"
#include "protocol/grpc/grpc_status.h"
#include "protocol/grpc/lease_keep_alive_reactor.h"
#include "protocol/grpc/watch_reactor.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = etcdserverpb;

// Converts a store result into `response` and completes its header, or maps the error.
template <class StoreResponse, class ProtoResponse>
::grpc::Status Reply(const EtcdServiceContext& context, const absl::StatusOr<StoreResponse>& result,
                     ProtoResponse* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(*result, response);
  context.FillHeader(response->mutable_header(), result->revision);
  return ::grpc::Status::OK;
}

::grpc::Status NotInStandalone(absl::string_view what) {
  return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                        absl::StrCat("aio: ", what,
                                     " is not supported: a standalone aio is a single-member "
                                     "cluster without raft"));
}

// etcd's text for an alarm in StatusResponse.errors: the Go text form of an AlarmMember.
std::string AlarmText(uint64_t member_id, absl::string_view alarm) {
  return absl::StrCat("memberID:", member_id, " alarm:", alarm, " ");
}

}  // namespace

void EtcdServiceContext::FillHeader(pb::ResponseHeader* header, int64_t revision) const {
  header->set_cluster_id(cluster_id_);
  header->set_member_id(member_id_);
  header->set_revision(revision);
  header->set_raft_term(kRaftTerm);
}

void EtcdServiceContext::set_client_urls(std::vector<std::string> urls) {
  absl::MutexLock lock(&mu_);
  client_urls_ = std::move(urls);
}

std::vector<std::string> EtcdServiceContext::client_urls() const {
  absl::MutexLock lock(&mu_);
  return client_urls_;
}

// KV

// KV requests are checked against the caller's kv permissions once etcd auth is on (etcd_auth.h);
// while it is off the check costs one flag read.
template <class Request>
absl::Status AuthorizeRequest(const EtcdServiceContext& context,
                              const ::grpc::ServerContextBase& call, const Request& request) {
  if (!EtcdAuthActive(context.auth())) return absl::OkStatus();
  return AuthorizeKv(context.auth(), TokenOf(call), AccessesOf(request));
}

::grpc::Status KvService::Range(::grpc::ServerContext* call, const pb::RangeRequest* request,
                                pb::RangeResponse* response) {
  if (absl::Status allowed = AuthorizeRequest(*context_, *call, *request); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  return Reply(*context_, context_->store()->Range(FromProto(*request)), response);
}

// A callback that finishes `call`'s reactor with the store's answer (on the store's thread).
template <class StoreResponse, class ProtoResponse>
store::KvStore::Callback<StoreResponse> FinishWith(const EtcdServiceContext& context,
                                                   ::grpc::ServerUnaryReactor* reactor,
                                                   ProtoResponse* response) {
  return [&context, reactor, response](absl::StatusOr<StoreResponse> result) {
    reactor->Finish(Reply(context, result, response));
  };
}

::grpc::ServerUnaryReactor* KvService::Put(::grpc::CallbackServerContext* call,
                                           const pb::PutRequest* request,
                                           pb::PutResponse* response) {
  ::grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  if (absl::Status allowed = AuthorizeRequest(*context_, *call, *request); !allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  context_->store()->PutAsync(FromProto(*request),
                              FinishWith<store::PutResponse>(*context_, reactor, response));
  return reactor;
}

::grpc::ServerUnaryReactor* KvService::DeleteRange(::grpc::CallbackServerContext* call,
                                                   const pb::DeleteRangeRequest* request,
                                                   pb::DeleteRangeResponse* response) {
  ::grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  if (absl::Status allowed = AuthorizeRequest(*context_, *call, *request); !allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  context_->store()->DeleteRangeAsync(
      FromProto(*request), FinishWith<store::DeleteRangeResponse>(*context_, reactor, response));
  return reactor;
}

::grpc::ServerUnaryReactor* KvService::Txn(::grpc::CallbackServerContext* call,
                                           const pb::TxnRequest* request,
                                           pb::TxnResponse* response) {
  ::grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  if (absl::Status allowed = AuthorizeRequest(*context_, *call, *request); !allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  context_->store()->TxnAsync(FromProto(*request),
                              FinishWith<store::TxnResponse>(*context_, reactor, response));
  return reactor;
}

::grpc::Status KvService::Compact(::grpc::ServerContext* call, const pb::CompactionRequest* request,
                                  pb::CompactionResponse* response) {
  // etcd: compaction is root's once auth is on.
  if (absl::Status allowed = AuthorizeAdmin(context_->auth(), TokenOf(*call)); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto result = context_->store()->Compact(request->revision(), request->physical());
  if (!result.ok()) return ToGrpcStatus(result.status());
  context_->FillHeader(response->mutable_header(), result->revision);
  return ::grpc::Status::OK;
}

namespace {

// Once etcd auth is on, what etcd reserves to root (authMaintenanceServer.isAuthenticated,
// checkMembershipOperationPermission): "etcdserver: user name is empty" without a token,
// "etcdserver: invalid auth token", "etcdserver: permission denied" for a non-root user.
::grpc::Status RequireRoot(const EtcdServiceContext& context,
                           const ::grpc::ServerContextBase& call) {
  return ToGrpcStatus(AuthorizeAdmin(context.auth(), TokenOf(call)));
}

// Once etcd auth is on: a valid token (Lease grant, keep-alive, list), see AuthorizeKv.
absl::Status RequireToken(const EtcdServiceContext& context,
                          const ::grpc::ServerContextBase& call) {
  return AuthorizeKv(context.auth(), TokenOf(call), {});
}

// Once etcd auth is on: `action` on every key attached to lease `id` (etcd's checkLeasePuts for
// LeaseRevoke; read for LeaseTimeToLive with keys, as etcd 3.4.26). An unknown lease has no keys:
// the store answers it afterwards with its own error.
absl::Status AuthorizeLeaseKeys(const EtcdServiceContext& context,
                                const ::grpc::ServerContextBase& call, int64_t id,
                                uint32_t action) {
  if (!EtcdAuthActive(context.auth())) return absl::OkStatus();
  absl::StatusOr<store::LeaseTimeToLiveResponse> lease =
      context.store()->LeaseTimeToLive(id, /*keys=*/true);
  std::vector<KvAccess> accesses;
  if (lease.ok()) {
    for (const std::string& key : lease->keys) accesses.push_back({key, "", action});
  }
  return AuthorizeKv(context.auth(), TokenOf(call), accesses);
}

}  // namespace

// Watch

::grpc::ServerBidiReactor<pb::WatchRequest, pb::WatchResponse>* WatchService::Watch(
    ::grpc::CallbackServerContext* call) {
  return new WatchReactor(context_, TokenOf(*call));
}

// Lease

::grpc::Status LeaseService::LeaseGrant(::grpc::ServerContext* call,
                                        const pb::LeaseGrantRequest* request,
                                        pb::LeaseGrantResponse* response) {
  if (absl::Status allowed = RequireToken(*context_, *call); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto result = context_->store()->LeaseGrant(request->id(), request->ttl());
  if (!result.ok()) return ToGrpcStatus(result.status());
  context_->FillHeader(response->mutable_header(), result->revision);
  response->set_id(result->id);
  response->set_ttl(result->ttl);
  return ::grpc::Status::OK;
}

::grpc::Status LeaseService::LeaseRevoke(::grpc::ServerContext* call,
                                         const pb::LeaseRevokeRequest* request,
                                         pb::LeaseRevokeResponse* response) {
  if (absl::Status allowed = AuthorizeLeaseKeys(*context_, *call, request->id(), auth::kWrite);
      !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto revision = context_->store()->LeaseRevoke(request->id());
  if (!revision.ok()) return ToGrpcStatus(revision.status());
  context_->FillHeader(response->mutable_header(), *revision);
  return ::grpc::Status::OK;
}

::grpc::ServerBidiReactor<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>*
LeaseService::LeaseKeepAlive(::grpc::CallbackServerContext* call) {
  return new LeaseKeepAliveReactor(context_, RequireToken(*context_, *call));
}

::grpc::Status LeaseService::LeaseTimeToLive(::grpc::ServerContext* call,
                                             const pb::LeaseTimeToLiveRequest* request,
                                             pb::LeaseTimeToLiveResponse* response) {
  if (absl::Status allowed = request->keys()
                                 ? AuthorizeLeaseKeys(*context_, *call, request->id(), auth::kRead)
                                 : RequireToken(*context_, *call);
      !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto result = context_->store()->LeaseTimeToLive(request->id(), request->keys());
  if (!result.ok()) return ToGrpcStatus(result.status());
  context_->FillHeader(response->mutable_header(), result->revision);
  response->set_id(result->id);
  response->set_ttl(result->ttl);
  response->set_grantedttl(result->granted_ttl);
  for (const std::string& key : result->keys) response->add_keys(key);
  return ::grpc::Status::OK;
}

::grpc::Status LeaseService::LeaseLeases(::grpc::ServerContext* call, const pb::LeaseLeasesRequest*,
                                         pb::LeaseLeasesResponse* response) {
  if (absl::Status allowed = RequireToken(*context_, *call); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto ids = context_->store()->LeaseList();
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  context_->FillHeader(response->mutable_header(), context_->store()->CurrentRevision());
  for (int64_t id : *ids) response->add_leases()->set_id(id);
  return ::grpc::Status::OK;
}

// Cluster

::grpc::Status ClusterService::MemberAdd(::grpc::ServerContext* call, const pb::MemberAddRequest*,
                                         pb::MemberAddResponse*) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  return NotInStandalone("member add");
}

::grpc::Status ClusterService::MemberRemove(::grpc::ServerContext* call,
                                            const pb::MemberRemoveRequest*,
                                            pb::MemberRemoveResponse*) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  return NotInStandalone("member remove");
}

::grpc::Status ClusterService::MemberUpdate(::grpc::ServerContext* call,
                                            const pb::MemberUpdateRequest*,
                                            pb::MemberUpdateResponse*) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  return NotInStandalone("member update");
}

::grpc::Status ClusterService::MemberList(::grpc::ServerContext*, const pb::MemberListRequest*,
                                          pb::MemberListResponse* response) {
  context_->FillHeader(response->mutable_header(), context_->store()->CurrentRevision());
  pb::Member* member = response->add_members();
  member->set_id(context_->member_id());
  member->set_name(context_->member_name());
  member->add_peerurls("http://localhost:2380");
  for (std::string& url : context_->client_urls()) member->add_clienturls(std::move(url));
  return ::grpc::Status::OK;
}

::grpc::Status ClusterService::MemberPromote(::grpc::ServerContext* call,
                                             const pb::MemberPromoteRequest*,
                                             pb::MemberPromoteResponse*) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  return NotInStandalone("member promote");
}

// Maintenance

::grpc::Status MaintenanceService::Alarm(::grpc::ServerContext* call,
                                         const pb::AlarmRequest* request,
                                         pb::AlarmResponse* response) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  auto status = context_->store()->Status();
  if (!status.ok()) return ToGrpcStatus(status.status());
  // Whether the answer lists NOSPACE: GET lists the raised alarms of the asked type (NONE = all);
  // DEACTIVATE clears the given member's alarm of the given type and answers with it (as etcd).
  bool nospace =
      status->nospace_alarm && (request->alarm() == pb::NOSPACE || request->alarm() == pb::NONE);
  switch (request->action()) {
    case pb::AlarmRequest::GET:
      break;
    case pb::AlarmRequest::DEACTIVATE:
      nospace = nospace && request->alarm() == pb::NOSPACE &&
                (request->memberid() == 0 || request->memberid() == context_->member_id());
      if (nospace) {
        if (absl::Status disarmed = context_->store()->DisarmNoSpaceAlarm(); !disarmed.ok()) {
          return ToGrpcStatus(disarmed);
        }
      }
      break;
    default:
      return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                            "aio: alarms are raised by the store itself; activating one by "
                            "request is not supported");
  }
  context_->FillHeader(response->mutable_header(), status->revision);
  if (nospace) {
    pb::AlarmMember* alarm = response->add_alarms();
    alarm->set_memberid(context_->member_id());
    alarm->set_alarm(pb::NOSPACE);
  }
  return ::grpc::Status::OK;
}

::grpc::Status MaintenanceService::Status(::grpc::ServerContext*, const pb::StatusRequest*,
                                          pb::StatusResponse* response) {
  auto status = context_->store()->Status();
  if (!status.ok()) return ToGrpcStatus(status.status());
  context_->FillHeader(response->mutable_header(), status->revision);
  response->set_version(kEtcdVersion);
  response->set_dbsize(status->db_size_bytes);
  response->set_leader(context_->member_id());
  response->set_raftindex(status->revision);
  response->set_raftterm(kRaftTerm);
  response->set_raftappliedindex(status->revision);
  response->set_dbsizeinuse(status->db_size_in_use);
  if (status->nospace_alarm) response->add_errors(AlarmText(context_->member_id(), "NOSPACE"));
  return ::grpc::Status::OK;
}

::grpc::Status MaintenanceService::Defragment(::grpc::ServerContext* call,
                                              const pb::DefragmentRequest*,
                                              pb::DefragmentResponse* response) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  if (absl::Status defragmented = context_->store()->Defragment(); !defragmented.ok()) {
    return ToGrpcStatus(defragmented);
  }
  context_->FillHeader(response->mutable_header(), context_->store()->CurrentRevision());
  return ::grpc::Status::OK;
}

// etcd hashes its whole backend (keys, leases, meta); AIO answers with the hash of every MVCC key
// at the current revision, which is what a consistency check between members compares.
::grpc::Status MaintenanceService::Hash(::grpc::ServerContext* call, const pb::HashRequest*,
                                        pb::HashResponse* response) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  auto result = context_->store()->HashKV(0);
  if (!result.ok()) return ToGrpcStatus(result.status());
  context_->FillHeader(response->mutable_header(), result->revision);
  response->set_hash(result->hash);
  return ::grpc::Status::OK;
}

::grpc::Status MaintenanceService::HashKV(::grpc::ServerContext* call,
                                          const pb::HashKVRequest* request,
                                          pb::HashKVResponse* response) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  auto result = context_->store()->HashKV(request->revision());
  if (!result.ok()) return ToGrpcStatus(result.status());
  context_->FillHeader(response->mutable_header(), result->revision);
  response->set_hash(result->hash);
  response->set_compact_revision(result->compact_revision);
  return ::grpc::Status::OK;
}

::grpc::Status MaintenanceService::Snapshot(::grpc::ServerContext* call, const pb::SnapshotRequest*,
                                            ::grpc::ServerWriter<pb::SnapshotResponse>*) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  return ::grpc::Status(::grpc::StatusCode::UNIMPLEMENTED,
                        "aio: snapshot is not supported yet; copy the data directory of a "
                        "stopped aio instead");
}

::grpc::Status MaintenanceService::MoveLeader(::grpc::ServerContext* call,
                                              const pb::MoveLeaderRequest*,
                                              pb::MoveLeaderResponse*) {
  if (::grpc::Status allowed = RequireRoot(*context_, *call); !allowed.ok()) return allowed;
  return NotInStandalone("move-leader");
}

}  // namespace aio::protocol::grpc
