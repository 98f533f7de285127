// Encoders for the server -> client operations of the NATS protocol, appending to a buffer
// (https://docs.nats.io/reference/reference-protocols/nats-protocol). Allocation-free apart from
// the buffer's own growth.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace aio::protocol::nats {

inline void AppendNumber(std::string& out, uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

// MSG <subject> <sid> [reply] <#bytes>\r\n<payload>\r\n, or HMSG with a header block.
inline void AppendMsg(std::string& out, std::string_view subject, std::string_view sid,
                      std::string_view reply, std::string_view headers, std::string_view payload) {
  out.append(headers.empty() ? "MSG " : "HMSG ");
  out.append(subject);
  out.push_back(' ');
  out.append(sid);
  out.push_back(' ');
  if (!reply.empty()) {
    out.append(reply);
    out.push_back(' ');
  }
  if (!headers.empty()) {
    AppendNumber(out, headers.size());
    out.push_back(' ');
  }
  AppendNumber(out, headers.size() + payload.size());
  out.append("\r\n");
  out.append(headers);
  out.append(payload);
  out.append("\r\n");
}

// -ERR '<text>'\r\n
inline void AppendErr(std::string& out, std::string_view text) {
  out.append("-ERR '");
  out.append(text);
  out.append("'\r\n");
}

inline constexpr std::string_view kPing = "PING\r\n";
inline constexpr std::string_view kPong = "PONG\r\n";
inline constexpr std::string_view kOk = "+OK\r\n";

// The status header block of a no-responders reply (nats-server: "NATS/1.0 503").
inline constexpr std::string_view kNoRespondersHeaders = "NATS/1.0 503\r\n\r\n";

}  // namespace aio::protocol::nats
