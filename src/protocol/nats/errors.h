// The -ERR texts nats-server sends (server/errors.go, client.go), so clients that match on them
// keep working. ToNatsErr maps AIO's status codes to them, once for the NATS front-end.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace aio::protocol::nats {

inline constexpr std::string_view kErrAuthorizationViolation = "Authorization Violation";
inline constexpr std::string_view kErrAuthenticationTimeout = "Authentication Timeout";
inline constexpr std::string_view kErrInvalidPublishSubject = "Invalid Publish Subject";
inline constexpr std::string_view kErrInvalidSubject = "Invalid Subject";
inline constexpr std::string_view kErrMaxConnections = "maximum connections exceeded";
inline constexpr std::string_view kErrStaleConnection = "Stale Connection";
inline constexpr std::string_view kErrSlowConsumer = "Slow Consumer";
inline constexpr std::string_view kErrNoHeaders = "Headers Not Supported";

// "Permissions Violation for Publish to \"x\"" / "... for Subscription to \"x\"".
std::string PublishViolation(std::string_view subject);
std::string SubscribeViolation(std::string_view subject);

// Unauthenticated -> Authorization Violation; PermissionDenied -> the publish violation for
// `subject` when `publish`, else the subscription one; anything else -> its message.
std::string ToNatsErr(const absl::Status& status, std::string_view subject, bool publish);

}  // namespace aio::protocol::nats
