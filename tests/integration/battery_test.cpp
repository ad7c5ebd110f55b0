// Issue 4 with the real snbridge binary (built-in broker, loopback, ephemeral port, -v):
// a sleeping client's buffered messages on wake-up (§6.14), QoS −1 from a socket that never
// connected (§6.8), SEARCHGW/GWINFO (§6.1), forwarder encapsulation (§5.5) and will updates
// (§6.4), with exact bytes.

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "tests/support/sn_test_helpers.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tests/support/udp_client.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace snbridge::test;
using namespace std::chrono_literals;

namespace {

/// The gateway's answer on a plain UDP socket, REQUIREd within 5 s and from the gateway.
bytes answer(udp_client& c, const common::net_address& gateway) {
    const auto d = c.receive(5s);
    REQUIRE(d.has_value());
    CHECK(d->from == gateway);
    return d->bytes;
}

} // namespace

TEST_CASE("battery: a sleeper wakes with PINGREQ and gets 3 buffered messages then PINGRESP") {
    snbridge_fixture gw;
    auto sleeper = open_sn_client(gw.port());
    auto pub = open_sn_client(gw.port());
    sn_connect(sleeper, "sleeper");
    sn_connect(pub, "pub");
    const auto s = sleeper.subscribe(tools::topic_ref::normal("bat/#"), sn::qos::two);
    REQUIRE(s.has_value());
    CHECK(s->granted == sn::qos::two);
    const auto known = sleeper.register_topic("bat/known");
    REQUIRE(known.has_value());

    // DISCONNECT with Duration 30 s: Length 4, MsgType 0x18, Duration; answered by DISCONNECT.
    REQUIRE(sleeper.send(sn::disconnect{30}).has_value());
    CHECK(sn::encode(next_packet(sleeper)) == bytes{0x02, 0x18});

    // While it sleeps: QoS 0 and QoS 1 on the registered topic, QoS 2 on a new one.
    REQUIRE(
        pub.publish(tools::topic_ref::normal("bat/known"), text("a"), sn::qos::zero).has_value());
    REQUIRE(
        pub.publish(tools::topic_ref::normal("bat/known"), text("b"), sn::qos::one).has_value());
    REQUIRE(pub.publish(tools::topic_ref::normal("bat/new"), text("c"), sn::qos::two).has_value());
    // The QoS 2 handshake above is complete, so the gateway has all 3 in the sleeper's buffer.
    // Nothing reaches the sleeper before it wakes.
    const auto early = sleeper.receive_packet(200ms);
    REQUIRE(early.has_value());
    CHECK_FALSE(early->has_value());

    // PINGREQ with ClientId: Length 2 + 7, MsgType 0x16, "sleeper".
    REQUIRE(sleeper.send(sn::pingreq{"sleeper"}).has_value());
    // 1. QoS 0 PUBLISH, Flags 0x00, the client's own registered id, MsgId 0, "a".
    CHECK(sn::encode(next_packet(sleeper)) == publish_bytes(0x00, *known, 0, text("a")));
    // 2. QoS 1 PUBLISH, Flags 0x20, acked before anything else comes.
    const auto p1 = next_packet(sleeper);
    REQUIRE(std::holds_alternative<sn::publish>(p1));
    const auto m1 = std::get<sn::publish>(p1).msg_id;
    CHECK(sn::encode(p1) == publish_bytes(0x20, *known, m1, text("b")));
    REQUIRE(sleeper.send(sn::puback{*known, m1, sn::return_code::accepted}).has_value());
    // 3. REGISTER of the new topic, then its QoS 2 PUBLISH (Flags 0x40), PUBREC/PUBREL/PUBCOMP.
    const auto reg = next_packet(sleeper);
    REQUIRE(std::holds_alternative<sn::register_>(reg));
    const auto& r = std::get<sn::register_>(reg);
    CHECK(r.topic_id != *known);
    CHECK(sn::encode(reg) == register_bytes(r.topic_id, r.msg_id, "bat/new"));
    REQUIRE(sleeper.send(sn::regack{r.topic_id, r.msg_id, sn::return_code::accepted}).has_value());
    const auto p2 = next_packet(sleeper);
    REQUIRE(std::holds_alternative<sn::publish>(p2));
    const auto m2 = std::get<sn::publish>(p2).msg_id;
    CHECK(sn::encode(p2) == publish_bytes(0x40, r.topic_id, m2, text("c")));
    REQUIRE(sleeper.send(sn::pubrec{m2}).has_value());
    CHECK(sn::encode(next_packet(sleeper)) == bytes{0x04, 0x10, hi(m2), lo(m2)}); // PUBREL
    REQUIRE(sleeper.send(sn::pubcomp{m2}).has_value());
    // 4. PINGRESP last: Length 2, MsgType 0x17.
    CHECK(sn::encode(next_packet(sleeper)) == bytes{0x02, 0x17});
    CHECK(gw.stop() == 0);
}

