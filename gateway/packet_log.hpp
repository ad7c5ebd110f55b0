#pragma once

// The verbose packet log (`-v`, `log.verbose`): one line per MQTT-SN packet, in Mosquitto's
// style, e.g.
//   Received CONNECT from 127.0.0.1:40001 (c1, k60, 'sensor-1')
//   Received PUBLISH from sensor-7 (d0, q1, r0, m12, 'home/garden/fountain/2', (12 bytes))
//   Sending CONNACK to sensor-1 (rc0)
// Field letters: c clean session, w will, k keep-alive (s), d dup / sleep duration (s), q QoS
// (q-1 for QoS −1), r retain, m MsgId, t normal topic id, pt predefined topic id, g GwId,
// rc return code; '...' is a name (topic, ClientId, short topic), (N bytes) a payload.
// Strings are escaped (\xNN for bytes outside printable ASCII) and cut at 200 bytes, so a
// line stays one line whatever arrives. Loop thread only.

#include <string>
#include <string_view>

#include "common/mqttsn/packet.hpp"

namespace snbridge::gateway::packet_log {

/// Turns the packet log on or off (off by default). Startup, loop thread.
void set_enabled(bool on) noexcept;
[[nodiscard]] bool enabled() noexcept;

/// The details in parentheses, e.g. "(c1, k60, 'sensor-1')", or "" for a message without
/// fields (PINGRESP, WILLTOPICREQ, ...). `topic_name`, when the caller knows the name behind
/// a PUBLISH topic id, replaces the id in the description.
[[nodiscard]] std::string describe_fields(const common::mqttsn::packet& p,
                                          std::string_view topic_name = {});

/// "CONNECT (c1, k60, 'sensor-1')": the message name and its fields.
[[nodiscard]] std::string describe(const common::mqttsn::packet& p,
                                   std::string_view topic_name = {});

/// "Received NAME from WHO (fields)". `who` is the ClientId once known, else the address.
[[nodiscard]] std::string received_line(std::string_view who, const common::mqttsn::packet& p,
                                        std::string_view topic_name = {});
/// "Sending NAME to WHO (fields)".
[[nodiscard]] std::string sent_line(std::string_view who, const common::mqttsn::packet& p,
                                    std::string_view topic_name = {});

/// Logs received_line/sent_line at info level when enabled(); otherwise does nothing (and
/// formats nothing).
void log_received(std::string_view who, const common::mqttsn::packet& p,
                  std::string_view topic_name = {});
void log_sent(std::string_view who, const common::mqttsn::packet& p,
              std::string_view topic_name = {});

/// A byte string as it appears in the log: quoted, escaped and cut ('home/x', 'a\x00b').
[[nodiscard]] std::string quoted(std::string_view bytes);

} // namespace snbridge::gateway::packet_log
