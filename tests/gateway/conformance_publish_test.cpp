// Conformance: REGISTER, client and gateway PUBLISH at every QoS and topic id type, QoS −1,
// DUP, MsgId wrap-around and the 3-octet Length, byte-exact, on the real built-in broker
// (MQTT-SN 1.2 §5.2.1, §5.3.11, §6.5-§6.8, §6.10; spec-decisions rules 1, 3, 10, 12).

#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

namespace {

core_settings with_predefined() {
    auto s = settings();
    s.predefined = {{1, "pre/one"}, {0x1234, "pre/big"}};
    return s;
}

/// MsgId of a PUBLISH as the gateway sent it (octets 5-6).
std::uint16_t publish_msg_id(const bytes& b) {
    return static_cast<std::uint16_t>((b[5] << 8) | b[6]);
}

} // namespace

TEST_CASE("conformance §6.5: REGACK echoes the MsgId - ids per session - never 0x0000/0xFFFF") {
    world w;
    w.connect(ca, "s1");
    w.connect(cb, "s2");
    // REGISTER TopicId 0000 MsgId 1234 "a/b" -> REGACK TopicId 0001 MsgId 1234 accepted
    w.in(ca, sn({hx("0A 00 00 12 34"), tx("a/b")}));
    CHECK(w.take(ca) == strings{"07 0B 00 01 12 34 00"});
    w.in(ca, sn({hx("0A 00 00 12 35"), tx("c/d")}));
    CHECK(w.take(ca) == strings{"07 0B 00 02 12 35 00"});
    w.in(ca, sn({hx("0A 00 00 12 36"), tx("a/b")})); // same name, same id
    CHECK(w.take(ca) == strings{"07 0B 00 01 12 36 00"});
    CHECK(w.reg(cb, "c/d") == 1); // spec-decisions rule 4: per session
}

TEST_CASE("conformance spec-decisions rule 3: REGISTER of a predefined name gets a normal id") {
    world w(with_predefined());
    w.connect(ca, "s1");
    w.in(ca, sn({hx("0A 00 00 00 01"), tx("pre/one")}));
    CHECK(w.take(ca) == strings{"07 0B 00 01 00 01 00"});
    w.in(ca, hx("08 0C 00 00 01 00 00 6E")); // PUBLISH QoS 0 normal id 1
    CHECK(w.obs.take() == strings{"pre/one=n"});
}

TEST_CASE("conformance §6.6: PUBLISH QoS 0/1/2 on a registered id reaches MQTT subscribers") {
    world w;
    w.connect(ca, "s1");
    const auto id = w.reg(ca, "a/b");
    REQUIRE(id == 1);
    w.in(ca, sn({hx("0C 00 00 01 00 00"), tx("q0")}));
    CHECK(w.take().empty());
    w.in(ca, sn({hx("0C 20 00 01 00 07"), tx("q1")}));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 07 00"}); // PUBACK TopicId, MsgId, accepted
    w.in(ca, sn({hx("0C 50 00 01 00 08"), tx("q2r")}));   // QoS 2, Retain
    CHECK(w.take(ca) == strings{"04 0F 00 08"});          // PUBREC
    w.in(ca, hx("04 10 00 08"));                          // PUBREL
    CHECK(w.take(ca) == strings{"04 0E 00 08"});          // PUBCOMP
    REQUIRE(w.obs.got.size() == 3);
    CHECK(w.obs.got[0].qos == 0);
    CHECK(w.obs.got[1].qos == 1);
    CHECK(w.obs.got[2].qos == 2);
    CHECK(w.obs.take() == strings{"a/b=q0", "a/b=q1", "a/b=q2r"});
    CHECK(w.broker->retained_count() == 1);
}

TEST_CASE("conformance spec-decisions rule 12: QoS 0 PUBLISH with a non-zero MsgId is accepted") {
    world w;
    w.connect(ca, "s1");
    (void)w.reg(ca, "a/b");
    w.in(ca, hx("08 0C 00 00 01 AB CD 7A"));
    CHECK(w.take().empty());
    CHECK(w.obs.take() == strings{"a/b=z"});
}

