// mqtt_listener on a real libuv loop and real loopback TCP: mosquitto_pub/mosquitto_sub
// processes and raw sockets against the listener, driven with run_until (no sleeps); the loop
// ends empty.

#include <arpa/inet.h>
#include <memory>
#include <netinet/in.h>
#include <span>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/mqtt_listener.hpp"
#include "common/mqtt/framer.hpp"
#include "common/mqtt/packet.hpp"
#include "common/uv/loop.hpp"
#include "tests/support/ipv6.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/tcp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
namespace mqtt = snbridge::common::mqtt;
using bridge::local::broker_core;
using bridge::local::mqtt_listener;
using bridge::local::mqtt_settings;

namespace {

using raw_client = test::raw_tcp_client;

struct listener_fixture {
    common::uv::loop loop;
    std::shared_ptr<broker_core> core = std::make_shared<broker_core>();
    mqtt_settings settings;
    std::unique_ptr<mqtt_listener> listener;

    void start() {
        settings.listen = {common::net_address::v4(127, 0, 0, 1, 0)};
        auto l = mqtt_listener::start(loop, core, settings);
        REQUIRE_MESSAGE(l.has_value(), (l ? std::string() : l.error().message));
        listener = std::move(*l);
    }
    [[nodiscard]] std::uint16_t port() const { return listener->addresses().at(0).port; }
    [[nodiscard]] std::vector<std::string> args(std::vector<std::string> more) const {
        std::vector<std::string> a = {"-h", "127.0.0.1", "-p", std::to_string(port())};
        a.insert(a.end(), more.begin(), more.end());
        return a;
    }
    /// Stops the listener and checks that the loop ends empty.
    void finish() {
        listener->stop();
        listener.reset();
        // Close callbacks run on the next iterations; nothing may stay active.
        for (int i = 0; i < 10 && loop.run_nowait(); ++i) {
        }
        CHECK_FALSE(loop.alive());
    }
};

} // namespace

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: mosquitto_pub to mosquitto_sub, QoS 2") {
    start();
    CHECK(port() != 0);
    // stdbuf: line-buffered stdout, so the -d lines show up while it runs.
    auto sub_args = args({"-t", "loop/#", "-q", "2", "-C", "1", "-v", "-d"});
    sub_args.insert(sub_args.begin(), {"-oL", "/usr/bin/mosquitto_sub"});
    test::process sub("/usr/bin/stdbuf", sub_args);
    REQUIRE(test::run_until(
        loop, [&] { return sub.output().find("received SUBACK") != std::string::npos; }, 10s));
    test::process pub("/usr/bin/mosquitto_pub", args({"-t", "loop/a", "-q", "2", "-m", "hi"}));
    REQUIRE(test::run_until(
        loop, [&] { return !sub.running() && !pub.running(); }, 10s));
    CHECK(pub.wait_exit(1s) == 0);
    CHECK(sub.wait_exit(1s) == 0);
    CHECK(sub.output().find("loop/a hi") != std::string::npos);
    CHECK(sub.output().find("received PUBLISH (d0, q2, r0") != std::string::npos);
    CHECK(test::run_until(
        loop, [&] { return listener->connection_count() == 0; }, 5s));
    finish();
}

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: garbage closes only that connection") {
    start();
    raw_client good(port());
    raw_client bad(port());
    REQUIRE(test::run_until(
        loop, [&] { return listener->connection_count() == 2; }, 5s));
    REQUIRE(good.send(mqtt::encode(mqtt::connect{.client_id = "good"})));
    REQUIRE(test::run_until(
        loop,
        [&] {
            good.poll();
            return good.in.size() >= 4;
        },
        5s));
    CHECK(good.in == std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00});
    good.in.clear();
    REQUIRE(bad.send({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})); // 5-byte Remaining Length
    REQUIRE(test::run_until(
        loop,
        [&] {
            bad.poll();
            return bad.closed;
        },
        5s));
    CHECK(test::run_until(
        loop, [&] { return listener->connection_count() == 1; }, 5s));
    REQUIRE(good.send(mqtt::encode(mqtt::pingreq{})));
    REQUIRE(test::run_until(
        loop,
        [&] {
            good.poll();
            return good.in.size() >= 2;
        },
        5s));
    CHECK(good.in == std::vector<std::uint8_t>{0xD0, 0x00});
    CHECK_FALSE(good.closed);
    finish();
}

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: max_connections refuses the next one") {
    settings.max_connections = 2;
    start();
    raw_client a(port());
    raw_client b(port());
    REQUIRE(test::run_until(
        loop, [&] { return listener->connection_count() == 2; }, 5s));
    raw_client c(port());
    REQUIRE(test::run_until(
        loop,
        [&] {
            c.poll();
            return c.closed;
        },
        5s));
    CHECK(listener->stats().refused_full == 1);
    CHECK(listener->connection_count() == 2);
    a.poll();
    CHECK_FALSE(a.closed);
    finish();
}

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: stop() with clients attached ends the "
                                    "loop empty and detaches their sessions") {
    start();
    raw_client a(port());
    REQUIRE(a.send(mqtt::encode(mqtt::connect{.clean_session = false, .client_id = "kept"})));
    REQUIRE(test::run_until(
        loop,
        [&] {
            a.poll();
            return a.in.size() >= 4;
        },
        5s));
    CHECK(core->session_count() == 1);
    finish();
    CHECK(core->session_count() == 1); // persistent session kept, connection detached
    a.poll();
    CHECK(a.closed);
}

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: binding a busy address fails with its "
                                    "name") {
    start();
    mqtt_settings again = settings;
    again.listen = {listener->addresses().at(0)};
    auto second = mqtt_listener::start(loop, core, again);
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().message.find("127.0.0.1:" + std::to_string(port())) != std::string::npos);
    finish();
}

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: IPv6 loopback, mosquitto_pub QoS 1 "
                                    "retained reaches the core") {
    if (!test::ipv6_or_message("the MQTT listener on [::1]")) {
        return;
    }
    common::net_address v6;
    v6.fam = common::net_address::family::v6;
    v6.ip[15] = 1; // ::1
    settings.listen = {v6};
    auto l = mqtt_listener::start(loop, core, settings);
    REQUIRE_MESSAGE(l.has_value(), (l ? std::string() : l.error().message));
    listener = std::move(*l);
    const auto bound = listener->addresses().at(0);
    CHECK(bound.fam == common::net_address::family::v6);
    CHECK(bound.port != 0);
    test::process pub("/usr/bin/mosquitto_pub", {"-h", "::1", "-p", std::to_string(bound.port),
                                                 "-q", "1", "-r", "-t", "v6/t", "-m", "x"});
    REQUIRE(test::run_until(
        loop, [&] { return !pub.running(); }, 10s));
    CHECK(pub.wait_exit(1s) == 0);
    CHECK(core->retained_count() == 1);
    finish();
}

