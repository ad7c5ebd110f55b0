// gateway_core scenarios: PINGREQ/PINGRESP, keep-alive supervision with the §7.2 tolerance
// (Active -> Lost + will, MQTT-SN 1.2 §6.11, §6.14), DISCONNECT (Active -> Disconnected, §6.12),
// and the MQTT side losing a session.

#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
using strings = std::vector<std::string>;

TEST_CASE("PINGREQ -> PINGRESP, with or without ClientId (§6.11)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, hx("02 16"));
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"02 17", "02 17"});
}

TEST_CASE("§6.14 Active -> Lost: keep-alive 10 s is supervised at 15 s (§7.2: +50 % <= 60 s)") {
    scenario sc;
    // CONNECT with will, keep-alive 10 s
    sc.in(addr_a, hx("08 04 0C 01 00 0A 73 31"));
    sc.in(addr_a, cat({hx("06 07 00"), tx("w/t")}));
    sc.in(addr_a, cat({hx("06 09"), tx("gone")}));
    CHECK(sc.take(addr_a) == strings{"02 06", "02 08", "03 05 00"});
    sc.advance(10s);
    sc.in(addr_a, hx("02 16")); // any message restarts the keep-alive period
    CHECK(sc.take(addr_a) == strings{"02 17"});
    sc.advance(14'999ms);
    CHECK(sc.core.state_of("s1") == session_state::active);
    CHECK(sc.side.closes.empty());
    sc.advance(1ms);
    // Lost: the MQTT side closes with reason lost, which publishes the will it was opened with.
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0] == std::pair{sc.side.opens[0].first, common::close_reason::lost});
    REQUIRE(sc.side.opens[0].second.will.has_value());
    CHECK(sc.side.opens[0].second.will->payload == tx("gone"));
    CHECK(sc.take().empty());                        // nothing is sent to a lost client
    CHECK_FALSE(sc.core.state_of("s1").has_value()); // clean session: nothing kept
    sc.in(addr_a, hx("02 16"));
    CHECK(sc.take(addr_a) == strings{"02 18"}); // rule 14: connect again
}

TEST_CASE("keep-alive above one minute gets +10 % (§7.2), 0 is not supervised") {
    scenario sc;
    sc.connect(addr_a, "s1", 100, false);
    sc.connect(addr_b, "s2", 0);
    sc.advance(109'999ms);
    CHECK(sc.core.state_of("s1") == session_state::active);
    sc.advance(1ms);
    CHECK(sc.core.state_of("s1") == session_state::lost); // CleanSession=0: kept, Lost
    CHECK(sc.side.closes.size() == 1);
    sc.advance(std::chrono::hours(24));
    CHECK(sc.core.state_of("s2") == session_state::active);
    // A Lost client must CONNECT again (§6.14); its session comes back as it was.
    sc.in(addr_a, hx("02 16"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
    sc.connect(addr_a, "s1", 100, false);
    CHECK(sc.core.state_of("s1") == session_state::active);
}

TEST_CASE("§6.14 Active -> Disconnected: DISCONNECT is acked, the will discarded (§6.12)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, hx("02 18"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0].second == common::close_reason::disconnect);
    sc.advance(std::chrono::hours(1));
    CHECK(sc.side.closes.size() == 1); // not supervised
    sc.in(addr_a, hx("08 0C 00 00 01 00 00 41"));
    CHECK(sc.take(addr_a) == strings{"02 18"}); // rule 14
}

TEST_CASE("the MQTT side loses a session: unsolicited DISCONNECT to the client (§6.12)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.side.listener->on_session_lost(sc.id_of("s1"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
    CHECK_FALSE(sc.core.state_of("s1").has_value());
    CHECK(sc.side.closes.empty()); // already gone on the MQTT side
}

TEST_CASE("shutdown closes every open session with reason shutdown") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.connect(addr_b, "s2");
    sc.core.shutdown(sc.now);
    REQUIRE(sc.side.closes.size() == 2);
    CHECK(sc.side.closes[0].second == common::close_reason::shutdown);
    CHECK(sc.side.closes[1].second == common::close_reason::shutdown);
}
