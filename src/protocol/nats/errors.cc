#include "protocol/nats/errors.h"

#include "fmt/format.h"

namespace aio::protocol::nats {

std::string PublishViolation(std::string_view subject) {
  return fmt::format("Permissions Violation for Publish to \"{}\"", subject);
}

std::string SubscribeViolation(std::string_view subject) {
  return fmt::format("Permissions Violation for Subscription to \"{}\"", subject);
}

std::string ToNatsErr(const absl::Status& status, std::string_view subject, bool publish) {
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      return std::string(kErrAuthorizationViolation);
    case absl::StatusCode::kPermissionDenied:
      return publish ? PublishViolation(subject) : SubscribeViolation(subject);
    default:
      return std::string(status.message());
  }
}

}  // namespace aio::protocol::nats
