#pragma once

// The MQTT listener's packet log under -v (log.verbose), in Mosquitto's grammar, so that the
// habits and scripts of Mosquitto users work (docs/monitoring.md):
//   Received PUBLISH from CLIENT (d0, q1, r0, m1, 'a/b', ... (2 bytes))
//   Sending CONNACK to CLIENT (0, 0)
//   Received SUBSCRIBE from CLIENT / <TAB>a/b (QoS 1) / CLIENT 1 a/b / Sending SUBACK to CLIENT
// Off by default; the lines are built only when on. Loop thread only.

#include <string>
#include <string_view>
#include <vector>

#include "common/mqtt/packet.hpp"

namespace snbridge::bridge::local::mqtt_log {

void set_enabled(bool on) noexcept;
[[nodiscard]] bool enabled() noexcept;

/// The lines Mosquitto writes for `p` received from / sent to `client` (empty for a packet
/// it does not log, e.g. CONNECT, which the connection logs itself).
[[nodiscard]] std::vector<std::string> received_lines(std::string_view client,
                                                      const common::mqtt::packet& p);
[[nodiscard]] std::vector<std::string> sent_lines(std::string_view client,
                                                  const common::mqtt::packet& p);

/// Logs received_lines / sent_lines when enabled.
void received(std::string_view client, const common::mqtt::packet& p);
void sent(std::string_view client, const common::mqtt::packet& p);

} // namespace snbridge::bridge::local::mqtt_log
