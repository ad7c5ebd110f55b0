// gateway_core scenarios: connection set-up (MQTT-SN 1.2 §6.2, §6.3), identity and rebind,
// spec-decisions rules 5, 13, 14, 15.

#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
using strings = std::vector<std::string>;

TEST_CASE("CONNECT without will: open on the MQTT side, then CONNACK accepted (§6.2)") {
    scenario sc;
    // Length 08, CONNECT 04, Flags 04 (CleanSession), ProtocolId 01, Duration 003C, "s1"
    sc.in(addr_a, hx("08 04 04 01 00 3C 73 31"));
    CHECK(sc.take(addr_a) == strings{"03 05 00"}); // Length 03, CONNACK 05, rc accepted
    REQUIRE(sc.side.opens.size() == 1);
    const auto& p = sc.side.opens[0].second;
    CHECK(p.client_id == "s1");
    CHECK(p.clean_session);
    CHECK(p.keep_alive_s == 60);
    CHECK_FALSE(p.will.has_value());
    CHECK(sc.core.state_of("s1") == session_state::active);
}

TEST_CASE("CONNECT with will: WILLTOPICREQ, WILLTOPIC, WILLMSGREQ, WILLMSG, CONNACK (§6.2)") {
    scenario sc;
    sc.in(addr_a, hx("08 04 0C 01 00 3C 73 31")); // Flags 0C: Will + CleanSession
    CHECK(sc.take(addr_a) == strings{"02 06"});   // WILLTOPICREQ
    CHECK(sc.side.opens.empty());
    // Length 06, WILLTOPIC 07, Flags 30 (QoS 1, retain), "w/t"
    sc.in(addr_a, cat({hx("06 07 30"), tx("w/t")}));
    CHECK(sc.take(addr_a) == strings{"02 08"});   // WILLMSGREQ
    sc.in(addr_a, cat({hx("05 09"), tx("bye")})); // WILLMSG "bye"
    CHECK(sc.take(addr_a) == strings{"03 05 00"});
    REQUIRE(sc.side.opens.size() == 1);
    const auto& will = sc.side.opens[0].second.will;
    REQUIRE(will.has_value());
    CHECK(will->topic == "w/t");
    CHECK(will->payload == tx("bye"));
    CHECK(will->qos == 1);
    CHECK(will->retain);
}

TEST_CASE("an empty WILLTOPIC means no will: CONNACK without WILLMSGREQ (§5.4.7, §6.3)") {
    scenario sc;
    sc.in(addr_a, hx("08 04 0C 01 00 3C 73 31"));
    CHECK(sc.take(addr_a) == strings{"02 06"});
    sc.in(addr_a, hx("02 07")); // WILLTOPIC without Flags and topic
    CHECK(sc.take(addr_a) == strings{"03 05 00"});
    REQUIRE(sc.side.opens.size() == 1);
    CHECK_FALSE(sc.side.opens[0].second.will.has_value());
}

TEST_CASE("messages other than the will ones during the handshake are dropped, counted") {
    scenario sc;
    sc.in(addr_a, hx("08 04 0C 01 00 3C 73 31"));
    sc.take();
    sc.in(addr_a, hx("02 16")); // PINGREQ
    CHECK(sc.take().empty());
    CHECK(sc.core.drops(drop_reason::not_connected) == 1);
}

TEST_CASE(
    "spec-decisions rule 13: ClientId up to the configured maximum, longer gets CONNACK 0x03") {
    scenario sc;
    const std::string ok(64, 'x');
    sc.connect(addr_a, ok);
    const std::string too_long(65, 'y');
    sc.in(addr_b, cat({hx("47 04 04 01 00 3C"), tx(too_long)})); // Length 0x47 = 71
    CHECK(sc.take(addr_b) == strings{"03 05 03"});               // rc not supported
    CHECK(sc.core.session_count() == 1);
}

