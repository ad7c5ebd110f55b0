#include "gateway/forwarder.hpp"

#include <vector>

namespace snbridge::gateway::forwarder {

namespace mqttsn = common::mqttsn;

endpoint node_endpoint(const common::net_address& from, const mqttsn::encapsulated& e) {
    return endpoint{from, std::string(e.wireless_node_id.begin(), e.wireless_node_id.end()), true};
}

std::optional<endpoint> node_of_raw(const common::net_address& from,
                                    std::span<const std::uint8_t> bytes) {
    // §5.4.22: Length(1) MsgType(0xFE) Ctrl(1) WirelessNodeId(Length-3), then the message;
    // the Length octet covers the encapsulation header only (spec-decisions rule 11).
    if (bytes.size() > 3 && bytes[1] == static_cast<std::uint8_t>(mqttsn::msg_type::encapsulated) &&
        bytes[0] >= 3 && bytes[0] < bytes.size()) {
        return endpoint{from, std::string(bytes.begin() + 3, bytes.begin() + bytes[0]), true};
    }
    return std::nullopt;
}

mqttsn::packet wrap(const endpoint& to, std::span<const std::uint8_t> inner, std::uint8_t radius) {
    return mqttsn::encapsulated{radius,
                                std::vector<std::uint8_t>(to.node_id.begin(), to.node_id.end()),
                                std::vector<std::uint8_t>(inner.begin(), inner.end())};
}

} // namespace snbridge::gateway::forwarder