namespace {

/// Complete packets at the front of `in`, decoded and removed.
std::vector<mqtt::packet> packets(std::vector<std::uint8_t>& in) {
    std::vector<mqtt::packet> out;
    for (;;) {
        const auto f = mqtt::next_frame(in, 1 << 20);
        if (!f || !f->complete) {
            return out;
        }
        auto p = mqtt::decode(std::span(in).first(f->total_size));
        REQUIRE(p.has_value());
        out.push_back(std::move(*p));
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(f->total_size));
    }
}

/// Reads `c` until `n` packets are there (or the deadline), appending them to `got`.
bool read_packets(common::uv::loop& loop, raw_client& c, std::vector<mqtt::packet>& got,
                  std::size_t n) {
    return test::run_until(
        loop,
        [&] {
            c.poll();
            for (auto& p : packets(c.in)) {
                got.push_back(std::move(p));
            }
            return got.size() >= n;
        },
        5s);
}

} // namespace

TEST_CASE_FIXTURE(listener_fixture, "mqtt listener loop: a full subscriber pauses a publisher, "
                                    "an ack resumes it, a stuck one is dropped") {
    settings.max_inflight = 1;
    settings.max_queued = 1;
    settings.stuck_consumer_timeout = 1s; // well above the 100ms checks below, on a loaded machine
    start();
    raw_client sub(port());
    raw_client pub(port());
    std::vector<mqtt::packet> s_got;
    std::vector<mqtt::packet> p_got;
    REQUIRE(sub.send(mqtt::encode(mqtt::connect{.client_id = "slow"})));
    REQUIRE(sub.send(mqtt::encode(
        mqtt::subscribe{.packet_id = 1, .subscriptions = {{.filter = "t", .qos = 1}}})));
    REQUIRE(read_packets(loop, sub, s_got, 2)); // CONNACK, SUBACK
    s_got.clear();
    REQUIRE(pub.send(mqtt::encode(mqtt::connect{.client_id = "fast"})));
    REQUIRE(read_packets(loop, pub, p_got, 1));
    p_got.clear();
    const auto publish = [](std::uint16_t id) {
        return mqtt::encode(mqtt::publish{.qos = 1,
                                          .topic = "t",
                                          .packet_id = id,
                                          .payload = {static_cast<std::uint8_t>('0' + id)}});
    };
    for (std::uint16_t id = 1; id <= 4; ++id) {
        REQUIRE(pub.send(publish(id)));
    }
    // 1 in flight, 2 queued: 3 is refused, so the publisher hears of 1 and 2 only.
    REQUIRE(read_packets(loop, pub, p_got, 2));
    CHECK(p_got == std::vector<mqtt::packet>{mqtt::puback{1}, mqtt::puback{2}});
    REQUIRE(read_packets(loop, sub, s_got, 1));
    CHECK(core->stats().refused_congested >= 1);
    CHECK_FALSE(test::run_until(
        loop,
        [&] {
            pub.poll();
            return !pub.in.empty();
        },
        100ms));

    // The subscriber acknowledges: 3 goes through, 4 is refused (full again).
    REQUIRE(sub.send(mqtt::encode(mqtt::puback{std::get<mqtt::publish>(s_got[0]).packet_id})));
    REQUIRE(read_packets(loop, pub, p_got, 3));
    CHECK(p_got[2] == mqtt::packet{mqtt::puback{3}});

    // It acknowledges nothing more: after stuck_consumer_timeout it is disconnected, and 4 is
    // then accepted (no subscriber left).
    REQUIRE(test::run_until(
        loop,
        [&] {
            sub.poll();
            return sub.closed;
        },
        5s));
    REQUIRE(read_packets(loop, pub, p_got, 4));
    CHECK(p_got[3] == mqtt::packet{mqtt::puback{4}});
    finish();
}
