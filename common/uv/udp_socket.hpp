#pragma once

// A libuv UDP socket (uv_udp_t): bind, receive datagrams into one reusable 64 KiB buffer,
// send with a bounded queue of copied buffers, multicast options. Loop thread only; errors
// are negative libuv status codes (see error_text), never exceptions.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/net_address.hpp"
#include "common/result.hpp"
#include "common/uv/handle.hpp"

namespace snbridge::common::uv {

struct udp_bind_options {
    /// For an IPv6 address: IPV6_V6ONLY, so "[::]:1883" and "0.0.0.0:1883" can both bind.
    bool v6_only = true;
    /// SO_REUSEADDR (several sockets on one multicast group and port).
    bool reuse_address = false;
    /// SO_RCVBUF request in bytes (0: the system default). The kernel may cap it.
    int receive_buffer_bytes = 0;
};

class udp_socket final : public handle {
public:
    /// Called for every complete datagram. The span is valid only during the call.
    using receive_callback =
        std::function<void(const net_address& from, std::span<const std::uint8_t> bytes)>;
    /// Called for a receive error (negative status) or a datagram too large for the buffer
    /// (UV_EMSGSIZE). The socket keeps receiving.
    using error_callback = std::function<void(int status)>;

    /// `max_queued_sends`: datagrams waiting in libuv's send queue before send() refuses
    /// (the bound on a slow or blocked socket; docs/style.md "Every queue has a bound").
    explicit udp_socket(loop& owner, std::size_t max_queued_sends = 4096);
    ~udp_socket() = default;

    /// Binds to `address`; the error message names the address and the reason.
    [[nodiscard]] result<void> bind(const net_address& address, const udp_bind_options& options);
    /// The bound address (with the kernel-chosen port when bound to port 0).
    [[nodiscard]] result<net_address> local_address() const;
    /// The effective SO_RCVBUF (Linux reports twice the requested value), or a negative status.
    [[nodiscard]] int receive_buffer_size() const noexcept;

    int start_receive(receive_callback on_datagram, error_callback on_error = {});
    void stop_receive() noexcept;

    /// Sends one datagram; `bytes` is copied when it cannot go out at once. Returns 0, or a
    /// negative status (UV_ENOBUFS when the send queue is full, UV_EBADF when closed).
    int send(const net_address& to, std::span<const std::uint8_t> bytes);
    /// Datagrams queued in libuv and not yet handed to the kernel.
    [[nodiscard]] std::size_t queued_sends() const noexcept;

    /// Joins `group` on the interface with address `interface_address` ("" : the kernel's
    /// choice; "127.0.0.1" for loopback; for IPv6 an interface name such as "lo").
    int join_multicast(const net_address& group, const std::string& interface_address);
    int set_multicast_ttl(int ttl) noexcept;
    int set_multicast_loop(bool on) noexcept;
    /// Outgoing interface for multicast: an IPv4 address, or for IPv6 an interface name/scope.
    int set_multicast_interface(const std::string& interface_address) noexcept;

private:
    static void on_alloc(uv_handle_s* h, std::size_t suggested, uv_buf_t* buf) noexcept;
    static void on_receive(uv_udp_s* u, long nread, const uv_buf_t* buf, const sockaddr* addr,
                           unsigned flags) noexcept;

    /// Receive buffer: room for receive_batch datagrams of the largest size, filled by one
    /// recvmmsg() (libuv UV_UDP_RECVMMSG). Not zero-filled: only the pages the kernel writes
    /// are ever resident.
    std::unique_ptr<std::uint8_t[]> buffer_;
    std::size_t buffer_size_;
    std::size_t max_queued_sends_;
    receive_callback on_datagram_;
    error_callback on_error_;
    bool family_v6_ = false;
};

} // namespace snbridge::common::uv
