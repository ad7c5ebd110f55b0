#include "config/address.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <string>

namespace snbridge::config {

namespace {

common::result<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > 65535u) {
        return common::fail(common::error{"the port must be a number between 0 and 65535"});
    }
    return static_cast<std::uint16_t>(value);
}

} // namespace

common::result<common::net_address> parse_address(std::string_view text) {
    common::net_address out;
    std::string host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return common::fail(common::error{"missing ']' after the IPv6 address"});
        }
        host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (rest.empty() || rest.front() != ':') {
            return common::fail(common::error{"missing ':port'"});
        }
        port_text = rest.substr(1);
        out.fam = common::net_address::family::v6;
        if (host.empty() || inet_pton(AF_INET6, host.c_str(), out.ip.data()) != 1) {
            return common::fail(common::error{"not a numeric IPv6 address"});
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return common::fail(common::error{"missing ':port'"});
        }
        host = std::string(text.substr(0, colon));
        if (host.find(':') != std::string::npos) {
            return common::fail(common::error{"an IPv6 address must be in brackets"});
        }
        port_text = text.substr(colon + 1);
        out.fam = common::net_address::family::v4;
        if (host.empty() || inet_pton(AF_INET, host.c_str(), out.ip.data()) != 1) {
            return common::fail(common::error{"not a numeric IPv4 address"});
        }
    }
    auto port = parse_port(port_text);
    if (!port) {
        return common::fail(port.error());
    }
    out.port = *port;
    return out;
}

} // namespace snbridge::config
