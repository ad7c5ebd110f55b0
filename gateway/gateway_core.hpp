#pragma once

// The MQTT-SN v1.2 gateway state machine, with no I/O of its own: datagrams come in through
// datagram_handler, answers go out through a datagram_sink, the MQTT side of each session is
// a common::mqtt_side, and time is injected. Tests drive it with a fake clock and assert
// exact bytes (docs/architecture.md "Transport vs state").
//
// This class only dispatches: each datagram, timer and MQTT-side event goes to the protocol
// flow that owns it (connect_flow, register_flow, publish_flow, subscribe_flow, supervision,
// discovery, delivery), which works on the shared core_context. Input is handled in turns:
// a datagram, a tick or an MQTT-side event arriving from outside starts one. MQTT-side
// events that arrive during a turn (the built-in broker answers from inside the calls made
// to it) are queued and handled, in order, before the turn ends; then the sessions with new
// messages to deliver are pumped, so that the answers of a turn go out before deliveries
// (spec-decisions rule 17).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "common/mqtt_side.hpp"
#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"
#include "gateway/datagram_handler.hpp"

namespace snbridge::gateway {

/// The MQTT side's events, one struct per kind (common::mqtt_side_listener's calls).
namespace side_event {
struct opened {
    common::session_id id;
    common::open_status status;
    bool session_present;
};
struct message {
    common::session_id id;
    common::mqtt_message msg;
};
struct publish_done {
    common::session_id id;
    std::uint32_t token;
    bool ok;
};
struct subscribe_done {
    common::session_id id;
    std::uint32_t token;
    std::optional<std::uint8_t> granted_qos;
};
struct unsubscribe_done {
    common::session_id id;
    std::uint32_t token;
};
struct session_lost {
    common::session_id id;
};
using any =
    std::variant<opened, message, publish_done, subscribe_done, unsubscribe_done, session_lost>;
} // namespace side_event

class gateway_core final : public datagram_handler, public common::mqtt_side_listener {
public:
    using now_source = core_context::now_source;

    /// Registers itself as `side`'s listener. `side` and `sink` must outlive the core.
    /// `now` gives the loop time for MQTT-side events (which carry no time of their own).
    /// ADVERTISE (if enabled) is due at construction time: the first on_tick sends it.
    gateway_core(core_settings settings, common::mqtt_side& side, datagram_sink& sink,
                 now_source now);
    ~gateway_core() override;
    gateway_core(const gateway_core&) = delete;
    gateway_core& operator=(const gateway_core&) = delete;

    /// Every dropped datagram or message is also counted and logged there (optional; tests
    /// read drops()). `counter` must outlive the core.
    void set_drop_counter(drop_counter& counter) noexcept { cx_.drop_log = &counter; }
    /// The core counts into `metrics` from here on (messages, retransmissions, connects) and
    /// reports its sessions by state and its queued messages there (collectors, removed by
    /// the destructor). `metrics` must outlive the core. Call before traffic.
    void attach_metrics(common::metrics::registry& metrics);
    /// Told of every session change and end (optional; nullptr unsets). Must outlive the core.
    void set_observer(session_observer* observer) noexcept {
        cx_.observer = observer;
        cx_.sessions.set_observer(observer);
    }

    /// Persistence (docs/persistence.md): from here on every change of a session is written
    /// to `store` at the end of its loop turn, and a datagram's answers wait for that commit.
    /// `store` must outlive the core.
    void attach_store(common::persist::store& store);
    /// At start, after attach_store() and before any datagram: the sessions found on disk.
    /// Sleeping clients stay Asleep with their timers started now; Active ones are re-opened
    /// on the MQTT side (open_params::resume) and get their retransmissions at once.
    void restore(const std::vector<common::persist::gateway_session_state>& sessions,
                 time_point now);

    // datagram_handler
    void on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                     time_point now) override;
    void on_tick(time_point now) override;
    [[nodiscard]] std::optional<time_point> next_deadline() const override;
    void shutdown(time_point now) override;

    /// SIGHUP (issue 13): new settings for what follows: timers, limits, predefined topics,
    /// QoS −1 allow-lists. Sessions are kept as they are; a changed T_ADV restarts ADVERTISE.
    void reload(core_settings settings);

    // common::mqtt_side_listener: each call posts one side_event
    void on_open(common::session_id id, common::open_status status, bool session_present) override {
        post(side_event::opened{id, status, session_present});
    }
    void on_message(common::session_id id, const common::mqtt_message& msg) override {
        post(side_event::message{id, msg});
    }
    void on_publish_done(common::session_id id, std::uint32_t token, bool ok) override {
        post(side_event::publish_done{id, token, ok});
    }
    void on_subscribe_done(common::session_id id, std::uint32_t token,
                           std::optional<std::uint8_t> granted_qos) override {
        post(side_event::subscribe_done{id, token, granted_qos});
    }
    void on_unsubscribe_done(common::session_id id, std::uint32_t token) override {
        post(side_event::unsubscribe_done{id, token});
    }
    void on_session_lost(common::session_id id) override { post(side_event::session_lost{id}); }
    [[nodiscard]] bool can_take(common::session_id id, std::uint8_t qos) const override;

    // --- observation (tests, stats) ------------------------------------------------------
    [[nodiscard]] std::size_t session_count() const noexcept { return cx_.sessions.size(); }
    /// Every session (read-only; the SIGUSR2 report).
    [[nodiscard]] const session_table& sessions() const noexcept { return cx_.sessions; }
    /// The state of `client_id`'s session, if the gateway holds one.
    [[nodiscard]] std::optional<session_state> state_of(std::string_view client_id) const;
    /// The session of `client_id`, or nullptr (read-only view for tests and stats).
    [[nodiscard]] const session* find_session(std::string_view client_id) const {
        return cx_.sessions.find(client_id);
    }
    /// Drops counted for `r` (malformed: every decode error reason together).
    [[nodiscard]] std::uint64_t drops(drop_reason r) const;

private:
    /// Handles `ev` now if no turn is under way (it came from outside), else queues it.
    void post(side_event::any&& ev);
    /// Ends a turn: the queued events, then the sessions due for a pump.
    void finish_turn(time_point now);
    void handle(side_event::any& ev, time_point now);

    /// One decoded message from `from` (a forwarder's node, or a direct client).
    void dispatch(const endpoint& from, common::mqttsn::packet& p, time_point now);
    /// A message that only a connected client sends.
    void dispatch_to_session(const endpoint& from, common::mqttsn::packet& p, time_point now);
    /// The -v line of a received message; `by_sender`: named by the sender's ClientId when it
    /// has a session.
    void log_in(const endpoint& from, const common::mqttsn::packet& p, bool by_sender) const;

    core_context cx_;
    common::metrics::registry* attached_metrics_ = nullptr;
    std::unique_ptr<session_store> journal_;
    std::optional<time_point> advertise_at_;
    std::vector<side_event::any> events_;
    bool in_turn_ = false;
};

} // namespace snbridge::gateway
