#include "protocol/grpc/registry_service.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "protocol/grpc/grpc_status.h"
#include "protocol/grpc/stream_reactor.h"
#include "protocol/grpc/write_queue_reactor.h"

namespace aio::protocol::grpc {
namespace {

namespace pb = aio::v1;
using registry::ServiceInstance;

constexpr std::string_view kService = "aio.v1.RegistryService/";
// Changes queued for one Watch stream before it is ended as too slow.
constexpr size_t kMaxQueuedWatchEvents = 10'000;

std::string Method(std::string_view name) { return std::string(kService) + std::string(name); }

void ToProto(const ServiceInstance& in, pb::ServiceInstance* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  out->set_address(in.address);
  out->set_protocol(in.protocol);
  out->set_register_time_ms(in.register_time_ms);
  out->set_start_time_ms(in.start_time_ms);
  out->set_last_renew_time_ms(in.last_renew_time_ms);
  out->set_offline_time_ms(in.offline_time_ms);
  out->mutable_metadata()->insert(in.metadata.begin(), in.metadata.end());
  out->set_weight(in.weight);
  out->set_status(in.status);
}

ServiceInstance FromProto(const pb::ServiceInstance& in) {
  ServiceInstance out;
  out.id = in.id();
  out.name = in.name();
  out.address = in.address();
  out.protocol = in.protocol();
  out.start_time_ms = in.start_time_ms();
  out.metadata.insert(in.metadata().begin(), in.metadata().end());
  out.weight = in.weight() == 0 ? registry::kDefaultWeight : in.weight();
  out.status = in.status();
  return out;
}

pb::WatchServicesResponse::Type ToProto(registry::WatchEvent::Type type) {
  using T = registry::WatchEvent::Type;
  switch (type) {
    case T::kSnapshot:
      return pb::WatchServicesResponse::SNAPSHOT;
    case T::kRegister:
      return pb::WatchServicesResponse::REGISTER;
    case T::kUpdate:
      return pb::WatchServicesResponse::UPDATE;
    case T::kOffline:
      return pb::WatchServicesResponse::OFFLINE;
    case T::kUnregister:
      return pb::WatchServicesResponse::DEREGISTER;
  }
  return pb::WatchServicesResponse::UPDATE;
}

// One HeartbeatStream: read a heartbeat, renew (asynchronously), write the expiry, read the next.
class HeartbeatReactor final : public StreamReactor<pb::HeartbeatRequest, pb::HeartbeatResponse> {
 public:
  HeartbeatReactor(StreamRegistry* streams, registry::Registry* registry, const CallGuard* guard,
                   absl::StatusOr<auth::Identity> caller)
      : StreamReactor(streams), registry_(registry), guard_(guard) {
    if (!caller.ok()) {
      End(ToGrpcStatus(caller.status()));
      return;
    }
    caller_ = std::move(*caller);
    if (!Ending()) StartRead(&request_);
  }

 private:
  void OnReadDone(bool ok) override {
    if (!ok) {
      End(::grpc::Status::OK);  // the client half-closed: the instance stays until its TTL
      return;
    }
    absl::StatusOr<ServiceInstance> instance = registry_->GetService(request_.instance_id());
    if (!instance.ok()) {
      End(ToGrpcStatus(instance.status()));
      return;
    }
    if (absl::Status allowed = guard_->auth()->CheckResource(caller_, auth::Resource::kRegistry,
                                                             instance->name, auth::kWrite);
        !allowed.ok()) {
      End(ToGrpcStatus(allowed));
      return;
    }
    Ref();  // held by the renewal in flight
    registry_->RenewAsync(request_.instance_id(), [this](absl::StatusOr<ServiceInstance> renewed) {
      if (!renewed.ok()) {
        End(ToGrpcStatus(renewed.status()));
      } else {
        pb::HeartbeatResponse response;
        response.set_instance_id(renewed->id);
        response.set_expires_at_ms(renewed->last_renew_time_ms + registry_->ttl_ms());
        {
          absl::MutexLock lock(&mu_);
          pending_ = std::move(response);
        }
        MaybeWrite();
      }
      Unref();
    });
  }

  bool TakeNextWrite(pb::HeartbeatResponse* out) override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!pending_) return false;
    *out = std::move(*pending_);
    pending_.reset();
    return true;
  }

  void AfterWrite() override {
    if (!Ending()) StartRead(&request_);
  }

  registry::Registry* const registry_;
  const CallGuard* const guard_;
  auth::Identity caller_;
  pb::HeartbeatRequest request_;  // the read in flight
  std::optional<pb::HeartbeatResponse> pending_ ABSL_GUARDED_BY(mu_);
};

// One Watch stream: a registry subscription whose events are written one at a time.
class WatchReactor final : public WriteQueueReactor<pb::WatchServicesResponse> {
 public:
  WatchReactor(StreamRegistry* streams, registry::Registry* registry, std::string name,
               const absl::Status& allowed)
      : WriteQueueReactor(streams, kMaxQueuedWatchEvents), registry_(registry) {
    if (!Register()) return;
    if (!allowed.ok()) {
      End(ToGrpcStatus(allowed));
      return;
    }
    subscription_ = registry_->Subscribe(std::move(name), [this](const registry::WatchEvent& e) {
      pb::WatchServicesResponse response;
      response.set_type(ToProto(e.type));
      for (const ServiceInstance& instance : e.instances) {
        ToProto(instance, response.add_instances());
      }
      Push(std::move(response));
    });
  }

 private:
  void Release() override {
    if (subscription_ != 0) registry_->Unsubscribe(subscription_);
  }

  registry::Registry* const registry_;
  int64_t subscription_ = 0;  // set before any reaction can run Release()
};

}  // namespace

