#include "protocol/nats/parser.h"

#include <array>
#include <charconv>

namespace aio::protocol::nats {
namespace {

constexpr size_t kMaxArgs = 5;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsUpper(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Upper(word[i]) != upper[i]) return false;
  }
  return true;
}

// Splits on runs of blanks; returns the count, or kMaxArgs + 1 when there are too many.
size_t SplitArgs(std::string_view text, std::array<std::string_view, kMaxArgs>& args) {
  size_t n = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsBlank(text[i])) ++i;
    if (i == text.size()) break;
    size_t j = i;
    while (j < text.size() && !IsBlank(text[j])) ++j;
    if (n == kMaxArgs) return kMaxArgs + 1;
    args[n++] = text.substr(i, j - i);
    i = j;
  }
  return n;
}

// A non-negative decimal integer, the whole of `text`.
bool ParseSize(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 18) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size() && *value >= 0;
}

ParseResult Error(ParseError error) {
  ParseResult result;
  result.status = ParseStatus::kError;
  result.error = error;
  return result;
}

}  // namespace

std::string_view ParseErrorText(ParseError error) {
  switch (error) {
    case ParseError::kMaxControlLine:
      return "Maximum Control Line Exceeded";
    case ParseError::kMaxPayload:
      return "Maximum Payload Violation";
    case ParseError::kNone:
    case ParseError::kUnknownOperation:
      break;
  }
  return "Unknown Protocol Operation";
}

ParseResult Parser::Next(std::string_view input) const {
  const size_t scan = std::min(input.size(), limits_.max_control_line + 2);
  const size_t newline = input.substr(0, scan).find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() > limits_.max_control_line + 1) return Error(ParseError::kMaxControlLine);
    return ParseResult{};
  }
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > limits_.max_control_line) return Error(ParseError::kMaxControlLine);
  const size_t line_end = newline + 1;

  size_t name_end = 0;
  while (name_end < line.size() && !IsBlank(line[name_end])) ++name_end;
  const std::string_view name = line.substr(0, name_end);
  std::string_view rest = line.substr(name_end);
  while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);

  ParseResult result;
  result.status = ParseStatus::kOp;
  result.consumed = line_end;
  Op& op = result.op;
  std::array<std::string_view, kMaxArgs> args;

  if (EqualsUpper(name, "PUB") || EqualsUpper(name, "HPUB")) {
    const bool headers = name.size() == 4;
    op.type = headers ? OpType::kHpub : OpType::kPub;
    const size_t n = SplitArgs(rest, args);
    const size_t sizes = headers ? 2 : 1;
    if (n != sizes + 1 && n != sizes + 2) return Error(ParseError::kUnknownOperation);
    op.subject = args[0];
    if (n == sizes + 2) op.reply = args[1];
    int64_t header_bytes = 0;
    int64_t total_bytes = 0;
    if (!ParseSize(args[n - 1], &total_bytes)) return Error(ParseError::kUnknownOperation);
    if (headers) {
      if (!ParseSize(args[n - 2], &header_bytes) || header_bytes > total_bytes) {
        return Error(ParseError::kUnknownOperation);
      }
    }
    if (total_bytes > limits_.max_payload) return Error(ParseError::kMaxPayload);
    const size_t need = line_end + static_cast<size_t>(total_bytes) + 2;
    if (input.size() < need) return ParseResult{};
    const std::string_view body = input.substr(line_end, static_cast<size_t>(total_bytes));
    if (input.substr(need - 2, 2) != "\r\n") return Error(ParseError::kUnknownOperation);
    op.headers = body.substr(0, static_cast<size_t>(header_bytes));
    op.payload = body.substr(static_cast<size_t>(header_bytes));
    if (headers && op.headers.substr(0, 5) != "NATS/") return Error(ParseError::kUnknownOperation);
    result.consumed = need;
    return result;
  }
  if (EqualsUpper(name, "SUB")) {
    op.type = OpType::kSub;
    const size_t n = SplitArgs(rest, args);
    if (n != 2 && n != 3) return Error(ParseError::kUnknownOperation);
    op.subject = args[0];
    if (n == 3) op.queue = args[1];
    op.sid = args[n - 1];
    return result;
  }
  if (EqualsUpper(name, "UNSUB")) {
    op.type = OpType::kUnsub;
    const size_t n = SplitArgs(rest, args);
    if (n != 1 && n != 2) return Error(ParseError::kUnknownOperation);
    op.sid = args[0];
    if (n == 2 && !ParseSize(args[1], &op.max_msgs)) return Error(ParseError::kUnknownOperation);
    return result;
  }
  if (EqualsUpper(name, "PING") || EqualsUpper(name, "PONG")) {
    if (!rest.empty()) return Error(ParseError::kUnknownOperation);
    op.type = Upper(name[1]) == 'I' ? OpType::kPing : OpType::kPong;
    return result;
  }
  if (EqualsUpper(name, "CONNECT") || EqualsUpper(name, "INFO")) {
    op.type = name.size() == 7 ? OpType::kConnect : OpType::kInfo;
    if (rest.empty()) return Error(ParseError::kUnknownOperation);
    op.json = rest;
    return result;
  }
  if (EqualsUpper(name, "+OK")) {
    op.type = OpType::kOk;
    return result;
  }
  if (EqualsUpper(name, "-ERR")) {
    op.type = OpType::kErr;
    op.json = rest;
    return result;
  }
  return Error(ParseError::kUnknownOperation);
}

}  // namespace aio::protocol::nats
