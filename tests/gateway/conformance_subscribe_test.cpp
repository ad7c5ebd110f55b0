// Conformance: SUBSCRIBE/SUBACK with every topic id type, wildcard REGISTER, retained
// messages, UNSUBSCRIBE and REGISTER rejection, byte-exact, on the real built-in broker
// (MQTT-SN 1.2 §5.4.15-§5.4.18, §6.9, §6.10).

#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

namespace {

core_settings with_predefined() {
    auto s = settings();
    s.predefined = {{0x0101, "pre/one"}};
    return s;
}

} // namespace

TEST_CASE("conformance §5.4.16: SUBACK of a registered name carries that same registered id") {
    world w;
    w.connect(ca, "s1");
    CHECK(w.reg(ca, "z/0") == 1);
    CHECK(w.reg(ca, "a/b") == 2);
    // SUBSCRIBE Flags 0x20 (QoS 1, name), MsgId 0005, "a/b" -> SUBACK QoS 1, TopicId 0002
    w.in(ca, sn({hx("12 20 00 05"), tx("a/b")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 02 00 05 00"});
    w.mqtt_publish("a/b", "v", 1);
    CHECK(w.take(ca) == strings{"08 0C 20 00 02 00 01 76"}); // no REGISTER needed
}

TEST_CASE("conformance §6.9: SUBSCRIBE by name assigns the id a later REGISTER returns") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 00 00 01"), tx("a/b")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 01 00 01 00"});
    CHECK(w.reg(ca, "a/b", 2) == 1);
    w.in(ca, hx("08 0C 00 00 01 00 00 78"));                 // and the client may publish on it
    CHECK(w.take(ca) == strings{"08 0C 00 00 01 00 00 78"}); // subscribed: it gets it back
    CHECK(w.obs.take() == strings{"a/b=x"});
}

TEST_CASE("conformance §6.9 §6.10: wildcard SUBSCRIBE -> SUBACK id 0x0000 - REGISTER before first "
          "PUBLISH") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 40 00 03"), tx("w/+")})); // QoS 2
    CHECK(w.take(ca) == strings{"08 13 40 00 00 00 03 00"});
    w.mqtt_publish("w/x", "1", 0);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 01"), tx("w/x")})});
    w.in(ca, hx("07 0B 00 01 00 01 00"));
    CHECK(w.take(ca) == strings{"08 0C 00 00 01 00 00 31"});
    w.mqtt_publish("w/x", "2", 1); // known now: no REGISTER
    CHECK(w.take(ca) == strings{"08 0C 20 00 01 00 02 32"});
    w.in(ca, hx("07 0D 00 01 00 02 00"));
    w.mqtt_publish("w/y", "3", 0);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 02 00 03"), tx("w/y")})});
    // the client's REGACK may carry TopicId 0 (some clients do): the MsgId matches
    w.in(ca, hx("07 0B 00 02 00 03 00"));
    CHECK(w.take(ca) == strings{"08 0C 00 00 02 00 00 33"});
}

TEST_CASE("conformance §6.9: SUBSCRIBE by predefined id echoes it - PUBLISH uses it (type 01)") {
    world w(with_predefined());
    w.connect(ca, "s1");
    w.in(ca, hx("07 12 21 00 01 01 01")); // QoS 1, predefined 0x0101
    CHECK(w.take(ca) == strings{"08 13 20 01 01 00 01 00"});
    w.mqtt_publish("pre/one", "p", 1);
    CHECK(w.take(ca) == strings{"08 0C 21 01 01 00 01 70"});
    w.in(ca, hx("07 0D 01 01 00 01 00"));
    // unknown predefined id: SUBACK 0x02 echoing it
    w.in(ca, hx("07 12 21 00 02 07 07"));
    CHECK(w.take(ca) == strings{"08 13 00 07 07 00 02 02"});
}

TEST_CASE(
    "conformance §6.9: SUBSCRIBE by short name - PUBLISH carries the 2 characters (type 10)") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, hx("07 12 02 00 01 6B 6C")); // QoS 0, short "kl"
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 01 00"});
    w.mqtt_publish("kl", "s", 1); // granted 0: downgraded
    CHECK(w.take(ca) == strings{"08 0C 02 6B 6C 00 00 73"});
}

TEST_CASE("conformance §5.4.16: SUBACK grants the requested QoS - QoS -1 requested is QoS 0") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 60 00 01"), tx("q/m")})); // QoS bits 11
    CHECK(w.take(ca) == strings{"08 13 00 00 01 00 01 00"});
    w.in(ca, sn({hx("12 40 00 02"), tx("q/2")}));
    CHECK(w.take(ca) == strings{"08 13 40 00 02 00 02 00"});
}

TEST_CASE("conformance §6.9: an invalid filter is refused with SUBACK rc 0x03 - no id kept") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 09"), tx("a/#/b")}));
    const auto out = w.take(ca);
    REQUIRE(out.size() == 1);
    CHECK(out[0].substr(0, 6) == "08 13 ");
    CHECK(out[0].substr(15) == "00 09 03"); // MsgId 0009, rc not supported
}

