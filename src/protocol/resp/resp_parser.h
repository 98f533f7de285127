// RequestParser: the pure RESP request decoder (https://redis.io/docs/reference/protocol-spec/).
// Bytes in, one request (an array of binary-safe arguments) out; kNeedMore while incomplete.
// Accepts multibulk requests (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands
// (`GET k\r\n`, with Redis's quoting rules). Errors carry Redis's texts ("Protocol error: invalid
// bulk length") and leave the connection to be closed, as Redis does.
//
// Incremental: the caller keeps the unconsumed bytes in one buffer and calls Parse() again with the
// same request's bytes plus whatever arrived; work already done is not repeated, so a request fed
// one byte at a time costs O(size). Offsets are relative to the request's first byte, so the
// caller may move its buffer between calls.
//
// Not thread-safe: one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio::protocol::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512ll * 1024 * 1024;  // proto-max-bulk-len (bytes)
  int64_t max_multibulk_len = 1024 * 1024;     // arguments per request
  size_t max_inline_len = 64 * 1024;           // bytes of an inline request or a count line
};

class RequestParser {
 public:
  enum class Result { kOk, kNeedMore, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Parses the request at the front of `input`. kOk: args() and consumed() describe it (args()
  // may be empty for an empty line or `*0`), and the next call starts a new request at
  // input[consumed()]. kNeedMore: call again with the same bytes and more. kError: error().
  Result Parse(std::string_view input);

  // Views into the `input` of the last kOk (or into the parser for inline requests); valid until
  // the next Parse().
  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }

 private:
  enum class Stage { kStart, kBulkHeader, kBulkData };

  Result ParseInline(std::string_view input);
  Result ParseMultibulk(std::string_view input);
  Result Fail(std::string text);
  void Reset();

  const ParserLimits limits_;
  Stage stage_ = Stage::kStart;
  size_t pos_ = 0;                                // bytes of the current request already parsed
  int64_t remaining_ = 0;                         // arguments still to read
  int64_t bulk_len_ = 0;                          // length of the bulk being read
  std::vector<std::pair<size_t, size_t>> spans_;  // offset, length of each argument
  std::vector<std::string> inline_args_;
  std::vector<std::string_view> args_;
  size_t consumed_ = 0;
  std::string error_;
};

// Splits an inline request line as Redis's sdssplitargs: spaces separate, "..." takes \n \r \t
// \b \a \\ \" and \xHH escapes, '...' takes \'. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace aio::protocol::resp