TEST_CASE("max_clients reached: CONNACK 0x01 (congestion), a disconnected session is evicted") {
    auto cfg = quiet_settings();
    cfg.max_clients = 2;
    scenario sc(cfg);
    sc.connect(addr_a, "s1", 60, false);
    sc.connect(addr_b, "s2");
    sc.in(addr_c, hx("08 04 04 01 00 3C 73 33")); // "s3"
    CHECK(sc.take(addr_c) == strings{"03 05 01"});
    CHECK(sc.core.session_count() == 2);
    CHECK(sc.core.drops(drop_reason::max_clients) == 1); // counted, log throttled
    // s1 (CleanSession=0) disconnects: its session is kept, Disconnected, and can be evicted.
    sc.in(addr_a, hx("02 18"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
    CHECK(sc.core.state_of("s1") == session_state::disconnected);
    sc.in(addr_c, hx("08 04 04 01 00 3C 73 33"));
    CHECK(sc.take(addr_c) == strings{"03 05 00"});
    CHECK_FALSE(sc.core.state_of("s1").has_value());
}

TEST_CASE("the MQTT side's answer decides the CONNACK: congestion 0x01, refused 0x03") {
    scenario sc;
    sc.side.auto_open = common::open_status::congestion; // e.g. transparent upstream down
    sc.in(addr_a, hx("08 04 04 01 00 3C 73 31"));
    CHECK(sc.take(addr_a) == strings{"03 05 01"});
    CHECK(sc.core.session_count() == 0);
    sc.side.auto_open = common::open_status::refused;
    sc.in(addr_a, hx("08 04 04 01 00 3C 73 31"));
    CHECK(sc.take(addr_a) == strings{"03 05 03"});
    CHECK(sc.core.session_count() == 0);
}

TEST_CASE("an asynchronous on_open: CONNACK only when it arrives, a repeated CONNECT waits") {
    scenario sc;
    sc.side.auto_open.reset();
    sc.in(addr_a, hx("08 04 04 01 00 3C 73 31"));
    CHECK(sc.take().empty());
    CHECK(sc.core.state_of("s1") == session_state::open_wait);
    sc.in(addr_a, hx("08 04 04 01 00 3C 73 31")); // the client retransmits its CONNECT
    CHECK(sc.take().empty());
    CHECK(sc.side.opens.size() == 1);
    sc.side.listener->on_open(sc.id_of("s1"), common::open_status::accepted, false);
    CHECK(sc.take(addr_a) == strings{"03 05 00"});
}

TEST_CASE("a half-open CONNECT is given up after connect_timeout") {
    scenario sc;
    sc.in(addr_a, hx("08 04 0C 01 00 3C 73 31"));
    sc.take();
    sc.advance(29'999ms);
    CHECK(sc.core.session_count() == 1);
    sc.advance(1ms);
    CHECK(sc.core.session_count() == 0);
    CHECK(sc.side.closes.empty()); // never opened
}

TEST_CASE(
    "spec-decisions rule 14: a non-CONNECT from an unknown address is answered with DISCONNECT") {
    scenario sc;
    sc.in(addr_a, cat({hx("08 0C 20 00 01 00 07"), tx("x")})); // PUBLISH QoS 1
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")}));  // REGISTER
    sc.in(addr_a, cat({hx("08 12 00 00 01"), tx("a/b")}));     // SUBSCRIBE
    sc.in(addr_a, hx("02 16"));                                // PINGREQ
    sc.in(addr_a, hx("04 16 73 39"));                          // PINGREQ("s9")
    sc.in(addr_a, hx("04 10 00 07"));                          // PUBREL
    CHECK(sc.take(addr_a) == strings(6, "02 18"));
    CHECK(sc.side.publishes.empty());
}

TEST_CASE("a CONNECT from a new address rebinds the session (architecture.md Identity)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    const auto id = sc.id_of("s1");
    sc.connect(addr_b, "s1", 60, false); // NAT changed the port; CleanSession=0
    CHECK(sc.id_of("s1") == id);
    CHECK(sc.core.session_count() == 1);
    sc.in(addr_b, hx("02 16"));
    CHECK(sc.take(addr_b) == strings{"02 17"});
    sc.in(addr_a, hx("02 16")); // the old address is no longer this client
    CHECK(sc.take(addr_a) == strings{"02 18"});
}

TEST_CASE(
    "spec-decisions rule 15: a second CONNECT is a new connection, CleanSession=1 drops topics") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("09 0A 00 00 00 01"), tx("a/b")})); // REGISTER a/b
    CHECK(sc.take(addr_a) == strings{"07 0B 00 01 00 01 00"});
    sc.in(addr_a, hx("08 04 0C 01 00 3C 73 31")); // CONNECT again, with will
    CHECK(sc.take(addr_a) == strings{"02 06"});   // the will handshake runs again
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0].second == common::close_reason::disconnect);
    sc.in(addr_a, hx("02 07"));
    CHECK(sc.take(addr_a) == strings{"03 05 00"});
    CHECK(sc.side.opens.size() == 2);
    // Topic id 1 is gone with the clean session: PUBACK "invalid topic id" (§6.6).
    sc.in(addr_a, cat({hx("08 0C 00 00 01 00 00"), tx("x")}));
    CHECK(sc.take(addr_a) == strings{"07 0D 00 01 00 00 02"});
}

