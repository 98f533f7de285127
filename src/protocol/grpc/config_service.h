// ConfigGrpcService: aio.v1.ConfigService (proto/aio/v1/config.proto), the gRPC front-end of
// configcenter::ConfigCenter for the AIO SDK. Unary calls use the sync API; Watch (server stream
// of every change of the requested keys, with old and new version) uses the callback API, no
// thread per stream.
//
// Every call starts with CallGuard::Authorize: the config resource on the key, read for queries
// and write for changes (List: read on the prefix followed by "*"; the list then shows only keys
// the caller may read; Watch: read on every key). Config errors pass through as gRPC statuses
// (ToGrpcStatus).
//
// Lifecycle: Stop() ends open Watch streams (UNAVAILABLE) and waits for them; call it before the
// gRPC server stops. The center and auth service must outlive this. Thread-safe.
#pragma once

#include "aio/v1/config.grpc.pb.h"
#include "configcenter/config_center.h"
#include "protocol/grpc/call_guard.h"
#include "protocol/grpc/stream_registry.h"

namespace aio::protocol::grpc {

using ConfigServiceBase =
    aio::v1::ConfigService::WithCallbackMethod_Watch<aio::v1::ConfigService::Service>;

class ConfigGrpcService final : public ConfigServiceBase {
 public:
  ConfigGrpcService(configcenter::ConfigCenter* center, auth::AuthService* auth);
  ~ConfigGrpcService() override;  // Stop()s

  void Stop();

  ::grpc::Status Get(::grpc::ServerContext* call, const aio::v1::GetConfigRequest* request,
                     aio::v1::GetConfigResponse* response) override;
  ::grpc::Status Put(::grpc::ServerContext* call, const aio::v1::PutConfigRequest* request,
                     aio::v1::PutConfigResponse* response) override;
  ::grpc::Status Delete(::grpc::ServerContext* call, const aio::v1::DeleteConfigRequest* request,
                        aio::v1::DeleteConfigResponse* response) override;
  ::grpc::Status Restore(::grpc::ServerContext* call, const aio::v1::RestoreConfigRequest* request,
                         aio::v1::RestoreConfigResponse* response) override;
  ::grpc::Status List(::grpc::ServerContext* call, const aio::v1::ListConfigRequest* request,
                      aio::v1::ListConfigResponse* response) override;
  ::grpc::Status History(::grpc::ServerContext* call, const aio::v1::ConfigHistoryRequest* request,
                         aio::v1::ConfigHistoryResponse* response) override;
  ::grpc::Status Diff(::grpc::ServerContext* call, const aio::v1::ConfigDiffRequest* request,
                      aio::v1::ConfigDiffResponse* response) override;
  ::grpc::Status Rollback(::grpc::ServerContext* call,
                          const aio::v1::RollbackConfigRequest* request,
                          aio::v1::RollbackConfigResponse* response) override;
  ::grpc::ServerWriteReactor<aio::v1::ConfigChange>* Watch(
      ::grpc::CallbackServerContext* call, const aio::v1::WatchConfigRequest* request) override;

 private:
  configcenter::ConfigCenter* const center_;
  const CallGuard guard_;
  StreamRegistry streams_;
};

}  // namespace aio::protocol::grpc
