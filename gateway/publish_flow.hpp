#pragma once

// Client PUBLISH towards the MQTT side (MQTT-SN 1.2 §6.6-6.8): QoS 0, 1 and 2 with their
// acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP), and connectionless QoS −1.

#include <array>
#include <cstdint>
#include <string_view>

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::publish_flow {

/// The topic name behind a PUBLISH's topic id for `s`, or empty when unknown. A short name
/// is written into `short_buf` (spec-decisions rule 2: the two bytes as they are).
[[nodiscard]] std::string_view topic_of(const core_context& cx, const session& s,
                                        common::mqttsn::topic_id_type type, std::uint16_t id,
                                        std::array<char, 2>& short_buf);

/// QoS 0, 1 or 2 from a connected client.
void on_publish(core_context& cx, session& s, common::mqttsn::publish& p);
/// QoS −1 (§6.8): connectionless, from anyone the config allows.
void on_publish_minus_one(core_context& cx, const endpoint& from, common::mqttsn::publish& p);
/// The client releases a QoS 2 message the gateway PUBRECed.
void on_pubrel(core_context& cx, session& s, const common::mqttsn::pubrel& r);
/// The MQTT side's answer to a QoS 1/2 publish: PUBACK or PUBREC, or congestion.
void on_publish_done(core_context& cx, session& s, std::uint32_t token, bool ok);

} // namespace snbridge::gateway::publish_flow
