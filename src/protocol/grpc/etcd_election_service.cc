#include "protocol/grpc/etcd_election_service.h"

#include <deque>
#include <utility>

#include "protocol/grpc/etcd_convert.h"
#include "protocol/grpc/etcd_lock_service.h"
#include "protocol/grpc/grpc_status.h"

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

// Streams each leader change; writes one response at a time from a queue.
class ObserveReactor final : public ::grpc::ServerWriteReactor<pb::LeaderResponse> {
 public:
  ObserveReactor(EtcdServiceContext* context, coord::Elector* elector, const std::string& name) {
    std::shared_ptr<State> state = state_;
    state->reactor = this;
    absl::StatusOr<std::shared_ptr<coord::Observation>> observation =
        elector->Observe(name, [context, state](const store::KeyValue& kv, int64_t revision) {
          pb::LeaderResponse response;
          context->FillHeader(response.mutable_header(), revision);
          ToProto(kv, response.mutable_kv());
          absl::MutexLock lock(&state->mu);
          if (state->reactor == nullptr || state->finishing) return;
          state->queue.push_back(std::move(response));
          if (state->queue.size() == 1) state->reactor->StartWrite(&state->queue.front());
        });
    absl::MutexLock lock(&state->mu);
    if (!observation.ok()) {
      state->finishing = true;
      if (state->queue.empty()) Finish(ToElectionStatus(observation.status()));
      return;
    }
    state->observation = *observation;
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&state_->mu);
    state_->queue.pop_front();
    if (!ok || state_->finishing) {
      state_->queue.clear();
      return FinishLocked();
    }
    if (!state_->queue.empty()) StartWrite(&state_->queue.front());
  }

  void OnCancel() override {
    absl::MutexLock lock(&state_->mu);
    state_->finishing = true;
    if (state_->queue.empty()) FinishLocked();
  }

  void OnDone() override {
    std::shared_ptr<coord::Observation> observation;
    {
      absl::MutexLock lock(&state_->mu);
      state_->reactor = nullptr;
      observation = std::move(state_->observation);
    }
    if (observation != nullptr) observation->Cancel();
    delete this;
  }

 private:
  struct State {
    absl::Mutex mu;
    ObserveReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;
    std::deque<pb::LeaderResponse> queue ABSL_GUARDED_BY(mu);  // front() is being written
    bool finishing ABSL_GUARDED_BY(mu) = false;
    bool finished ABSL_GUARDED_BY(mu) = false;
    std::shared_ptr<coord::Observation> observation ABSL_GUARDED_BY(mu);
  };
  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) {
    if (state_->finished) return;
    state_->finished = true;
    Finish(::grpc::Status::CANCELLED);
  }

  const std::shared_ptr<State> state_ = std::make_shared<State>();
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
  if (absl::Status allowed = AuthorizeQueue(*context_, *call, request->name() + "/", auth::kRead);
      !allowed.ok()) {
    struct Refused final : ::grpc::ServerWriteReactor<pb::LeaderResponse> {
      explicit Refused(const ::grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Refused(ToGrpcStatus(allowed));
  }
  return new ObserveReactor(context_, elector_, request->name());
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
