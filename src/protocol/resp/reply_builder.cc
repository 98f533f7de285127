#include "protocol/resp/reply_builder.h"

#include <charconv>
#include <cmath>

#include "fmt/format.h"

namespace aio::protocol::resp {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, end - buf);
}

void ReplyBuilder::Simple(std::string_view text) {
  out_->push_back('+');
  out_->append(text);
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view text) {
  out_->push_back('-');
  // Error lines cannot carry newlines: Redis replaces them with spaces.
  for (char c : text) out_->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_->append("\r\n");
}

void ReplyBuilder::Int(int64_t value) { Header(':', value); }

void ReplyBuilder::Bulk(std::string_view value) {
  Header('$', static_cast<int64_t>(value.size()));
  out_->append(value);
  out_->append("\r\n");
}

void ReplyBuilder::Null() { out_->append(resp3_ ? "_\r\n" : "$-1\r\n"); }

void ReplyBuilder::NullArray() { out_->append(resp3_ ? "_\r\n" : "*-1\r\n"); }

void ReplyBuilder::Map(int64_t n) {
  if (resp3_) {
    Header('%', n);
  } else {
    Header('*', n * 2);
  }
}

void ReplyBuilder::Bool(bool value) {
  if (resp3_) {
    out_->append(value ? "#t\r\n" : "#f\r\n");
  } else {
    Int(value ? 1 : 0);
  }
}

std::string ReplyBuilder::FormatDouble(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  // Integral values up to 2^53 print without exponent, as Redis does ("10", not "1e+01").
  if (value == std::floor(value) && std::fabs(value) < 1e17) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

void ReplyBuilder::Double(double value) { DoubleText(FormatDouble(value)); }

void ReplyBuilder::DoubleText(std::string_view text) {
  if (resp3_) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n");
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::Verbatim(std::string_view text) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append("txt:");
  out_->append(text);
  out_->append("\r\n");
}

}  // namespace aio::protocol::resp
