// gateway_core scenarios: SUBSCRIBE/UNSUBSCRIBE (MQTT-SN 1.2 §6.9) and the gateway's publish
// procedure towards the client (§6.10): REGISTER first, QoS 0/1/2, one in flight, queue bound.

#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
using strings = std::vector<std::string>;

TEST_CASE("SUBSCRIBE by name: SUBACK with its topic id, then PUBLISH on it without REGISTER") {
    scenario sc;
    sc.connect(addr_a, "s1");
    // Length 08, SUBSCRIBE 12, Flags 20 (QoS 1, normal name), MsgId 0001, "a/b"
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    // Length 08, SUBACK 13, Flags 20 (granted QoS 1), TopicId 0001, MsgId 0001, rc 00
    CHECK(sc.take(addr_a) == strings{"08 13 20 00 01 00 01 00"});
    REQUIRE(sc.side.subscribes.size() == 1);
    CHECK(sc.side.subscribes[0].filter == "a/b");
    CHECK(sc.side.subscribes[0].qos == 1);
    sc.message("s1", "a/b", "v1", 1);
    // Length 09, PUBLISH 0C, Flags 20, TopicId 0001, MsgId 0001, "v1"
    CHECK(sc.take(addr_a) == strings{"09 0C 20 00 01 00 01 76 31"});
    sc.in(addr_a, hx("07 0D 00 01 00 01 00")); // PUBACK
    sc.message("s1", "a/b", "v2", 0);
    CHECK(sc.take(addr_a) == strings{"09 0C 00 00 01 00 00 76 32"}); // QoS 0: MsgId 0
}

TEST_CASE("granted QoS comes from the MQTT side, failure is SUBACK 0x03") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.side.grant_cap = 0;
    sc.in(addr_a, cat({hx("08 12 40 00 01"), tx("a/b")}));
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 01 00 01 00"});
    sc.side.subscribe_fails = true;
    sc.in(addr_a, cat({hx("08 12 20 00 02"), tx("c/d")}));
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 00 00 02 03"});
}

TEST_CASE("wildcard SUBSCRIBE: SUBACK topic id 0, REGISTER before the first PUBLISH of a topic") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 40 00 01"), tx("a/#")})); // QoS 2
    CHECK(sc.take(addr_a) == strings{"08 13 40 00 00 00 01 00"});
    sc.message("s1", "a/x", "1", 0);
    // REGISTER: Length 09, 0A, TopicId 0001, MsgId 0001, "a/x"; the PUBLISH waits (§6.10).
    CHECK(sc.take(addr_a) == strings{"09 0A 00 01 00 01 61 2F 78"});
    sc.message("s1", "a/x", "2", 0); // queued behind the REGISTER, in order
    CHECK(sc.take().empty());
    sc.in(addr_a, hx("07 0B 00 01 00 01 00")); // REGACK
    CHECK(sc.take(addr_a) == strings{"08 0C 00 00 01 00 00 31", "08 0C 00 00 01 00 00 32"});
    // A second topic gets the next id and its own REGISTER; a known one goes straight.
    sc.message("s1", "a/y", "3", 0);
    CHECK(sc.take(addr_a) == strings{"09 0A 00 02 00 02 61 2F 79"});
    sc.in(addr_a, hx("07 0B 00 02 00 02 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 00 00 02 00 00 33"});
    sc.message("s1", "a/x", "4", 0);
    CHECK(sc.take(addr_a) == strings{"08 0C 00 00 01 00 00 34"});
}

TEST_CASE("a REGISTER rejected by the client drops that message (§6.10)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 00 00 01"), tx("a/#")}));
    sc.take();
    sc.message("s1", "a/x", "1", 1);
    sc.message("s1", "a/y", "2", 0);
    CHECK(sc.take(addr_a) == strings{"09 0A 00 01 00 01 61 2F 78"});
    sc.in(addr_a, hx("07 0B 00 01 00 01 03")); // REGACK rc not supported
    CHECK(sc.take(addr_a) == strings{"09 0A 00 02 00 02 61 2F 79"});
    CHECK(sc.core.drops(drop_reason::register_rejected) == 1);
}

