#pragma once

// Connection set-up and the will (MQTT-SN 1.2 §6.2-6.4): CONNECT, the WILLTOPIC/WILLMSG
// handshake, the MQTT side's answer to open() (CONNACK), and WILLTOPICUPD/WILLMSGUPD.

#include <span>

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::connect_flow {

/// What the MQTT side is opened with for `s` (its ClientId, flags, keep-alive and will).
[[nodiscard]] common::open_params open_params_of(const session& s);

void on_connect(core_context& cx, const endpoint& from, const common::mqttsn::connect& c,
                time_point now);
/// §6.2, §5.3.8: a CONNECT the codec refused for its ProtocolId gets CONNACK 0x03.
void refuse_protocol(core_context& cx, const common::net_address& from,
                     std::span<const std::uint8_t> bytes, common::mqttsn::decode_error e);
void on_willtopic(core_context& cx, session& s, const common::mqttsn::willtopic& w);
void on_willmsg(core_context& cx, session& s, const common::mqttsn::willmsg& w);
/// The MQTT side answered open(): CONNACK, and keep-alive supervision starts now
/// (spec-decisions rule 18).
void on_opened(core_context& cx, session& s, common::open_status status, time_point now);
void on_willtopicupd(core_context& cx, session& s, const common::mqttsn::willtopicupd& u);
void on_willmsgupd(core_context& cx, session& s, const common::mqttsn::willmsgupd& u);

} // namespace snbridge::gateway::connect_flow
