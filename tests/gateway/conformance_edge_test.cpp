// Conformance: edge cases a third-party client or a conformance suite sends (MQTT-SN 1.2
// §5.3.7, §5.4.4, §5.5, §6.2, §6.13, §6.14; spec-decisions rules 8, 14).

#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

TEST_CASE(
    "conformance §6.14: a QoS 1 PUBLISH in flight when the client sleeps goes again with DUP") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, hx("07 12 22 00 01 61 62"));
    CHECK(w.take(ca).size() == 1);
    w.mqtt_publish("ab", "1", 1);
    CHECK(w.take(ca) == strings{"08 0C 22 61 62 00 01 31"});
    w.in(ca, hx("04 18 00 64")); // sleeps without acking
    CHECK(w.take(ca) == strings{"02 18"});
    w.advance(30s);
    CHECK(w.take().empty()); // no retransmission while asleep
    w.in(ca, sn({hx("16"), tx("s1")}));
    CHECK(w.take(ca) == strings{"08 0C A2 61 62 00 01 31"});
    w.in(ca, hx("07 0D 61 62 00 01 00"));
    CHECK(w.take(ca) == strings{"02 17"});
}

TEST_CASE("conformance spec-decisions rule 14: PINGREQ with an unknown ClientId gets DISCONNECT") {
    world w;
    w.in(ca, sn({hx("16"), tx("nobody")}));
    CHECK(w.take(ca) == strings{"02 18"});
}

TEST_CASE("conformance §5.5: a forwarder may set the radius bits of Ctrl") {
    world w;
    // Ctrl 0x01 (radius 1); only the reserved bits 7-2 must be zero (Table 29)
    w.in(cc, cat({hx("04 FE 01 AA"), sn({hx("04 04 01 00 3C"), tx("n3")})}));
    CHECK(w.take(cc) == strings{"04 FE 00 AA 03 05 00"});
}

TEST_CASE("conformance spec-decisions rule 8 §6.13: after N_retry unacked retransmissions the "
          "client is lost") {
    world w;
    w.in(ca, sn({hx("04 0C 01 03 84"), tx("s1")})); // keep-alive 900 s
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.in(ca, sn({hx("09"), tx("gone")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    w.in(ca, hx("07 12 22 00 01 61 62"));
    CHECK(w.take(ca).size() == 1);
    w.mqtt_publish("ab", "1", 1);
    CHECK(w.take(ca) == strings{"08 0C 22 61 62 00 01 31"});
    for (int i = 0; i < 5; ++i) {
        w.advance(10s);
        CHECK(w.take(ca) == strings{"08 0C A2 61 62 00 01 31"});
    }
    w.obs.got.clear();
    w.advance(10s);
    CHECK(w.take().empty());
    CHECK(w.obs.take() == strings{"w/s1=gone"});
}

TEST_CASE("conformance §6.9: SUBSCRIBE retransmitted with DUP is answered again with the same id") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 01"), tx("d/1")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.in(ca, sn({hx("12 A0 00 01"), tx("d/1")})); // DUP: our SUBACK was lost
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.mqtt_publish("d/1", "x", 0);
    CHECK(w.take(ca) == strings{"08 0C 00 00 01 00 00 78"}); // once, not twice
}

TEST_CASE("conformance §6.5: REGISTER retransmitted (DUP of a lost REGACK) gets the same id") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("0A 00 00 00 01"), tx("r/1")}));
    CHECK(w.take(ca) == strings{"07 0B 00 01 00 01 00"});
    w.in(ca, sn({hx("0A 00 00 00 01"), tx("r/1")}));
    CHECK(w.take(ca) == strings{"07 0B 00 01 00 01 00"});
}

TEST_CASE("conformance §5.4.21: DISCONNECT with Duration 0 (some client libraries always send it) "
          "is a plain DISCONNECT") {
    world w;
    w.in(ca, sn({hx("04 0C 01 00 0A"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.in(ca, sn({hx("09"), tx("x")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    w.in(ca, hx("04 18 00 00"));
    CHECK(w.take(ca) == strings{"02 18"});
    CHECK(w.core.state_of("s1") == std::nullopt); // clean session: gone, not asleep
    w.advance(600s);
    CHECK(w.obs.got.empty()); // no will
}

TEST_CASE("conformance §6.12: the broker session taken over by an MQTT client -> unsolicited "
          "DISCONNECT") {
    world w;
    w.connect(ca, "s1");
    observer other;
    const auto r = w.broker->connect("s1", true, std::nullopt, other);
    REQUIRE(r.status == bridge::local::connect_status::accepted);
    CHECK(w.take(ca) == strings{"02 18"});
    w.in(ca, hx("02 16"));
    CHECK(w.take(ca) == strings{"02 18"}); // it must CONNECT again
    w.broker->disconnect(r.connection, common::close_reason::disconnect);
    w.connect(ca, "s1");
}

TEST_CASE("conformance §6.2 §5.3.8: CONNECT with a ProtocolId other than 0x01 is refused with "
          "CONNACK 0x03") {
    world w;
    w.in(ca, sn({hx("04 04 02 00 3C"), tx("s1")}));
    CHECK(w.take(ca) == strings{"03 05 03"});
    CHECK(w.core.session_count() == 0);
}

TEST_CASE("conformance §6.2 §5.5: CONNECT with another ProtocolId through a forwarder -> wrapped "
          "CONNACK 0x03") {
    world w;
    w.in(cc, cat({hx("04 FE 00 AA"), sn({hx("04 04 00 00 3C"), tx("n1")})}));
    CHECK(w.take(cc) == strings{"04 FE 00 AA 03 05 03"});
    CHECK(w.core.session_count() == 0);
}