TEST_CASE("SUBSCRIBE by predefined id and short name, PUBLISH uses the same topic id type") {
    auto cfg = quiet_settings();
    cfg.predefined = {{0x0102, "home/garden/fountain/2"}};
    scenario sc(cfg);
    sc.connect(addr_a, "s1");
    // Flags 21: QoS 1, predefined; TopicId 0102
    sc.in(addr_a, hx("07 12 21 00 01 01 02"));
    CHECK(sc.take(addr_a) == strings{"08 13 20 01 02 00 01 00"});
    CHECK(sc.side.subscribes[0].filter == "home/garden/fountain/2");
    // Flags 02: QoS 0, short name "t1"
    sc.in(addr_a, hx("07 12 02 00 02 74 31"));
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 00 00 02 00"});
    CHECK(sc.side.subscribes[1].filter == "t1");
    sc.message("s1", "home/garden/fountain/2", "x", 0);
    sc.message("s1", "t1", "y", 0);
    CHECK(sc.take(addr_a) == strings{"08 0C 01 01 02 00 00 78", "08 0C 02 74 31 00 00 79"});
    // Unknown predefined id: SUBACK 0x02 with that id, nothing asked upstream.
    sc.in(addr_a, hx("07 12 21 00 03 00 09"));
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 09 00 03 02"});
    CHECK(sc.side.subscribes.size() == 2);
}

TEST_CASE("UNSUBSCRIBE by name, short name and predefined id -> UNSUBACK") {
    auto cfg = quiet_settings();
    cfg.predefined = {{5, "p/five"}};
    scenario sc(cfg);
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 14 00 00 01"), tx("a/#")}));
    sc.in(addr_a, hx("07 14 02 00 02 74 31"));
    sc.in(addr_a, hx("07 14 01 00 03 00 05"));
    CHECK(sc.take(addr_a) == strings{"04 15 00 01", "04 15 00 02", "04 15 00 03"});
    REQUIRE(sc.side.unsubscribes.size() == 3);
    CHECK(sc.side.unsubscribes[0].filter == "a/#");
    CHECK(sc.side.unsubscribes[1].filter == "t1");
    CHECK(sc.side.unsubscribes[2].filter == "p/five");
}

TEST_CASE("retained messages delivered from inside subscribe() follow the SUBACK") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.side.retained = {common::mqtt_message{"a/b", tx("r"), 0, true}};
    sc.in(addr_a, cat({hx("08 12 00 00 01"), tx("a/b")}));
    // SUBACK first, then the retained PUBLISH (Flags 10: retain) on the SUBACK's topic id.
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 01 00 01 00", "08 0C 10 00 01 00 00 72"});
}

TEST_CASE("one QoS 1/2 message in flight at a time, the rest wait in order") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 40 00 01"), tx("a/b")}));
    sc.take();
    sc.message("s1", "a/b", "1", 1);
    sc.message("s1", "a/b", "2", 2);
    sc.message("s1", "a/b", "3", 0);
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 31"});
    sc.in(addr_a, hx("07 0D 00 01 00 01 00")); // PUBACK
    CHECK(sc.take(addr_a) == strings{"08 0C 40 00 01 00 02 32"});
    sc.in(addr_a, hx("04 0F 00 02"));                 // PUBREC
    CHECK(sc.take(addr_a) == strings{"04 10 00 02"}); // PUBREL
    sc.in(addr_a, hx("04 0E 00 02"));                 // PUBCOMP
    CHECK(sc.take(addr_a) == strings{"08 0C 00 00 01 00 00 33"});
    const auto* s = sc.core.find_session("s1");
    REQUIRE(s != nullptr);
    CHECK(s->queue.empty());
    CHECK(!s->inflight.has_value());
}

