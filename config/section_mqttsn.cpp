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
}

} // namespace snbridge::config