TEST_CASE(
    "conformance §6.6 §5.4.13: unknown topic id, any QoS: PUBACK 0x02 echoing TopicId and MsgId") {
    world w(with_predefined());
    w.connect(ca, "s1");
    (void)w.reg(ca, "a/b");
    // normal id 0x0042 never registered, QoS 0 / 1 / 2
    w.in(ca, hx("08 0C 00 00 42 00 00 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 42 00 00 02"});
    w.in(ca, hx("08 0C 20 00 42 00 09 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 42 00 09 02"});
    w.in(ca, hx("08 0C 40 00 42 00 0A 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 42 00 0A 02"});
    // §5.3.11 reserved ids 0x0000 and 0xFFFF are never valid
    w.in(ca, hx("08 0C 20 00 00 00 0B 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 00 00 0B 02"});
    w.in(ca, hx("08 0C 20 FF FF 00 0C 78"));
    CHECK(w.take(ca) == strings{"07 0D FF FF 00 0C 02"});
    // §6.7: unknown predefined id
    w.in(ca, hx("08 0C 21 00 02 00 0D 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 02 00 0D 02"});
    CHECK(w.obs.got.empty());
    // the session is fine: a PUBREL for the rejected QoS 2 MsgId is still answered
    w.in(ca, hx("04 10 00 0A"));
    CHECK(w.take(ca) == strings{"04 0E 00 0A"});
}

TEST_CASE("conformance §6.7: PUBLISH with a predefined id and with a short topic name") {
    world w(with_predefined());
    w.connect(ca, "s1");
    w.in(ca, hx("08 0C 21 12 34 00 01 70")); // QoS 1, predefined 0x1234
    CHECK(w.take(ca) == strings{"07 0D 12 34 00 01 00"});
    w.in(ca, hx("08 0C 22 61 62 00 02 73")); // QoS 1, short name "ab"
    CHECK(w.take(ca) == strings{"07 0D 61 62 00 02 00"});
    CHECK(w.obs.take() == strings{"pre/big=p", "ab=s"});
}

TEST_CASE("conformance §6.6 QoS 2 from the client: DUP PUBLISH and PUBREL retransmissions") {
    world w;
    w.connect(ca, "s1");
    (void)w.reg(ca, "a/b");
    w.in(ca, hx("08 0C 40 00 01 00 07 31"));
    CHECK(w.take(ca) == strings{"04 0F 00 07"});
    w.in(ca, hx("08 0C C0 00 01 00 07 31")); // DUP: our PUBREC was lost
    CHECK(w.take(ca) == strings{"04 0F 00 07"});
    CHECK(w.obs.got.size() == 1); // exactly once
    w.in(ca, hx("04 10 00 07"));
    CHECK(w.take(ca) == strings{"04 0E 00 07"});
    w.in(ca, hx("04 10 00 07")); // PUBREL again: our PUBCOMP was lost
    CHECK(w.take(ca) == strings{"04 0E 00 07"});
    // after PUBCOMP the MsgId is free: a new QoS 2 message with it is a new message
    w.in(ca, hx("08 0C 40 00 01 00 07 32"));
    CHECK(w.take(ca) == strings{"04 0F 00 07"});
    CHECK(w.obs.take() == strings{"a/b=1", "a/b=2"});
}

TEST_CASE("conformance §6.8: QoS -1 with predefined id or short name - no connection - no answer") {
    world w(with_predefined());
    w.in(cc, hx("08 0C 61 00 01 00 00 61")); // QoS -1 predefined 0001
    w.in(cc, hx("08 0C 62 78 79 00 00 62")); // QoS -1 short "xy"
    w.in(cc, hx("08 0C 60 00 01 00 00 63")); // QoS -1 normal id: spec-decisions rule 1, dropped
    w.in(cc, hx("08 0C 61 00 09 00 00 64")); // unknown predefined id: dropped
    CHECK(w.take().empty());
    CHECK(w.core.session_count() == 0);
    REQUIRE(w.obs.got.size() == 2);
    CHECK(w.obs.got[0].qos == 0);
    CHECK(w.obs.take() == strings{"pre/one=a", "xy=b"});
}

