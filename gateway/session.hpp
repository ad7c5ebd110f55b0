#pragma once

// The gateway's state of one MQTT-SN client (MQTT-SN 1.2 §6.14), plain data owned by
// gateway_core. Kept small: 10,000 sessions must fit in a few MB.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/mqtt_side.hpp"
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
    open_wait,       ///< mqtt_side::open called, waiting for on_open
    active,
    asleep,
    awake,
    lost,
    disconnected,
};

[[nodiscard]] std::string_view to_string(session_state s) noexcept;

/// What the gateway waits for from the client (one at a time, DESIGN.md).
enum class inflight_kind : std::uint8_t { none, register_, publish, pubrel };

/// A client QoS 1/2 PUBLISH (or SUBSCRIBE/UNSUBSCRIBE) waiting for the MQTT side.
struct pending_upstream {
    enum class kind : std::uint8_t { publish, subscribe, unsubscribe };
    std::uint32_t token = 0;
    std::uint16_t msg_id = 0;
    std::uint16_t topic_id = 0;
    kind what = kind::publish;
    std::uint8_t qos = 0;
};

struct session {
    common::session_id id = 0;
    std::string client_id;
    endpoint peer;
    session_state state = session_state::open_wait;
    bool clean_session = true;
    /// open() was called and close() not yet.
    bool mqtt_open = false;
    std::uint16_t keep_alive_s = 0;
    std::uint16_t sleep_s = 0;
    /// Last datagram from the client (or the start of the current sleep period).
    time_point last_heard{};
    /// Time of this session's live entry in the core's timer heap (max() = none).
    time_point scheduled = time_point::max();

    // Will (§6.3, §6.4); no will while will_topic is empty.
    std::string will_topic;
    std::vector<std::uint8_t> will_payload;
    std::uint8_t will_qos = 0;
    bool will_retain = false;

    topic_registry topics;
    delivery_queue queue;

    // The one outstanding exchange towards the client (REGISTER, or the queue's front).
    inflight_kind inflight = inflight_kind::none;
    std::uint8_t retries = 0;
    std::uint16_t inflight_msg_id = 0;
    std::uint16_t inflight_topic_id = 0;
    std::uint8_t inflight_topic_type = 0; ///< mqttsn::topic_id_type of the PUBLISH in flight
    time_point retry_at{};
    std::uint16_t next_msg_id = 1;

    std::vector<pending_upstream> pending;
    /// QoS 2 MsgIds PUBRECed and waiting for PUBREL (duplicate detection).
    std::vector<std::uint16_t> qos2_received;

    [[nodiscard]] bool has_will() const noexcept { return !will_topic.empty(); }
    [[nodiscard]] std::uint16_t take_msg_id() noexcept {
        const std::uint16_t taken = next_msg_id;
        next_msg_id = static_cast<std::uint16_t>(next_msg_id == 0xFFFFu ? 1u : next_msg_id + 1u);
        return taken;
    }
};

} // namespace snbridge::gateway
