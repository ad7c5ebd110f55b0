#pragma once

// The gateway's state of one MQTT-SN client (MQTT-SN 1.2 §6.14), plain data owned by the
// session_table. Kept small: 10,000 sessions must fit in a few MB. What exists only in some
// states is typed and optional: the will, the exchange in flight towards the client, and the
// requests waiting for the MQTT side, one struct per kind.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/mqtt_side.hpp"
#include "common/mqttsn/packet.hpp"
#include "common/net_address.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/delivery_queue.hpp"
#include "gateway/topic_registry.hpp"

namespace snbridge::gateway {

/// Where a client is reached: its UDP address, plus the Wireless Node Id when it talks
/// through a forwarder (§5.5; empty when direct).
struct endpoint {
    common::net_address address;
    std::string node_id;
    /// Reached through a forwarder (answers are wrapped, even for an empty node id).
    bool via_forwarder = false;

    bool operator==(const endpoint&) const = default;
};

struct endpoint_hash {
    [[nodiscard]] std::size_t operator()(const endpoint& e) const noexcept {
        std::size_t h = common::net_address_hash{}(e.address) + (e.via_forwarder ? 1u : 0u);
        for (const char c : e.node_id) {
            h = h * 131u + static_cast<unsigned char>(c);
        }
        return h;
    }
};

/// §6.14 client states, plus the steps of the connection set-up (§6.2).
enum class session_state : std::uint8_t {
    will_topic_wait, ///< WILLTOPICREQ sent
    will_msg_wait,   ///< WILLMSGREQ sent
    open_wait,       ///< mqtt_side::open called, waiting for its answer
    active,
    asleep,
    awake,
    lost,
    disconnected,
};

[[nodiscard]] std::string_view to_string(session_state s) noexcept;

/// The will handshake (§6.2) or the MQTT side's open is still under way.
[[nodiscard]] constexpr bool is_handshake(session_state s) noexcept {
    return s == session_state::will_topic_wait || s == session_state::will_msg_wait ||
           s == session_state::open_wait;
}

/// What the gateway waits for from the client (one at a time, docs/architecture.md "Custody").
enum class inflight_kind : std::uint8_t { register_, publish, pubrel };

/// The one outstanding exchange towards the client: a REGISTER, or the delivery queue's
/// front PUBLISH (waiting for PUBACK/PUBREC) or its PUBREL (waiting for PUBCOMP).
struct inflight_exchange {
    inflight_kind kind = inflight_kind::publish;
    std::uint16_t msg_id = 0;
    std::uint16_t topic_id = 0;
    common::mqttsn::topic_id_type topic_type = common::mqttsn::topic_id_type::normal;
    /// Retransmissions so far (spec-decisions rule 8: at most N_retry).
    std::uint8_t retries = 0;
    time_point retry_at{};
};

/// A client's QoS 1/2 PUBLISH the MQTT side has not confirmed yet.
struct pending_publish {
    std::uint32_t token = 0;
    std::uint16_t msg_id = 0;
    std::uint16_t topic_id = 0;
    std::uint8_t qos = 1;
};

/// A client's SUBSCRIBE the MQTT side has not answered yet.
struct pending_subscribe {
    std::uint32_t token = 0;
    std::uint16_t msg_id = 0;
    std::uint16_t topic_id = 0;
    /// A normal topic name without wildcards: the SUBACK gives the client its topic id.
    bool names_one_topic = false;
};

/// A client's UNSUBSCRIBE the MQTT side has not answered yet.
struct pending_unsubscribe {
    std::uint32_t token = 0;
    std::uint16_t msg_id = 0;
};

using pending_request = std::variant<pending_publish, pending_subscribe, pending_unsubscribe>;

struct session {
    common::session_id id = 0;
    std::string client_id;
    /// The DTLS identity the CONNECT came with (`%u` in clients.acl); empty for plain UDP.
    std::string user;
    endpoint peer;
    /// False once another ClientId connected from `peer` (spec-decisions rule 16): nothing
    /// goes to `peer` for this session until its own CONNECT or PINGREQ(ClientId) binds it
    /// to an address again.
    bool reachable = true;
    session_state state = session_state::open_wait;
    bool clean_session = true;
    /// open() was called and close() not yet.
    bool mqtt_open = false;
    std::uint16_t keep_alive_s = 0;
    std::uint16_t sleep_s = 0;
    /// Last datagram from the client (or the CONNACK, or the start of the current sleep).
    time_point last_heard{};
    /// Time of this session's live entry in the timer heap (max() = none).
    time_point scheduled = time_point::max();
    /// Waits in the core's list of sessions to pump at the end of the turn.
    bool pump_due = false;
    /// Restored from disk and re-opened on the MQTT side (open_params::resume): the answer
    /// only confirms it, or ends the session.
    bool reopening = false;
    /// can_take() said no while the delivery queue was full: tell the MQTT side once there is
    /// room again (mqtt_side::room_available).
    mutable bool refused_delivery = false;
    /// Messages sent to the client again after T_retry (status page; not persisted).
    std::uint32_t retransmissions = 0;
    /// gateway/sensor_status: the status word (status_word()) last noted; the many changes
    /// that leave it as it was (every message) cost one comparison. Address changes are told
    /// by session_table::bind itself.
    mutable std::uint64_t noted_status = 0;
    /// Persistence (gateway/session_store): changed in this turn, and what the store holds.
    struct stored_state {
        bool due = false;
        std::uint64_t digest = 0; ///< of the session row last written (0: none)
        std::uint64_t last_seq = 0;
        /// The queue front as last written: its progress is the in-flight exchange.
        std::uint64_t front_seq = 0;
        std::uint16_t front_msg_id = 0;
        std::uint8_t front_stage = 0;
        bool front_sent_before = false;
    } stored;

