#include "config/sections.hpp"

namespace snbridge::config {

void parse_clients(section_reader& r, clients_section& out) {
    // QoS −1 senders and topics (MQTT-SN 1.2 §6.8).
    r.section("qos_minus_one", [&](section_reader& q) {
        q.read_list("senders", out.qos_minus_one.senders, 0, 1024,
                    [](value_ref& v) -> std::optional<common::address_prefix> {
                        const auto text = v.as_string(1, 64);
                        if (!text) {
                            return std::nullopt;
                        }
                        auto p = common::parse_address_prefix(*text);
                        if (!p) {
                            v.must_be("an address or prefix like \"10.0.0.0/8\" or \"::1\"");
                            return std::nullopt;
                        }
                        return *p;
                    });
        q.read("topics", out.qos_minus_one.topics, 0, 65535, 1, 65535);
    });
}

} // namespace snbridge::config
