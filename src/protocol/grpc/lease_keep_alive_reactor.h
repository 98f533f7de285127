// LeaseKeepAliveReactor: one etcd LeaseKeepAlive stream (callback API). Each request renews one
// lease (KvStore::LeaseKeepAlive) and is answered {header, ID, TTL}; an unknown lease is answered
// with TTL 0, which clients report as expired or revoked (as etcd); any other store error ends
// the stream with that error. Requests are served one at a time: read, renew, write, read.
// A client that half-closes gets the stream finished with OK (as etcd). A stream opened without the
// token etcd auth requires is ended at once with `refused`.
#pragma once

#include <optional>

#include "absl/base/thread_annotations.h"
#include "etcd/rpc.pb.h"
#include "protocol/grpc/etcd_services.h"
#include "protocol/grpc/stream_reactor.h"

namespace aio::protocol::grpc {

class LeaseKeepAliveReactor final : public StreamReactor<etcdserverpb::LeaseKeepAliveRequest,
                                                         etcdserverpb::LeaseKeepAliveResponse> {
 public:
  LeaseKeepAliveReactor(EtcdServiceContext* context, const absl::Status& refused);

 private:
  void OnReadDone(bool ok) override;
  bool TakeNextWrite(etcdserverpb::LeaseKeepAliveResponse* out) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AfterWrite() override;

  EtcdServiceContext* const context_;
  etcdserverpb::LeaseKeepAliveRequest request_;  // the read in flight
  std::optional<etcdserverpb::LeaseKeepAliveResponse> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aio::protocol::grpc
