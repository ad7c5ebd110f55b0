#pragma once

// The UDP transport of the gateway (docs/architecture.md "Transport vs state"): libuv sockets on
// the configured addresses (IPv4 and IPv6; an IPv6 socket is IPV6_V6ONLY so "[::]:1883" and
// "0.0.0.0:1883" share the port), a large SO_RCVBUF, every datagram handed undecoded to a
// datagram_handler, and the handler's single deadline driven by one uv timer. It implements
// datagram_sink for the handler's answers, including multicast for gateway discovery
// (MQTT-SN 1.2 §6.1). It only moves datagrams: no protocol state lives here. Loop thread only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/commit_gate.hpp"
#include "common/metrics/registry.hpp"
#include "common/net_address.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/prepare.hpp"
#include "common/uv/timer.hpp"
#include "common/uv/udp_socket.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/drop_counter.hpp"
#include "gateway/rate_limiter.hpp"

namespace snbridge::gateway {

struct udp_runtime_options {
    /// Addresses to listen on (config `mqttsn.listen`); port 0 picks a free port.
    std::vector<common::net_address> listen;
    /// SO_RCVBUF requested for every socket, so bursts from many sensors are not lost while
    /// the loop is busy (the kernel caps it at net.core.rmem_max).
    int receive_buffer_bytes = 4 * 1024 * 1024;
    /// Per socket: datagrams waiting in libuv's send queue before a send is dropped.
    std::size_t max_queued_sends = 4096;
    /// Gateway discovery (MQTT-SN 1.2 §6.1): the multicast group ("ip:port") of each family.
    /// Listening sockets of that family receive datagrams sent to the group, and
    /// send_multicast() sends to it. nullopt: no multicast for that family.
    std::optional<common::net_address> multicast_v4 = std::nullopt;
    std::optional<common::net_address> multicast_v6 = std::nullopt;
    /// TTL / hop limit of multicast datagrams when send_multicast() gets radius 0.
    std::uint8_t default_radius = 1;
    /// Whether this host's own sockets receive the gateway's multicast (IP_MULTICAST_LOOP), so
    /// clients on the same host hear ADVERTISE. The gateway's own copies are ignored.
    bool multicast_loop = true;
    /// Per source address, before decoding (config `mqttsn.rate_limit`; off by default).
    rate_limiter::limits rate_limit{};
    /// DTLS listeners (`mqttsn.dtls_listen`): the log says "DTLS", and the datagrams are
    /// counted as snbridge_dtls_datagrams_{received,sent}_total (records have no MsgType).
    bool dtls = false;
    /// Where the datagram counters live (docs/monitoring.md); nullptr: a registry of the
    /// runtime's own. Must outlive the runtime.
    common::metrics::registry* metrics = nullptr;
};

class udp_runtime final : public datagram_sink {
public:
    /// `l` and `drops` must outlive the runtime. Nothing is opened until start(), so the
    /// handler (which needs this runtime as its datagram_sink) can be built in between.
    udp_runtime(common::uv::loop& l, drop_counter& drops, udp_runtime_options options);
    ~udp_runtime() override;
    udp_runtime(const udp_runtime&) = delete;
    udp_runtime& operator=(const udp_runtime&) = delete;

    /// Binds every listener and starts receiving, logging Mosquitto-style lines ("Opening
    /// ipv4 listen socket on UDP port 1883."). Fails on the first address that cannot be
    /// bound, with a message naming it. An IPv6 listener on a host without IPv6 is skipped
    /// with a warning, as long as another listener is open. Multicast set-up problems are
    /// warnings: discovery is then unavailable on that family, unicast still works.
    /// `handler` must outlive the runtime.
    [[nodiscard]] common::result<void> start(datagram_handler& handler);
    /// Closes every socket and the timer (the loop frees them on its next run).
    void stop() noexcept;

