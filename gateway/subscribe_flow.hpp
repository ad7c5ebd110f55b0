#pragma once

// SUBSCRIBE and UNSUBSCRIBE (MQTT-SN 1.2 §6.9), and the MQTT side's answers (SUBACK,
// UNSUBACK).

#include <cstdint>
#include <optional>

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::subscribe_flow {

void on_subscribe(core_context& cx, session& s, const common::mqttsn::subscribe& r);
void on_unsubscribe(core_context& cx, session& s, const common::mqttsn::unsubscribe& r);
/// The granted QoS, or nullopt for a refusal (SUBACK 0x03).
void on_subscribe_done(core_context& cx, session& s, std::uint32_t token,
                       std::optional<std::uint8_t> granted_qos);
void on_unsubscribe_done(core_context& cx, session& s, std::uint32_t token);

} // namespace snbridge::gateway::subscribe_flow
