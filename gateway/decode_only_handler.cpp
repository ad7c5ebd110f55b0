#include "gateway/decode_only_handler.hpp"

#include "gateway/packet_log.hpp"

namespace snbridge::gateway {

void decode_only_handler::on_datagram(const common::net_address& from,
                                      std::span<const std::uint8_t> bytes, time_point now) {
    const auto p = common::mqttsn::decode(bytes);
    if (!p) {
        drops_.drop(p.error(), from, bytes.size(), now);
        return;
    }
    ++decoded_;
    packet_log::log_received(from.to_string(), *p);
}

} // namespace snbridge::gateway
