// etcd's Election service (v3electionpb.Election, etcd server/etcdserver/api/v3election) over
// coord::Elector: Campaign waits (callback API, no parked thread; the wait is given up when the
// client goes away) until the candidate leads; Proclaim, Leader and Resign answer at once; Observe
// streams the leader's key-value at every change. Errors of the election itself keep etcd's texts
// and, as etcd (which returns them unwrapped), the UNKNOWN code: "election: no leader",
// "election: not leader". Once etcd auth is on every call needs kv write permission on the
// election's keys (`<name>/...`; Leader and Observe: read).
//
// Thread-safe.
#pragma once

#include "coord/election.h"
#include "etcd/v3election.grpc.pb.h"
#include "protocol/grpc/etcd_services.h"

namespace aio::protocol::grpc {

using EtcdElectionServiceBase = v3electionpb::Election::WithCallbackMethod_Campaign<
    v3electionpb::Election::WithCallbackMethod_Observe<v3electionpb::Election::Service>>;

class EtcdElectionService final : public EtcdElectionServiceBase {
 public:
  // Both must outlive the service.
  EtcdElectionService(EtcdServiceContext* context, coord::Elector* elector)
      : context_(context), elector_(elector) {}

  ::grpc::ServerUnaryReactor* Campaign(::grpc::CallbackServerContext* call,
                                       const v3electionpb::CampaignRequest* request,
                                       v3electionpb::CampaignResponse* response) override;
  ::grpc::Status Proclaim(::grpc::ServerContext* call, const v3electionpb::ProclaimRequest* request,
                          v3electionpb::ProclaimResponse* response) override;
  ::grpc::Status Leader(::grpc::ServerContext* call, const v3electionpb::LeaderRequest* request,
                        v3electionpb::LeaderResponse* response) override;
  ::grpc::ServerWriteReactor<v3electionpb::LeaderResponse>* Observe(
      ::grpc::CallbackServerContext* call, const v3electionpb::LeaderRequest* request) override;
  ::grpc::Status Resign(::grpc::ServerContext* call, const v3electionpb::ResignRequest* request,
                        v3electionpb::ResignResponse* response) override;

 private:
  EtcdServiceContext* const context_;
  coord::Elector* const elector_;
};

}  // namespace aio::protocol::grpc
