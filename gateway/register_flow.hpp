#pragma once

// Topic id registration (MQTT-SN 1.2 §6.5, §6.10): the client's REGISTER, and the client's
// REGACK to the gateway's REGISTER (sent by delivery before a PUBLISH on a new topic).

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::register_flow {

void on_register(core_context& cx, session& s, const common::mqttsn::register_& r);
void on_regack(core_context& cx, session& s, const common::mqttsn::regack& r);

} // namespace snbridge::gateway::register_flow
