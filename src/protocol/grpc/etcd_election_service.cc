#include "protocol/grpc/etcd_election_service.h"

#include <memory>
#include <string>
#include <utility>

#include "protocol/grpc/etcd_convert.h"
#include "protocol/grpc/etcd_lock_service.h"
#include "protocol/grpc/grpc_status.h"
#include "protocol/grpc/write_queue_reactor.h"

namespace aio::protocol::grpc {

namespace pb = v3electionpb;

namespace {

// etcd returns the concurrency package's errors unwrapped: gRPC code UNKNOWN, etcd's text.
::grpc::Status ToElectionStatus(const absl::Status& status) {
  const bool election_error =
      status.message().rfind("election: ", 0) == 0 || status.message().rfind("mutex: ", 0) == 0;
  if (election_error)
    return ::grpc::Status(::grpc::StatusCode::UNKNOWN, std::string(status.message()));
  return ToGrpcStatus(status);
}

coord::LeaderKey FromProto(const pb::LeaderKey& key) {
  return {.name = key.name(), .key = key.key(), .rev = key.rev(), .lease = key.lease()};
}

// Leader changes queued for one Observe stream before it is ended as too slow.
constexpr size_t kMaxQueuedLeaderChanges = 10'000;

// One Observe stream: an elector observation whose leader changes are written one at a time.
class ObserveReactor final : public WriteQueueReactor<pb::LeaderResponse> {
 public:
  ObserveReactor(EtcdServiceContext* context, coord::Elector* elector, const std::string& name,
                 const absl::Status& allowed)
      : WriteQueueReactor(context->streams(), kMaxQueuedLeaderChanges) {
    if (!Register()) return;
    if (!allowed.ok()) {
      End(ToGrpcStatus(allowed));
      return;
    }
    // The handler runs under the observation's lock, and Cancel() takes it: once Release() has
    // cancelled, no handler runs, so it may use `this`.
    absl::StatusOr<std::shared_ptr<coord::Observation>> observation =
        elector->Observe(name, [this, context](const store::KeyValue& kv, int64_t revision) {
          pb::LeaderResponse response;
          context->FillHeader(response.mutable_header(), revision);
          ToProto(kv, response.mutable_kv());
          Push(std::move(response));
        });
    if (!observation.ok()) {
      End(ToElectionStatus(observation.status()));
      return;
    }
    observation_ = *std::move(observation);
  }

 private:
  void Release() override {
    if (observation_ != nullptr) observation_->Cancel();
  }

  std::shared_ptr<coord::Observation> observation_;  // set before any reaction can run Release()
};

}  // namespace

::grpc::ServerUnaryReactor* EtcdElectionService::Campaign(::grpc::CallbackServerContext* call,
                                                          const pb::CampaignRequest* request,
                                                          pb::CampaignResponse* response) {
  const std::string name = request->name();
  if (absl::Status allowed = AuthorizeQueue(*context_, *call, name + "/"); !allowed.ok()) {
    ::grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  const int64_t lease = request->lease();
  return new TicketReactor<coord::QueueTurn>(
      [this, name, lease, value = request->value()](auto done) {
        return elector_->Campaign(name, lease, value, std::move(done));
      },
      [this, response, name, lease](absl::StatusOr<coord::QueueTurn> turn) {
        if (!turn.ok()) return ToElectionStatus(turn.status());
        context_->FillHeader(response->mutable_header(), turn->revision);
        pb::LeaderKey* leader = response->mutable_leader();
        leader->set_name(name);
        leader->set_key(turn->key);
        leader->set_rev(turn->create_revision);
        leader->set_lease(lease);
        return ::grpc::Status::OK;
      });
}

::grpc::Status EtcdElectionService::Proclaim(::grpc::ServerContext* call,
                                             const pb::ProclaimRequest* request,
                                             pb::ProclaimResponse* response) {
  if (!request->has_leader()) {
    return ::grpc::Status(::grpc::StatusCode::UNKNOWN, "\"leader\" field must be provided");
  }
  if (absl::Status allowed = AuthorizeQueue(*context_, *call, request->leader().name() + "/");
      !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  absl::StatusOr<int64_t> revision =
      elector_->Proclaim(FromProto(request->leader()), request->value());
  if (!revision.ok()) return ToElectionStatus(revision.status());
  context_->FillHeader(response->mutable_header(), *revision);
  return ::grpc::Status::OK;
}

::grpc::Status EtcdElectionService::Leader(::grpc::ServerContext* call,
                                           const pb::LeaderRequest* request,
                                           pb::LeaderResponse* response) {
  if (absl::Status allowed = AuthorizeQueue(*context_, *call, request->name() + "/", auth::kRead);
      !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto leader = elector_->Leader(request->name());
  if (!leader.ok()) return ToElectionStatus(leader.status());
  context_->FillHeader(response->mutable_header(), leader->second);
  ToProto(leader->first, response->mutable_kv());
  return ::grpc::Status::OK;
}

::grpc::ServerWriteReactor<pb::LeaderResponse>* EtcdElectionService::Observe(
    ::grpc::CallbackServerContext* call, const pb::LeaderRequest* request) {
  return new ObserveReactor(context_, elector_, request->name(),
                            AuthorizeQueue(*context_, *call, request->name() + "/", auth::kRead));
}

::grpc::Status EtcdElectionService::Resign(::grpc::ServerContext* call,
                                           const pb::ResignRequest* request,
                                           pb::ResignResponse* response) {
  if (!request->has_leader()) {
    return ::grpc::Status(::grpc::StatusCode::UNKNOWN, "\"leader\" field must be provided");
  }
  if (absl::Status allowed = AuthorizeQueue(*context_, *call, request->leader().name() + "/");
      !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  absl::StatusOr<int64_t> revision = elector_->Resign(FromProto(request->leader()));
  if (!revision.ok()) return ToElectionStatus(revision.status());
  context_->FillHeader(response->mutable_header(), *revision);
  return ::grpc::Status::OK;
}

}  // namespace aio::protocol::grpc
