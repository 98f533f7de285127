#include "kv_common.h"

#include <charconv>
#include <random>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace aio::bench {

bool ParseDuration(std::string_view text, std::chrono::nanoseconds* out) {
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || number < 0) return false;
  const std::string_view unit(end, text.data() + text.size() - end);
  double ns_per_unit = 0;
  if (unit == "us") {
    ns_per_unit = 1e3;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else if (unit == "s") {
    ns_per_unit = 1e9;
  } else if (unit == "m") {
    ns_per_unit = 60e9;
  } else if (unit == "h") {
    ns_per_unit = 3600e9;
  } else {
    return false;
  }
  *out = std::chrono::nanoseconds(static_cast<int64_t>(number * ns_per_unit));
  return true;
}

std::string KeyOf(std::string_view prefix, uint64_t index, int key_size) {
  std::string key(static_cast<size_t>(key_size), '0');
  key.replace(0, prefix.size(), prefix);
  for (size_t i = key.size(); i > prefix.size() && index > 0; index /= 10) {
    key[--i] = static_cast<char>('0' + index % 10);
  }
  return key;
}

bool IndexOf(std::string_view key, std::string_view prefix, uint64_t* index) {
  if (!key.starts_with(prefix)) return false;
  const char* first = key.data() + prefix.size();
  const char* last = key.data() + key.size();
  const auto [end, ec] = std::from_chars(first, last, *index);
  return ec == std::errc() && end == last;
}

ValuePool::ValuePool(int value_size) : value_size_(static_cast<size_t>(value_size)) {
  std::mt19937_64 rng(42);
  pool_.resize((1 << 20) + value_size_);
  for (char& c : pool_) c = static_cast<char>(rng());
}

std::string_view ValuePool::ValueOf(uint64_t index) const {
  const size_t offset = Mix64(index) % (pool_.size() - value_size_ + 1);
  return std::string_view(pool_).substr(offset, value_size_);
}

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const KvOptions& options) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < options.conns; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("aio.bench.connection", i);
    args.SetMaxReceiveMessageSize(-1);
    channels.push_back(
        grpc::CreateCustomChannel(options.endpoint, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

namespace {

// One unary call's state, alive until its completion callback has run.
template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

void IssuePut(etcdserverpb::KV::Stub* stub, std::string key, std::string_view value, DoneFn done) {
  auto call = std::make_shared<UnaryCall<etcdserverpb::PutRequest, etcdserverpb::PutResponse>>();
  call->request.set_key(std::move(key));
  call->request.set_value(value.data(), value.size());
  stub->async()->Put(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) { done(FromGrpc(status)); });
}

void IssueRange(etcdserverpb::KV::Stub* stub, std::string key, bool serializable, DoneFn done) {
  auto call =
      std::make_shared<UnaryCall<etcdserverpb::RangeRequest, etcdserverpb::RangeResponse>>();
  call->request.set_key(std::move(key));
  call->request.set_serializable(serializable);
  stub->async()->Range(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        if (status.ok() && (call->response.kvs_size() != 1 ||
                            call->response.kvs(0).key() != call->request.key())) {
          done(absl::NotFoundError("range: key not found: " + call->request.key()));
          return;
        }
        done(FromGrpc(status));
      });
}

void IssueCompareAndPut(etcdserverpb::KV::Stub* stub, std::string key, std::string_view value,
                        DoneFn done) {
  auto call = std::make_shared<UnaryCall<etcdserverpb::TxnRequest, etcdserverpb::TxnResponse>>();
  etcdserverpb::Compare* compare = call->request.add_compare();
  compare->set_key(key);
  compare->set_target(etcdserverpb::Compare::VERSION);
  compare->set_result(etcdserverpb::Compare::GREATER);
  compare->set_version(0);
  etcdserverpb::PutRequest* put = call->request.add_success()->mutable_request_put();
  put->set_key(std::move(key));
  put->set_value(value.data(), value.size());
  stub->async()->Txn(&call->context, &call->request, &call->response,
                     [call, done = std::move(done)](grpc::Status status) {
                       if (status.ok() && !call->response.succeeded()) {
                         done(absl::FailedPreconditionError("txn: compare failed on " +
                                                            call->request.compare(0).key()));
                         return;
                       }
                       done(FromGrpc(status));
                     });
}

void AddLatency(const LatencyHistogram& histogram, std::string_view prefix, nlohmann::json* out) {
  const std::string p(prefix);
  (*out)[p + "p50_us"] = histogram.PercentileUs(0.5);
  (*out)[p + "p99_us"] = histogram.PercentileUs(0.99);
  (*out)[p + "p999_us"] = histogram.PercentileUs(0.999);
}

}  // namespace aio::bench
