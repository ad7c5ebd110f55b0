// What real devices hit (issue 10): one byte-exact scenario per defect found with
// third-party clients, on the real built-in broker (conformance world) or, where the MQTT
// side must answer late, on the recording fake (scenario).

#include <doctest/doctest.h>

#include "tests/gateway/conformance_harness.hpp"

namespace snbridge::gateway::conformance {

namespace {

/// PUBLISH QoS 1, normal topic id 1, MsgId 1, payload "x": what the gateway sends a client
/// that knows id 1 (flags 0x20; with DUP 0xA0).
constexpr const char* publish_q1_id1 = "08 0C 20 00 01 00 01 78";
constexpr const char* publish_q1_id1_dup = "08 0C A0 00 01 00 01 78";

} // namespace

TEST_CASE("§5.3.1 spec-decisions rule 16: a CONNECT with another ClientId from A's address - "
          "nothing of A reaches B, A is reached again from its own address") {
    world w;
    w.connect(ca, "A", 600);
    w.in(ca, sn({hx("12 20 00 01"), tx("t/a")}));            // SUBSCRIBE QoS 1 "t/a", MsgId 1
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"}); // SUBACK q1, TopicId 1, MsgId 1
    w.mqtt_publish("t/a", "x", 1);
    CHECK(w.take(ca) == strings{publish_q1_id1}); // A's message in flight, not acked

    w.connect(ca, "B", 600); // B now owns 10.0.0.1:5000
    w.mqtt_publish("t/a", "x", 1);
    w.advance(25s);          // A's T_retry passes twice
    CHECK(w.take().empty()); // neither A's retransmission nor A's next message goes to B
    CHECK(w.core.state_of("A") == session_state::active); // A keeps its session

    // A pings with its ClientId from its own (new) address: it is reached there again.
    w.in(cb, sn({hx("16"), tx("A")}));
    CHECK(w.take(cb) == strings{"02 17"}); // PINGRESP
    w.advance(1s); // its overdue retransmission goes at once, now that it can be reached
    CHECK(w.take(cb) == strings{publish_q1_id1_dup});
    w.in(cb, hx("07 0D 00 01 00 01 00"));                    // PUBACK
    CHECK(w.take(cb) == strings{"08 0C 20 00 01 00 02 78"}); // the second message, MsgId 2
    // B, on the address A had, sees nothing of A, and B's own session works.
    w.in(ca, hx("02 16"));
    CHECK(w.take(ca) == strings{"02 17"});
}

TEST_CASE("§5.3.1 spec-decisions rule 16: A reconnecting from a new address gets its own "
          "queued message, B none") {
    world w;
    w.connect(ca, "A", 600, false);
    w.in(ca, sn({hx("12 20 00 01"), tx("t/a")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.connect(ca, "B", 600);
    w.mqtt_publish("t/a", "x", 1);
    CHECK(w.take().empty());
    w.connect(cc, "A", 600, false); // CleanSession=0: A's subscription and queue stay
    // §6.5: after a reconnect the gateway REGISTERs the name again before it publishes.
    CHECK(w.take(cc) == strings{"09 0A 00 01 00 01 74 2F 61"});
    w.in(cc, hx("07 0B 00 01 00 01 00")); // REGACK accepted
    CHECK(w.take(cc) == strings{"08 0C 20 00 01 00 02 78"});
}

TEST_CASE("spec-decisions rule 17: a QoS 1 publisher subscribed to its own topic gets its "
          "PUBACK before its own copy (Paho pub0sub1)") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 01"), tx("t/a")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.in(ca, sn({hx("0C 20 00 01 00 05"), tx("x")}));   // PUBLISH QoS 1, id 1, MsgId 5
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 05 00", // PUBACK first
                                publish_q1_id1});       // then its own copy
    // QoS 2 the same way: PUBREC, then the copy.
    w.in(ca, hx("07 0D 00 01 00 01 00"));
    CHECK(w.take(ca).empty());
    w.in(ca, sn({hx("0C 40 00 01 00 06"), tx("y")})); // PUBLISH QoS 2, MsgId 6
    CHECK(w.take(ca) == strings{"04 0F 00 06", "08 0C 20 00 01 00 02 79"});
}

TEST_CASE("§6.5 §6.10: REGISTER of a name that is no valid MQTT topic name gets REGACK 0x02, "
          "PUBLISH on it never gets congestion") {
    world w;
    w.connect(ca, "s1");
    // "a" + C0 80 (overlong NUL): not UTF-8 (MQTT 3.1.1 §1.5.3).
    w.in(ca, sn({hx("0A 00 00 00 01"), hx("61 C0 80")}));
    CHECK(w.take(ca) == strings{"07 0B 00 00 00 01 02"});
    // A lone surrogate (ED A0 80) and a truncated sequence (E2 82) likewise.
    w.in(ca, sn({hx("0A 00 00 00 02"), hx("ED A0 80")}));
    CHECK(w.take(ca) == strings{"07 0B 00 00 00 02 02"});
    w.in(ca, sn({hx("0A 00 00 00 03"), hx("E2 82")}));
    CHECK(w.take(ca) == strings{"07 0B 00 00 00 03 02"});
    // Nothing was registered: a PUBLISH on id 1 is refused as invalid, not as congestion.
    w.in(ca, sn({hx("0C 20 00 01 00 07"), tx("v")}));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 07 02"});
    CHECK(w.obs.got.empty());
    // A valid UTF-8 name (é = C3 A9) is accepted.
    w.in(ca, sn({hx("0A 00 00 00 04"), hx("61 C3 A9")}));
    CHECK(w.take(ca) == strings{"07 0B 00 01 00 04 00"});
}

TEST_CASE("§6.9: SUBSCRIBE of a filter with invalid UTF-8 is refused (SUBACK 0x03), nothing is "
          "subscribed") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 09"), hx("61 2F FF")})); // "a/" + FF
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 09 03"});
    w.mqtt_publish("a/b", "x", 0);
    CHECK(w.take().empty());
}

