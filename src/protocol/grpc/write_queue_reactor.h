// WriteQueueReactor: a server-streaming call (callback API, no thread per stream) that writes the
// responses queued by Push() one at a time, in order, and ends the stream with RESOURCE_EXHAUSTED
// when a slow client lets more than `max_queued` pile up. Registered with a StreamRegistry so the
// owning service's Stop() can end it. A subclass detaches from its event source in Release(),
// which runs once, from OnDone, before the stream is deleted.
//
// Threading: Push() and End() from any thread; gRPC reactions on its callback threads.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <deque>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "protocol/grpc/stream_registry.h"

namespace aio::protocol::grpc {

template <class Response>
class WriteQueueReactor : public ::grpc::ServerWriteReactor<Response>, public OpenStream {
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

  // Queues `response` for writing.
  void Push(Response response) {
    bool too_slow = false;
    {
      absl::MutexLock lock(&mu_);
      if (end_status_) return;
      too_slow = queue_.size() >= max_queued_;
      if (!too_slow) queue_.push_back(std::move(response));
    }
    if (too_slow) {
      End(::grpc::Status(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                         "watcher is too slow, events dropped"));
    } else {
      MaybeWrite();
    }
  }

 protected:
  // Registers with `streams`; false when the server is stopping (the stream is then ended).
  WriteQueueReactor(StreamRegistry* streams, size_t max_queued)
      : OpenStream(streams), max_queued_(max_queued) {}
  bool Register() {
    if (registry_->Add(this)) return true;
    End(::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "server is stopping"));
    return false;
  }
  virtual void Release() {}

 private:
  void MaybeWrite() {
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || end_status_ || queue_.empty()) return;
      writing_ = true;
      response_ = std::move(queue_.front());
      queue_.pop_front();
    }
    this->StartWrite(&response_);
  }

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
    MaybeWrite();
  }

  void OnCancel() final { End(::grpc::Status::CANCELLED); }

  void OnDone() final {
    Release();
    Unref();
  }

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<Response> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<::grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);
  Response response_;  // the write in flight
};

}  // namespace aio::protocol::grpc
