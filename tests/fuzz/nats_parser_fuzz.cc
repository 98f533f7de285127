// libFuzzer target for the NATS client-protocol codec: any input is parsed op by op with small
// limits; every op must stay inside the input, and a kNeedMore prefix must never become an error
// once more bytes arrive (the codec is fed a byte at a time by the connection's reads).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/nats/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using aio::protocol::nats::ParseStatus;
  const aio::protocol::nats::Parser parser({.max_control_line = 256, .max_payload = 1024});
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto result = parser.Next(input);
    if (result.status != ParseStatus::kOp) break;
    if (result.consumed == 0 || result.consumed > input.size()) std::abort();
    for (std::string_view view : {result.op.subject, result.op.payload, result.op.headers}) {
      if (!view.empty() &&
          (view.data() < input.data() || view.data() + view.size() > input.data() + input.size())) {
        std::abort();
      }
    }
    input.remove_prefix(result.consumed);
  }
  return 0;
}
