// gateway/udp_runtime on a real libuv loop with loopback sockets: datagrams reach the handler,
// answers leave from the listener the peer wrote to, the handler's one deadline drives one
// timer, and discovery multicast (MQTT-SN 1.2 §6.1) goes to the group with TTL = radius.
// IPv4 only for multicast: the loopback interface here has no IPv6 multicast.

#include <algorithm>
#include <functional>
#include <vector>

#include <doctest/doctest.h>

#include "common/uv/loop.hpp"
#include "gateway/udp_runtime.hpp"
#include "tests/support/ipv6.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/udp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using gateway::time_point;

namespace {

/// Records what arrives; optional reactions; a settable deadline.
class recording_handler final : public gateway::datagram_handler {
public:
    struct datagram {
        common::net_address from;
        std::vector<std::uint8_t> bytes;
    };
    std::vector<datagram> received;
    std::vector<time_point> ticks;
    std::optional<time_point> deadline;
    std::function<void(const common::net_address&, std::span<const std::uint8_t>)> react;
    bool shut_down = false;

    void on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                     time_point) override {
        received.push_back({from, {bytes.begin(), bytes.end()}});
        if (react) {
            react(from, bytes);
        }
    }
    void on_tick(time_point now) override {
        ticks.push_back(now);
        if (deadline && *deadline <= now) {
            deadline.reset();
        }
    }
    [[nodiscard]] std::optional<time_point> next_deadline() const override { return deadline; }
    void shutdown(time_point) override { shut_down = true; }
};

common::net_address group_v4(std::uint16_t port) {
    return common::net_address::v4(225, 1, 1, 1, port);
}

void finish(common::uv::loop& l, gateway::udp_runtime& rt) {
    rt.stop();
    l.run();
    CHECK_FALSE(l.alive());
}

} // namespace

TEST_CASE("udp_runtime: receives on 127.0.0.1 and ::1, answers the sender") {
    common::uv::loop l;
    recording_handler h;
    gateway::drop_counter drops;
    const bool v6 = test::ipv6_or_message("the [::1] listener");
    std::vector<common::net_address> listen{test::loopback_v4(0)};
    if (v6) {
        listen.push_back(test::loopback_v6(0));
    }
    gateway::udp_runtime rt(l, drops, {.listen = listen});
    h.react = [&](const common::net_address& from, std::span<const std::uint8_t>) {
        const std::uint8_t pingresp[] = {0x02, 0x17};
        rt.send(from, pingresp);
    };
    REQUIRE(rt.start(h).has_value());
    const auto local = rt.local_addresses();
    REQUIRE(local.size() == listen.size());
    for (const auto& a : local) {
        CHECK(a.port != 0);
    }

    for (const auto& gw : local) {
        test::udp_client client(gw.fam);
        const std::uint8_t pingreq[] = {0x02, 0x16};
        const auto before = h.received.size();
        REQUIRE(client.send_to(gw, pingreq));
        CHECK(test::run_until(l, [&] { return h.received.size() == before + 1; }));
        CHECK(h.received.back().from == client.local());
        CHECK(h.received.back().bytes == std::vector<std::uint8_t>{0x02, 0x16});
        const auto answer = client.receive(2s);
        REQUIRE(answer.has_value());
        CHECK(answer->bytes == std::vector<std::uint8_t>{0x02, 0x17});
        CHECK(answer->from == gw);
    }
    CHECK(rt.datagrams_received() == listen.size());
    CHECK(rt.datagrams_sent() == listen.size());
    finish(l, rt);
}

TEST_CASE("udp_runtime: with two listeners of one family, the answer leaves from the one the "
          "peer wrote to") {
    common::uv::loop l;
    recording_handler h;
    gateway::drop_counter drops;
    gateway::udp_runtime rt(
        l, drops, {.listen = {test::loopback_v4(0), common::net_address::v4(127, 0, 0, 2, 0)}});
    h.react = [&](const common::net_address& from, std::span<const std::uint8_t> b) {
        rt.send(from, b); // echo
    };
    REQUIRE(rt.start(h).has_value());
    const auto local = rt.local_addresses();
    REQUIRE(local.size() == 2);
    for (const auto& gw : {local[1], local[0], local[1]}) {
        test::udp_client client;
        const std::uint8_t bytes[] = {0x02, 0x16};
        REQUIRE(client.send_to(gw, bytes));
        const auto echo = [&]() -> std::optional<test::received_datagram> {
            std::optional<test::received_datagram> got;
            test::run_until(l, [&] {
                got = client.receive(0ms);
                return got.has_value();
            });
            return got;
        }();
        REQUIRE(echo.has_value());
        CHECK(echo->from == gw);
    }
    finish(l, rt);
}

