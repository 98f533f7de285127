// RegistryGrpcService: aio.v1.RegistryService (proto/aio/v1/registry.proto), the gRPC front-end
// of registry::Registry for the AIO SDK (seed 004). Unary calls use the sync API; HeartbeatStream
// (bidi: each heartbeat renews its instance and is answered with expires_at_ms) and Watch (server
// stream: a SNAPSHOT, then every change) use the callback API, no thread per stream.
//
// Every call starts with CallGuard: the registry resource on the service name, read for queries
// and write for changes ("*" for every service: ListServices lists the names the caller may read,
// Watch of "" needs read on "*"). Calls by instance id authenticate first and check the
// permission on the instance's service name; an unknown id is NOT_FOUND "service not found".
// Registry errors pass through as gRPC statuses (ToGrpcStatus).
//
// Lifecycle: Stop() ends open streams (UNAVAILABLE) and waits for them; call it before the
// gRPC server stops. The registry and auth service must outlive this. Thread-safe.
#pragma once

#include <memory>

#include "aio/v1/registry.grpc.pb.h"
#include "protocol/grpc/call_guard.h"
#include "protocol/grpc/stream_registry.h"
#include "registry/registry.h"

namespace aio::protocol::grpc {

using RegistryServiceBase = aio::v1::RegistryService::WithCallbackMethod_HeartbeatStream<
    aio::v1::RegistryService::WithCallbackMethod_Watch<aio::v1::RegistryService::Service>>;

class RegistryGrpcService final : public RegistryServiceBase {
 public:
  RegistryGrpcService(registry::Registry* registry, auth::AuthService* auth);
  ~RegistryGrpcService() override;  // Stop()s

  void Stop();

  ::grpc::Status RegisterInstance(::grpc::ServerContext* call,
                                  const aio::v1::RegisterInstanceRequest* request,
                                  aio::v1::RegisterInstanceResponse* response) override;
  ::grpc::Status DeregisterInstance(::grpc::ServerContext* call,
                                    const aio::v1::DeregisterInstanceRequest* request,
                                    aio::v1::DeregisterInstanceResponse* response) override;
  ::grpc::Status Renew(::grpc::ServerContext* call, const aio::v1::RenewInstanceRequest* request,
                       aio::v1::RenewInstanceResponse* response) override;
  ::grpc::Status ListServices(::grpc::ServerContext* call,
                              const aio::v1::ListServicesRequest* request,
                              aio::v1::ListServicesResponse* response) override;
  ::grpc::Status GetService(::grpc::ServerContext* call, const aio::v1::GetServiceRequest* request,
                            aio::v1::GetServiceResponse* response) override;
  ::grpc::Status Discover(::grpc::ServerContext* call, const aio::v1::DiscoverRequest* request,
                          aio::v1::DiscoverResponse* response) override;
  ::grpc::ServerBidiReactor<aio::v1::HeartbeatRequest, aio::v1::HeartbeatResponse>* HeartbeatStream(
      ::grpc::CallbackServerContext* call) override;
  ::grpc::ServerWriteReactor<aio::v1::WatchServicesResponse>* Watch(
      ::grpc::CallbackServerContext* call, const aio::v1::WatchServicesRequest* request) override;

 private:
  // The caller's identity with `action` on the service of instance `id`.
  absl::StatusOr<auth::Identity> AuthorizeInstance(const ::grpc::ServerContextBase& call,
                                                   std::string_view method, std::string_view id,
                                                   uint32_t action) const;

  registry::Registry* const registry_;
  const CallGuard guard_;
  StreamRegistry streams_;
};

}  // namespace aio::protocol::grpc
