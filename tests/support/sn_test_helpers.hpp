#pragma once

// Small helpers for integration tests that talk MQTT-SN to a real snbridge through
// tools::sn_client (snb_tools_support): open/connect with doctest checks, the next raw packet,
// and golden bytes. Header-only so that only suites linking snb_tools_support include it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "tools/support/sn_client.hpp"

namespace snbridge::test {

namespace sn = common::mqttsn;
using bytes = std::vector<std::uint8_t>;

/// An sn_client on 127.0.0.1:port with a 5 s request timeout (REQUIREd to open).
inline tools::sn_client open_sn_client(std::uint16_t port) {
    tools::endpoint_options ep;
    ep.host = "127.0.0.1";
    ep.port = port;
    ep.timeout = std::chrono::seconds(5);
    auto c = tools::sn_client::open(ep);
    REQUIRE(c.has_value());
    return std::move(*c);
}

/// CONNECT (with the will handshake when `will` is set); FAILs the test when refused.
inline void sn_connect(tools::sn_client& c, const std::string& client_id,
                       std::uint16_t keep_alive = 60, bool clean_session = true,
                       std::optional<tools::will_options> will = std::nullopt) {
    tools::connect_options o;
    o.client_id = client_id;
    o.keep_alive = keep_alive;
    o.clean_session = clean_session;
    o.will = std::move(will);
    const auto r = c.connect(o);
    if (!r.has_value()) {
        FAIL(r.error().message);
    }
}

/// The next raw packet (no automatic answers), REQUIREd to arrive within `timeout`.
inline sn::packet next_packet(tools::sn_client& c,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto r = c.receive_packet(timeout);
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    return **r;
}

inline std::uint8_t hi(std::uint16_t v) {
    return static_cast<std::uint8_t>(v >> 8U);
}
inline std::uint8_t lo(std::uint16_t v) {
    return static_cast<std::uint8_t>(v & 0xFFU);
}

inline bytes cat(bytes head, const bytes& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

inline bytes text(std::string_view s) {
    return bytes(s.begin(), s.end());
}

/// Golden PUBLISH bytes (MQTT-SN 1.2 §5.4.12): Length (1- or 3-byte form, §5.2.1), MsgType
/// 0x0C, Flags, TopicId, MsgId, Data.
inline bytes publish_bytes(std::uint8_t flags, std::uint16_t topic_id, std::uint16_t msg_id,
                           const bytes& payload) {
    const std::size_t total = 7 + payload.size();
    bytes head;
    if (total <= 255) {
        head = {static_cast<std::uint8_t>(total)};
    } else {
        const auto t = static_cast<std::uint16_t>(total + 2); // 0x01 + 2 length bytes
        head = {0x01, hi(t), lo(t)};
    }
    head.insert(head.end(), {0x0C, flags, hi(topic_id), lo(topic_id), hi(msg_id), lo(msg_id)});
    return cat(head, payload);
}

/// Golden REGISTER bytes (§5.4.10): Length, MsgType 0x0A, TopicId, MsgId, TopicName.
inline bytes register_bytes(std::uint16_t topic_id, std::uint16_t msg_id, std::string_view name) {
    return cat(bytes{static_cast<std::uint8_t>(6 + name.size()), 0x0A, hi(topic_id), lo(topic_id),
                     hi(msg_id), lo(msg_id)},
               text(name));
}

} // namespace snbridge::test
