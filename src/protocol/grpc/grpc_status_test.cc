#include "protocol/grpc/grpc_status.h"

#include <gtest/gtest.h>

#include "store/errors.h"

namespace aio::protocol::grpc {
namespace {

TEST(ToGrpcStatusTest, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(ToGrpcStatusTest, KeepsEtcdCodesAndTexts) {
  struct Case {
    absl::Status in;
    ::grpc::StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {store::ErrEmptyKey(), ::grpc::StatusCode::INVALID_ARGUMENT,
       "etcdserver: key is not provided"},
      {store::ErrCompacted(), ::grpc::StatusCode::OUT_OF_RANGE,
       "etcdserver: mvcc: required revision has been compacted"},
      {store::ErrFutureRev(), ::grpc::StatusCode::OUT_OF_RANGE,
       "etcdserver: mvcc: required revision is a future revision"},
      {store::ErrNoSpace(), ::grpc::StatusCode::RESOURCE_EXHAUSTED,
       "etcdserver: mvcc: database space exceeded"},
      {store::ErrLeaseNotFound(), ::grpc::StatusCode::NOT_FOUND,
       "etcdserver: requested lease not found"},
      {store::ErrLeaseExist(), ::grpc::StatusCode::FAILED_PRECONDITION,
       "etcdserver: lease already exists"},
      {store::ErrRequestTooLarge(), ::grpc::StatusCode::INVALID_ARGUMENT,
       "etcdserver: request is too large"},
      {store::ErrStopped(), ::grpc::StatusCode::UNAVAILABLE, "etcdserver: server stopped"},
      {absl::DeadlineExceededError("slow"), ::grpc::StatusCode::DEADLINE_EXCEEDED, "slow"},
      {absl::UnauthenticatedError("who"), ::grpc::StatusCode::UNAUTHENTICATED, "who"},
  };
  for (const Case& c : cases) {
    const ::grpc::Status out = ToGrpcStatus(c.in);
    EXPECT_EQ(out.error_code(), c.code) << c.message;
    EXPECT_EQ(out.error_message(), c.message);
  }
}

}  // namespace
}  // namespace aio::protocol::grpc