TEST_CASE("battery: QoS -1 PUBLISH with a predefined id and a short name from a socket that "
          "never connected") {
    snbridge_fixture gw("topics:\n  predefined:\n    - { id: 5, name: \"bat/pre\" }\n");
    auto sub = open_sn_client(gw.port());
    sn_connect(sub, "sub");
    const auto pre = sub.subscribe(tools::topic_ref::predefined(5), sn::qos::one);
    REQUIRE(pre.has_value());
    CHECK(pre->topic_id == 5);
    REQUIRE(sub.subscribe(tools::topic_ref::short_name("bt"), sn::qos::one).has_value());

    udp_client sensor;
    const auto gateway = loopback_v4(gw.port());
    // PUBLISH: Length 12, MsgType 0x0C, Flags 0x61 (QoS −1, TopicIdType predefined),
    // TopicId 5, MsgId 0, "hello".
    REQUIRE(
        sensor.send_to(gateway, cat(bytes{12, 0x0C, 0x61, 0x00, 0x05, 0x00, 0x00}, text("hello"))));
    // Delivered at QoS 0 (the publisher's QoS): Flags 0x01 (QoS 0, predefined), TopicId 5.
    CHECK(sn::encode(next_packet(sub)) == publish_bytes(0x01, 5, 0, text("hello")));

    // Flags 0x62 (QoS −1, TopicIdType short name), TopicName "bt", MsgId 0, "hi".
    REQUIRE(sensor.send_to(gateway, cat(bytes{9, 0x0C, 0x62, 'b', 't', 0x00, 0x00}, text("hi"))));
    // Flags 0x02 (QoS 0, short name), "bt".
    CHECK(sn::encode(next_packet(sub)) == publish_bytes(0x02, ('b' << 8) | 't', 0, text("hi")));

    CHECK(gw.proc().wait_for_output(
        "Received PUBLISH from " + sensor.local().to_string() + " (d0, q-1, r0, m0, ", 5s));
    CHECK(gw.stop() == 0);
}

TEST_CASE("battery: SEARCHGW on loopback answered by unicast GWINFO with the configured GwId") {
    snbridge_fixture gw("gateway:\n  id: 42\n");
    udp_client c;
    const auto gateway = loopback_v4(gw.port());
    // SEARCHGW: Length 3, MsgType 0x01, Radius 1.
    REQUIRE(c.send_to(gateway, bytes{0x03, 0x01, 0x01}));
    // GWINFO from the gateway itself: Length 3, MsgType 0x02, GwId 42, no GwAdd.
    CHECK(answer(c, gateway) == bytes{0x03, 0x02, 42});
    CHECK(
        gw.proc().wait_for_output("Received SEARCHGW from " + c.local().to_string() + " (r1)", 5s));
    CHECK(gw.proc().wait_for_output("Sending GWINFO to " + c.local().to_string() + " (g42)", 5s));
    CHECK(gw.stop() == 0);
}

