#pragma once

// Scenario harness for gateway_core: a recording fake of the MQTT side (a unit-test double:
// the integration tests use the real broker), a recording datagram sink and a fake clock.
// No sockets, no sleeps. The fake answers synchronously by default, from inside the
// mqtt_side call, as the local broker does: that exercises the core's event queue.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqtt_side.hpp"
#include "common/net_address.hpp"
#include "gateway/core_settings.hpp"
#include "gateway/gateway_core.hpp"

namespace snbridge::gateway::test {

using bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

/// "03 05 00" -> {0x03, 0x05, 0x00}; spaces ignored.
inline bytes hx(std::string_view text) {
    bytes out;
    int hi = -1;
    for (const char c : text) {
        int v = -1;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            continue;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
            hi = -1;
        }
    }
    return out;
}

/// Text as bytes (payloads, names inside golden messages).
inline bytes tx(std::string_view text) {
    return bytes(text.begin(), text.end());
}

/// Concatenation, so golden messages can mix hex fields and text.
inline bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

inline std::string show(const bytes& b) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s;
    for (const auto x : b) {
        if (!s.empty()) {
            s += ' ';
        }
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

class fake_mqtt_side final : public common::mqtt_side {
public:
    struct published {
        common::session_id id;
        common::mqtt_message msg;
        std::uint32_t token;
    };
    struct subscribed {
        common::session_id id;
        std::string filter;
        std::uint8_t qos;
        std::uint32_t token;
    };
    struct unsubscribed {
        common::session_id id;
        std::string filter;
        std::uint32_t token;
    };

    common::mqtt_side_listener* listener = nullptr;
    std::vector<std::pair<common::session_id, common::open_params>> opens;
    std::vector<published> publishes;
    std::vector<subscribed> subscribes;
    std::vector<unsubscribed> unsubscribes;
    std::vector<std::pair<common::session_id, std::optional<common::will_message>>> wills;
    std::vector<std::pair<common::session_id, common::close_reason>> closes;
    std::vector<common::mqtt_message> connectionless;

    /// Synchronous answers (nullopt / false: the test answers by hand through `listener`).
    std::optional<common::open_status> auto_open = common::open_status::accepted;
    bool auto_publish = true;
    bool publish_ok = true;
    bool auto_subscribe = true;
    std::optional<std::uint8_t> grant_cap;      ///< grant at most this QoS
    bool subscribe_fails = false;               ///< answer nullopt
    std::vector<common::mqtt_message> retained; ///< delivered after each SUBACK answer
    bool auto_unsubscribe = true;

    void set_listener(common::mqtt_side_listener& l) override { listener = &l; }
    void open(common::session_id id, const common::open_params& p) override {
        opens.emplace_back(id, p);
        if (auto_open) {
            listener->on_open(id, *auto_open, false);
        }
    }
    void publish(common::session_id id, const common::mqtt_message& msg,
                 std::uint32_t token) override {
        publishes.push_back(published{id, msg, token});
        if (msg.qos > 0 && auto_publish) {
            listener->on_publish_done(id, token, publish_ok);
        }
    }
    void subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                   std::uint32_t token) override {
        subscribes.push_back(subscribed{id, filter, qos, token});
        if (auto_subscribe) {
            if (subscribe_fails) {
                listener->on_subscribe_done(id, token, std::nullopt);
                return;
            }
            const std::uint8_t g = grant_cap && *grant_cap < qos ? *grant_cap : qos;
            listener->on_subscribe_done(id, token, g);
            for (const auto& m : retained) {
                listener->on_message(id, m);
            }
        }
    }
    void unsubscribe(common::session_id id, const std::string& filter,
                     std::uint32_t token) override {
        unsubscribes.push_back(unsubscribed{id, filter, token});
        if (auto_unsubscribe) {
            listener->on_unsubscribe_done(id, token);
        }
    }
    void set_will(common::session_id id, std::optional<common::will_message> will) override {
        wills.emplace_back(id, std::move(will));
    }
    void close(common::session_id id, common::close_reason reason) override {
        closes.emplace_back(id, reason);
    }
    void publish_connectionless(const common::mqtt_message& msg) override {
        connectionless.push_back(msg);
    }
    /// What server_connected() answers (a remote side whose broker is down says false).
    bool connected = true;
    [[nodiscard]] bool server_connected() const noexcept override { return connected; }
};

