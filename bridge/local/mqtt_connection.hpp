#pragma once

// One MQTT 3.1.1 client connection of the local broker's TCP listener: the protocol state
// machine between a byte stream and broker_core. It does no I/O itself: bytes come in through
// on_bytes(), time through on_tick(now), and bytes go out through an mqtt_transport, so tests
// drive it with a fake clock and no socket. mqtt_listener wires it to libuv TCP.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bridge/local/broker_core.hpp"
#include "common/access_control.hpp"
#include "common/mqtt/packet.hpp"
#include "common/net_address.hpp"
#include "common/tls/tls_session.hpp"

namespace snbridge::bridge::local {

/// A user allowed to connect (config `broker.mqtt_users`).
struct mqtt_user {
    std::string username;
    /// Plain text, or a mosquitto_passwd hash ($7$ or $6$, common/password_hash.hpp).
    std::string password;
    bool operator==(const mqtt_user&) const = default;
};

/// Settings of the MQTT 3.1.1 listener (config `broker:` keys mqtt_*; defaults documented in
/// docs/configuration.md).
struct mqtt_settings {
    /// TCP addresses to listen on; empty: no listener.
    std::vector<common::net_address> listen{};
    /// TCP addresses with TLS (`tls`); empty: none.
    std::vector<common::net_address> tls_listen{};
    common::tls::server_options tls{};
    /// Accept a CONNECT without a user name.
    bool allow_anonymous = true;
    /// Users with passwords; a CONNECT with a user name must match one (else CONNACK 0x04).
    std::vector<mqtt_user> users{};
    /// TCP connections held at once; more are closed as soon as they are accepted.
    std::size_t max_connections = 1024;
    /// Largest packet accepted from a client, fixed header included; bigger closes the
    /// connection as soon as its fixed header arrives.
    std::size_t max_packet_size = 1 << 20;
    /// Outgoing QoS 1/2 PUBLISH packets awaiting acknowledgement per client.
    std::size_t max_inflight = 20;
    /// Messages waiting for a free in-flight slot per client (online, and kept with a
    /// persistent session while offline, in addition to the broker's offline queue).
    /// Overflow drops the newest QoS 1/2 message and counts it.
    std::size_t max_queued = 1000;
    /// `clients.allowed_client_ids` and `clients.acl` (docs/security.md).
    common::access_control access{};
    /// Time a new connection has to send CONNECT.
    std::chrono::milliseconds connect_timeout{10'000};
    /// Longest client identifier accepted (CONNACK 0x02 above it).
    std::size_t max_client_id_length = 128;
    /// Bytes waiting to be written to a slow client before its connection is closed.
    std::size_t max_write_queue_bytes = 1 << 20;
    /// An online client whose queue stays full (max_inflight in flight and max_queued
    /// waiting) this long without a PUBACK, PUBREC or PUBCOMP is disconnected as lost.
    std::chrono::milliseconds stuck_consumer_timeout{30'000};
};

/// Where an mqtt_connection sends bytes. Implemented by mqtt_listener over a tcp_stream, and
/// by tests. Neither call may call back into the mqtt_connection synchronously.
class mqtt_transport {
public:
    /// Queues bytes for the client. False when the connection cannot take them (closed, or the
    /// write queue bound is reached): the connection is then considered lost.
    virtual bool send(std::span<const std::uint8_t> bytes) = 0;
    /// Ends the network connection. flush=true sends what is queued first (after CONNACK with
    /// an error code, or DISCONNECT). The owner later calls mqtt_connection::detach().
    virtual void close(bool flush) = 0;
    /// Backpressure: stop reading the client's socket (a PUBLISH it sent could not be routed:
    /// a subscriber is full). Bytes already read still arrive through on_bytes().
    virtual void pause_reading() {}
    /// Room was made: call mqtt_connection::resume_reading() soon, outside any core call, and
    /// read the socket again if it is not paused() after that.
    virtual void request_resume() {}
    /// next_deadline() moved earlier outside on_bytes() (e.g. from deliver()): the owner
    /// re-arms its supervision.
    virtual void deadline_moved() {}

protected:
    ~mqtt_transport() = default;
};

/// The MQTT connections' counters, cells of the broker's metrics registry (all connections of
/// one broker count into the same cells).
struct mqtt_connection_stats {
    explicit mqtt_connection_stats(common::metrics::registry& r);
    common::metrics::counter packets_in;
    common::metrics::counter packets_out;
    common::metrics::counter dropped_queue_full; ///< QoS 1/2 dropped: max_queued reached
    common::metrics::counter paused;             ///< times reading stopped: PUBLISH refused
    common::metrics::counter stuck;              ///< disconnected: queue full past the timeout
    common::metrics::counter acl_refused;        ///< CONNECT, PUBLISH or filter refused
};

class mqtt_connection final : public subscriber {
public:
    using clock = std::chrono::steady_clock;

    enum class state : std::uint8_t { awaiting_connect, connected, closing };

    /// `core`, `settings` and `out` outlive the connection. `peer` is for log lines.
    mqtt_connection(broker_core& core, const mqtt_settings& settings, mqtt_transport& out,
                    common::net_address peer, clock::time_point now);
    ~mqtt_connection();
    mqtt_connection(const mqtt_connection&) = delete;
    mqtt_connection& operator=(const mqtt_connection&) = delete;

    /// Bytes from the client, in stream order, any split. Ignored once closing.
    void on_bytes(std::span<const std::uint8_t> bytes, clock::time_point now);
    /// Supervises the CONNECT timeout and keep-alive (1.5 x, MQTT 3.1.1 §3.1.2.10). Call
    /// about once a second. Never calls into the core.
    void on_tick(clock::time_point now);
    /// When on_tick() next has something to check: the CONNECT timeout while awaiting
    /// CONNECT, 1.5 x the keep-alive after the last packet once connected (not while
    /// paused), the stuck-consumer timeout while the queue is full, none otherwise
    /// (keep-alive 0, or closing). Lets the owner sleep until then instead of ticking.
    [[nodiscard]] std::optional<clock::time_point> next_deadline() const noexcept;
    /// The network connection ended on its own (peer closed, read or write error).
    void on_transport_end();
    /// Detaches from the core once the network connection is gone. The reason is lost
    /// (the will is published) unless the client sent DISCONNECT; `shutdown` when the
    /// listener stops. Must be called outside any core call. Idempotent.
    void detach();
    /// The listener stops: the core gets close_reason::shutdown (the will is discarded).
    void detach_for_shutdown();
    /// After request_resume(): routes the PUBLISH that was refused and the bytes behind it.
    /// It may be refused again (paused() stays true). Outside any core call.
    void resume_reading(clock::time_point now);
    /// Reading is stopped: a PUBLISH waits for room in a subscriber.
    [[nodiscard]] bool paused() const noexcept { return paused_; }

    // subscriber (called from inside core calls: they never call back into the core)
    void deliver(const message_ptr& msg) override;
    void taken_over() override;
    [[nodiscard]] bool can_take(std::uint8_t qos) const override;
    void room_available() override;

    [[nodiscard]] state current_state() const noexcept { return state_; }
    [[nodiscard]] const std::string& client_id() const noexcept { return client_id_; }
    [[nodiscard]] const mqtt_connection_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] const common::net_address& peer() const noexcept { return peer_; }
    /// Outgoing QoS 1/2 messages awaiting acknowledgement / waiting for a slot.
    [[nodiscard]] std::size_t inflight() const noexcept;
    [[nodiscard]] std::size_t queued() const noexcept;

    /// What a persistent session keeps between connections (in the core's session
    /// attachment): outgoing messages in flight with their packet ids, the queue behind them,
    /// and the ids of incoming QoS 2 messages awaiting PUBREL (MQTT 3.1.1 §4.3.3, §4.4).
    struct session_state;

private:
    void process(clock::time_point now);
    /// False when the packet was not consumed (a PUBLISH refused for backpressure).
    bool handle(common::mqtt::packet&& p, clock::time_point now);
    void handle_connect(common::mqtt::connect&& c, clock::time_point now);
    bool handle_publish(common::mqtt::publish&& p);
    void handle_subscribe(const common::mqtt::subscribe& s);
    void handle_unsubscribe(const common::mqtt::unsubscribe& u);
    void handle_puback(std::uint16_t id, clock::time_point now);
    void handle_pubrec(std::uint16_t id, clock::time_point now);
    void handle_pubcomp(std::uint16_t id, clock::time_point now);
    /// No room for one more QoS 1/2 message: max_inflight in flight and max_queued waiting.
    [[nodiscard]] bool full() const noexcept;
    /// The client acknowledged something (was_full: before it).
    void progress(bool was_full, clock::time_point now);
    void refuse(common::mqtt::connack_code rc);
    void send(const common::mqtt::packet& p);
    /// Puts `msg` in flight with a fresh packet id and sends it.
    void send_outbound(message_ptr msg);
    void send_publish(const common::mqtt_message& msg, std::uint8_t qos, std::uint16_t id,
                      bool dup);
    void pump();
    [[nodiscard]] std::uint16_t next_packet_id();
    void begin_close(common::close_reason reason, bool flush, std::string_view why);

    broker_core& core_;
    const mqtt_settings& settings_;
    mqtt_transport& out_;
    common::net_address peer_;
    state state_ = state::awaiting_connect;
    clock::time_point accepted_at_;
    clock::time_point last_received_;
    std::chrono::milliseconds keep_alive_{0};
    std::vector<std::uint8_t> in_;
    std::string client_id_;
    connection_id conn_ = 0;
    bool taken_over_ = false;
    common::close_reason reason_ = common::close_reason::lost;
    std::shared_ptr<session_state> session_;
    mqtt_connection_stats stats_{core_.metrics()};
    bool drop_logged_ = false;      ///< the first dropped message of this connection was logged
    bool acl_logged_ = false;       ///< the first PUBLISH refused by the ACL was logged
    std::string username_;          ///< of the CONNECT (empty: none), for %u in clients.acl
    bool paused_ = false;           ///< reading stopped; in_ starts with the refused PUBLISH
    bool resume_requested_ = false; ///< request_resume() made, resume_reading() not yet
    /// The queue became full inside deliver() (no clock there): on_tick() starts full_since_.
    bool stuck_check_pending_ = false;
    std::optional<clock::time_point> full_since_; ///< full, no progress since then
};

} // namespace snbridge::bridge::local
