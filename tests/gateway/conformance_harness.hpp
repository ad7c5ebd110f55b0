#pragma once

// Conformance harness: gateway_core on the REAL built-in broker (bridge/local), a recording
// datagram sink and a fake clock. An "observer" MQTT client attached to the same broker core
// subscribes to '#' and records what reaches the MQTT side, so every scenario checks both the
// exact MQTT-SN bytes and the MQTT-side effect. No sockets, no sleeps.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/local_mqtt_side.hpp"
#include "tests/gateway/core_scenario.hpp"

namespace snbridge::gateway::conformance {

using test::bytes;
using test::cat;
using test::hx;
using test::show;
using test::tx;
using strings = std::vector<std::string>;
using namespace std::chrono_literals;

/// One MQTT-SN message: Length (1 octet, or 0x01 + 2 octets when the total is > 255,
/// MQTT-SN 1.2 §5.2.1) followed by `parts` (MsgType first).
inline bytes sn(std::initializer_list<bytes> parts) {
    const bytes body = cat(parts);
    const std::size_t total = body.size() + 1;
    if (total <= 255) {
        return cat({bytes{static_cast<std::uint8_t>(total)}, body});
    }
    const std::size_t total3 = body.size() + 3;
    return cat({bytes{0x01, static_cast<std::uint8_t>(total3 >> 8),
                      static_cast<std::uint8_t>(total3 & 0xFF)},
                body});
}
inline std::string snx(std::initializer_list<bytes> parts) {
    return show(sn(parts));
}

/// A plain MQTT client of the broker core ("dashboard"): records every delivered message.
class observer final : public bridge::local::subscriber {
public:
    std::vector<common::mqtt_message> got;
    void deliver(const bridge::local::message_ptr& m) override { got.push_back(*m); }
    void taken_over() override {}
    /// Topic and payload text of every message so far, "topic=payload", then cleared.
    std::vector<std::string> take() {
        std::vector<std::string> out;
        for (const auto& m : got) {
            out.push_back(m.topic + "=" + std::string(m.payload.begin(), m.payload.end()));
        }
        got.clear();
        return out;
    }
};

inline const common::net_address ca = common::net_address::v4(10, 0, 0, 1, 5000);
inline const common::net_address cb = common::net_address::v4(10, 0, 0, 2, 6000);
inline const common::net_address cc = common::net_address::v4(10, 0, 0, 3, 7000);

inline core_settings settings() {
    core_settings s;
    s.advertise_interval_s = 0;
    return s;
}

struct world {
    time_point now = time_point{} + std::chrono::hours(1);
    std::shared_ptr<bridge::local::broker_core> broker =
        std::make_shared<bridge::local::broker_core>();
    bridge::local::local_mqtt_side side{broker};
    test::recording_sink sink;
    gateway_core core;
    observer obs;
    bridge::local::connection_id obs_conn = 0;

    explicit world(core_settings s = settings())
        : core(std::move(s), side, sink, [this] { return now; }) {
        const auto r = broker->connect("observer", true, std::nullopt, obs);
        REQUIRE(r.status == bridge::local::connect_status::accepted);
        obs_conn = r.connection;
        broker->resume(obs_conn);
        REQUIRE(broker->subscribe(obs_conn, "#", 2));
    }
    ~world() {
        core.shutdown(now);
        broker->disconnect(obs_conn, common::close_reason::disconnect);
    }
    world(const world&) = delete;
    world& operator=(const world&) = delete;

    void in(const common::net_address& from, const bytes& b) { core.on_datagram(from, b, now); }

    void advance(std::chrono::milliseconds d) {
        const time_point target = now + d;
        for (int guard = 0; guard < 100000; ++guard) {
            const auto next = core.next_deadline();
            if (!next || *next > target) {
                break;
            }
            if (*next > now) {
                now = *next;
            }
            core.on_tick(now);
        }
        now = target;
    }

    strings take() {
        strings out;
        for (const auto& d : sink.sent) {
            out.push_back(show(d.data));
        }
        sink.sent.clear();
        return out;
    }
    strings take(const common::net_address& to) {
        for (const auto& d : sink.sent) {
            CHECK(d.to == to);
        }
        return take();
    }

    /// Only the datagrams sent to `to` (others stay in the sink), in order.
    strings take_to(const common::net_address& to) {
        strings out;
        std::vector<test::recording_sink::datagram> rest;
        for (auto& d : sink.sent) {
            if (d.to == to) {
                out.push_back(show(d.data));
            } else {
                rest.push_back(std::move(d));
            }
        }
        sink.sent = std::move(rest);
        return out;
    }

    /// CONNECT (flags: CleanSession per `clean`, no will), expects CONNACK accepted first.
    void connect(const common::net_address& from, std::string_view client_id,
                 std::uint16_t keep_alive = 60, bool clean = true) {
        in(from, sn({hx("04"), bytes{static_cast<std::uint8_t>(clean ? 0x04 : 0x00)}, hx("01"),
                     bytes{static_cast<std::uint8_t>(keep_alive >> 8),
                           static_cast<std::uint8_t>(keep_alive & 0xFF)},
                     tx(client_id)}));
        // CONNACK first; whatever follows it (retried or queued messages) stays in the sink.
        REQUIRE(!sink.sent.empty());
        CHECK(sink.sent.front().to == from);
        REQUIRE(show(sink.sent.front().data) == "03 05 00");
        sink.sent.erase(sink.sent.begin());
    }
    /// REGISTER `name` with MsgId `msg_id`; returns the TopicId of the accepted REGACK.
    std::uint16_t reg(const common::net_address& from, std::string_view name,
                      std::uint16_t msg_id = 1) {
        in(from, sn({hx("0A 00 00"),
                     bytes{static_cast<std::uint8_t>(msg_id >> 8),
                           static_cast<std::uint8_t>(msg_id & 0xFF)},
                     tx(name)}));
        REQUIRE(sink.sent.size() == 1);
        const bytes r = sink.sent.front().data;
        sink.sent.clear();
        REQUIRE(r.size() == 7);
        REQUIRE(r[1] == 0x0B);
        REQUIRE(r[6] == 0x00);
        return static_cast<std::uint16_t>((r[2] << 8) | r[3]);
    }
    /// An MQTT client publishes on the broker (what a dashboard or another sensor does).
    void mqtt_publish(std::string topic, std::string_view payload, std::uint8_t qos,
                      bool retain = false) {
        REQUIRE(broker->publish(common::mqtt_message{std::move(topic), tx(payload), qos, retain}));
    }
};

} // namespace snbridge::gateway::conformance