TEST_CASE("§6.6 §6.7: PUBLISH with a short name that is no topic name gets PUBACK 0x02") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("0C 22"), tx("a+"), hx("00 03"), tx("v")})); // QoS 1, short name "a+"
    CHECK(w.take(ca) == strings{"07 0D 61 2B 00 03 02"});
    w.in(ca, sn({hx("0C 22"), hx("C3 00"), hx("00 04"), tx("v")})); // C3 then NUL: not UTF-8
    CHECK(w.take(ca) == strings{"07 0D C3 00 00 04 02"});
    CHECK(w.obs.got.empty());
}

} // namespace snbridge::gateway::conformance

namespace snbridge::gateway::test {

TEST_CASE("spec-decisions rule 18: keep-alive supervision starts at CONNACK, not at CONNECT "
          "(slow upstream connect, 2 s keep-alive)") {
    scenario sc;
    sc.side.auto_open.reset(); // the MQTT side answers late, as Paho's connect does
    sc.in(addr_a, cat({hx("0A 04 04 01 00 02"), tx("dev1")})); // CONNECT clean, k2
    CHECK(sc.take().empty());
    sc.advance(2500ms); // the upstream connect takes 2.5 s, longer than 1.5 x keep-alive
    REQUIRE(sc.side.opens.size() == 1);
    sc.side.listener->on_open(sc.id_of("dev1"), common::open_status::accepted, false);
    CHECK(sc.take(addr_a) == std::vector<std::string>{"03 05 00"});
    sc.advance(2900ms); // §7.2 tolerance: 1.5 x 2 s = 3 s from the CONNACK
    CHECK(sc.core.state_of("dev1") == session_state::active);
    CHECK(sc.side.closes.empty()); // no will published
    sc.advance(200ms);
    CHECK(sc.core.state_of("dev1") != session_state::active);
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0].second == common::close_reason::lost);
}

TEST_CASE("spec-decisions rule 18: the will handshake does not start keep-alive supervision") {
    scenario sc;
    sc.in(addr_a, cat({hx("0A 04 0C 01 00 01"), tx("dev1")}));   // CONNECT will + clean, k1
    CHECK(sc.take(addr_a) == std::vector<std::string>{"02 06"}); // WILLTOPICREQ
    sc.advance(1200ms);
    sc.in(addr_a, cat({hx("05 07 00"), tx("w/")}));              // WILLTOPIC
    CHECK(sc.take(addr_a) == std::vector<std::string>{"02 08"}); // WILLMSGREQ
    sc.advance(1200ms);
    sc.in(addr_a, cat({hx("05 09"), tx("bye")})); // WILLMSG: the MQTT side opens at once
    CHECK(sc.take(addr_a) == std::vector<std::string>{"03 05 00"});
    sc.advance(1400ms); // 1.5 x 1 s from the CONNACK, not from the CONNECT 2.4 s ago
    CHECK(sc.core.state_of("dev1") == session_state::active);
    sc.advance(200ms);
    CHECK(sc.core.state_of("dev1") != session_state::active);
}

} // namespace snbridge::gateway::test

