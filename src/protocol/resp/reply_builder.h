// ReplyBuilder: the pure RESP2/RESP3 reply encoder. Appends frames to one output string, so a
// pipeline's replies leave in one write. RESP3-only types degrade as Redis does under RESP2: maps
// become flat arrays, sets arrays, doubles bulk strings, null `$-1` (or `*-1` for NullArray), push
// frames arrays, booleans integers.
//
// Not thread-safe: one builder per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aio::protocol::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out) : out_(out) {}

  void set_resp3(bool resp3) { resp3_ = resp3; }
  bool resp3() const { return resp3_; }
  std::string* out() { return out_; }

  void Ok() { out_->append("+OK\r\n"); }
  void Simple(std::string_view text);
  // `text` starts with the error code: "ERR syntax error", "WRONGTYPE Operation ...".
  void Error(std::string_view text);
  void Int(int64_t value);
  void Bulk(std::string_view value);
  void Null();       // RESP2 $-1
  void NullArray();  // RESP2 *-1
  void Double(double value);
  // A double already in text form (GEOPOS's "%.17Lf" digits): RESP3 double, RESP2 bulk string.
  void DoubleText(std::string_view text);
  void Bool(bool value);
  void Array(int64_t n) { Header('*', n); }
  void Map(int64_t n);
  void Set(int64_t n) { Header(resp3_ ? '~' : '*', n); }
  void Push(int64_t n) { Header(resp3_ ? '>' : '*', n); }
  // A RESP3 verbatim string (`=len\r\ntxt:...`) or a bulk string under RESP2.
  void Verbatim(std::string_view text);

  // Redis's text form of a double (ZSCORE, INCRBYFLOAT): shortest round-trip, "inf", "-inf".
  static std::string FormatDouble(double value);

 private:
  void Header(char type, int64_t n);

  std::string* out_;
  bool resp3_ = false;
};

}  // namespace aio::protocol::resp