TEST_CASE("conformance §5.2.1 spec-decisions rule 10: 3-octet Length on input at any length") {
    world w;
    w.connect(ca, "s1");
    (void)w.reg(ca, "a/b");
    const std::string big(300, 'x');
    // 01 0135: Length 309, PUBLISH QoS 1, TopicId 0001, MsgId 0003
    w.in(ca, sn({hx("0C 20 00 01 00 03"), tx(big)}));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 03 00"});
    CHECK(w.obs.take() == strings{"a/b=" + big});
    // a short message in the 3-octet form is legal too (§5.2.1 "may"): answered, delivered
    w.in(ca, hx("01 00 0A 0C 20 00 01 00 04 78"));
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 04 00"});
    CHECK(w.obs.take() == strings{"a/b=x"});
    // a 3-octet Length that disagrees with the datagram is still dropped, unanswered
    w.in(ca, hx("01 00 0B 0C 20 00 01 00 05 78"));
    CHECK(w.take().empty());
    CHECK(w.obs.got.empty());
}

TEST_CASE("conformance §5.2.1 spec-decisions rule 10: the gateway uses the 3-octet Length above "
          "255 only") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 02 00 01"), tx("ab")})); // SUBSCRIBE QoS 0, short name "ab"
    CHECK(w.take(ca).size() == 1);
    w.mqtt_publish("ab", std::string(248, 'y'), 0); // 7 + 248 = 255: 1-octet form
    auto out = w.take(ca);
    REQUIRE(out.size() == 1);
    CHECK(out[0].substr(0, 23) == "FF 0C 02 61 62 00 00 79");
    w.mqtt_publish("ab", std::string(249, 'y'), 0); // 3 + 6 + 249 = 258: 3-octet form
    out = w.take(ca);
    REQUIRE(out.size() == 1);
    CHECK(out[0].substr(0, 29) == "01 01 02 0C 02 61 62 00 00 79");
}

TEST_CASE(
    "conformance §6.10: gateway QoS 0 PUBLISH has MsgId 0x0000, QoS 1 retransmitted with DUP") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 22 00 01"), tx("ab")})); // SUBSCRIBE QoS 1 short "ab"
    CHECK(w.take(ca) == strings{"08 13 20 00 00 00 01 00"});
    w.mqtt_publish("ab", "0", 0);
    CHECK(w.take(ca) == strings{"08 0C 02 61 62 00 00 30"});
    w.mqtt_publish("ab", "1", 1);
    CHECK(w.take(ca) == strings{"08 0C 22 61 62 00 01 31"});
    w.advance(10s); // spec-decisions rule 8: T_retry
    CHECK(w.take(ca) == strings{"08 0C A2 61 62 00 01 31"});
    w.in(ca, hx("07 0D 61 62 00 01 00"));
    CHECK(w.take().empty());
    w.advance(60s);
    CHECK(w.take(ca) == strings{}); // nothing in flight any more (the keep-alive is 60 s)
}

TEST_CASE("conformance §6.10: QoS 2 to the client - PUBREL retransmitted until PUBCOMP") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 42 00 01"), tx("ab")})); // SUBSCRIBE QoS 2 short "ab"
    CHECK(w.take(ca) == strings{"08 13 40 00 00 00 01 00"});
    w.mqtt_publish("ab", "A", 2);
    w.mqtt_publish("ab", "B", 2);
    CHECK(w.take(ca) == strings{"08 0C 42 61 62 00 01 41"});
    w.in(ca, hx("04 0F 00 01")); // PUBREC
    CHECK(w.take(ca) == strings{"04 10 00 01"});
    w.advance(10s);
    CHECK(w.take(ca) == strings{"04 10 00 01"}); // PUBREL again (no DUP bit in PUBREL)
    w.in(ca, hx("04 0F 00 01"));                 // a late duplicate PUBREC: PUBREL again
    CHECK(w.take(ca) == strings{"04 10 00 01"});
    w.in(ca, hx("04 0E 00 01")); // PUBCOMP
    CHECK(w.take(ca) == strings{"08 0C 42 61 62 00 02 42"});
    w.in(ca, hx("04 0E 00 01")); // stale PUBCOMP: ignored
    CHECK(w.take().empty());
}

