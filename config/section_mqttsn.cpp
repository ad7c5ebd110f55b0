#include "common/uv/socket_address.hpp"
#include "config/sections.hpp"

namespace snbridge::config {

void parse_mqttsn(section_reader& r, mqttsn_section& out) {
    r.read("listen", out.listen, 1, 16);
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
