#include "protocol/resp/resp_parser.h"

#include <charconv>
#include <cstring>

namespace aio::protocol::resp {
namespace {

// A whole-string signed decimal, as Redis's string2ll.
bool ParseLength(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          current += static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3]));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              current += '\n';
              break;
            case 'r':
              current += '\r';
              break;
            case 't':
              current += '\t';
              break;
            case 'b':
              current += '\b';
              break;
            case 'a':
              current += '\a';
              break;
            default:
              current += line[i];
              break;
          }
        } else if (line[i] == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          current += line[i];
        }
      } else if (in_single) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current += '\'';
        } else if (line[i] == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          current += line[i];
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current += line[i];
            break;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(current));
  }
}

void RequestParser::Reset() {
  stage_ = Stage::kStart;
  pos_ = 0;
  remaining_ = 0;
  bulk_len_ = 0;
  spans_.clear();
}

RequestParser::Result RequestParser::Fail(std::string text) {
  error_ = std::move(text);
  Reset();
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(std::string_view input) {
  if (stage_ == Stage::kStart && pos_ == 0) {
    if (input.empty()) return Result::kNeedMore;
    if (input[0] != '*') return ParseInline(input);
  }
  return ParseMultibulk(input);
}

RequestParser::Result RequestParser::ParseInline(std::string_view input) {
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() > limits_.max_inline_len)
      return Fail("Protocol error: too big inline request");
    return Result::kNeedMore;
  }
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!SplitInlineArgs(line, &inline_args_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  args_.clear();
  for (const std::string& arg : inline_args_) args_.emplace_back(arg);
  consumed_ = newline + 1;
  Reset();
  return Result::kOk;
}

RequestParser::Result RequestParser::ParseMultibulk(std::string_view input) {
  while (true) {
    if (stage_ == Stage::kStart || stage_ == Stage::kBulkHeader) {
      const char* begin = input.data() + pos_;
      const size_t avail = input.size() - pos_;
      const void* cr = std::memchr(begin, '\r', avail);
      if (cr == nullptr) {
        if (avail > limits_.max_inline_len) {
          return Fail(stage_ == Stage::kStart ? "Protocol error: too big mbulk count string"
                                              : "Protocol error: too big bulk count string");
        }
        return Result::kNeedMore;
      }
      const size_t line_len = static_cast<const char*>(cr) - begin;
      if (line_len + 2 > avail) return Result::kNeedMore;  // the '\n' is not here yet
      std::string_view line(begin, line_len);
      int64_t value = 0;
      if (stage_ == Stage::kStart) {
        if (!ParseLength(line.substr(1), &value) || value > limits_.max_multibulk_len) {
          return Fail("Protocol error: invalid multibulk length");
        }
        pos_ += line_len + 2;
        if (value <= 0) {
          args_.clear();
          consumed_ = pos_;
          Reset();
          return Result::kOk;
        }
        remaining_ = value;
        spans_.reserve(static_cast<size_t>(std::min<int64_t>(value, 1024)));
        stage_ = Stage::kBulkHeader;
        continue;
      }
      if (line.empty() || line[0] != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") +
                    (line.empty() ? '\r' : line[0]) + "'");
      }
      if (!ParseLength(line.substr(1), &value) || value < 0 || value > limits_.max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      pos_ += line_len + 2;
      bulk_len_ = value;
      stage_ = Stage::kBulkData;
    }
    // kBulkData: the payload and its CRLF.
    if (input.size() - pos_ < static_cast<size_t>(bulk_len_) + 2) return Result::kNeedMore;
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += static_cast<size_t>(bulk_len_) + 2;
    if (--remaining_ > 0) {
      stage_ = Stage::kBulkHeader;
      continue;
    }
    args_.clear();
    for (const auto& [offset, length] : spans_) args_.push_back(input.substr(offset, length));
    consumed_ = pos_;
    Reset();
    return Result::kOk;
  }
}

}  // namespace aio::protocol::resp