TEST_CASE(
    "spec-decisions rule 8: T_retry 10 s, N_retry 5, DUP set, then the client is Lost + will") {
    scenario sc;
    sc.connect(addr_a, "s1", 600);
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    sc.take();
    sc.message("s1", "a/b", "x", 1);
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 78"});
    for (int i = 1; i <= 5; ++i) {
        sc.advance(9'999ms);
        CHECK(sc.take().empty());
        sc.advance(1ms);
        CHECK(sc.take(addr_a) == strings{"08 0C A0 00 01 00 01 78"}); // DUP
    }
    sc.advance(9'999ms);
    CHECK(sc.core.state_of("s1") == session_state::active);
    sc.advance(1ms); // no answer to the 5th retransmission: §6.13 by symmetry
    CHECK(sc.take().empty());
    CHECK_FALSE(sc.core.state_of("s1").has_value()); // clean session: gone
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0].second == common::close_reason::lost);
}

TEST_CASE("QoS 2 towards the client: PUBREL is retransmitted until PUBCOMP") {
    scenario sc;
    sc.connect(addr_a, "s1", 600);
    sc.in(addr_a, cat({hx("08 12 40 00 01"), tx("a/b")}));
    sc.take();
    sc.message("s1", "a/b", "x", 2);
    CHECK(sc.take(addr_a) == strings{"08 0C 40 00 01 00 01 78"});
    sc.advance(10s);
    CHECK(sc.take(addr_a) == strings{"08 0C C0 00 01 00 01 78"});
    sc.in(addr_a, hx("04 0F 00 01"));
    CHECK(sc.take(addr_a) == strings{"04 10 00 01"});
    sc.advance(10s);
    CHECK(sc.take(addr_a) == strings{"04 10 00 01"});
    sc.in(addr_a, hx("04 0F 00 01")); // a late duplicate PUBREC: PUBREL again
    CHECK(sc.take(addr_a) == strings{"04 10 00 01"});
    sc.in(addr_a, hx("04 0E 00 01"));
    sc.advance(60s);
    CHECK(sc.take().empty());
}

TEST_CASE("PUBACK 0x02 from the client: REGISTER again, then the PUBLISH again (§6.10)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    sc.take();
    sc.message("s1", "a/b", "x", 1);
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 78"});
    sc.in(addr_a, hx("07 0D 00 01 00 01 02"));
    CHECK(sc.take(addr_a) == strings{"09 0A 00 01 00 02 61 2F 62"});
    sc.in(addr_a, hx("07 0B 00 01 00 02 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C A0 00 01 00 01 78"});
}

TEST_CASE("downstream queue bound: beyond max_queued_messages QoS 0 goes first, counted") {
    auto cfg = quiet_settings();
    cfg.max_queued_messages = 3;
    scenario sc(cfg);
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    sc.take();
    sc.message("s1", "a/b", "1", 1); // in flight
    sc.message("s1", "a/b", "2", 0);
    sc.message("s1", "a/b", "3", 1);
    sc.message("s1", "a/b", "4", 1); // full: the QoS 0 "2" makes room
    sc.message("s1", "a/b", "5", 0); // full, no QoS 0 to drop but itself
    sc.message("s1", "a/b", "6", 1); // full of QoS 1: dropped
    CHECK(sc.core.drops(drop_reason::queue_full) == 3);
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 31"});
    sc.in(addr_a, hx("07 0D 00 01 00 01 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 02 33"});
    sc.in(addr_a, hx("07 0D 00 01 00 02 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 03 34"});
}

TEST_CASE("SUBSCRIBE beyond the pending bound or the topic table: SUBACK 0x01") {
    auto cfg = quiet_settings();
    cfg.max_topics_per_client = 1;
    cfg.max_pending_from_client = 1;
    scenario sc(cfg);
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 00 00 01"), tx("a/b")}));
    sc.in(addr_a, cat({hx("08 12 00 00 02"), tx("c/d")})); // topic table full
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 01 00 01 00", "08 13 00 00 00 00 02 01"});
    sc.side.auto_subscribe = false;
    sc.in(addr_a, cat({hx("08 12 00 00 03"), tx("a/#")})); // waits for the MQTT side
    sc.in(addr_a, cat({hx("08 12 00 00 04"), tx("b/#")})); // one too many pending
    CHECK(sc.take(addr_a) == strings{"08 13 00 00 00 00 04 01"});
    CHECK(sc.side.subscribes.size() == 2);
}
