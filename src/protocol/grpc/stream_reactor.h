// StreamReactor: the write side and lifecycle shared by the etcd front-end's bidi streams (callback
// API, no thread per stream). Responses are written one at a time (StartWrite -> OnWriteDone ->
// next); End() finishes the stream once, after the write in flight if there is one.
//
// Threading: gRPC runs reactions on its callback threads, possibly concurrently; mu_ guards the
// state shared between them. StartWrite/Finish are never called with mu_ held.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "protocol/grpc/grpc_status.h"
#include "protocol/grpc/stream_registry.h"
#include "store/errors.h"

namespace aio::protocol::grpc {

template <class Request, class Response>
class StreamReactor : public ::grpc::ServerBidiReactor<Request, Response>, public OpenStream {
 public:
  void End(::grpc::Status status) final {
    {
      absl::MutexLock lock(&mu_);
      if (end_status_) return;
      end_status_ = status;
      if (writing_) return;  // OnWriteDone finishes
    }
    this->Finish(std::move(status));
  }

 protected:
  // Registers with `registry`; a server that is stopping gets the stream ended at once.
  explicit StreamReactor(StreamRegistry* registry) : OpenStream(registry) {
    if (!registry->Add(this)) End(ToGrpcStatus(store::ErrStopped()));
  }

  // Called with mu_ held: moves the next response to send into *out; false if none is ready.
  virtual bool TakeNextWrite(Response* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // Called after a successful write, without mu_. Default: write the next ready response.
  virtual void AfterWrite() { MaybeWrite(); }
  // Called once from OnDone, before the gRPC reference is dropped: detach from the store.
  virtual void Release() {}

  // Starts a write unless one is in flight, the stream is ending or nothing is ready.
  void MaybeWrite() {
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || end_status_ || !TakeNextWrite(&response_)) return;
      writing_ = true;
    }
    this->StartWrite(&response_);
  }

  bool Ending() {
    absl::MutexLock lock(&mu_);
    return end_status_.has_value();
  }

  absl::Mutex mu_;

 private:
  void OnWriteDone(bool ok) final {
    std::optional<::grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !end_status_) {
        end_status_ = ::grpc::Status(::grpc::StatusCode::CANCELLED, "stream closed by the client");
      }
      finish = end_status_;
    }
    if (finish) {
      this->Finish(std::move(*finish));
      return;
    }
    AfterWrite();
  }

  void OnCancel() final { End(::grpc::Status::CANCELLED); }

  void OnDone() final {
    Release();
    Unref();
  }

  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<::grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);
  Response response_;  // the write in flight; touched only by the writer
};

}  // namespace aio::protocol::grpc
