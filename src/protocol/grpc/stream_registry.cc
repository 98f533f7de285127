#include "protocol/grpc/stream_registry.h"

#include <vector>

namespace aio::protocol::grpc {

bool OpenStream::RefIfAlive() {
  int refs = refs_.load(std::memory_order_relaxed);
  while (refs > 0) {
    if (refs_.compare_exchange_weak(refs, refs + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void OpenStream::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  registry_->Remove(this);
  delete this;
}

bool StreamRegistry::Add(OpenStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.insert(stream);
  return !closed_;
}

void StreamRegistry::Remove(OpenStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void StreamRegistry::EndAll(const ::grpc::Status& status) {
  std::vector<OpenStream*> open;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (OpenStream* stream : streams_) {
      if (stream->RefIfAlive()) open.push_back(stream);
    }
  }
  // Outside the lock: the last Unref removes the stream from the registry.
  for (OpenStream* stream : open) {
    stream->End(status);
    stream->Unref();
  }
}

bool StreamRegistry::WaitEmpty(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](absl::flat_hash_set<OpenStream*>* streams) { return streams->empty(); }, &streams_),
      timeout);
}

}  // namespace aio::protocol::grpc
