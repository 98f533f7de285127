#include "protocol/grpc/config_service.h"

#include <string>
#include <utility>

#include "protocol/grpc/grpc_status.h"
#include "protocol/grpc/write_queue_reactor.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = aio::v1;
namespace cc = configcenter;

constexpr std::string_view kService = "aio.v1.ConfigService/";
// Changes queued for one Watch stream before it is ended as too slow.
constexpr size_t kMaxQueuedChanges = 10'000;

std::string Method(std::string_view name) { return std::string(kService) + std::string(name); }

std::string EnvOf(const std::string& env) {
  return env.empty() ? std::string(cc::kDefaultEnv) : env;
}

cc::Reveal RevealOf(bool reveal) { return reveal ? cc::Reveal::kPlain : cc::Reveal::kMask; }

void ToProto(const cc::ConfigItem& in, pb::ConfigItem* out) {
  out->set_key(in.key);
  out->set_env(in.env);
  out->set_type(std::string(cc::ValueTypeName(in.type)));
  out->set_value(in.value);
  out->set_version(in.version);
  out->set_description(in.description);
  out->set_updated_by(in.updated_by);
  out->set_updated_at_ms(in.updated_at);
  out->mutable_metadata()->insert(in.metadata.begin(), in.metadata.end());
  out->set_deleted(in.deleted);
  out->set_op(in.op);
  out->set_source_version(in.source_version);
  out->set_revision(in.revision);
  out->set_masked(in.masked);
}

// Answers a call with `item` put into the response's `item` field, or its error.
template <class Response>
::grpc::Status ReplyItem(const absl::StatusOr<cc::ConfigItem>& item, Response* response) {
  if (!item.ok()) return ToGrpcStatus(item.status());
  ToProto(*item, response->mutable_item());
  return ::grpc::Status::OK;
}

class ConfigWatchReactor final : public WriteQueueReactor<pb::ConfigChange> {
 public:
  ConfigWatchReactor(StreamRegistry* streams, cc::ConfigCenter* center,
                     const absl::StatusOr<auth::Identity>& caller, cc::WatchFilter filter)
      : WriteQueueReactor(streams, kMaxQueuedChanges), center_(center) {
    if (!Register()) return;
    if (!caller.ok()) {
      End(ToGrpcStatus(caller.status()));
      return;
    }
    absl::StatusOr<uint64_t> id =
        center_->Subscribe(*caller, filter, [this](const cc::ConfigChange& change) {
          pb::ConfigChange out;
          out.set_env(change.env);
          out.set_key(change.key);
          out.set_op(change.op);
          out.set_old_version(change.old_version);
          out.set_new_version(change.new_version);
          out.set_revision(change.revision);
          Push(std::move(out));
        });
    if (!id.ok()) {
      End(ToGrpcStatus(id.status()));
      return;
    }
    subscription_ = *id;
    StartSendInitialMetadata();  // tells the client the watch is in place
  }

 private:
  void Release() override {
    if (subscription_ != 0) center_->Unsubscribe(subscription_);
  }

  cc::ConfigCenter* const center_;
  uint64_t subscription_ = 0;  // set before any reaction can run Release()
};

}  // namespace

ConfigGrpcService::ConfigGrpcService(cc::ConfigCenter* center, auth::AuthService* auth)
    : center_(center), guard_(auth) {}

ConfigGrpcService::~ConfigGrpcService() { Stop(); }

void ConfigGrpcService::Stop() {
  streams_.EndAll(::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "server is stopping"));
  streams_.WaitEmpty(absl::Seconds(2));
}

