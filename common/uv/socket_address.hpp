#pragma once

// net_address <-> struct sockaddr, and "host:port" parsing, for common/uv and the harness.

#include <optional>
#include <string_view>
#include <sys/socket.h>

#include "common/net_address.hpp"
#include "common/result.hpp"

namespace snbridge::common::uv {

/// Fills `out` with the sockaddr_in/sockaddr_in6 of `a`; returns its length.
socklen_t to_sockaddr(const net_address& a, sockaddr_storage& out) noexcept;
/// nullopt for a family other than AF_INET/AF_INET6.
[[nodiscard]] std::optional<net_address> from_sockaddr(const sockaddr* sa) noexcept;

/// Parses "1.2.3.4:1883" or "[::1]:1883" (numeric addresses only, port 0-65535 required).
[[nodiscard]] result<net_address> parse_endpoint(std::string_view text);

/// True for 0.0.0.0 and ::.
[[nodiscard]] bool is_unspecified(const net_address& a) noexcept;
/// True for 224.0.0.0/4 and ff00::/8.
[[nodiscard]] bool is_multicast(const net_address& a) noexcept;

} // namespace snbridge::common::uv
