// libFuzzer target for the RESP request parser: any input is parsed twice, in one piece and one
// byte at a time, with small limits. Both must yield the same requests and the same error (the
// parser is incremental: a kNeedMore prefix never turns into a different outcome), and every
// argument view must stay inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp/resp_parser.h"

namespace {

using aio::protocol::resp::ParserLimits;
using aio::protocol::resp::RequestParser;

struct Outcome {
  std::vector<std::vector<std::string>> requests;
  std::string error;
};

constexpr ParserLimits kLimits{
    .max_bulk_len = 4096, .max_multibulk_len = 64, .max_inline_len = 512};

Outcome Parse(std::string_view input, size_t step) {
  Outcome out;
  RequestParser parser(kLimits);
  std::string buffer;
  size_t fed = 0;
  while (fed < input.size()) {
    const size_t n = std::min(step, input.size() - fed);
    buffer.append(input.substr(fed, n));
    fed += n;
    while (!buffer.empty()) {
      const auto result = parser.Parse(buffer);
      if (result == RequestParser::Result::kNeedMore) break;
      if (result == RequestParser::Result::kError) {
        out.error = parser.error();
        return out;
      }
      if (parser.consumed() == 0 || parser.consumed() > buffer.size()) std::abort();
      std::vector<std::string> args;
      for (std::string_view a : parser.args()) args.emplace_back(a);
      out.requests.push_back(std::move(args));
      buffer.erase(0, parser.consumed());
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const Outcome whole = Parse(input, input.size() + 1);
  const Outcome bytes = Parse(input, 1);
  if (whole.requests != bytes.requests || whole.error != bytes.error) std::abort();
  return 0;
}
