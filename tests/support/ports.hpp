#pragma once

// Free ephemeral ports on loopback for integration tests. The kernel picks the port (bind to
// port 0); the socket is closed before returning, so there is a small race with other
// processes, which is fine on a test machine.

#include <cstdint>

namespace snbridge::test {

/// A UDP port free on 127.0.0.1 (and on ::1 when `also_v6`, so one `-p PORT` serves both).
/// Throws std::runtime_error when no port can be found.
[[nodiscard]] std::uint16_t free_udp_port(bool also_v6 = true);

/// A TCP port free on 127.0.0.1 (for Mosquitto or the local broker's MQTT listener).
[[nodiscard]] std::uint16_t free_tcp_port();

} // namespace snbridge::test
