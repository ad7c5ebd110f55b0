// Conformance: connection set-up, clean session, disconnect and the spec-decisions rules 13-15,
// byte-exact, on the real built-in broker (MQTT-SN 1.2 §6.2, §6.3, §6.12, §6.14).

#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

TEST_CASE("conformance §6.2 §6.3: will handshake - then the will is published on keep-alive loss") {
    world w;
    // CONNECT: Flags 0x0C (Will, CleanSession), ProtocolId 01, Duration 10 s, "s1"
    w.in(ca, sn({hx("04 0C 01 00 0A"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"}); // WILLTOPICREQ
    // WILLTOPIC: Flags 0x30 (QoS 1, Retain), "w/s1"
    w.in(ca, sn({hx("07 30"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"}); // WILLMSGREQ
    w.in(ca, sn({hx("09"), tx("gone")}));
    CHECK(w.take(ca) == strings{"03 05 00"}); // CONNACK accepted
    CHECK(w.core.state_of("s1") == session_state::active);
    CHECK(w.obs.got.empty());
    w.advance(14'999ms); // §7.2: 10 s + 50 %
    CHECK(w.obs.got.empty());
    w.advance(1ms);
    REQUIRE(w.obs.got.size() == 1);
    CHECK(w.obs.got[0].qos == 1);
    CHECK(w.obs.got[0].retain == false); // a live subscriber gets retain 0 (MQTT 3.1.1)
    CHECK(w.obs.take() == strings{"w/s1=gone"});
    CHECK(w.broker->retained_count() == 1); // the will's Retain flag was kept
    CHECK(w.take().empty());
}

TEST_CASE("conformance §6.2: CONNECT retransmitted during the will handshake restarts it") {
    world w;
    const bytes con = sn({hx("04 0C 01 00 3C"), tx("s1")});
    w.in(ca, con);
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, con);
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    // WILLTOPIC retransmitted (our WILLMSGREQ was lost): WILLMSGREQ again
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.in(ca, sn({hx("09"), tx("x")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    // WILLMSG retransmitted (our CONNACK was lost): CONNACK again
    w.in(ca, sn({hx("09"), tx("x")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
}

TEST_CASE("conformance §6.2: an abandoned will handshake times out - nothing is published") {
    world w;
    w.in(ca, sn({hx("04 0C 01 00 3C"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.advance(29'999ms);
    CHECK(w.core.session_count() == 1);
    w.advance(1ms); // connect_timeout 30 s
    CHECK(w.core.session_count() == 0);
    CHECK(w.obs.got.empty());
    CHECK(w.take().empty());
    w.in(ca, sn({hx("09"), tx("late")}));
    CHECK(w.take(ca) == strings{"02 18"}); // spec-decisions rule 14
}

TEST_CASE(
    "conformance §6.3: CleanSession=1 deletes the subscriptions kept by a CleanSession=0 session") {
    world w;
    w.connect(ca, "s1", 60, false);
    // SUBSCRIBE Flags 0x20 (QoS 1, normal name), MsgId 0001, "t/1"
    w.in(ca, sn({hx("12 20 00 01"), tx("t/1")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.in(ca, hx("02 18"));
    CHECK(w.take(ca) == strings{"02 18"});
    w.connect(ca, "s1", 60, true);
    w.mqtt_publish("t/1", "m", 1);
    CHECK(w.take().empty());
}

TEST_CASE("conformance §6.3 §6.5: CleanSession=0 keeps subscriptions and will - REGISTER again "
          "before PUBLISH") {
    world w;
    // CONNECT Flags 0x08 (Will, CleanSession=0), Duration 60
    w.in(ca, sn({hx("04 08 01 00 3C"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 20"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.in(ca, sn({hx("09"), tx("bye")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    w.in(ca, sn({hx("12 20 00 01"), tx("t/1")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.in(ca, hx("02 18")); // DISCONNECT: the will is not published (§6.12)
    CHECK(w.take(ca) == strings{"02 18"});
    CHECK(w.obs.got.empty());
    w.mqtt_publish("t/1", "while-away", 1); // queued by the persistent session
    // CONNECT Flags 0x00: keep everything, no will prompt
    w.connect(ca, "s1", 60, false);
    // §6.5: the gateway REGISTERs the topic again (same id 0001), then publishes on it
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 01"), tx("t/1")})});
    w.in(ca, hx("07 0B 00 01 00 01 00"));
    CHECK(w.take(ca) == strings{snx({hx("0C 20 00 01 00 02"), tx("while-away")})});
    w.in(ca, hx("07 0D 00 01 00 02 00"));
    CHECK(w.take().empty());
    // the stored will is still there: keep-alive loss publishes it
    w.advance(91s);
    CHECK(w.obs.take() == strings{"t/1=while-away", "w/s1=bye"});
}

TEST_CASE("conformance §6.3: CleanSession=0 + Will=1 + empty WILLTOPIC deletes only the will") {
    world w;
    w.in(ca, sn({hx("04 08 01 00 0A"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.in(ca, sn({hx("09"), tx("bye")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    w.in(ca, sn({hx("12 00 00 01"), tx("t/1")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 01 00 01 00"});
    w.in(ca, sn({hx("04 08 01 00 0A"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, hx("02 07")); // empty WILLTOPIC
    CHECK(w.take(ca) == strings{"03 05 00"});
    w.mqtt_publish("t/1", "kept", 0); // the subscription survived: REGISTER again (§6.5)
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 01"), tx("t/1")})});
    w.in(ca, hx("07 0B 00 01 00 01 00"));
    CHECK(w.take(ca) == strings{snx({hx("0C 00 00 01 00 00"), tx("kept")})});
    w.obs.got.clear();
    w.advance(16s);
    CHECK(w.core.state_of("s1") == session_state::lost);
    CHECK(w.obs.got.empty()); // no will any more
}

TEST_CASE("conformance spec-decisions rule 13: ClientId up to 64 accepted - 65 gets CONNACK 0x03") {
    world w;
    w.connect(ca, std::string(24, 'a')); // longer than the spec's 23
    w.connect(cb, std::string(64, 'b'));
    w.in(cc, sn({hx("04 04 01 00 3C"), tx(std::string(65, 'c'))}));
    CHECK(w.take(cc) == strings{"03 05 03"});
    CHECK(w.core.session_count() == 2);
}

TEST_CASE("conformance spec-decisions rule 14: every non-CONNECT from an unknown client gets "
          "DISCONNECT") {
    world w;
    const std::vector<bytes> msgs{
        sn({hx("0A 00 00 00 01"), tx("a/b")}), // REGISTER
        hx("08 0C 20 00 01 00 01 78"),         // PUBLISH QoS 1
        hx("08 0C 00 00 01 00 00 78"),         // PUBLISH QoS 0
        sn({hx("12 20 00 01"), tx("a/b")}),    // SUBSCRIBE
        sn({hx("14 00 00 01"), tx("a/b")}),    // UNSUBSCRIBE
        hx("02 16"),                           // PINGREQ
        hx("04 10 00 01"),                     // PUBREL
        hx("07 0D 00 01 00 01 00"),            // PUBACK
        hx("07 0B 00 01 00 01 00"),            // REGACK
        sn({hx("1A 00"), tx("w")}),            // WILLTOPICUPD
        hx("03 1C 41"),                        // WILLMSGUPD
        hx("02 18"),                           // DISCONNECT
    };
    for (const auto& m : msgs) {
        CAPTURE(show(m));
        w.in(ca, m);
        CHECK(w.take(ca) == strings{"02 18"});
    }
    CHECK(w.core.session_count() == 0);
    CHECK(w.obs.got.empty());
}

TEST_CASE("conformance §6.12: after DISCONNECT the client must CONNECT again") {
    world w;
    w.connect(ca, "s1");
    const auto id = w.reg(ca, "a/b");
    w.in(ca, hx("02 18"));
    CHECK(w.take(ca) == strings{"02 18"});
    w.in(ca, cat({hx("08 0C 20"), bytes{0x00, static_cast<std::uint8_t>(id)}, hx("00 02 78")}));
    CHECK(w.take(ca) == strings{"02 18"});
    CHECK(w.obs.got.empty());
}

TEST_CASE("conformance spec-decisions rule 15: a second CONNECT - CleanSession=1 - forgets "
          "registrations") {
    world w;
    w.connect(ca, "s1");
    CHECK(w.reg(ca, "a/b") == 1);
    w.connect(ca, "s1");
    // PUBLISH QoS 1 on the old id 0001: unknown now -> PUBACK 0x02 echoing TopicId and MsgId
    w.in(ca, hx("08 0C 20 00 01 00 05 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 05 02"});
    CHECK(w.obs.got.empty());
}

TEST_CASE("conformance spec-decisions rule 15: second CONNECT runs the will handshake again") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("04 0C 01 00 0A"), tx("s1")}));
    CHECK(w.take(ca) == strings{"02 06"});
    w.in(ca, sn({hx("07 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"02 08"});
    w.in(ca, sn({hx("09"), tx("bye")}));
    CHECK(w.take(ca) == strings{"03 05 00"});
    CHECK(w.obs.got.empty()); // closing the first connection published no will
    w.advance(15s);
    CHECK(w.obs.take() == strings{"w/s1=bye"});
}

TEST_CASE("conformance spec-decisions rule 15: CleanSession=0 second CONNECT retries the in-flight "
          "PUBLISH "
          "with DUP") {
    world w;
    w.connect(ca, "s1", 60, false);
    w.in(ca, sn({hx("12 20 00 01"), tx("t/1")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.mqtt_publish("t/1", "m", 1);
    CHECK(w.take(ca) == strings{"08 0C 20 00 01 00 01 6D"});
    // no PUBACK; the client reconnects (new connection, same session)
    w.connect(ca, "s1", 60, false);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 02"), tx("t/1")})});
    w.in(ca, hx("07 0B 00 01 00 02 00"));
    CHECK(w.take(ca) == strings{"08 0C A0 00 01 00 01 6D"}); // DUP, same MsgId
    w.in(ca, hx("07 0D 00 01 00 01 00"));
    CHECK(w.take().empty()); // delivered once: the broker did not hand it over again
}

TEST_CASE("conformance architecture.md Identity: CONNECT from a new address moves the session") {
    world w;
    w.connect(ca, "s1", 60, false);
    w.in(ca, sn({hx("12 00 00 01"), tx("t/1")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 01 00 01 00"});
    w.connect(cb, "s1", 60, false);
    w.in(ca, hx("02 16"));
    CHECK(w.take(ca) == strings{"02 18"}); // the old address is nobody now
    w.mqtt_publish("t/1", "m", 0);
    CHECK(w.take(cb) == strings{snx({hx("0A 00 01 00 01"), tx("t/1")})});
    w.in(cb, hx("07 0B 00 01 00 01 00"));
    CHECK(w.take(cb) == strings{"08 0C 00 00 01 00 00 6D"});
}
