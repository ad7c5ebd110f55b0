#include "common/address_prefix.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <string>

namespace snbridge::common {

bool address_prefix::contains(const net_address& a) const noexcept {
    if (a.fam != base.fam) {
        return false;
    }
    const unsigned max_bits = a.fam == net_address::family::v4 ? 32u : 128u;
    const unsigned n = bits > max_bits ? max_bits : bits;
    const unsigned whole = n / 8;
    for (unsigned i = 0; i < whole; ++i) {
        if (a.ip[i] != base.ip[i]) {
            return false;
        }
    }
    const unsigned rest = n % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - rest));
    return (a.ip[whole] & mask) == (base.ip[whole] & mask);
}

result<address_prefix> parse_address_prefix(std::string_view text) {
    address_prefix p;
    std::string_view ip = text;
    std::string_view len;
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        ip = text.substr(0, slash);
        len = text.substr(slash + 1);
    }
    const std::string ip_text(ip);
    unsigned max_bits = 32;
    if (inet_pton(AF_INET, ip_text.c_str(), p.base.ip.data()) == 1) {
        p.base.fam = net_address::family::v4;
    } else if (inet_pton(AF_INET6, ip_text.c_str(), p.base.ip.data()) == 1) {
        p.base.fam = net_address::family::v6;
        max_bits = 128;
    } else {
        return fail(error{"not a numeric IPv4 or IPv6 address"});
    }
    unsigned bits = max_bits;
    if (!len.empty() || text.find('/') != std::string_view::npos) {
        const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
        if (ec != std::errc{} || end != len.data() + len.size() || len.empty() || bits > max_bits) {
            return fail(error{"bad prefix length"});
        }
    }
    p.bits = static_cast<std::uint8_t>(bits);
    return p;
}

} // namespace snbridge::common