TEST_CASE("conformance §6.9 §5.4.16: retained message on SUBSCRIBE follows the SUBACK on its id") {
    world w;
    w.mqtt_publish("r/1", "kept", 1, true);
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 01"), tx("r/1")}));
    // SUBACK first, then PUBLISH (Retain) on the SUBACK's id, no REGISTER
    CHECK(w.take(ca) ==
          strings{"08 13 20 00 01 00 01 00", snx({hx("0C 30 00 01 00 01"), tx("kept")})});
}

TEST_CASE(
    "conformance §6.9 §6.10: retained message on a wildcard SUBSCRIBE: SUBACK, REGISTER, PUBLISH") {
    world w;
    w.mqtt_publish("r/1", "kept", 0, true);
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 01"), tx("r/#")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 00 00 01 00", snx({hx("0A 00 01 00 01"), tx("r/1")})});
    w.in(ca, hx("07 0B 00 01 00 01 00"));
    CHECK(w.take(ca) == strings{snx({hx("0C 10 00 01 00 00"), tx("kept")})});
}

TEST_CASE(
    "conformance §6.9 §5.4.18: UNSUBSCRIBE by name, predefined id and short name -> UNSUBACK") {
    world w(with_predefined());
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 00 00 01"), tx("u/1")}));
    w.in(ca, hx("07 12 01 00 02 01 01"));
    w.in(ca, hx("07 12 02 00 03 75 76"));
    CHECK(w.take(ca).size() == 3);
    w.in(ca, sn({hx("14 00 00 04"), tx("u/1")}));
    CHECK(w.take(ca) == strings{"04 15 00 04"});
    w.in(ca, hx("07 14 01 00 05 01 01"));
    CHECK(w.take(ca) == strings{"04 15 00 05"});
    w.in(ca, hx("07 14 02 00 06 75 76"));
    CHECK(w.take(ca) == strings{"04 15 00 06"});
    w.mqtt_publish("u/1", "x", 0);
    w.mqtt_publish("pre/one", "x", 0);
    w.mqtt_publish("uv", "x", 0);
    CHECK(w.take().empty());
    // UNSUBSCRIBE of something never subscribed is still acknowledged
    w.in(ca, sn({hx("14 00 00 07"), tx("never/was")}));
    CHECK(w.take(ca) == strings{"04 15 00 07"});
}

TEST_CASE("conformance §6.10: PUBACK 0x02 from the client makes the gateway correct the id") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 20 00 01"), tx("c/1")}));
    CHECK(w.take(ca) == strings{"08 13 20 00 01 00 01 00"});
    w.mqtt_publish("c/1", "v", 1);
    CHECK(w.take(ca) == strings{"08 0C 20 00 01 00 01 76"});
    w.in(ca, hx("07 0D 00 01 00 01 02")); // the client lost the mapping
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 02"), tx("c/1")})});
    w.in(ca, hx("07 0B 00 01 00 02 00"));
    CHECK(w.take(ca) == strings{"08 0C A0 00 01 00 01 76"});
    w.in(ca, hx("07 0D 00 01 00 01 00"));
    CHECK(w.take().empty());
}

TEST_CASE("conformance §6.10: a REGACK rejection is an unsubscribe from that topic name") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 00 00 01"), tx("w/#")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 01 00"});
    w.mqtt_publish("w/x", "1", 0);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 01"), tx("w/x")})});
    w.in(ca, hx("07 0B 00 01 00 01 03")); // rejected: not supported
    CHECK(w.take().empty());
    w.mqtt_publish("w/x", "2", 0); // the client does not want "w/x": no REGISTER again
    CHECK(w.take() == strings{});
    w.mqtt_publish("w/y", "3", 0); // other names under the wildcard still come
    CHECK(w.take(ca) == strings{snx({hx("0A 00 02 00 02"), tx("w/y")})});
}

TEST_CASE(
    "conformance §6.10: a rejected name is wanted again after a new SUBSCRIBE or its REGISTER") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, sn({hx("12 00 00 01"), tx("w/#")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 01 00"});
    w.mqtt_publish("w/x", "1", 0);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 01"), tx("w/x")})});
    w.in(ca, hx("07 0B 00 01 00 01 03"));
    w.in(ca, sn({hx("12 00 00 02"), tx("w/+")})); // a new SUBSCRIBE covering it
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 02 00"});
    w.mqtt_publish("w/x", "2", 0);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 02"), tx("w/x")})});
    w.in(ca, hx("07 0B 00 01 00 02 03")); // rejected again
    CHECK(w.take().empty());
    CHECK(w.reg(ca, "w/x", 9) == 1); // the client registers it itself: wanted again
    w.mqtt_publish("w/x", "3", 0);
    CHECK(w.take(ca) == strings{"08 0C 00 00 01 00 00 33"});
}

TEST_CASE(
    "conformance §6.10: rejecting the REGISTER of a non-wildcard subscription after a reconnect") {
    world w;
    w.connect(ca, "s1", 60, false);
    w.in(ca, sn({hx("12 00 00 01"), tx("n/1")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 01 00 01 00"});
    w.connect(ca, "s1", 60, false);
    w.mqtt_publish("n/1", "a", 0);
    CHECK(w.take(ca) == strings{snx({hx("0A 00 01 00 01"), tx("n/1")})});
    w.in(ca, hx("07 0B 00 01 00 01 02"));
    w.mqtt_publish("n/1", "b", 0);
    CHECK(w.take().empty());
}