::grpc::Status ConfigGrpcService::Get(::grpc::ServerContext* call,
                                      const pb::GetConfigRequest* request,
                                      pb::GetConfigResponse* response) {
  absl::StatusOr<auth::Identity> caller =
      guard_.Authorize(*call, Method("Get"), auth::Resource::kConfig, request->key(), auth::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyItem(center_->Get(*caller, EnvOf(request->env()), request->key()), response);
}

::grpc::Status ConfigGrpcService::Put(::grpc::ServerContext* call,
                                      const pb::PutConfigRequest* request,
                                      pb::PutConfigResponse* response) {
  absl::StatusOr<auth::Identity> caller =
      guard_.Authorize(*call, Method("Put"), auth::Resource::kConfig, request->key(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<cc::ValueType> type =
      cc::ParseValueType(request->type().empty() ? "string" : request->type());
  if (!type.ok()) return ToGrpcStatus(type.status());
  cc::PutRequest put{.key = request->key(),
                     .env = EnvOf(request->env()),
                     .type = *type,
                     .value = request->value(),
                     .description = request->description()};
  put.metadata.insert(request->metadata().begin(), request->metadata().end());
  if (request->has_expected_version()) put.expected_version = request->expected_version();
  return ReplyItem(center_->Put(*caller, put), response);
}

::grpc::Status ConfigGrpcService::Delete(::grpc::ServerContext* call,
                                         const pb::DeleteConfigRequest* request,
                                         pb::DeleteConfigResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authorize(
      *call, Method("Delete"), auth::Resource::kConfig, request->key(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyItem(center_->Delete(*caller, EnvOf(request->env()), request->key()), response);
}

::grpc::Status ConfigGrpcService::Restore(::grpc::ServerContext* call,
                                          const pb::RestoreConfigRequest* request,
                                          pb::RestoreConfigResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authorize(
      *call, Method("Restore"), auth::Resource::kConfig, request->key(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyItem(center_->Restore(*caller, EnvOf(request->env()), request->key()), response);
}

::grpc::Status ConfigGrpcService::List(::grpc::ServerContext* call,
                                       const pb::ListConfigRequest* request,
                                       pb::ListConfigResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authorize(
      *call, Method("List"), auth::Resource::kConfig, request->prefix() + "*", auth::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::vector<cc::ConfigItem>> items =
      center_->List(*caller, EnvOf(request->env()), request->prefix(), request->include_deleted(),
                    RevealOf(request->reveal()));
  if (!items.ok()) return ToGrpcStatus(items.status());
  for (const cc::ConfigItem& item : *items) ToProto(item, response->add_items());
  return ::grpc::Status::OK;
}

::grpc::Status ConfigGrpcService::History(::grpc::ServerContext* call,
                                          const pb::ConfigHistoryRequest* request,
                                          pb::ConfigHistoryResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authorize(
      *call, Method("History"), auth::Resource::kConfig, request->key(), auth::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::vector<cc::ConfigItem>> history =
      center_->History(*caller, EnvOf(request->env()), request->key(), RevealOf(request->reveal()));
  if (!history.ok()) return ToGrpcStatus(history.status());
  for (const cc::ConfigItem& item : *history) ToProto(item, response->add_versions());
  return ::grpc::Status::OK;
}

::grpc::Status ConfigGrpcService::Diff(::grpc::ServerContext* call,
                                       const pb::ConfigDiffRequest* request,
                                       pb::ConfigDiffResponse* response) {
  absl::StatusOr<auth::Identity> caller =
      guard_.Authorize(*call, Method("Diff"), auth::Resource::kConfig, request->key(), auth::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<cc::ConfigDiff> diff =
      center_->Diff(*caller, EnvOf(request->env()), request->key(), request->from_version(),
                    request->to_version(), RevealOf(request->reveal()));
  if (!diff.ok()) return ToGrpcStatus(diff.status());
  ToProto(diff->from, response->mutable_from());
  ToProto(diff->to, response->mutable_to());
  for (const cc::FieldChange& change : diff->changes) {
    pb::ConfigFieldChange* out = response->add_changes();
    out->set_field(change.field);
    out->set_from_json(change.from.dump());
    out->set_to_json(change.to.dump());
  }
  if (diff->json_patch) response->set_json_patch(diff->json_patch->dump());
  return ::grpc::Status::OK;
}

::grpc::Status ConfigGrpcService::Rollback(::grpc::ServerContext* call,
                                           const pb::RollbackConfigRequest* request,
                                           pb::RollbackConfigResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authorize(
      *call, Method("Rollback"), auth::Resource::kConfig, request->key(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyItem(
      center_->Rollback(*caller, EnvOf(request->env()), request->key(), request->version()),
      response);
}

::grpc::ServerWriteReactor<pb::ConfigChange>* ConfigGrpcService::Watch(
    ::grpc::CallbackServerContext* call, const pb::WatchConfigRequest* request) {
  cc::WatchFilter filter{.env = EnvOf(request->env()),
                         .keys = {request->keys().begin(), request->keys().end()}};
  // Authorize on every key (an empty list is refused by the center with a clear error).
  absl::StatusOr<auth::Identity> caller = guard_.Authenticate(*call, Method("Watch"));
  for (const std::string& key : filter.keys) {
    if (!caller.ok()) break;
    caller = guard_.Authorize(*call, Method("Watch"), auth::Resource::kConfig, key, auth::kRead);
  }
  return new ConfigWatchReactor(&streams_, center_, caller, std::move(filter));
}

}  // namespace aio::protocol::grpc
