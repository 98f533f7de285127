#include "net/address.h"

#include "fmt/format.h"

namespace aio::net {

std::string JoinHostPort(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace aio::net
