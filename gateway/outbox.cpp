#include "gateway/outbox.hpp"

#include <string>

#include "gateway/forwarder.hpp"
#include "gateway/packet_log.hpp"

namespace snbridge::gateway {

namespace mqttsn = common::mqttsn;

outbox::outbox(datagram_sink& sink)
    : sink_(sink) {
    tx_.reserve(256);
}

std::span<const std::uint8_t> outbox::encode(const mqttsn::packet& p) {
    tx_.resize(mqttsn::encoded_size(p));
    const std::size_t n = mqttsn::encode(p, tx_);
    return {tx_.data(), n};
}

bool outbox::send(const endpoint& to, const mqttsn::packet& p, std::string_view who,
                  std::string_view topic_name, std::uint8_t radius) {
    const auto bytes = encode(p);
    if (bytes.empty()) {
        return false;
    }
    if (packet_log::enabled()) {
        const std::string address = who.empty() ? to_string(to) : std::string();
        packet_log::log_sent(who.empty() ? std::string_view(address) : who, p, topic_name);
    }
    if (!to.via_forwarder) {
        sink_.send(to.address, bytes);
        return true;
    }
    const auto wrapped = encode(forwarder::wrap(to, bytes, radius));
    if (wrapped.empty()) {
        return false;
    }
    sink_.send(to.address, wrapped);
    return true;
}

void outbox::multicast(const mqttsn::packet& p, std::uint8_t radius) {
    const auto bytes = encode(p);
    if (bytes.empty()) {
        return;
    }
    if (packet_log::enabled()) {
        packet_log::log_sent("multicast", p);
    }
    sink_.send_multicast(bytes, radius);
}

} // namespace snbridge::gateway
