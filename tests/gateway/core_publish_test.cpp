// gateway_core scenarios: client REGISTER and PUBLISH at QoS 0/1/2 towards the MQTT side
// (MQTT-SN 1.2 §6.5, §6.6, §6.7; spec-decisions rules 2, 3, 4, 12).

#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
using strings = std::vector<std::string>;

namespace {

core_settings with_predefined() {
    auto cfg = quiet_settings();
    cfg.predefined = {{1, "home/garden/fountain/2"}, {7, "global/seven"}};
    cfg.client_predefined = {{"s1", {{7, "s1/own/seven"}}}};
    return cfg;
}

} // namespace

TEST_CASE("REGISTER -> REGACK with a per-session id, the same name keeps its id (§6.5)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.connect(addr_b, "s2");
    // Length 09, REGISTER 0A, TopicId 0000, MsgId 0001, "a/b"
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    // Length 07, REGACK 0B, TopicId 0001, MsgId 0001, rc accepted
    CHECK(sc.take(addr_a) == strings{"07 0B 00 01 00 01 00"});
    sc.in(addr_a, cat({hx("09 0A 00 00 00 02"), tx("c/d")}));
    CHECK(sc.take(addr_a) == strings{"07 0B 00 02 00 02 00"});
    sc.in(addr_a, cat({hx("09 0A 00 00 00 03"), tx("a/b")}));
    CHECK(sc.take(addr_a) == strings{"07 0B 00 01 00 03 00"});
    // spec-decisions rule 4: ids are per session; s2's first topic is id 1 too.
    sc.in(addr_b, cat({hx("09 0A 00 00 00 01"), tx("c/d")}));
    CHECK(sc.take(addr_b) == strings{"07 0B 00 01 00 01 00"});
}

TEST_CASE("REGISTER beyond max_topics_per_client: REGACK 0x01, wildcards: REGACK 0x02") {
    auto cfg = quiet_settings();
    cfg.max_topics_per_client = 1;
    scenario sc(cfg);
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.in(addr_a, cat({hx("09 0A 00 00 00 02"), tx("c/d")}));
    sc.in(addr_a, cat({hx("09 0A 00 00 00 03"), tx("a/+")}));
    CHECK(sc.take(addr_a) ==
          strings{"07 0B 00 01 00 01 00", "07 0B 00 00 00 02 01", "07 0B 00 00 00 03 02"});
}

TEST_CASE("spec-decisions rule 3: REGISTER of a predefined name returns a normal id") {
    scenario sc(with_predefined());
    sc.connect(addr_a, "s2");
    sc.in(addr_a, cat({hx("1C 0A 00 00 00 01"), tx("home/garden/fountain/2")}));
    CHECK(sc.take(addr_a) == strings{"07 0B 00 01 00 01 00"});
}

TEST_CASE("PUBLISH QoS 0 on a registered id goes to the MQTT side, nothing comes back") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.take();
    // Length 0A, PUBLISH 0C, Flags 10 (QoS 0, retain), TopicId 0001, MsgId 0000, "hi!"
    sc.in(addr_a, cat({hx("0A 0C 10 00 01 00 00"), tx("hi!")}));
    CHECK(sc.take().empty());
    REQUIRE(sc.side.publishes.size() == 1);
    CHECK(sc.side.publishes[0].msg.topic == "a/b");
    CHECK(sc.side.publishes[0].msg.payload == tx("hi!"));
    CHECK(sc.side.publishes[0].msg.qos == 0);
    CHECK(sc.side.publishes[0].msg.retain);
}

TEST_CASE("spec-decisions rule 12: a QoS 0 PUBLISH with a non-zero MsgId is accepted") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.take();
    sc.in(addr_a, hx("08 0C 00 00 01 12 34 00"));
    CHECK(sc.take().empty());
    CHECK(sc.side.publishes.size() == 1);
}

TEST_CASE("PUBLISH QoS 1: PUBACK once the MQTT side has taken it, empty and binary payloads") {
    scenario sc;
    sc.side.auto_publish = false;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.take();
    sc.in(addr_a, hx("07 0C 20 00 01 00 05")); // QoS 1, MsgId 5, empty payload
    CHECK(sc.take().empty());                  // custody not yet taken upstream
    REQUIRE(sc.side.publishes.size() == 1);
    CHECK(sc.side.publishes[0].msg.payload.empty());
    CHECK(sc.side.publishes[0].msg.qos == 1);
    sc.side.listener->on_publish_done(sc.id_of("s1"), sc.side.publishes[0].token, true);
    // Length 07, PUBACK 0D, TopicId 0001, MsgId 0005, rc accepted
    CHECK(sc.take(addr_a) == strings{"07 0D 00 01 00 05 00"});
    sc.in(addr_a, hx("09 0C 20 00 01 00 06 00 FF")); // binary payload 00 FF
    sc.side.listener->on_publish_done(sc.id_of("s1"), sc.side.publishes[1].token, false);
    CHECK(sc.side.publishes[1].msg.payload == hx("00 FF"));
    // Not taken by the MQTT side: PUBACK 0x01 congestion, the client retries later (§6.6).
    CHECK(sc.take(addr_a) == strings{"07 0D 00 01 00 06 01"});
}

