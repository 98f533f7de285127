// NatsConnection's handlers of client operations: CONNECT, PUB/HPUB, SUB, UNSUB, PING/PONG.
#include <boost/asio/use_awaitable.hpp>

#include "mq/subject.h"
#include "net/run_blocking.h"
#include "nlohmann/json.hpp"
#include "protocol/nats/encode.h"
#include "protocol/nats/errors.h"
#include "protocol/nats/nats_connection.h"

namespace aio::protocol::nats {
namespace {

absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Closed subscriptions (UNSUB max reached) left in the sid map are swept this often.
constexpr size_t kSweepEvery = 64;

std::string JsonString(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool JsonBool(const nlohmann::json& json, const char* key, bool fallback) {
  auto it = json.find(key);
  return it != json.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

NatsConnection::Next NatsConnection::HandleOp(const Op& op) {
  const bool auth_required = options_.authenticator != nullptr && options_.authenticator->enabled();
  if (auth_required && !connected_ && op.type != OpType::kConnect) {
    mq::Add(broker_->stats()->auth_failures_total, 1);
    return FailWith(kErrAuthorizationViolation);
  }
  switch (op.type) {
    case OpType::kConnect:  // ReadLoop awaits HandleConnect instead
      return Next::kContinue;
    case OpType::kPub:
    case OpType::kHpub:
      return HandlePub(op);
    case OpType::kSub:
      return HandleSub(op);
    case OpType::kUnsub:
      return HandleUnsub(op);
    case OpType::kPing:
      Send(kPong);
      return Next::kContinue;
    case OpType::kPong:
      pings_out_ = 0;
      return Next::kContinue;
    case OpType::kInfo:
    case OpType::kOk:
    case OpType::kErr:
      return Next::kContinue;
  }
  return Next::kContinue;
}

boost::asio::awaitable<NatsConnection::Next> NatsConnection::HandleConnect(const Op& op) {
  nlohmann::json json = nlohmann::json::parse(op.json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    mq::Add(broker_->stats()->protocol_errors_total, 1);
    co_return FailWith(ParseErrorText(ParseError::kUnknownOperation));
  }
  verbose_ = JsonBool(json, "verbose", false);
  pedantic_ = JsonBool(json, "pedantic", false);
  echo_ = JsonBool(json, "echo", true);
  headers_ = JsonBool(json, "headers", false);
  no_responders_ = JsonBool(json, "no_responders", false);
  {
    absl::MutexLock lock(&info_mu_);
    name_ = JsonString(json, "name");
    lang_ = JsonString(json, "lang");
    version_ = JsonString(json, "version");
  }
  auth::Authenticator* authenticator = options_.authenticator;
  if (authenticator != nullptr && authenticator->enabled() && !connected_) {
    const std::string token = JsonString(json, "auth_token");
    const std::string user = JsonString(json, "user");
    absl::StatusOr<auth::Identity> identity = absl::UnauthenticatedError("no credentials");
    const std::string source = remote_ip_;
    if (!token.empty()) {
      identity = authenticator->AuthenticateToken(token, source);  // a JWT check: cheap
    } else if (!user.empty()) {
      // Password hashing is blocking work: run it on the auth pool and resume here, on the
      // pinned thread. The reader parses nothing else until CONNECT is answered.
      FlushBatch();
      const std::string pass = JsonString(json, "pass");
      identity = co_await net::RunBlocking(
          server_->auth_pool().get_executor(),
          [&] { return authenticator->AuthenticatePassword(user, pass, source); },
          boost::asio::use_awaitable);
    }
    if (!identity.ok()) {
      mq::Add(broker_->stats()->auth_failures_total, 1);
      co_return FailWith(kErrAuthorizationViolation);
    }
    identity_ = std::move(*identity);
  }
  connected_ = true;
  if (verbose_) Send(kOk);
  co_return Next::kContinue;
}

bool NatsConnection::MayPublish(std::string_view subject) {
  if (options_.authorizer == nullptr || !identity_.has_value()) return true;
  if (auto it = publish_allowed_.find(Av(subject)); it != publish_allowed_.end()) {
    return it->second;
  }
  const bool allowed = options_.authorizer->CheckPublish(*identity_, subject).ok();
  if (publish_allowed_.size() > 4096) publish_allowed_.clear();
  publish_allowed_.emplace(std::string(subject), allowed);
  return allowed;
}

bool NatsConnection::MaySubscribe(std::string_view subject) {
  if (options_.authorizer == nullptr || !identity_.has_value()) return true;
  return options_.authorizer->CheckSubscribe(*identity_, subject).ok();
}

NatsConnection::Next NatsConnection::HandlePub(const Op& op) {
  if (pedantic_ && (!mq::IsValidPublishSubject(op.subject) ||
                    (!op.reply.empty() && !mq::IsValidPublishSubject(op.reply)))) {
    SendErr(kErrInvalidPublishSubject);
    return Next::kContinue;
  }
  if (!MayPublish(op.subject)) {
    mq::Add(broker_->stats()->permission_violations_total, 1);
    SendErr(PublishViolation(op.subject));
    return Next::kContinue;
  }
  ++batch_msgs_in_;
  batch_bytes_in_ += static_cast<int64_t>(op.headers.size() + op.payload.size());
  const mq::Message msg{
      .subject = op.subject, .reply = op.reply, .headers = op.headers, .payload = op.payload};
  const size_t delivered = broker_->Publish(msg, cid_, echo_, &match_cache_, &wake_);
  if (delivered == 0 && !op.reply.empty() && no_responders_ && headers_) {
    // No responders: a 503 status message to the requester's inbox subscription.
    mq::Add(broker_->stats()->no_responders_total, 1);
    const mq::MatchResultPtr inbox = broker_->sublist().Match(op.reply);
    const mq::Message status{.subject = op.reply, .headers = kNoRespondersHeaders};
    auto notify = [&](const mq::SubscriptionPtr& sub) {
      if (sub->client_id != cid_) return false;
      if (Deliver(*sub, status)) wake_.push_back(shared_from_this());
      return true;
    };
    for (const mq::SubscriptionPtr& sub : inbox->plain) notify(sub);
    for (const auto& group : inbox->queues) {
      for (const mq::SubscriptionPtr& sub : group) {
        if (notify(sub)) break;
      }
    }
  }
  if (verbose_) Send(kOk);
  return Next::kContinue;
}

NatsConnection::Next NatsConnection::HandleSub(const Op& op) {
  if (!mq::IsValidSubscribeSubject(op.subject) ||
      (!op.queue.empty() && !mq::IsValidQueueName(op.queue))) {
    SendErr(kErrInvalidSubject);
    return Next::kContinue;
  }
  if (!MaySubscribe(op.subject)) {
    mq::Add(broker_->stats()->permission_violations_total, 1);
    SendErr(SubscribeViolation(op.subject));
    return Next::kContinue;
  }
  if (subs_.size() >= kSweepEvery && subs_.size() % kSweepEvery == 0) {
    for (auto it = subs_.begin(); it != subs_.end();) {
      if (it->second->closed.load()) {
        subs_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  auto [it, inserted] = subs_.try_emplace(Av(op.sid), nullptr);
  if (inserted) {
    auto sub = std::make_shared<mq::Subscription>();
    sub->subscriber = shared_from_this();
    sub->client_id = cid_;
    sub->subject = std::string(op.subject);
    sub->queue = std::string(op.queue);
    sub->sid = std::string(op.sid);
    it->second = sub;
    broker_->Subscribe(std::move(sub));
    sub_count_.store(static_cast<int64_t>(subs_.size()), std::memory_order_relaxed);
  }
  if (verbose_) Send(kOk);
  return Next::kContinue;
}

NatsConnection::Next NatsConnection::HandleUnsub(const Op& op) {
  auto it = subs_.find(Av(op.sid));
  if (it != subs_.end()) {
    const mq::SubscriptionPtr& sub = it->second;
    const uint64_t max = static_cast<uint64_t>(op.max_msgs);
    if (max > 0 && sub->delivered.load() < max) {
      sub->max.store(max);
      // A delivery racing with this store may have passed the maximum already.
      if (sub->delivered.load() >= max) broker_->Unsubscribe(sub);
    } else {
      broker_->Unsubscribe(sub);
      subs_.erase(it);
    }
    sub_count_.store(static_cast<int64_t>(subs_.size()), std::memory_order_relaxed);
  }
  if (verbose_) Send(kOk);
  return Next::kContinue;
}

}  // namespace aio::protocol::nats
