// URL query strings of the HTTP API: "a=1&b=x%2Fy" -> {"a":"1","b":"x/y"} (percent-decoding and
// '+' as space, as HTML forms). The one home for query parsing of the /api routes.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace aio::protocol::http {

std::string PercentDecode(std::string_view text);
// Every parameter, decoded; a parameter without '=' maps to "", a repeated one keeps the last.
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace aio::protocol::http
