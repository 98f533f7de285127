#include "protocol/grpc/lease_keep_alive_reactor.h"

#include <utility>

#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {

namespace pb = etcdserverpb;

LeaseKeepAliveReactor::LeaseKeepAliveReactor(EtcdServiceContext* context,
                                             const absl::Status& refused)
    : StreamReactor(context->streams()), context_(context) {
  if (!refused.ok()) End(ToGrpcStatus(refused));
  if (!Ending()) StartRead(&request_);
}

void LeaseKeepAliveReactor::OnReadDone(bool ok) {
  if (!ok) {
    End(::grpc::Status::OK);
    return;
  }
  // Runs in the reaction: a renewal does not wait for a disk sync (MvccStore renews in memory).
  absl::StatusOr<store::LeaseKeepAliveResponse> renewed =
      context_->store()->LeaseKeepAlive(request_.id());
  pb::LeaseKeepAliveResponse response;
  response.set_id(request_.id());
  if (renewed.ok()) {
    response.set_ttl(renewed->ttl);
    context_->FillHeader(response.mutable_header(), renewed->revision);
  } else if (absl::IsNotFound(renewed.status())) {
    response.set_ttl(0);
    context_->FillHeader(response.mutable_header(), context_->store()->CurrentRevision());
  } else {
    End(ToGrpcStatus(renewed.status()));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    pending_ = std::move(response);
  }
  MaybeWrite();
}

bool LeaseKeepAliveReactor::TakeNextWrite(pb::LeaseKeepAliveResponse* out) {
  if (!pending_) return false;
  *out = std::move(*pending_);
  pending_.reset();
  return true;
}

void LeaseKeepAliveReactor::AfterWrite() {
  if (!Ending()) StartRead(&request_);
}

}  // namespace aio::protocol::grpc
