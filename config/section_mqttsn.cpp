#include <optional>
#include <string_view>

#include "common/uv/socket_address.hpp"
#include "config/sections.hpp"

namespace snbridge::config {

namespace {

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    const auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = digit(text[i]);
        const int lo = digit(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

void parse_dtls(section_reader& d, dtls_section& out) {
    if (d.has("psk")) {
        out.psk.clear();
    }
    d.each("psk", 0, 100'000, [&](section_reader& item, std::size_t) {
        dtls_psk_entry e;
        if (!item.has("identity")) {
            item.error("identity", "is required (the PSK identity the device sends)");
        }
        item.read("identity", e.identity, 1, 128);
        if (!item.has("key")) {
            item.error("key",
                       "is required (the key in hex, e.g. \"00112233445566778899aabbccddeeff\")");
        } else if (auto v = item.value("key")) {
            if (auto text = v->as_string(1, 512)) {
                auto key = from_hex(*text);
                if (!key || key->size() > 256) {
                    v->must_be("a key of 1 to 256 bytes in hex (an even number of 0-9a-f)");
                } else {
                    e.key = std::move(*key);
                }
            }
        }
        item.read("client_id", e.client_id, 1, 65535);
        for (const auto& other : out.psk) {
            if (!e.identity.empty() && other.identity == e.identity) {
                item.error("identity", "\"" + e.identity + "\" is given twice");
            }
        }
        out.psk.push_back(std::move(e));
    });
    read_pem_file(d, "cert_file", out.cert_file, "for PSK only");
    read_pem_file(d, "key_file", out.key_file, "for PSK only");
    read_pem_file(d, "ca_file", out.ca_file, "to ask devices for no certificates");
    if (out.cert_file.empty() != out.key_file.empty()) {
        d.error(out.cert_file.empty() ? "cert_file" : "key_file",
                "is required with " +
                    std::string(out.cert_file.empty() ? "key_file" : "cert_file"));
    }
    if (!out.ca_file.empty() && out.cert_file.empty()) {
        d.error("cert_file", "is required with ca_file (devices check the gateway's certificate)");
    }
    d.read("max_handshakes", out.max_handshakes, 1u, 100'000u);
    d.read("max_sessions", out.max_sessions, 1u, 10'000'000u);
    d.read("handshake_timeout", out.handshake_timeout, std::chrono::milliseconds(100),
           std::chrono::milliseconds(600'000));
    d.read("idle_timeout", out.idle_timeout, std::chrono::seconds(10),
           std::chrono::seconds(30L * 86'400));
    d.read("mtu", out.mtu, std::uint16_t{256}, std::uint16_t{65507});
}

} // namespace

void parse_mqttsn(section_reader& r, mqttsn_section& out) {
    r.read("listen", out.listen, 0, 16);
    r.read("dtls_listen", out.dtls_listen, 0, 16);
    r.section("dtls", [&](section_reader& d) { parse_dtls(d, out.dtls); });
    if (out.listen.empty() && out.dtls_listen.empty()) {
        r.error("listen", "must name at least one address (or give dtls_listen)");
    }
    if (!out.dtls_listen.empty() && out.dtls.psk.empty() &&
        (out.dtls.cert_file.empty() || out.dtls.ca_file.empty())) {
        r.error("dtls_listen", "needs a way for devices to authenticate: mqttsn.dtls.psk entries, "
                               "or mqttsn.dtls.cert_file, key_file and ca_file");
    }
    // Session core (gateway/gateway_core).
    r.read("retry_interval", out.retry_interval, std::chrono::milliseconds(100),
           std::chrono::milliseconds(3'600'000));
    r.read("retry_count", out.retry_count, std::uint8_t{0}, std::uint8_t{255});
    r.read("advertise_interval", out.advertise_interval, std::chrono::seconds(0),
           std::chrono::seconds(65535));
    r.read("gwinfo_unicast", out.gwinfo_unicast);
    if (r.read("multicast", out.multicast, 0, 2)) {
        // Discovery transport (gateway/udp_runtime): one group per address family.
        int v4 = 0;
        int v6 = 0;
        for (const auto& group : out.multicast) {
            if (!common::uv::is_multicast(group)) {
                r.error("multicast", "must be multicast groups (224.0.0.0/4 or ff00::/8), got \"" +
                                         group.to_string() + "\"");
            }
            (group.fam == common::net_address::family::v4 ? v4 : v6) += 1;
        }
        if (v4 > 1 || v6 > 1) {
            r.error("multicast", "at most one IPv4 and one IPv6 group");
        }
    }
    r.read("multicast_radius", out.multicast_radius, std::uint8_t{1}, std::uint8_t{255});
    r.read("connect_timeout", out.connect_timeout, std::chrono::milliseconds(100),
           std::chrono::milliseconds(3'600'000));
    r.read("max_clients", out.max_clients, 1u, 10'000'000u);
    r.read("max_client_id_length", out.max_client_id_length, std::uint16_t{23},
           std::uint16_t{65535});
    r.read("max_topics_per_client", out.max_topics_per_client, std::uint16_t{1},
           std::uint16_t{65533});
    r.read("max_queued_messages", out.max_queued_messages, std::uint16_t{1}, std::uint16_t{65535});
    r.read("sleep_buffer_size", out.sleep_buffer_size, std::uint16_t{1}, std::uint16_t{65535});
    r.read("max_pending_from_client", out.max_pending_from_client, std::uint16_t{1},
           std::uint16_t{65535});
    r.section("rate_limit", [&](section_reader& l) {
        l.read("datagrams_per_second", out.rate_limit.datagrams_per_second, 0u, 100'000'000u);
        l.read("bytes_per_second", out.rate_limit.bytes_per_second, 0u, 4'000'000'000u);
        l.read("burst", out.rate_limit.burst, std::chrono::milliseconds(10),
               std::chrono::milliseconds(60'000));
    });
}

} // namespace snbridge::config
