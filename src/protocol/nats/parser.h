// Parser: the NATS client protocol codec, client -> server direction
// (https://docs.nats.io/reference/reference-protocols/nats-protocol). Pure: Next() reads one
// operation from the front of `input` and reports how many bytes it used; kNeedMore when the
// operation is incomplete. Op names are case-insensitive; arguments are separated by spaces or
// tabs; lines end with CRLF (a bare LF is accepted, as nats-server does).
//
// Stateless and thread-compatible: the views in an Op point into `input`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aio::protocol::nats {

struct ParseLimits {
  size_t max_control_line = 4096;  // bytes of one operation line, without CRLF
  int64_t max_payload = 1 << 20;   // bytes of a PUB/HPUB payload (headers included)
};

enum class OpType { kConnect, kPub, kHpub, kSub, kUnsub, kPing, kPong, kInfo, kOk, kErr };

struct Op {
  OpType type = OpType::kPing;
  std::string_view subject;  // PUB, HPUB, SUB
  std::string_view reply;    // PUB, HPUB ("" = none)
  std::string_view queue;    // SUB ("" = none)
  std::string_view sid;      // SUB, UNSUB
  int64_t max_msgs = 0;      // UNSUB (0 = none)
  std::string_view headers;  // HPUB: the header block, NATS/1.0 line to the blank line
  std::string_view payload;  // PUB, HPUB
  std::string_view json;     // CONNECT, INFO; -ERR's text
};

// Errors are named by the -ERR text nats-server sends for them.
enum class ParseError {
  kNone,
  kUnknownOperation,  // 'Unknown Protocol Operation': bad op, bad arguments, bad framing
  kMaxControlLine,    // 'Maximum Control Line Exceeded'
  kMaxPayload,        // 'Maximum Payload Violation'
};

// The -ERR text (without quotes) for `error`.
std::string_view ParseErrorText(ParseError error);

enum class ParseStatus { kOp, kNeedMore, kError };

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;  // bytes of `input` the op used (kOp only)
  Op op;
  ParseError error = ParseError::kNone;
};

class Parser {
 public:
  explicit Parser(ParseLimits limits) : limits_(limits) {}

  ParseResult Next(std::string_view input) const;

  const ParseLimits& limits() const { return limits_; }

 private:
  ParseLimits limits_;
};

}  // namespace aio::protocol::nats
