#pragma once

// The contract between the UDP runtime (libuv, gateway/udp_runtime.*) and the I/O-free
// MQTT-SN logic (gateway/gateway_core.*). The runtime owns sockets and the one timer; the
// handler owns all protocol state and never touches a socket or a clock of its own.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/net_address.hpp"

namespace snbridge::gateway {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

/// Where the handler sends datagrams. The runtime implements it with uv_udp_send (or a
/// batched send); tests implement it by recording the exact bytes.
class datagram_sink {
public:
    virtual ~datagram_sink() = default;
    /// Copies `bytes` before returning; never blocks.
    virtual void send(const common::net_address& to, std::span<const std::uint8_t> bytes) = 0;
    /// Multicast (ADVERTISE, GWINFO per §6.1) on every listening socket that has a group,
    /// with `radius` as TTL/hop limit (0: the configured default).
    virtual void send_multicast(std::span<const std::uint8_t> bytes, std::uint8_t radius) = 0;
    /// Who the transport authenticated `from` as: the PSK identity or certificate CN of a DTLS
    /// session (gateway/dtls_layer); empty for plain UDP. Valid until the next call.
    [[nodiscard]] virtual std::string_view peer_identity(const common::net_address& from) const {
        (void)from;
        return {};
    }
};

/// Loop thread only.
class datagram_handler {
public:
    virtual ~datagram_handler() = default;
    /// One received datagram, undecoded. `now` is the loop's current time.
    virtual void on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                             time_point now) = 0;
    /// Called when next_deadline() has passed (it may be called early; the handler checks).
    virtual void on_tick(time_point now) = 0;
    /// The earliest time on_tick is needed, or nullopt when no timer is armed. The runtime
    /// re-reads it after every on_datagram/on_tick and after MQTT-side events.
    [[nodiscard]] virtual std::optional<time_point> next_deadline() const = 0;
    /// Graceful stop (SIGTERM/SIGINT): close sessions on the MQTT side.
    virtual void shutdown(time_point now) = 0;
};

} // namespace snbridge::gateway