TEST_CASE("PUBLISH QoS 1 retransmitted (DUP) while the MQTT side works on it: one publish") {
    scenario sc;
    sc.side.auto_publish = false;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.take();
    sc.in(addr_a, hx("08 0C 20 00 01 00 05 41"));
    sc.in(addr_a, hx("08 0C A0 00 01 00 05 41")); // DUP
    CHECK(sc.side.publishes.size() == 1);
    sc.side.listener->on_publish_done(sc.id_of("s1"), sc.side.publishes[0].token, true);
    CHECK(sc.take(addr_a) == strings{"07 0D 00 01 00 05 00"});
}

TEST_CASE("PUBLISH QoS 2: PUBREC, duplicate detection, PUBREL -> PUBCOMP") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.take();
    sc.in(addr_a, hx("08 0C 40 00 01 00 09 41"));     // QoS 2, MsgId 9, "A"
    CHECK(sc.take(addr_a) == strings{"04 0F 00 09"}); // PUBREC
    sc.in(addr_a, hx("08 0C C0 00 01 00 09 41"));     // DUP: PUBREC lost
    CHECK(sc.take(addr_a) == strings{"04 0F 00 09"});
    CHECK(sc.side.publishes.size() == 1); // published exactly once
    CHECK(sc.side.publishes[0].msg.qos == 2);
    sc.in(addr_a, hx("04 10 00 09"));                 // PUBREL
    CHECK(sc.take(addr_a) == strings{"04 0E 00 09"}); // PUBCOMP
    sc.in(addr_a, hx("04 10 00 09"));                 // PUBREL again: PUBCOMP again
    CHECK(sc.take(addr_a) == strings{"04 0E 00 09"});
    // After PUBCOMP the MsgId is free: the same id is a new message.
    sc.in(addr_a, hx("08 0C 40 00 01 00 09 42"));
    CHECK(sc.take(addr_a) == strings{"04 0F 00 09"});
    CHECK(sc.side.publishes.size() == 2);
}

TEST_CASE("unknown topic id, whatever the QoS: PUBACK 0x02 (§6.6, §6.7)") {
    scenario sc(with_predefined());
    sc.connect(addr_a, "s1");
    sc.in(addr_a, hx("08 0C 00 00 09 00 00 41")); // QoS 0, normal id 9 unknown
    sc.in(addr_a, hx("08 0C 21 00 63 00 02 41")); // QoS 1, predefined id 99 unknown
    sc.in(addr_a, hx("08 0C 40 00 00 00 03 41")); // QoS 2, normal id 0
    CHECK(sc.take(addr_a) ==
          strings{"07 0D 00 09 00 00 02", "07 0D 00 63 00 02 02", "07 0D 00 00 00 03 02"});
    CHECK(sc.side.publishes.empty());
}

TEST_CASE("PUBLISH with predefined ids (global and per client) and short names (§6.7)") {
    scenario sc(with_predefined());
    sc.connect(addr_a, "s1");
    sc.connect(addr_b, "s2");
    sc.in(addr_a, hx("08 0C 01 00 01 00 00 41")); // predefined 1 (global)
    sc.in(addr_a, hx("08 0C 01 00 07 00 00 41")); // predefined 7: s1's own
    sc.in(addr_b, hx("08 0C 01 00 07 00 00 41")); // predefined 7: global for s2
    sc.in(addr_a, hx("08 0C 02 74 31 00 00 41")); // short name "t1"
    REQUIRE(sc.side.publishes.size() == 4);
    CHECK(sc.side.publishes[0].msg.topic == "home/garden/fountain/2");
    CHECK(sc.side.publishes[1].msg.topic == "s1/own/seven");
    CHECK(sc.side.publishes[2].msg.topic == "global/seven");
    CHECK(sc.side.publishes[3].msg.topic == "t1"); // spec-decisions rule 2
    CHECK(sc.take().empty());
}

TEST_CASE("client QoS 1/2 PUBLISHes beyond max_pending_from_client: PUBACK 0x01") {
    auto cfg = quiet_settings();
    cfg.max_pending_from_client = 2;
    scenario sc(cfg);
    sc.side.auto_publish = false;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));
    sc.take();
    sc.in(addr_a, hx("08 0C 20 00 01 00 01 41"));
    sc.in(addr_a, hx("08 0C 40 00 01 00 02 41"));
    sc.in(addr_a, hx("08 0C 20 00 01 00 03 41"));
    CHECK(sc.take(addr_a) == strings{"07 0D 00 01 00 03 01"});
    CHECK(sc.side.publishes.size() == 2);
    CHECK(sc.core.state_of("s1") == session_state::active);
}