TEST_CASE("CleanSession=0 keeps registrations, will and in-flight messages (§6.3, rule 15)") {
    scenario sc;
    sc.in(addr_a, hx("08 04 08 01 00 3C 73 31")); // Will, CleanSession=0
    sc.take();
    sc.in(addr_a, cat({hx("06 07 00"), tx("w/t")}));
    sc.in(addr_a, cat({hx("05 09"), tx("bye")}));
    CHECK(sc.take(addr_a) == strings{"02 08", "03 05 00"});
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")})); // SUBSCRIBE a/b QoS 1
    CHECK(sc.take(addr_a) == strings{"08 13 20 00 01 00 01 00"});
    sc.message("s1", "a/b", "v", 1);
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 76"}); // PUBLISH id 1, MsgId 1
    // The client reconnects (no will flag, no clean) before acking.
    sc.in(addr_a, hx("08 04 00 01 00 3C 73 31"));
    // §6.5: REGISTER again after a reconnect, then the in-flight message.
    CHECK(sc.take(addr_a) == strings{"03 05 00", "09 0A 00 01 00 02 61 2F 62"});
    // The will is kept (§6.3 CleanSession=false, Will=false).
    REQUIRE(sc.side.opens.size() == 2);
    REQUIRE(sc.side.opens[1].second.will.has_value());
    CHECK(sc.side.opens[1].second.will->topic == "w/t");
    CHECK(sc.side.opens[1].second.will->payload == tx("bye"));
}

TEST_CASE("CleanSession=0 reconnect: REGISTER before the retried PUBLISH") {
    scenario sc;
    sc.connect(addr_a, "s1", 60, false);
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    sc.take();
    sc.side.auto_open.reset();
    sc.message("s1", "a/b", "v", 1);
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 76"});
    sc.in(addr_a, hx("08 04 00 01 00 3C 73 31"));
    CHECK(sc.take().empty());
    sc.side.listener->on_open(sc.id_of("s1"), common::open_status::accepted, true);
    CHECK(sc.take(addr_a) == strings{"03 05 00", "09 0A 00 01 00 02 61 2F 62"});
    sc.in(addr_a, hx("07 0B 00 01 00 02 00"));                    // REGACK
    CHECK(sc.take(addr_a) == strings{"08 0C A0 00 01 00 01 76"}); // DUP, QoS 1, same MsgId
}

TEST_CASE("a WILLMSG retransmitted after the CONNACK gets the CONNACK again (§6.2)") {
    scenario sc;
    sc.in(addr_a, hx("08 04 0C 01 00 3C 73 31"));
    sc.in(addr_a, cat({hx("06 07 00"), tx("w/t")}));
    sc.in(addr_a, cat({hx("05 09"), tx("bye")}));
    CHECK(sc.take(addr_a) == strings{"02 06", "02 08", "03 05 00"});
    sc.in(addr_a, cat({hx("05 09"), tx("bye")}));
    CHECK(sc.take(addr_a) == strings{"03 05 00"});
    CHECK(sc.side.opens.size() == 1);
}
