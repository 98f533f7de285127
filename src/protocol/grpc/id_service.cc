#include "protocol/grpc/id_service.h"

#include "protocol/grpc/grpc_status.h"

namespace aio::protocol::grpc {

::grpc::Status IdService::NextIds(::grpc::ServerContext* call,
                                  const aio::v1::NextIdsRequest* request,
                                  aio::v1::NextIdsResponse* response) {
  auto who = guard_->Authorize(*call, "aio.v1.IdService/NextIds", auth::Resource::kKv,
                               kIdGenResource, auth::kWrite);
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<std::vector<int64_t>> ids =
      snowflake_->Next(request->count() == 0 ? 1 : request->count());
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  response->mutable_ids()->Add(ids->begin(), ids->end());
  response->set_worker_id(snowflake_->worker_id());
  return ::grpc::Status::OK;
}

::grpc::Status IdService::NextSegment(::grpc::ServerContext* call,
                                      const aio::v1::NextSegmentRequest* request,
                                      aio::v1::NextSegmentResponse* response) {
  auto who = guard_->Authorize(*call, "aio.v1.IdService/NextSegment", auth::Resource::kKv,
                               kIdGenResource, auth::kWrite);
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<coord::Segment> segment = sequences_->Allocate(request->name(), request->count());
  if (!segment.ok()) return ToGrpcStatus(segment.status());
  response->set_start(segment->start);
  response->set_end(segment->end);
  return ::grpc::Status::OK;
}

::grpc::Status IdService::NextSequence(::grpc::ServerContext* call,
                                       const aio::v1::NextSequenceRequest* request,
                                       aio::v1::NextSequenceResponse* response) {
  auto who = guard_->Authorize(*call, "aio.v1.IdService/NextSequence", auth::Resource::kKv,
                               kIdGenResource, auth::kWrite);
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<std::vector<int64_t>> values =
      sequences_->Next(request->name(), request->count() == 0 ? 1 : request->count());
  if (!values.ok()) return ToGrpcStatus(values.status());
  response->mutable_values()->Add(values->begin(), values->end());
  return ::grpc::Status::OK;
}

}  // namespace aio::protocol::grpc
