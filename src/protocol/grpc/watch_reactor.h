// WatchReactor: one etcd Watch stream (callback API) over one store::WatchStream.
//
// Requests: create -> WatchStream::Watch, cancel -> WatchStream::Cancel, progress_request ->
// WatchStream::RequestProgress. The store queues the `created`, `canceled` and progress answers
// with the events, and every queued response is relayed in order. A create the store refuses is
// answered here (created and canceled, watch_id -1, cancel_reason; as etcd) after everything the
// store had queued before it, since clients match `created` answers to their creates in order.
// A cancel of an unknown watcher gets no answer (as etcd).
//
// The store's on_ready callback runs on a store thread that must not block or call back into the
// stream; it schedules an immediate grpc::Alarm whose callback, on a gRPC executor thread, drains
// the stream. A client that half-closes keeps receiving until it cancels (as etcd).
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "etcd/rpc.pb.h"
#include "protocol/grpc/etcd_services.h"
#include "protocol/grpc/stream_reactor.h"
#include "store/kv_store.h"

namespace aio::protocol::grpc {

class WatchReactor final
    : public StreamReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse> {
 public:
  // `token`: the stream's `token` metadata, against which every create is checked (etcd_auth.h).
  WatchReactor(EtcdServiceContext* context, std::string token);

 private:
  // Lets the store's on_ready reach the reactor until Release() detaches it.
  struct ReadySignal {
    absl::Mutex mu;
    WatchReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;
  };

  void OnReadDone(bool ok) override;
  bool TakeNextWrite(etcdserverpb::WatchResponse* out) override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release() override;

  void Handle(const etcdserverpb::WatchRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ToWire(const store::WatchResponse& in, etcdserverpb::WatchResponse* out) const;
  // From on_ready (store thread): hops to a gRPC thread that writes what is ready.
  void ScheduleDrain();

  EtcdServiceContext* const context_;
  const std::string token_;
  const std::shared_ptr<ReadySignal> ready_signal_;
  std::atomic<bool> drain_scheduled_{false};
  etcdserverpb::WatchRequest request_;  // the read in flight
  std::unique_ptr<store::WatchStream> stream_ ABSL_GUARDED_BY(mu_);
  // Answers made here, and the store responses that must precede them; sent first.
  std::deque<etcdserverpb::WatchResponse> control_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aio::protocol::grpc
