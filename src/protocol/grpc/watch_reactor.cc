#include "protocol/grpc/watch_reactor.h"

#include <grpc/support/time.h>
#include <grpcpp/alarm.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "protocol/grpc/etcd_auth.h"
#include "protocol/grpc/etcd_convert.h"

namespace aio::protocol::grpc {

namespace pb = etcdserverpb;

WatchReactor::WatchReactor(EtcdServiceContext* context, std::string token)
    : StreamReactor(context->streams()),
      context_(context),
      token_(std::move(token)),
      ready_signal_(std::make_shared<ReadySignal>()) {
  {
    absl::MutexLock lock(&ready_signal_->mu);
    ready_signal_->reactor = this;
  }
  auto stream = context_->store()->NewWatchStream([signal = ready_signal_] {
    absl::MutexLock lock(&signal->mu);
    if (signal->reactor != nullptr) signal->reactor->ScheduleDrain();
  });
  {
    absl::MutexLock lock(&mu_);
    stream_ = std::move(stream);
  }
  if (!Ending()) StartRead(&request_);
}

void WatchReactor::OnReadDone(bool ok) {
  if (!ok) return;
  {
    absl::MutexLock lock(&mu_);
    if (stream_ != nullptr) Handle(request_);
  }
  MaybeWrite();
  if (!Ending()) StartRead(&request_);
}

void WatchReactor::Handle(const pb::WatchRequest& request) {
  switch (request.request_union_case()) {
    case pb::WatchRequest::kCreateRequest: {
      const pb::WatchCreateRequest& create = request.create_request();
      absl::StatusOr<int64_t> id = absl::PermissionDeniedError(
          // etcd sends the Go text of its gRPC error as the cancel reason.
          "rpc error: code = PermissionDenied desc = etcdserver: permission denied");
      if (AuthorizeKv(context_->auth(), token_, {{create.key(), create.range_end(), auth::kRead}})
              .ok()) {
        id = stream_->Watch(FromProto(create));
      }
      if (id.ok()) break;
      while (std::optional<store::WatchResponse> queued = stream_->Next()) {
        ToWire(*queued, &control_.emplace_back());
      }
      pb::WatchResponse& refused = control_.emplace_back();
      context_->FillHeader(refused.mutable_header(), context_->store()->CurrentRevision());
      refused.set_watch_id(-1);
      refused.set_created(true);
      refused.set_canceled(true);
      refused.set_cancel_reason(std::string(id.status().message()));
      break;
    }
    case pb::WatchRequest::kCancelRequest:
      // NotFound (unknown watcher) is answered with nothing, as etcd.
      stream_->Cancel(request.cancel_request().watch_id()).IgnoreError();
      break;
    case pb::WatchRequest::kProgressRequest:
      stream_->RequestProgress();
      break;
    case pb::WatchRequest::REQUEST_UNION_NOT_SET:
      break;
  }
}

void WatchReactor::ToWire(const store::WatchResponse& in, pb::WatchResponse* out) const {
  ToProto(in, out);
  context_->FillHeader(out->mutable_header(), in.revision);
}

bool WatchReactor::TakeNextWrite(pb::WatchResponse* out) {
  if (!control_.empty()) {
    *out = std::move(control_.front());
    control_.pop_front();
    return true;
  }
  if (stream_ == nullptr) return false;
  std::optional<store::WatchResponse> next = stream_->Next();
  if (!next) return false;
  out->Clear();
  ToWire(*next, out);
  return true;
}

void WatchReactor::ScheduleDrain() {
  if (drain_scheduled_.exchange(true)) return;
  Ref();
  // One alarm per hop: the alarm's state is only released after its callback returns, so deleting
  // it from inside the callback is safe.
  auto* alarm = new ::grpc::Alarm;
  alarm->Set(gpr_now(GPR_CLOCK_MONOTONIC), [this, alarm](bool) {
    delete alarm;
    drain_scheduled_ = false;
    MaybeWrite();
    Unref();
  });
}

void WatchReactor::Release() {
  {
    absl::MutexLock lock(&ready_signal_->mu);
    ready_signal_->reactor = nullptr;
  }
  absl::MutexLock lock(&mu_);
  stream_.reset();  // removes the watchers from the store
}

}  // namespace aio::protocol::grpc
