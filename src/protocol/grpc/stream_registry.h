// Bookkeeping of the etcd front-end's open bidi streams (Watch, LeaseKeepAlive), so that Stop()
// can end them, and their shared reference count.
#pragma once

#include <grpcpp/support/status.h>

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace aio::protocol::grpc {

class StreamRegistry;

// A server stream that the registry can end. Reference-counted: gRPC holds one reference until
// OnDone, the registry one while ending it, the stream's own asynchronous work one each. The last
// Unref unregisters and deletes it. Thread-safe.
class OpenStream {
 public:
  OpenStream(const OpenStream&) = delete;
  OpenStream& operator=(const OpenStream&) = delete;

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Takes a reference unless the stream is already being deleted.
  bool RefIfAlive();
  void Unref();

  // Finishes the stream with `status` once (later calls are ignored). Never blocks.
  virtual void End(::grpc::Status status) = 0;

 protected:
  explicit OpenStream(StreamRegistry* registry) : registry_(registry) {}
  virtual ~OpenStream() = default;

  StreamRegistry* const registry_;

 private:
  std::atomic<int> refs_{1};
};

class StreamRegistry {
 public:
  // Registers a new stream; false once EndAll has run (the caller then ends it at once).
  bool Add(OpenStream* stream);
  void Remove(OpenStream* stream);
  // Refuses new streams and ends every open one with `status`.
  void EndAll(const ::grpc::Status& status);
  // Blocks until every stream has been deleted, or `timeout` has passed; true if empty.
  bool WaitEmpty(absl::Duration timeout = absl::InfiniteDuration());

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<OpenStream*> streams_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace aio::protocol::grpc
