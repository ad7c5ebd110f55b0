#pragma once

// An IP address prefix for allow-lists (QoS −1 senders, ...): a plain value, no sockets.

#include <cstdint>
#include <string_view>

#include "common/net_address.hpp"
#include "common/result.hpp"

namespace snbridge::common {

/// An address prefix ("10.0.0.0/8", "::1/128", "192.168.1.7" = /32), for allow-lists.
struct address_prefix {
    net_address base;      ///< port ignored
    std::uint8_t bits = 0; ///< 0..32 (v4) or 0..128 (v6)

    /// True if `a` has the same family and its first `bits` bits equal base's.
    [[nodiscard]] bool contains(const net_address& a) const noexcept;
    bool operator==(const address_prefix&) const = default;
};

/// Parses "ip", "ip/len" (numeric IPv4 or IPv6). Error message: a short reason.
[[nodiscard]] result<address_prefix> parse_address_prefix(std::string_view text);

} // namespace snbridge::common
