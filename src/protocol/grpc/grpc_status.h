// The one mapping of store errors (absl::Status) to the gRPC wire for the etcd front-end.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace aio::protocol::grpc {

// The absl code number equals the gRPC code number; the message passes through unchanged, so
// etcd's texts (store/errors.h) reach clients that match on them (clientv3's rpctypes).
::grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace aio::protocol::grpc
