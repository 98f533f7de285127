#include "protocol/http/envelope.h"

#include <string>

namespace aio::protocol::http {
namespace {

net::HttpResponse Json(int http_status, const nlohmann::json& body) {
  return net::HttpResponse{
      .status = http_status, .content_type = "application/json", .body = body.dump() + "\n"};
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

}  // namespace

net::HttpResponse Success(nlohmann::json data) {
  return Json(200, {{"code", kCodeSuccess}, {"msg", "success"}, {"data", std::move(data)}});
}

net::HttpResponse Failure(int http_status, std::string_view msg) {
  return Json(http_status, {{"code", http_status * 100}, {"msg", msg}, {"data", nullptr}});
}

net::HttpResponse ToHttpEnvelope(const absl::Status& status) {
  return Failure(HttpStatusOf(status.code()), std::string(status.message()));
}

}  // namespace aio::protocol::http