    /// §6.3, §6.4. WILLMSGUPD and WILLTOPICUPD are independent: a will message updated
    /// before any will topic is kept here with an empty topic, and is no will (has_will()).
    std::optional<common::will_message> will;
    topic_registry topics;
    delivery_queue queue;
    std::optional<inflight_exchange> inflight;
    std::uint16_t next_msg_id = 1;
    std::vector<pending_request> pending;
    /// QoS 2 MsgIds PUBRECed and waiting for PUBREL (duplicate detection).
    std::vector<std::uint16_t> qos2_received;

    /// State, reachability, clean session, keep-alive, sleep duration and the number of
    /// registered topics in one word (never 0).
    [[nodiscard]] std::uint64_t status_word() const noexcept {
        return 1U | (static_cast<std::uint64_t>(state) << 1U) |
               (static_cast<std::uint64_t>(reachable) << 9U) |
               (static_cast<std::uint64_t>(clean_session) << 10U) |
               (static_cast<std::uint64_t>(keep_alive_s) << 11U) |
               (static_cast<std::uint64_t>(sleep_s) << 27U) |
               (static_cast<std::uint64_t>(topics.size() & 0x1FFFFFU) << 43U);
    }
    /// Whether status_word() changed since the last call (and notes it).
    [[nodiscard]] bool status_changed() const noexcept {
        const auto w = status_word();
        if (w == noted_status) {
            return false;
        }
        noted_status = w;
        return true;
    }
    [[nodiscard]] bool has_will() const noexcept { return will && !will->topic.empty(); }
    /// The will the MQTT side publishes if the client is lost, if any.
    [[nodiscard]] std::optional<common::will_message> will_to_publish() const {
        return has_will() ? will : std::nullopt;
    }
    /// Client-side work the MQTT side still holds, bounded by max_pending_from_client.
    [[nodiscard]] std::size_t pending_work() const noexcept {
        return pending.size() + qos2_received.size();
    }
    [[nodiscard]] std::uint16_t take_msg_id() noexcept {
        const std::uint16_t taken = next_msg_id;
        next_msg_id = static_cast<std::uint16_t>(next_msg_id == 0xFFFFu ? 1u : next_msg_id + 1u);
        return taken;
    }
};

} // namespace snbridge::gateway

namespace snbridge::gateway {

/// "127.0.0.1:40001", or "127.0.0.1:40001 node 0a0b" behind a forwarder (§5.5), as the log
/// names a client whose ClientId is not known.
[[nodiscard]] std::string to_string(const endpoint& e);

} // namespace snbridge::gateway
