#pragma once

// An IPv4 or IPv6 UDP/TCP endpoint as a plain value, so I/O-free code (sessions, tests) can
// hold and compare addresses without <uv.h> or sockets. common/uv/ converts to sockaddr.

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace snbridge::common {

struct net_address {
    enum class family : std::uint8_t { v4, v6 };
    family fam = family::v4;
    /// Network byte order; v4 uses the first 4 bytes.
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;
    /// 0: plain UDP. Otherwise the DTLS session the datagram came through (gateway/dtls_layer):
    /// the same ip:port in plaintext, or after a new handshake, is another endpoint, so no
    /// datagram outside the session is ever taken for the authenticated device's.
    std::uint32_t channel = 0;

    [[nodiscard]] static net_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                        std::uint8_t d, std::uint16_t port) noexcept {
        net_address n;
        n.ip[0] = a;
        n.ip[1] = b;
        n.ip[2] = c;
        n.ip[3] = d;
        n.port = port;
        return n;
    }

    /// "127.0.0.1:40001" or "[::1]:40001".
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const net_address&) const = default;
};

struct net_address_hash {
    [[nodiscard]] std::size_t operator()(const net_address& a) const noexcept {
        std::size_t h = (static_cast<std::size_t>(a.fam) * 1000003u ^ a.port) + a.channel;
        for (const auto b : a.ip) {
            h = h * 131u + b;
        }
        return h;
    }
};

} // namespace snbridge::common
