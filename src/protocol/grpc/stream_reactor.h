// StreamWriter: the write side and lifecycle shared by AIO's streaming calls (callback API, no
// thread per stream), over a gRPC reactor `Base` (bidi or server-stream). Responses are written one
// at a time (StartWrite -> OnWriteDone -> next); End() finishes the stream once, after the write in
// flight if there is one. StreamReactor (below) is the etcd front-end's bidi streams (Watch,
// LeaseKeepAlive, HeartbeatStream); WriteQueueReactor (write_queue_reactor.h) the server streams
// fed by a queue.
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

template <class Base, class Response>
class StreamWriter : public Base, public OpenStream {
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
  explicit StreamWriter(StreamRegistry* registry) : OpenStream(registry) {}

  // Called with mu_ held: moves the next response to send into *out; false if none is ready.
  virtual bool TakeNextWrite(Response* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // Called after a successful write, without mu_. Default: write the next ready response.
  virtual void AfterWrite() { MaybeWrite(); }
  // Called once from OnDone, before the gRPC reference is dropped: detach from the event source.
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
    return EndingLocked();
  }
  bool EndingLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return end_status_.has_value(); }

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

template <class Request, class Response>
class StreamReactor : public StreamWriter<::grpc::ServerBidiReactor<Request, Response>, Response> {
 protected:
  // Registers with `registry`; a server that is stopping gets the stream ended at once.
  explicit StreamReactor(StreamRegistry* registry)
      : StreamWriter<::grpc::ServerBidiReactor<Request, Response>, Response>(registry) {
    if (!registry->Add(this)) this->End(ToGrpcStatus(store::ErrStopped()));
  }
};

}  // namespace aio::protocol::grpc
