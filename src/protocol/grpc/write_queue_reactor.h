// WriteQueueReactor: a server-streaming call (callback API, no thread per stream) that writes the
// responses queued by Push() one at a time, in order, and ends the stream with RESOURCE_EXHAUSTED
// when a slow client lets more than `max_queued` pile up. Registered with a StreamRegistry so the
// owning service's Stop() can end it. A subclass detaches from its event source in Release(),
// which runs once, from OnDone, before the stream is deleted. The write side and lifecycle are
// StreamWriter's (stream_reactor.h), shared with the bidi StreamReactor.
//
// Threading: Push() and End() from any thread; gRPC reactions on its callback threads.
#pragma once

#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "protocol/grpc/stream_reactor.h"
#include "protocol/grpc/stream_registry.h"

namespace aio::protocol::grpc {

template <class Response>
class WriteQueueReactor : public StreamWriter<::grpc::ServerWriteReactor<Response>, Response> {
 public:
  // Queues `response` for writing.
  void Push(Response response) {
    bool too_slow = false;
    {
      absl::MutexLock lock(&this->mu_);
      if (this->EndingLocked()) return;
      too_slow = queue_.size() >= max_queued_;
      if (!too_slow) queue_.push_back(std::move(response));
    }
    if (too_slow) {
      this->End(::grpc::Status(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "watcher is too slow, events dropped"));
    } else {
      this->MaybeWrite();
    }
  }

 protected:
  // Registers with `streams`; false when the server is stopping (the stream is then ended).
  WriteQueueReactor(StreamRegistry* streams, size_t max_queued)
      : StreamWriter<::grpc::ServerWriteReactor<Response>, Response>(streams),
        max_queued_(max_queued) {}
  bool Register() {
    if (this->registry_->Add(this)) return true;
    this->End(::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "server is stopping"));
    return false;
  }

 private:
  bool TakeNextWrite(Response* out) final ABSL_EXCLUSIVE_LOCKS_REQUIRED(this->mu_) {
    if (queue_.empty()) return false;
    *out = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }

  const size_t max_queued_;
  std::deque<Response> queue_ ABSL_GUARDED_BY(this->mu_);
};

}  // namespace aio::protocol::grpc
