// Conformance: backpressure before acknowledgement (docs/architecture.md "Custody",
// docs/spec-decisions.md rule on congestion) on the real built-in broker: an MQTT subscriber
// that never acknowledges fills its queue; from then on an MQTT-SN QoS 1 publisher gets
// PUBACK 0x01 (congestion, MQTT-SN 1.2 §6.6), never 0x00 for a message that is then dropped.

#include <span>

#include "bridge/local/mqtt_connection.hpp"
#include "common/mqtt/packet.hpp"
#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

namespace {

/// The transport of an MQTT subscriber that reads everything and acknowledges nothing.
struct silent_transport final : bridge::local::mqtt_transport {
    std::vector<bytes> sent;
    bool send(std::span<const std::uint8_t> data) override {
        sent.emplace_back(data.begin(), data.end());
        return true;
    }
    void close(bool /*flush*/) override {}
};

/// PUBLISH QoS 1, normal TopicId 0x0001, MsgId `id`, payload `p`.
bytes publish_q1(std::uint16_t id, std::string_view p) {
    return sn({hx("0C 20 00 01"),
               bytes{static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)},
               tx(p)});
}

/// PUBACK TopicId 0x0001, MsgId `id`, ReturnCode `rc`.
std::string puback(std::uint16_t id, std::uint8_t rc) {
    return show(bytes{0x07, 0x0D, 0x00, 0x01, static_cast<std::uint8_t>(id >> 8),
                      static_cast<std::uint8_t>(id & 0xFF), rc});
}

} // namespace

TEST_CASE("conformance §6.6: a full MQTT subscriber gets the MQTT-SN publisher PUBACK 0x01") {
    world w;
    bridge::local::mqtt_settings ms;
    ms.max_inflight = 2;
    ms.max_queued = 3;
    silent_transport t;
    const auto t0 = bridge::local::mqtt_connection::clock::time_point{} + std::chrono::hours(1);
    bridge::local::mqtt_connection dash(*w.broker, ms, t, common::net_address{}, t0);
    dash.on_bytes(common::mqtt::encode(common::mqtt::connect{.client_id = "dashboard"}), t0);
    dash.on_bytes(common::mqtt::encode(common::mqtt::subscribe{
                      .packet_id = 1, .subscriptions = {{.filter = "a/b", .qos = 1}}}),
                  t0);

    w.connect(ca, "s1");
    REQUIRE(w.reg(ca, "a/b") == 1);
    // 2 in flight + 3 queued: the first five are taken, and acknowledged with 0x00.
    for (std::uint16_t id = 1; id <= 5; ++id) {
        w.in(ca, publish_q1(id, "m" + std::to_string(id)));
        CHECK(w.take(ca) == strings{puback(id, 0x00)});
    }
    CHECK(dash.inflight() == 2);
    CHECK(dash.queued() == 3);
    // The sixth cannot be queued for the online subscriber: congestion, and it reached nobody
    // (the observer on '#' had room, but a refused message is delivered to no one).
    CHECK(w.obs.take().size() == 5);
    w.in(ca, publish_q1(6, "m6"));
    CHECK(w.take(ca) == strings{puback(6, 0x01)});
    CHECK(w.obs.take().empty());
    CHECK(w.broker->stats().refused_congested == 1);
    CHECK(dash.stats().dropped_queue_full == 0);

    // The subscriber acknowledges one; the device retries (after T_WAIT) and is accepted.
    const auto first = common::mqtt::decode(t.sent.at(2)); // CONNACK, SUBACK, PUBLISH m1
    REQUIRE(first.has_value());
    const auto& p1 = std::get<common::mqtt::publish>(*first);
    CHECK(p1.payload == tx("m1"));
    dash.on_bytes(common::mqtt::encode(common::mqtt::puback{p1.packet_id}), t0);
    w.advance(10s); // T_WAIT on the device side
    w.take();
    w.in(ca, publish_q1(6, "m6"));
    CHECK(w.take(ca) == strings{puback(6, 0x00)});
    CHECK(w.obs.take() == strings{"a/b=m6"});
    CHECK(dash.inflight() + dash.queued() == 5);

    dash.on_transport_end();
    dash.detach();
}

TEST_CASE("conformance §6.6: an MQTT-SN subscriber whose queue is full holds its publisher back "
          "(PUBACK 0x01), and its acks let the publisher on") {
    auto s = settings();
    s.max_queued_messages = 2;
    world w(s);
    // cb subscribes to a/b (SUBACK gives it the topic id) and never acks a PUBLISH.
    w.connect(cb, "slow");
    w.in(cb, sn({hx("12 20 00 01"), tx("a/b")}));
    const auto suback = w.take(cb);
    REQUIRE(suback.size() == 1);
    w.connect(ca, "s1");
    REQUIRE(w.reg(ca, "a/b") == 1);

    // The first is in flight at cb, the second waits: the queue (2) is full.
    for (std::uint16_t id = 1; id <= 2; ++id) {
        w.in(ca, publish_q1(id, "m" + std::to_string(id)));
        CHECK(w.take_to(ca) == strings{puback(id, 0x00)});
    }
    CHECK(w.take_to(cb).size() == 1); // PUBLISH m1
    CHECK(w.obs.take().size() == 2);
    // The third would be dropped at cb: congestion for the publisher, and nobody gets it.
    w.in(ca, publish_q1(3, "m3"));
    CHECK(w.take_to(ca) == strings{puback(3, 0x01)});
    CHECK(w.obs.take().empty());
    CHECK(w.core.drops(drop_reason::queue_full) == 0);

    // cb acks m1 (TopicId 1, MsgId 1): m2 goes out, and there is room again.
    w.in(cb, sn({hx("0D 00 01 00 01 00")}));
    CHECK(w.take_to(cb).size() == 1); // PUBLISH m2
    w.in(ca, publish_q1(3, "m3"));
    CHECK(w.take_to(ca) == strings{puback(3, 0x00)});
    CHECK(w.obs.take() == strings{"a/b=m3"});
}