TEST_CASE("battery: encapsulated CONNECT/PUBLISH round trip with answers wrapped for the same "
          "wireless node id") {
    snbridge_fixture gw;
    auto peer = open_sn_client(gw.port());
    sn_connect(peer, "peer");
    const auto up = peer.subscribe(tools::topic_ref::normal("bat/up"), sn::qos::one);
    REQUIRE(up.has_value());

    udp_client forwarder;
    const auto gateway = loopback_v4(gw.port());
    const bytes node = {0x12, 0x34};
    // Encapsulated (§5.5.2): Length 5, MsgType 0xFE, Ctrl (radius 1 from us, 0 in answers),
    // WirelessNodeId 0x1234, then the MQTT-SN message.
    const auto wrap = [&](std::uint8_t ctrl, const bytes& inner) {
        return cat(cat(bytes{5, 0xFE, ctrl}, node), inner);
    };
    const auto exchange = [&](const bytes& inner) {
        REQUIRE(forwarder.send_to(gateway, wrap(0x01, inner)));
        return answer(forwarder, gateway);
    };

    // CONNECT: Length 11, 0x04, Flags 0x04 (CleanSession), ProtocolId 1, Duration 60, "node".
    CHECK(exchange(cat(bytes{10, 0x04, 0x04, 0x01, 0x00, 0x3C}, text("node"))) ==
          wrap(0x00, bytes{0x03, 0x05, 0x00})); // CONNACK rc 0
    // REGISTER: Length 12, 0x0A, TopicId 0, MsgId 1, "bat/up".
    const auto regack = exchange(cat(bytes{12, 0x0A, 0x00, 0x00, 0x00, 0x01}, text("bat/up")));
    REQUIRE(regack.size() == 12);
    const auto tid = static_cast<std::uint16_t>((regack[7] << 8) | regack[8]);
    CHECK(tid != 0);
    // REGACK: Length 7, 0x0B, TopicId, MsgId 1, rc 0.
    CHECK(regack == wrap(0x00, bytes{0x07, 0x0B, hi(tid), lo(tid), 0x00, 0x01, 0x00}));
    // PUBLISH QoS 1: Flags 0x20, TopicId, MsgId 2, "v=1"; PUBACK wrapped back.
    CHECK(exchange(publish_bytes(0x20, tid, 2, text("v=1"))) ==
          wrap(0x00, bytes{0x07, 0x0D, hi(tid), lo(tid), 0x00, 0x02, 0x00}));
    const auto got = peer.receive(5s);
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    CHECK((*got)->topic_id == up->topic_id);
    CHECK((*got)->payload == text("v=1"));

    // Downstream: the node subscribes (QoS 0), the peer publishes, the PUBLISH comes wrapped.
    // SUBSCRIBE: Length 12, 0x12, Flags 0x00, MsgId 3, "bat/dn".
    const auto suback = exchange(cat(bytes{11, 0x12, 0x00, 0x00, 0x03}, text("bat/dn")));
    REQUIRE(suback.size() == 13);
    const auto dn = static_cast<std::uint16_t>((suback[8] << 8) | suback[9]);
    // SUBACK: Length 8, 0x13, Flags 0x00 (granted QoS 0), TopicId, MsgId 3, rc 0.
    CHECK(suback == wrap(0x00, bytes{0x08, 0x13, 0x00, hi(dn), lo(dn), 0x00, 0x03, 0x00}));
    REQUIRE(
        peer.publish(tools::topic_ref::normal("bat/dn"), text("cmd"), sn::qos::zero).has_value());
    CHECK(answer(forwarder, gateway) == wrap(0x00, publish_bytes(0x00, dn, 0, text("cmd"))));
    CHECK(gw.stop() == 0);
}