TEST_CASE("conformance §5.3.7: gateway MsgIds wrap from 0xFFFF to 0x0001 - never 0x0000") {
    world w;
    w.connect(ca, "s1", 0);
    w.in(ca, sn({hx("12 22 00 01"), tx("ab")}));
    CHECK(w.take(ca).size() == 1);
    std::uint16_t prev = 0;
    bool wrapped = false;
    for (std::uint32_t i = 0; i < 65540; ++i) {
        w.mqtt_publish("ab", "m", 1);
        REQUIRE(w.sink.sent.size() == 1);
        const bytes out = w.sink.sent.front().data;
        w.sink.sent.clear();
        const std::uint16_t id = publish_msg_id(out);
        REQUIRE(id != 0);
        if (i > 0) {
            if (id == 1) {
                CHECK(prev == 0xFFFF);
                wrapped = true;
            } else {
                REQUIRE(id == prev + 1);
            }
        }
        prev = id;
        w.in(ca, bytes{0x07, 0x0D, 0x61, 0x62, out[5], out[6], 0x00});
    }
    CHECK(wrapped);
}

TEST_CASE("conformance §6.10: a PUBLISH too long for MQTT-SN is silently aborted") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 02 00 01"), tx("ab")}));
    CHECK(w.take(ca).size() == 1);
    w.mqtt_publish("ab", std::string(65535 - 9 + 1, 'z'), 0); // one octet too many
    CHECK(w.take().empty());
    w.mqtt_publish("ab", "ok", 0);
    CHECK(w.take(ca) == strings{"09 0C 02 61 62 00 00 6F 6B"});
}

TEST_CASE("conformance §7.3 spec-decisions rule 4: one topic - a different id in each session") {
    world w;
    w.connect(ca, "pub");
    w.connect(cb, "sub");
    CHECK(w.reg(ca, "x/0") == 1);
    CHECK(w.reg(ca, "t/t") == 2);
    w.in(cb, sn({hx("12 20 00 01"), tx("t/t")}));
    CHECK(w.take(cb) == strings{"08 13 20 00 01 00 01 00"});
    w.in(ca, hx("08 0C 20 00 02 00 01 41")); // "pub" publishes on its id 0002
    CHECK(w.take_to(ca) == strings{"07 0D 00 02 00 01 00"});
    CHECK(w.take_to(cb) == strings{"08 0C 20 00 01 00 01 41"}); // "sub" receives it on 0001
    // id 0001 of "pub" is "x/0": not what "sub" subscribed to
    w.in(ca, hx("08 0C 00 00 01 00 00 42"));
    CHECK(w.take().empty());
}

TEST_CASE(
    "conformance §6.6 spec-decisions rule 2: a short topic name that is no valid MQTT topic gets "
    "PUBACK 0x02 - not congestion") {
    world w;
    w.connect(ca, "s1");
    // QoS 1, short name "+a": a wildcard is not allowed in a topic name (MQTT 3.1.1 §4.7.1)
    w.in(ca, hx("08 0C 22 2B 61 00 01 78"));
    // 0x01 would tell the client to stop publishing for T_WAIT (> 5 min, §6.6, §7.2)
    CHECK(w.take(ca) == strings{"07 0D 2B 61 00 01 02"});
    w.in(ca, hx("08 0C 42 61 23 00 02 78")); // QoS 2, short name "a#"
    CHECK(w.take(ca) == strings{"07 0D 61 23 00 02 02"});
    w.in(ca, hx("08 0C 22 61 00 00 03 78")); // QoS 1, short name "a\0" (U+0000 is not allowed)
    CHECK(w.take(ca) == strings{"07 0D 61 00 00 03 02"});
    CHECK(w.obs.got.empty());
    w.in(ca, hx("08 0C 22 61 62 00 04 78")); // a valid one still works
    CHECK(w.take(ca) == strings{"07 0D 61 62 00 04 00"});
}

TEST_CASE(
    "conformance §6.5: REGISTER of a name with U+0000 is refused like a wildcard (REGACK 0x02)") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, cat({hx("09 0A 00 00 00 01 61 00 62")}));
    CHECK(w.take(ca) == strings{"07 0B 00 00 00 01 02"});
}
