// aio.v1.IdService (proto/aio/v1/id.proto) over coord::Snowflake and coord::Sequences. Every call
// starts with CallGuard::Authorize (kv write on `/aio/coord/idgen/`). Sync API: IDs come from
// memory; a sequence call may wait for one store Txn.
//
// Thread-safe.
#pragma once

#include "aio/v1/id.grpc.pb.h"
#include "coord/idgen.h"
#include "protocol/grpc/call_guard.h"

namespace aio::protocol::grpc {

// What ID generation is authorized against (kv write).
inline constexpr char kIdGenResource[] = "/aio/coord/idgen/";

class IdService final : public aio::v1::IdService::Service {
 public:
  // All must outlive the service.
  IdService(CallGuard* guard, coord::Snowflake* snowflake, coord::Sequences* sequences)
      : guard_(guard), snowflake_(snowflake), sequences_(sequences) {}

  ::grpc::Status NextIds(::grpc::ServerContext* call, const aio::v1::NextIdsRequest* request,
                         aio::v1::NextIdsResponse* response) override;
  ::grpc::Status NextSegment(::grpc::ServerContext* call,
                             const aio::v1::NextSegmentRequest* request,
                             aio::v1::NextSegmentResponse* response) override;
  ::grpc::Status NextSequence(::grpc::ServerContext* call,
                              const aio::v1::NextSequenceRequest* request,
                              aio::v1::NextSequenceResponse* response) override;

 private:
  CallGuard* const guard_;
  coord::Snowflake* const snowflake_;
  coord::Sequences* const sequences_;
};

}  // namespace aio::protocol::grpc
