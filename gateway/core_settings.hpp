#pragma once

// The settings of the MQTT-SN session core (gateway_core): timers, limits, discovery,
// predefined topics and QoS −1 senders, as plain values with their documented defaults
// (docs/configuration.md, `mqttsn:`, `topics:`, `clients:`, and `broker.max_topic_levels`).
// main.cpp fills it from the YAML config; tests build it directly.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/access_control.hpp"
#include "common/address_prefix.hpp"
#include "common/net_address.hpp"
#include "common/topic.hpp"

namespace snbridge::config {
struct config;
}

namespace snbridge::gateway {

/// One predefined topic id (MQTT-SN 1.2 §6.7): known in advance to the client and gateway.
struct predefined_topic {
    std::uint16_t id = 0;
    std::string name;
    bool operator==(const predefined_topic&) const = default;
};

/// Predefined topics that only one ClientId sees (they shadow global ones with the same id).
struct client_predefined_topics {
    std::string client_id;
    std::vector<predefined_topic> topics;
    bool operator==(const client_predefined_topics&) const = default;
};

struct core_settings {
    // --- gateway: -------------------------------------------------------------------------
    /// GwId in ADVERTISE and GWINFO (§5.4.1, §5.4.3).
    std::uint8_t gateway_id = 1;

    // --- mqttsn: timers (§7.2 best-practice values) -----------------------------------------
    /// T_retry: gateway retransmission of PUBLISH/PUBREL/REGISTER towards clients
    /// (spec-decisions rule 8).
    std::chrono::milliseconds retry_interval{10'000};
    /// N_retry: retransmissions after the first send before the gateway gives up.
    std::uint8_t retry_count = 5;
    /// ADVERTISE period T_ADV in seconds (§6.1, best practice > 15 min); 0 disables ADVERTISE.
    std::uint32_t advertise_interval_s = 900;
    /// spec-decisions rule 9: GWINFO also goes unicast to the SEARCHGW sender.
    bool gwinfo_unicast = true;
    /// A half-open CONNECT (will handshake or MQTT side open pending) is dropped after this.
    std::chrono::milliseconds connect_timeout{30'000};

    // --- mqttsn: limits -----------------------------------------------------------------
    /// Sessions kept at once (all states). A CONNECT beyond it gets CONNACK 0x01.
    std::uint32_t max_clients = 10'000;
    /// spec-decisions rule 13: longer ClientIds get CONNACK 0x03.
    std::uint16_t max_client_id_length = 64;
    /// Normal topic ids per session (REGISTER / SUBSCRIBE / gateway REGISTER).
    std::uint16_t max_topics_per_client = 64;
    /// Messages waiting for delivery to an Active client (incl. the one in flight).
    std::uint16_t max_queued_messages = 64;
    /// Messages buffered for an Asleep client (§6.14); on overflow QoS 0 goes first.
    std::uint16_t sleep_buffer_size = 64;
    /// Client QoS 1/2 PUBLISHes (and SUBSCRIBE/UNSUBSCRIBE) waiting for the MQTT side, per
    /// session; beyond it PUBACK/SUBACK 0x01.
    std::uint16_t max_pending_from_client = 8;
    /// Bounds on the topic names of REGISTER and PUBLISH and the topic filters of SUBSCRIBE,
    /// for common::topic::valid_name / valid_filter. From `broker.max_topic_levels` in every
    /// mode: the one level bound, shared with the built-in broker.
    common::topic::limits topic_limits;

    // --- topics: --------------------------------------------------------------------------
    std::vector<predefined_topic> predefined;
    std::vector<client_predefined_topics> client_predefined;

    // --- clients: QoS −1 (§6.8) -------------------------------------------------------------
    /// Senders whose QoS −1 PUBLISH is accepted; empty = anyone.
    std::vector<common::address_prefix> qos_minus_one_senders;
    /// Topic names a QoS −1 PUBLISH may go to; empty = every predefined topic and short name.
    std::vector<std::string> qos_minus_one_topics;
    /// `clients.allowed_client_ids` and `clients.acl` (docs/security.md).
    common::access_control access;

    bool operator==(const core_settings&) const = default;
};

/// The core's settings from the YAML config (`gateway:`, `mqttsn:`, `topics:`, `clients:`, and
/// `broker.max_topic_levels` whatever the mode).
[[nodiscard]] core_settings settings_from(const config::config& c);

} // namespace snbridge::gateway
