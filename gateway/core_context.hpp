#pragma once

// What every protocol flow of the gateway core shares: the settings, the MQTT side, the
// session table and timers, the outbox, the drop tally, and the sessions waiting to be pumped
// at the end of the current turn. The flows (connect_flow, register_flow, publish_flow,
// subscribe_flow, supervision, discovery, delivery) are free functions over it; gateway_core
// owns it and dispatches to them. No I/O of its own. Loop thread only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/metrics/registry.hpp"
#include "common/mqtt_side.hpp"
#include "common/mqttsn/packet.hpp"
#include "gateway/core_settings.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/drop_counter.hpp"
#include "gateway/outbox.hpp"
#include "gateway/predefined_topics.hpp"
#include "gateway/session_store.hpp"
#include "gateway/session_table.hpp"
#include "gateway/session_timers.hpp"

namespace snbridge::gateway {

/// Why the core dropped a datagram or a message (counted; see gateway_core::drops()).
enum class drop_reason : std::uint8_t {
    malformed,            ///< decode failed
    unexpected_type,      ///< a gateway-to-client message type, or one not valid here
    not_connected,        ///< session still in its CONNECT handshake
    nested_encapsulation, ///< an Encapsulated message inside an Encapsulated message
    qos_minus_one_name,   ///< spec-decisions rule 1: QoS −1 with a normal topic id
    qos_minus_one_sender, ///< QoS −1 sender not allowed by config
    qos_minus_one_topic,  ///< QoS −1 topic unknown or not allowed
    queue_full,           ///< downstream message dropped: Active queue full
    sleep_buffer_full,    ///< downstream message dropped: sleep buffer full (§6.14)
    too_long,             ///< §6.10: topic or data too long for a REGISTER/PUBLISH
    topic_table_full,     ///< no topic id left to REGISTER a downstream topic
    register_rejected,    ///< the client refused our REGISTER (§6.10)
    no_session,           ///< MQTT-side message for a session that no longer exists
    max_clients,          ///< CONNECT refused (CONNACK 0x01): mqttsn.max_clients reached
    unreachable,          ///< for a session whose address another ClientId took (rule 16)
    client_id_refused,    ///< CONNECT refused (CONNACK 0x03): not in clients.allowed_client_ids
    identity_refused,     ///< CONNECT refused (CONNACK 0x03): ClientId bound to another identity
    acl_register,         ///< REGISTER refused (REGACK 0x03): clients.acl allows no write
    acl_publish,          ///< PUBLISH refused (PUBACK 0x03, or dropped at QoS 0/−1): no write
    acl_subscribe,        ///< SUBSCRIBE refused (SUBACK 0x03): clients.acl allows no read
    count_
};

/// Stable snake_case name, the drop_counter reason: "sleep_buffer_full", ...
[[nodiscard]] std::string_view to_string(drop_reason r) noexcept;

/// The core's counters in the metrics registry (docs/monitoring.md).
struct core_metrics {
    explicit core_metrics(common::metrics::registry& r);
    /// PUBLISH from devices accepted, by QoS -1, 0, 1, 2 (index qos + 1).
    std::array<common::metrics::counter, 4> messages_in;
    /// PUBLISH sent to devices (first sends, not retransmissions), by QoS 0, 1, 2.
    std::array<common::metrics::counter, 3> messages_out;
    /// PUBLISH, PUBREL and REGISTER sent again (T_retry expired).
    common::metrics::counter retransmissions;
    common::metrics::counter connects;        ///< CONNACK accepted
    common::metrics::counter keep_alive_lost; ///< sessions lost: keep-alive or sleep expired
};

struct core_context {
    using now_source = std::function<time_point()>;

    core_context(core_settings s, common::mqtt_side& mqtt, datagram_sink& sink, now_source now_fn);

    /// Sends `p` to `s`'s client, logged under its ClientId; nothing (counted unreachable)
    /// while another ClientId holds its address (spec-decisions rule 16).
    void send(const session& s, const common::mqttsn::packet& p, std::string_view topic_name = {});
    /// Sends `p` to an endpoint that has no session (yet), logged under its address.
    void reply(const endpoint& to, const common::mqttsn::packet& p, std::uint8_t radius = 0);
    /// Counts and logs one drop. `from` is the sender (nullptr: a message from the MQTT side
    /// of `size` bytes); a drop while a datagram is handled is logged with that datagram's
    /// size.
    void count_drop(drop_reason r, const endpoint* from, std::size_t size = 0);
    /// Counts a message `s`'s full delivery queue (or sleep buffer) let go; logged once per
    /// overflow episode of that queue, naming the client and the bound's key.
    void count_overflow(drop_reason r, session& s, std::string_view bound_key, std::size_t bound);
    /// Counts and logs a drop of something the gateway would have sent, with `detail`.
    void count_outgoing_drop(drop_reason r, std::string_view detail);
    /// Counts a datagram (or a forwarder's inner message) the codec refused.
    void count_malformed(common::mqttsn::decode_error e, const common::net_address& from);
    /// Arms `s`'s timer for its next deadline (supervision::deadline_of).
    void schedule(session& s);
    /// `s` is pumped (delivery::pump) at the end of the current turn, after the answers of
    /// this turn: spec-decisions rule 17 (PUBACK before the publisher's own copy).
    void pump_later(session& s);
    /// `s` changed: with persistence on, it is written at the end of the loop turn.
    void touch(session& s) {
        if (journal != nullptr) {
            journal->touch(s);
        }
        if (observer != nullptr && s.status_changed()) {
            observer->session_changed(s);
        }
    }
    /// A fresh non-zero token for an mqtt_side request.
    [[nodiscard]] std::uint32_t take_token() noexcept {
        last_token = last_token == 0xFFFFFFFFu ? 1u : last_token + 1u;
        return last_token;
    }

    core_settings settings;
    predefined_topics predefined;
    common::mqtt_side& side;
    outbox out;
    session_table sessions;
    session_timers timers;
    now_source now;

    /// Sessions with pump_due set, in the order they were marked.
    std::vector<common::session_id> pump_queue;
    /// Size of the datagram being handled (0 outside on_datagram), for drop lines.
    std::size_t datagram_size = 0;
    std::uint32_t last_token = 0;
    /// Where drops are counted and logged: own_drops unless set_drop_counter() gave another.
    drop_counter own_drops;
    drop_counter* drop_log = &own_drops;
    /// The registry the counters below live in: own_metrics unless attach_metrics().
    common::metrics::registry own_metrics;
    core_metrics metrics{own_metrics};
    session_observer* observer = nullptr;
    /// The sessions on disk, with persistence on (else nullptr).
    session_store* journal = nullptr;
    /// Reused for every message handed to the MQTT side (no allocation per PUBLISH).
    common::mqtt_message scratch;
};

/// QoS −1 has no meaning in SUBSCRIBE or a will: it is taken as 0.
[[nodiscard]] constexpr std::uint8_t qos_number(common::mqttsn::qos q) noexcept {
    return q == common::mqttsn::qos::minus_one ? 0 : static_cast<std::uint8_t>(q);
}

} // namespace snbridge::gateway