class recording_sink final : public datagram_sink {
public:
    struct datagram {
        common::net_address to;
        bytes data;
    };
    struct multicast {
        bytes data;
        std::uint8_t radius;
    };
    std::vector<datagram> sent;
    std::vector<multicast> multicasts;

    void send(const common::net_address& to, std::span<const std::uint8_t> b) override {
        sent.push_back(datagram{to, bytes(b.begin(), b.end())});
    }
    void send_multicast(std::span<const std::uint8_t> b, std::uint8_t radius) override {
        multicasts.push_back(multicast{bytes(b.begin(), b.end()), radius});
    }
};

inline const common::net_address addr_a = common::net_address::v4(10, 0, 0, 1, 5000);
inline const common::net_address addr_b = common::net_address::v4(10, 0, 0, 2, 6000);
inline const common::net_address addr_c = common::net_address::v4(10, 0, 0, 3, 7000);

/// Settings for scenarios: defaults, minus the start-up ADVERTISE (tested on its own).
inline core_settings quiet_settings() {
    core_settings s;
    s.advertise_interval_s = 0;
    return s;
}

/// The core under test, its fakes, and a fake clock the core reads for MQTT-side events.
struct scenario {
    time_point now = time_point{} + std::chrono::hours(1);
    fake_mqtt_side side;
    recording_sink sink;
    gateway_core core;

    explicit scenario(core_settings s = quiet_settings())
        : core(std::move(s), side, sink, [this] { return now; }) {}

    void in(const common::net_address& from, const bytes& b) { core.on_datagram(from, b, now); }

    /// Moves the clock forward by `d`, calling on_tick at every deadline on the way, as the
    /// runtime's timer does.
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

    /// Everything sent since the last take(), as hex strings "03 05 00" (to any address).
    std::vector<std::string> take() {
        std::vector<std::string> out;
        for (const auto& d : sink.sent) {
            out.push_back(show(d.data));
        }
        sink.sent.clear();
        return out;
    }
    /// As take(), checking every datagram went to `to`.
    std::vector<std::string> take(const common::net_address& to) {
        for (const auto& d : sink.sent) {
            CHECK(d.to == to);
        }
        return take();
    }

    /// CONNECT (no will, CleanSession per `clean`) and its CONNACK.
    void connect(const common::net_address& from, std::string_view client_id,
                 std::uint16_t keep_alive = 60, bool clean = true) {
        bytes b = cat({hx("00 04"),
                       bytes{static_cast<std::uint8_t>(clean ? 0x04 : 0x00), 0x01,
                             static_cast<std::uint8_t>(keep_alive >> 8),
                             static_cast<std::uint8_t>(keep_alive & 0xFF)},
                       tx(client_id)});
        b[0] = static_cast<std::uint8_t>(b.size());
        in(from, b);
        REQUIRE(take(from) == std::vector<std::string>{"03 05 00"});
    }
    common::session_id id_of(std::string_view client_id) const {
        const auto* s = core.find_session(client_id);
        REQUIRE(s != nullptr);
        return s->id;
    }
    /// The MQTT side delivers `payload` on `topic` to `client_id`'s session.
    void message(std::string_view client_id, std::string topic, std::string_view payload,
                 std::uint8_t qos, bool retain = false) {
        side.listener->on_message(id_of(client_id),
                                  common::mqtt_message{std::move(topic), tx(payload), qos, retain});
    }
};

} // namespace snbridge::gateway::test

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& v) {
        std::string s = "{";
        for (const auto& x : v) {
            s += "\"" + x + "\" ";
        }
        s += "}";
        return String(s.c_str());
    }
};
} // namespace doctest
