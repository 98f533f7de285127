// Listener address text shared by every server: "host:port", IPv6 hosts in brackets.
#pragma once

#include <string>
#include <string_view>

namespace aio::net {

// "127.0.0.1:2379", "[::1]:2379".
std::string JoinHostPort(std::string_view host, int port);

}  // namespace aio::net
