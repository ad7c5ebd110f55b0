#pragma once

// Gateway discovery (MQTT-SN 1.2 §6.1): ADVERTISE every T_ADV, GWINFO in answer to
// SEARCHGW.

#include <chrono>

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::discovery {

/// ADVERTISE to the multicast groups (§5.4.1: GwId and the time to the next one), only while
/// the MQTT side is connected to its server (§6.1). Returns when to try next: T_ADV, or
/// sooner while the server is unreachable, so the first ADVERTISE follows the reconnect.
[[nodiscard]] std::chrono::milliseconds advertise_if_connected(core_context& cx);
/// GWINFO to the SEARCHGW's radius, and unicast to its sender (spec-decisions rule 9); none
/// while the MQTT side is not connected to its server (§6.1).
void on_searchgw(core_context& cx, const endpoint& from, const common::mqttsn::searchgw& g);

} // namespace snbridge::gateway::discovery