    /// Durable before acknowledged (persistence on): while `gate` holds, unicast datagrams
    /// wait, in order, and go after the commit; after a failed commit they are dropped
    /// (counted "commit_failed"), so the clients retransmit. nullptr: none (the default).
    /// `gate` must outlive the runtime.
    void set_commit_gate(common::commit_gate* gate) noexcept { gate_ = gate; }

    /// The bound addresses, in listen order (the real port when the config said 0).
    [[nodiscard]] std::vector<common::net_address> local_addresses() const;

    // datagram_sink
    void send(const common::net_address& to, std::span<const std::uint8_t> bytes) override;
    void send_multicast(std::span<const std::uint8_t> bytes, std::uint8_t radius) override;

    /// Datagrams received (before the rate limit) and sent, all types together.
    [[nodiscard]] std::uint64_t datagrams_received() const;
    [[nodiscard]] std::uint64_t datagrams_sent() const;
    /// The gateway's own multicast (IP_MULTICAST_LOOP) received back and ignored.
    [[nodiscard]] std::uint64_t own_multicast_ignored() const noexcept {
        return own_multicast_.value();
    }

private:
    struct listener {
        std::unique_ptr<common::uv::udp_socket> socket;
        common::net_address address;
        /// The group this listener sends multicast to, if any.
        std::optional<common::net_address> group;
    };

    common::result<void> open_listener(const common::net_address& address);
    void open_multicast(listener& l);
    void on_datagram(std::size_t listener_index, const common::net_address& from,
                     std::span<const std::uint8_t> bytes);
    common::uv::udp_socket* socket_for(const common::net_address& to);
    /// True for the gateway's own multicast looped back to one of its sockets.
    [[nodiscard]] bool is_own_multicast(const common::net_address& from) const;
    /// Re-reads handler.next_deadline() and (re)arms the timer when it moved earlier.
    void reschedule();
    void send_now(const common::net_address& to, std::span<const std::uint8_t> bytes);
    /// The commit the held datagrams waited for is over.
    void release(bool committed);

    struct held_datagram {
        common::net_address to;
        std::size_t offset = 0;
        std::size_t size = 0;
    };

    common::uv::loop& loop_;
    datagram_handler* handler_ = nullptr;
    drop_counter& drops_;
    udp_runtime_options options_;
    std::vector<listener> listeners_;
    /// Extra sockets bound to a multicast group (for listeners on a specific address, which
    /// do not receive group traffic themselves). Receive only.
    std::vector<std::unique_ptr<common::uv::udp_socket>> group_sockets_;
    std::unique_ptr<common::uv::timer> timer_;
    std::unique_ptr<common::uv::prepare> before_wait_;
    /// The deadline timer_ is armed for, if it is running. Re-armed only when the handler's
    /// next deadline moves earlier: a later one is found when the timer fires (early).
    std::optional<clock::time_point> armed_;
    /// The host's addresses (port 0), when a wildcard listener sends multicast.
    std::vector<common::net_address> host_addresses_;
    /// With several listeners of one family: which listener a peer last wrote to, so the
    /// answer leaves from the address the peer expects. Bounded (cleared when full).
    std::unordered_map<common::net_address, std::size_t, common::net_address_hash> peer_listener_;
    common::commit_gate* gate_ = nullptr;
    std::vector<held_datagram> held_;
    std::vector<std::uint8_t> held_bytes_; ///< the held datagrams, one after the other
    /// Tells a release callback whether this runtime still exists.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    /// The MsgType octet of a datagram (0 when too short: counted under "none").
    [[nodiscard]] static std::size_t type_index(std::span<const std::uint8_t> bytes) noexcept;
    std::unique_ptr<common::metrics::registry> own_metrics_;
    common::metrics::registry* metrics_;
    /// snbridge_mqttsn_datagrams_{received,sent}_total by MsgType octet (index 256: too short
    /// to have one); reserved types share the "reserved" series.
    std::array<common::metrics::counter, 257> received_;
    std::array<common::metrics::counter, 257> sent_;
    common::metrics::counter own_multicast_;
    rate_limiter limiter_;
};

} // namespace snbridge::gateway
