#include "common/topic.hpp"
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
    // Access control (docs/security.md).
    r.read("allowed_client_ids", out.allowed_client_ids, 0, 100000, 1, 65535);
    if (r.has("acl")) {
        out.acl.clear();
    }
    r.each("acl", 0, 100000, [&](section_reader& item, std::size_t) {
        common::acl_rule rule;
        item.read("client_id", rule.client_id, 1, 65535);
        item.read("user", rule.user, 1, 65535);
        if (!item.has("topic")) {
            item.error("topic", "is required (a topic filter, %c for the ClientId, %u for the "
                                "user, e.g. \"sensors/%c/#\")");
        } else if (item.read("topic", rule.pattern, 1, 65535) &&
                   !common::topic::valid_filter(rule.pattern, {.max_levels = 65535})) {
            item.error("topic", "must be a valid topic filter ('+' and '#' only as whole "
                                "levels, '#' last)");
        }
        item.read_enum("access", rule.allowed,
                       {{"read", common::access::read},
                        {"write", common::access::write},
                        {"readwrite", common::access::readwrite}});
        out.acl.push_back(std::move(rule));
    });
}

} // namespace snbridge::config