RegistryGrpcService::RegistryGrpcService(registry::Registry* registry, auth::AuthService* auth)
    : registry_(registry), guard_(auth) {}

RegistryGrpcService::~RegistryGrpcService() { Stop(); }

void RegistryGrpcService::Stop() {
  streams_.EndAll(::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "server is stopping"));
  streams_.WaitEmpty(absl::Seconds(2));
}

absl::StatusOr<auth::Identity> RegistryGrpcService::AuthorizeInstance(
    const ::grpc::ServerContextBase& call, std::string_view method, std::string_view id,
    uint32_t action) const {
  absl::StatusOr<auth::Identity> caller = guard_.Authenticate(call, method);
  if (!caller.ok()) return caller.status();
  absl::StatusOr<ServiceInstance> instance = registry_->GetService(id);
  if (!instance.ok()) return instance.status();
  return guard_.Authorize(call, method, auth::Resource::kRegistry, instance->name, action);
}

::grpc::Status RegistryGrpcService::RegisterInstance(::grpc::ServerContext* call,
                                                     const pb::RegisterInstanceRequest* request,
                                                     pb::RegisterInstanceResponse* response) {
  absl::StatusOr<auth::Identity> caller =
      guard_.Authorize(*call, Method("RegisterInstance"), auth::Resource::kRegistry,
                       request->instance().name(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // Re-registering an id under another name moves it out of its old service too.
  if (absl::StatusOr<ServiceInstance> old = registry_->GetService(request->instance().id());
      old.ok() && old->name != request->instance().name()) {
    caller = guard_.Authorize(*call, Method("RegisterInstance"), auth::Resource::kRegistry,
                              old->name, auth::kWrite);
    if (!caller.ok()) return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<ServiceInstance> stored = registry_->Register(FromProto(request->instance()));
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  ToProto(*stored, response->mutable_instance());
  response->set_ttl_ms(registry_->ttl_ms());
  return ::grpc::Status::OK;
}

::grpc::Status RegistryGrpcService::DeregisterInstance(
    ::grpc::ServerContext* call, const pb::DeregisterInstanceRequest* request,
    pb::DeregisterInstanceResponse* /*response*/) {
  absl::StatusOr<auth::Identity> caller =
      AuthorizeInstance(*call, Method("DeregisterInstance"), request->instance_id(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(registry_->Unregister(request->instance_id()));
}

::grpc::Status RegistryGrpcService::Renew(::grpc::ServerContext* call,
                                          const pb::RenewInstanceRequest* request,
                                          pb::RenewInstanceResponse* response) {
  absl::StatusOr<auth::Identity> caller =
      AuthorizeInstance(*call, Method("Renew"), request->instance_id(), auth::kWrite);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ServiceInstance> renewed = registry_->Renew(request->instance_id());
  if (!renewed.ok()) return ToGrpcStatus(renewed.status());
  response->set_expires_at_ms(renewed->last_renew_time_ms + registry_->ttl_ms());
  return ::grpc::Status::OK;
}

::grpc::Status RegistryGrpcService::ListServices(::grpc::ServerContext* call,
                                                 const pb::ListServicesRequest* /*request*/,
                                                 pb::ListServicesResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authenticate(*call, Method("ListServices"));
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  for (const auto& [name, instances] : registry_->AllInstances()) {
    if (!guard_.auth()->CheckResource(*caller, auth::Resource::kRegistry, name, auth::kRead).ok()) {
      continue;
    }
    pb::ServiceDescriptor* service = response->add_services();
    service->set_name(name);
    for (const ServiceInstance& instance : instances) ToProto(instance, service->add_instances());
  }
  return ::grpc::Status::OK;
}

::grpc::Status RegistryGrpcService::GetService(::grpc::ServerContext* call,
                                               const pb::GetServiceRequest* request,
                                               pb::GetServiceResponse* response) {
  absl::StatusOr<auth::Identity> caller =
      AuthorizeInstance(*call, Method("GetService"), request->instance_id(), auth::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ServiceInstance> instance = registry_->GetService(request->instance_id());
  if (!instance.ok()) return ToGrpcStatus(instance.status());
  ToProto(*instance, response->mutable_instance());
  return ::grpc::Status::OK;
}

::grpc::Status RegistryGrpcService::Discover(::grpc::ServerContext* call,
                                             const pb::DiscoverRequest* request,
                                             pb::DiscoverResponse* response) {
  absl::StatusOr<auth::Identity> caller = guard_.Authorize(
      *call, Method("Discover"), auth::Resource::kRegistry, request->name(), auth::kRead);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  registry::DiscoverFilter filter{.status = request->status(), .protocol = request->protocol()};
  filter.metadata.insert(request->metadata().begin(), request->metadata().end());
  for (const ServiceInstance& instance : registry_->Discover(request->name(), filter)) {
    ToProto(instance, response->add_instances());
  }
  return ::grpc::Status::OK;
}

::grpc::ServerBidiReactor<pb::HeartbeatRequest, pb::HeartbeatResponse>*
RegistryGrpcService::HeartbeatStream(::grpc::CallbackServerContext* call) {
  return new HeartbeatReactor(&streams_, registry_, &guard_,
                              guard_.Authenticate(*call, Method("HeartbeatStream")));
}

::grpc::ServerWriteReactor<pb::WatchServicesResponse>* RegistryGrpcService::Watch(
    ::grpc::CallbackServerContext* call, const pb::WatchServicesRequest* request) {
  const std::string name = request->name().empty() ? "*" : request->name();
  absl::StatusOr<auth::Identity> caller =
      guard_.Authorize(*call, Method("Watch"), auth::Resource::kRegistry, name, auth::kRead);
  return new WatchReactor(&streams_, registry_, request->name(), caller.status());
}

}  // namespace aio::protocol::grpc
