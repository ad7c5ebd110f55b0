#include "common/uv/socket_address.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <netinet/in.h>
#include <string>

namespace snbridge::common::uv {

socklen_t to_sockaddr(const net_address& a, sockaddr_storage& out) noexcept {
    out = {};
    if (a.fam == net_address::family::v4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(a.port);
        std::memcpy(&sa.sin_addr, a.ip.data(), 4);
        std::memcpy(&out, &sa, sizeof sa);
        return sizeof sa;
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(a.port);
    std::memcpy(&sa.sin6_addr, a.ip.data(), 16);
    std::memcpy(&out, &sa, sizeof sa);
    return sizeof sa;
}

std::optional<net_address> from_sockaddr(const sockaddr* sa) noexcept {
    if (sa == nullptr) {
        return std::nullopt;
    }
    net_address a;
    if (sa->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, sa, sizeof in);
        a.fam = net_address::family::v4;
        std::memcpy(a.ip.data(), &in.sin_addr, 4);
        a.port = ntohs(in.sin_port);
        return a;
    }
    if (sa->sa_family == AF_INET6) {
        sockaddr_in6 in{};
        std::memcpy(&in, sa, sizeof in);
        a.fam = net_address::family::v6;
        std::memcpy(a.ip.data(), &in.sin6_addr, 16);
        a.port = ntohs(in.sin6_port);
        return a;
    }
    return std::nullopt;
}

result<net_address> parse_endpoint(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return fail(error{"'" + std::string(text) + "': " + std::string(why)});
    };
    std::string host;
    std::string_view port_text;
    net_address a;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return bad("expected [IPv6]:PORT");
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        a.fam = net_address::family::v6;
        if (inet_pton(AF_INET6, host.c_str(), a.ip.data()) != 1) {
            return bad("not a numeric IPv6 address");
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return bad("expected ADDRESS:PORT");
        }
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        a.fam = net_address::family::v4;
        if (inet_pton(AF_INET, host.c_str(), a.ip.data()) != 1) {
            return bad("not a numeric IPv4 address (IPv6 goes in brackets: [::]:1883)");
        }
    }
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || ec != std::errc{} || ptr != end || value > 65535) {
        return bad("port must be a number from 0 to 65535");
    }
    a.port = static_cast<std::uint16_t>(value);
    return a;
}

bool is_unspecified(const net_address& a) noexcept {
    const std::size_t n = a.fam == net_address::family::v4 ? 4 : 16;
    for (std::size_t i = 0; i < n; ++i) {
        if (a.ip[i] != 0) {
            return false;
        }
    }
    return true;
}

bool is_multicast(const net_address& a) noexcept {
    return a.fam == net_address::family::v4 ? (a.ip[0] & 0xF0) == 0xE0 : a.ip[0] == 0xFF;
}

} // namespace snbridge::common::uv
