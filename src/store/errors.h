// The store's error vocabulary: etcd v3.4's texts and gRPC codes (etcd api/v3rpc/rpctypes), so a
// front-end maps an absl::Status to the wire by code number and message, unchanged.
#pragma once

#include "absl/status/status.h"

namespace aio::store {

inline absl::Status ErrEmptyKey() {
  return absl::InvalidArgumentError("etcdserver: key is not provided");
}
inline absl::Status ErrKeyNotFound() {
  return absl::InvalidArgumentError("etcdserver: key not found");
}
inline absl::Status ErrValueProvided() {
  return absl::InvalidArgumentError("etcdserver: value is provided");
}
inline absl::Status ErrLeaseProvided() {
  return absl::InvalidArgumentError("etcdserver: lease is provided");
}
inline absl::Status ErrTooManyOps() {
  return absl::InvalidArgumentError("etcdserver: too many operations in txn request");
}
inline absl::Status ErrDuplicateKey() {
  return absl::InvalidArgumentError("etcdserver: duplicate key given in txn request");
}
inline absl::Status ErrRequestTooLarge() {
  return absl::InvalidArgumentError("etcdserver: request is too large");
}
inline absl::Status ErrCompacted() {
  return absl::OutOfRangeError("etcdserver: mvcc: required revision has been compacted");
}
inline absl::Status ErrFutureRev() {
  return absl::OutOfRangeError("etcdserver: mvcc: required revision is a future revision");
}
inline absl::Status ErrNoSpace() {
  return absl::ResourceExhaustedError("etcdserver: mvcc: database space exceeded");
}
inline absl::Status ErrLeaseNotFound() {
  return absl::NotFoundError("etcdserver: requested lease not found");
}
inline absl::Status ErrLeaseExist() {
  return absl::FailedPreconditionError("etcdserver: lease already exists");
}
inline absl::Status ErrLeaseTTLTooLarge() {
  return absl::OutOfRangeError("etcdserver: too large lease TTL");
}
inline absl::Status ErrStopped() { return absl::UnavailableError("etcdserver: server stopped"); }
inline absl::Status ErrWatchIdExists() {
  return absl::AlreadyExistsError("mvcc: duplicate watch ID provided on the WatchStream");
}
inline absl::Status ErrWatcherNotFound() { return absl::NotFoundError("mvcc: watcher not found"); }
// A write that reached the disk but could not be made durable (fsync or write error, full disk).
// Nothing of the failed request is stored or visible.
inline absl::Status ErrBackend(std::string_view what) {
  return absl::UnavailableError(std::string("etcdserver: backend write failed: ") +
                                std::string(what));
}

// Limits, as etcd's defaults.
inline constexpr int64_t kMaxTxnOps = 128;                       // --max-txn-ops
inline constexpr int64_t kDefaultMaxRequestBytes = 1536 * 1024;  // --max-request-bytes (1.5 MiB)
inline constexpr int64_t kDefaultQuotaBytes = 2LL << 30;         // --quota-backend-bytes (2 GiB)
inline constexpr int64_t kMaxLeaseTtlSeconds = 9'000'000'000LL;  // etcd lease.MaxLeaseTTL
inline constexpr int64_t kMinLeaseTtlSeconds = 2;  // etcd raises smaller TTLs to its minimum

}  // namespace aio::store