TEST_CASE("battery: WILLTOPICUPD and WILLMSGUPD answered rc 0 and the updated will is "
          "published on keep-alive expiry") {
    snbridge_fixture gw;
    auto watcher = open_sn_client(gw.port());
    sn_connect(watcher, "watcher");
    REQUIRE(watcher.subscribe(tools::topic_ref::normal("bat/will/#"), sn::qos::one).has_value());

    auto dying = open_sn_client(gw.port());
    sn_connect(dying, "dying", 1, true,
               tools::will_options{"bat/will/old", text("old"), sn::qos::zero, false});
    // WILLTOPICUPD: Length 15, MsgType 0x1A, Flags 0x20 (QoS 1), "bat/will/new".
    sn::willtopicupd tu;
    tu.flag.qos_level = sn::qos::one;
    tu.topic = "bat/will/new";
    CHECK(sn::encode(tu) == cat(bytes{15, 0x1A, 0x20}, text("bat/will/new")));
    REQUIRE(dying.send(tu).has_value());
    // WILLTOPICRESP: Length 3, MsgType 0x1B, rc 0.
    CHECK(sn::encode(next_packet(dying)) == bytes{0x03, 0x1B, 0x00});
    // WILLMSGUPD: Length 5, MsgType 0x1C, "new".
    REQUIRE(dying.send(sn::willmsgupd{text("new")}).has_value());
    // WILLMSGRESP: Length 3, MsgType 0x1D, rc 0.
    CHECK(sn::encode(next_packet(dying)) == bytes{0x03, 0x1D, 0x00});

    // Silence: keep-alive 1 s expires (with tolerance), the updated will is published.
    const auto will = watcher.receive(6s);
    REQUIRE(will.has_value());
    REQUIRE(will->has_value());
    CHECK((*will)->topic == "bat/will/new");
    CHECK((*will)->qos_level == sn::qos::one);
    CHECK((*will)->payload == text("new"));
    // And only that one: the old will is gone.
    const auto more = watcher.receive(1s);
    REQUIRE(more.has_value());
    CHECK_FALSE(more->has_value());
    CHECK(gw.stop() == 0);
}

TEST_CASE("battery: a sleeper that never wakes is Lost after its sleep duration and its will is "
          "published") {
    snbridge_fixture gw;
    auto watcher = open_sn_client(gw.port());
    sn_connect(watcher, "watcher");
    const auto s = watcher.subscribe(tools::topic_ref::normal("bat/lost"), sn::qos::one);
    REQUIRE(s.has_value());

    auto dozer = open_sn_client(gw.port());
    sn_connect(dozer, "dozer", 60, true,
               tools::will_options{"bat/lost", text("zz"), sn::qos::one, false});
    // Sleep 1 s (keep-alive is suspended while asleep); expiry with the §7.2 tolerance -> Lost.
    REQUIRE(dozer.sleep(1).has_value());
    const auto slept = std::chrono::steady_clock::now();
    const auto will = watcher.receive(6s);
    REQUIRE(will.has_value());
    REQUIRE(will->has_value());
    CHECK(std::chrono::steady_clock::now() - slept >= 1s);
    CHECK((*will)->topic_id == s->topic_id);
    CHECK((*will)->payload == text("zz"));
    CHECK(gw.stop() == 0);
}

TEST_CASE("battery: a sleeper wakes from a new source port and still gets its buffered message") {
    snbridge_fixture gw;
    auto pub = open_sn_client(gw.port());
    sn_connect(pub, "pub");
    std::uint16_t id = 0;
    {
        auto before = open_sn_client(gw.port());
        sn_connect(before, "roamer");
        const auto s = before.subscribe(tools::topic_ref::normal("bat/port"), sn::qos::one);
        REQUIRE(s.has_value());
        id = s->topic_id;
        REQUIRE(before.sleep(30).has_value());
    } // that socket and its port are gone
    REQUIRE(pub.publish(tools::topic_ref::normal("bat/port"), text("w"), sn::qos::one).has_value());

    auto after = open_sn_client(gw.port());
    REQUIRE(after.send(sn::pingreq{"roamer"}).has_value());
    const auto p = next_packet(after);
    REQUIRE(std::holds_alternative<sn::publish>(p));
    const auto m = std::get<sn::publish>(p).msg_id;
    // Flags 0x20 (QoS 1), the SUBACK's topic id, "w".
    CHECK(sn::encode(p) == publish_bytes(0x20, id, m, text("w")));
    REQUIRE(after.send(sn::puback{id, m, sn::return_code::accepted}).has_value());
    CHECK(sn::encode(next_packet(after)) == bytes{0x02, 0x17}); // PINGRESP after the ack
    CHECK(gw.stop() == 0);
}
