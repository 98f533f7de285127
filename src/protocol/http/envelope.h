// The HTTP API's response envelope (seed 003): {"code":20000,"msg":"success","data":...}. On
// failure `code` is the HTTP status times 100 (40400, 50300, ...) and `data` is null. This file is
// the one place where an absl::Status becomes an HTTP answer (ToHttpEnvelope).
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "net/http_router.h"
#include "nlohmann/json.hpp"

namespace aio::protocol::http {

inline constexpr int kCodeSuccess = 20000;

// 200 with code 20000, msg "success" and `data`.
net::HttpResponse Success(nlohmann::json data);

// `http_status` with code http_status * 100, `msg` and null data.
net::HttpResponse Failure(int http_status, std::string_view msg);

// The HTTP status of a non-OK `status` (InvalidArgument 400, NotFound 404, Unavailable 503, ...)
// and its message as msg.
net::HttpResponse ToHttpEnvelope(const absl::Status& status);

}  // namespace aio::protocol::http
