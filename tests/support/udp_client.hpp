#pragma once

// A plain blocking UDP socket on loopback (no libuv), to talk to a real snbridge process the
// way a sensor would: send bytes, receive with a timeout.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/net_address.hpp"

namespace snbridge::test {

/// 127.0.0.1:port
[[nodiscard]] common::net_address loopback_v4(std::uint16_t port) noexcept;
/// [::1]:port
[[nodiscard]] common::net_address loopback_v6(std::uint16_t port) noexcept;

struct received_datagram {
    common::net_address from;
    std::vector<std::uint8_t> bytes;
    /// IPv4 TTL / IPv6 hop limit it arrived with, after enable_receive_ttl().
    std::optional<int> ttl;
};

class udp_client {
public:
    /// A socket bound to 127.0.0.1:0 (v4) or [::1]:0 (v6), optionally to a fixed local port.
    /// Throws std::runtime_error on failure (test set-up).
    explicit udp_client(common::net_address::family fam = common::net_address::family::v4,
                        std::uint16_t local_port = 0);
    /// A socket bound to `bind_to` exactly (e.g. a multicast group "225.1.1.1:PORT" to
    /// receive what is sent to the group), with SO_REUSEADDR when `reuse_address`.
    udp_client(const common::net_address& bind_to, bool reuse_address);
    ~udp_client();
    udp_client(const udp_client&) = delete;
    udp_client& operator=(const udp_client&) = delete;
    udp_client(udp_client&&) = delete;
    udp_client& operator=(udp_client&&) = delete;

    /// The local address (loopback and the kernel-chosen port).
    [[nodiscard]] const common::net_address& local() const noexcept { return local_; }
    [[nodiscard]] int fd() const noexcept { return fd_; }

    /// Sends one datagram; returns false when sendto fails.
    bool send_to(const common::net_address& to, std::span<const std::uint8_t> bytes);
    /// Waits up to `timeout` for one datagram; nullopt on timeout.
    std::optional<received_datagram>
    receive(std::chrono::milliseconds timeout = std::chrono::seconds(2));
    /// Joins an IPv4/IPv6 multicast group on the loopback interface (for discovery tests).
    bool join_multicast(const common::net_address& group);
    /// Multicast sent from this socket leaves through the loopback interface, TTL `ttl`.
    bool send_multicast_on_loopback(int ttl = 1);
    /// Reports the TTL / hop limit of received datagrams (IP_RECVTTL / IPV6_RECVHOPLIMIT).
    bool enable_receive_ttl();

private:
    int fd_ = -1;
    common::net_address local_;
};

} // namespace snbridge::test
