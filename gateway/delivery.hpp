#pragma once

// Downstream delivery (MQTT side -> client): each session's delivery queue, or its sleep
// buffer while Asleep (§6.14), pumped one QoS 1/2 exchange at a time (§6.10 REGISTER first,
// §6.6 and §6.7 PUBLISH, PUBREL), with retransmission (spec-decisions rule 8) and the client's
// acknowledgements (PUBACK, PUBREC, PUBCOMP; REGACK is in register_flow).

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::delivery {

/// Takes custody of `msg` for `s`: queued, or dropped with a counted reason when full.
void deliver(core_context& cx, session& s, common::mqtt_message&& msg);
/// Starts the next exchange if nothing is in flight and the client can receive; ends an
/// Awake period with PINGRESP once all is delivered (§6.14, spec-decisions rule 6).
void pump(core_context& cx, session& s, time_point now);
/// The exchange in flight is due for a retransmission (DUP set). False once N_retry
/// retransmissions were made: the exchange is dropped and the caller decides what follows.
[[nodiscard]] bool retransmit(core_context& cx, session& s, time_point now);

void on_puback(core_context& cx, session& s, const common::mqttsn::puback& a);
void on_pubrec(core_context& cx, session& s, const common::mqttsn::pubrec& r, time_point now);
void on_pubcomp(core_context& cx, session& s, const common::mqttsn::pubcomp& c);

} // namespace snbridge::gateway::delivery