namespace snbridge::gateway::conformance {

TEST_CASE("§6.5 §6.9: REGISTER and SUBSCRIBE of a name deeper than broker.max_topic_levels are "
          "refused up front (REGACK 0x02, SUBACK 0x03)") {
    core_settings s = settings();
    s.topic_limits.max_levels = 3;
    world w(s);
    w.connect(ca, "s1");
    w.in(ca, sn({hx("0A 00 00 00 01"), tx("a/b/c")})); // 3 levels: accepted
    CHECK(w.take(ca) == strings{"07 0B 00 01 00 01 00"});
    w.in(ca, sn({hx("0A 00 00 00 02"), tx("a/b/c/d")})); // 4 levels
    CHECK(w.take(ca) == strings{"07 0B 00 00 00 02 02"});
    w.in(ca, sn({hx("12 20 00 03"), tx("a/b/+/d")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 03 03"});
    w.in(ca, sn({hx("12 20 00 04"), tx("a/b/#")})); // 3 levels with '#': accepted
    CHECK(w.take(ca) == strings{"08 13 20 00 00 00 04 00"});
}

} // namespace snbridge::gateway::conformance

namespace snbridge::gateway::conformance {

TEST_CASE("§5.2.1 spec-decisions rule 10: a 15-octet CONNECT in the 3-octet Length form is "
          "answered") {
    world w;
    // 01 000F: Length 15; CONNECT, Flags CleanSession, ProtocolId 1, Duration 60, "sensor1"
    w.in(ca, cat({hx("01 00 0F 04 04 01 00 3C"), tx("sensor1")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    CHECK(w.core.state_of("sensor1") == session_state::active);
}

TEST_CASE("§5.2.1 spec-decisions rule 10: Paho's PUBLISH with 255 octets after the Length "
          "(declares 256, sends 258) and the 257-octet miscount are delivered") {
    world w;
    w.connect(ca, "s1");
    (void)w.reg(ca, "a/b");
    const std::string data(249, 'p');
    // 01 0100: Length "256"; PUBLISH QoS 1, TopicId 0001, MsgId 0009; 249 octets: 258 in all
    w.in(ca, cat({hx("01 01 00 0C 20 00 01 00 09"), tx(data)}));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 09 00"});
    CHECK(w.obs.take() == strings{"a/b=" + data});
    // 01 00FF: Length "255" on 257 octets (the issue's capture)
    const std::string data248(248, 'q');
    w.in(ca, cat({hx("01 00 FF 0C 20 00 01 00 0A"), tx(data248)}));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 0A 00"});
    CHECK(w.obs.take() == strings{"a/b=" + data248});
}

} // namespace snbridge::gateway::conformance

namespace snbridge::gateway::test {

TEST_CASE("§6.1: no ADVERTISE while the MQTT side is not connected to its server, the first "
          "follows within 5 s of the reconnect") {
    core_settings s = quiet_settings();
    s.advertise_interval_s = 900;
    s.gateway_id = 7;
    scenario sc(s);
    sc.side.connected = false;
    sc.advance(1s);
    sc.advance(60s);
    CHECK(sc.sink.multicasts.empty());
    sc.side.connected = true;
    sc.advance(5s);
    REQUIRE(sc.sink.multicasts.size() == 1);
    CHECK(show(sc.sink.multicasts[0].data) == "05 00 07 03 84"); // GwId 7, Duration 900 s
    sc.advance(890s);
    CHECK(sc.sink.multicasts.size() == 1); // the next one only after T_ADV
    sc.advance(15s);
    CHECK(sc.sink.multicasts.size() == 2);
}

TEST_CASE("§6.1: no GWINFO for SEARCHGW while the MQTT side is not connected to its server") {
    scenario sc;
    sc.side.connected = false;
    sc.in(addr_a, hx("03 01 01")); // SEARCHGW radius 1
    CHECK(sc.take().empty());
    CHECK(sc.sink.multicasts.empty());
    sc.side.connected = true;
    sc.in(addr_a, hx("03 01 01"));
    CHECK(sc.take(addr_a) == std::vector<std::string>{"03 02 01"}); // GWINFO GwId 1, unicast
    CHECK(sc.sink.multicasts.size() == 1);
}

} // namespace snbridge::gateway::test
