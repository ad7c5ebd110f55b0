#pragma once

// Free ephemeral ports on loopback for integration tests. The kernel picks the port (bind to
// port 0); the socket is closed before returning, so there is a small race with other
// processes, which is fine on a test machine.

#include <cstdint>

namespace snbridge::test {

/// True when a socket can be bound to [::1] here. A host or network namespace without IPv6
/// (net.ipv6.conf.lo.disable_ipv6=1, no ipv6 module) cannot: an environment capability, not
/// a missing dependency. Tests that test IPv6 check it at run time and say what they skip
/// (ipv6_or_message in tests/support/ipv6.hpp); the others use 127.0.0.1 only.
[[nodiscard]] bool ipv6_loopback_available();

/// A UDP port free on 127.0.0.1 (and on ::1 when `also_v6` and ipv6_loopback_available(), so
/// one `-p PORT` serves both).
/// Throws std::runtime_error when no port can be found.
[[nodiscard]] std::uint16_t free_udp_port(bool also_v6 = true);

/// A TCP port free on 127.0.0.1 (for Mosquitto or the local broker's MQTT listener).
[[nodiscard]] std::uint16_t free_tcp_port();

} // namespace snbridge::test