TEST_CASE("udp_runtime: the handler's deadline drives one timer") {
    common::uv::loop l;
    recording_handler h;
    gateway::drop_counter drops;
    gateway::udp_runtime rt(l, drops, {.listen = {test::loopback_v4(0)}});
    REQUIRE(rt.start(h).has_value());
    CHECK(h.ticks.empty());

    const auto armed_at = gateway::clock::now();
    // Set outside any handler call (as an MQTT-side event does): the runtime re-reads the
    // deadline once per loop iteration, before it waits.
    h.deadline = armed_at + 30ms;
    CHECK(test::run_until(l, [&] { return !h.ticks.empty(); }));
    REQUIRE(h.ticks.size() == 1);
    CHECK(h.ticks[0] >= armed_at + 30ms); // never early
    CHECK_FALSE(h.deadline.has_value());

    // A deadline already past fires at once; no deadline, no tick.
    h.deadline = gateway::clock::now() - 1s;
    CHECK(test::run_until(l, [&] { return h.ticks.size() == 2; }));
    test::run_until(
        l, [] { return false; }, 50ms);
    CHECK(h.ticks.size() == 2);

    // A datagram that changes the deadline re-arms the timer (the runtime re-reads it).
    h.react = [&](const common::net_address&, std::span<const std::uint8_t>) {
        h.deadline = gateway::clock::now() + 5ms;
    };
    test::udp_client client;
    const std::uint8_t bytes[] = {0x02, 0x16};
    REQUIRE(client.send_to(rt.local_addresses()[0], bytes));
    CHECK(test::run_until(l, [&] { return h.ticks.size() == 3; }));
    finish(l, rt);
}

TEST_CASE("udp_runtime: send to a family without a listener is a counted drop") {
    common::uv::loop l;
    recording_handler h;
    gateway::drop_counter drops;
    gateway::udp_runtime rt(l, drops, {.listen = {test::loopback_v4(0)}});
    REQUIRE(rt.start(h).has_value());
    const std::uint8_t bytes[] = {0x02, 0x17};
    rt.send(test::loopback_v6(9), bytes);
    CHECK(drops.count("no_socket_for_family") == 1);
    // Multicast without a configured group sends nothing and counts nothing.
    rt.send_multicast(bytes, 1);
    CHECK(rt.datagrams_sent() == 0);
    CHECK(drops.total() == 1);
    finish(l, rt);
}

TEST_CASE("udp_runtime: a bind error names the address and the reason") {
    common::uv::loop l;
    recording_handler h;
    gateway::drop_counter drops;
    test::udp_client squatter;
    gateway::udp_runtime rt(l, drops, {.listen = {squatter.local()}});
    const auto r = rt.start(h);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "cannot bind UDP " + squatter.local().to_string() +
                                   ": EADDRINUSE (address already in use)");
    finish(l, rt);
}

TEST_CASE("udp_runtime: discovery multicast on loopback (IPv4): SEARCHGW to the group reaches "
          "the handler, GWINFO goes to the group with TTL = radius, and unicast") {
    common::uv::loop l;
    recording_handler h;
    gateway::drop_counter drops;
    const auto group = group_v4(test::free_udp_port(false));
    gateway::udp_runtime rt(
        l, drops, {.listen = {test::loopback_v4(0)}, .multicast_v4 = group, .default_radius = 2});
    // What a core does (spec-decisions rule 9): GWINFO to the group and to the searcher.
    const std::vector<std::uint8_t> gwinfo = {0x03, 0x02, 0x07}; // Length 3, GWINFO, GwId 7
    h.react = [&](const common::net_address& from, std::span<const std::uint8_t> b) {
        if (b.size() == 3 && b[1] == 0x01) { // SEARCHGW: Length 3, 0x01, Radius
            rt.send_multicast(gwinfo, b[2]);
            rt.send(from, gwinfo);
        }
    };
    REQUIRE(rt.start(h).has_value());

    test::udp_client listener(group, true); // a node listening to the group
    REQUIRE(listener.join_multicast(group));
    REQUIRE(listener.enable_receive_ttl());

    test::udp_client searcher;
    REQUIRE(searcher.send_multicast_on_loopback(1));
    const std::vector<std::uint8_t> searchgw = {0x03, 0x01, 0x03}; // radius 3
    REQUIRE(searcher.send_to(group, searchgw));
    CHECK(test::run_until(l, [&] { return !h.received.empty(); }));
    REQUIRE(h.received.size() == 1);
    CHECK(h.received[0].bytes == searchgw);
    CHECK(h.received[0].from == searcher.local());

    const auto unicast = searcher.receive(2s);
    REQUIRE(unicast.has_value());
    CHECK(unicast->bytes == gwinfo);
    CHECK(unicast->from == rt.local_addresses()[0]);

    // The group listener hears the SEARCHGW too; the gateway's GWINFO follows.
    const auto from_gateway = [&]() -> std::optional<test::received_datagram> {
        for (int i = 0; i < 5; ++i) {
            auto d = listener.receive(2s);
            if (!d || d->from == rt.local_addresses()[0]) {
                return d;
            }
        }
        return std::nullopt;
    };
    const auto multicast = from_gateway();
    REQUIRE(multicast.has_value());
    CHECK(multicast->bytes == gwinfo);
    CHECK(multicast->from == rt.local_addresses()[0]);
    CHECK(multicast->ttl == 3); // MQTT-SN 1.2 §6.1: radius -> TTL

    // Radius 0 (e.g. ADVERTISE on its timer) uses the configured default radius.
    rt.send_multicast(gwinfo, 0);
    test::run_until(
        l, [] { return false; }, 20ms);
    const auto advertised = from_gateway();
    REQUIRE(advertised.has_value());
    CHECK(advertised->ttl == 2);
    // The gateway's own GWINFO came back on its group socket (multicast loop) and was ignored.
    test::run_until(
        l, [&] { return rt.own_multicast_ignored() == 2; }, 1s);
    CHECK(rt.own_multicast_ignored() == 2);
    CHECK(h.received.size() == 1);
    CHECK(drops.total() == 0);
    finish(l, rt);
}
