// Conformance: gateway discovery and forwarder encapsulation, byte-exact (MQTT-SN 1.2 §5.4.1-
// §5.4.3, §5.5, §6.1; spec-decisions rules 9 and 11).

#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

TEST_CASE("conformance §6.1 §5.4.1: ADVERTISE GwId + Duration at start-up - then every T_ADV") {
    auto s = settings();
    s.gateway_id = 7;
    s.advertise_interval_s = 900;
    world w(s);
    w.advance(0ms);
    REQUIRE(w.sink.multicasts.size() == 1);
    CHECK(show(w.sink.multicasts[0].data) == "05 00 07 03 84");
    w.advance(899s);
    CHECK(w.sink.multicasts.size() == 1);
    w.advance(1s);
    CHECK(w.sink.multicasts.size() == 2);
    CHECK(w.take().empty());
}

TEST_CASE("conformance §6.1 spec-decisions rule 9: SEARCHGW -> GWINFO broadcast with its radius, "
          "and unicast") {
    auto s = settings();
    s.gateway_id = 9;
    world w(s);
    w.in(cc, hx("03 01 02"));
    REQUIRE(w.sink.multicasts.size() == 1);
    CHECK(show(w.sink.multicasts[0].data) == "03 02 09"); // no GwAdd from a gateway
    CHECK(w.sink.multicasts[0].radius == 2);
    CHECK(w.take(cc) == strings{"03 02 09"});
    CHECK(w.core.session_count() == 0);
}

TEST_CASE("conformance §6.1: another gateway's ADVERTISE and a client's GWINFO are ignored") {
    world w;
    w.in(cc, hx("05 00 02 03 84"));
    w.in(cc, hx("03 02 02"));
    w.in(cc, hx("07 02 02 0A 00 00 03")); // GWINFO with GwAdd, sent by a client
    CHECK(w.take().empty());
    CHECK(w.sink.multicasts.empty());
}

TEST_CASE("conformance §5.5 spec-decisions rule 11: forwarder-wrapped CONNECT/PUBLISH - answers "
          "wrapped") {
    world w;
    // Encapsulated: Length 05 (header only), FE, Ctrl 00, Wireless Node Id 12 34
    const bytes hdr = hx("05 FE 00 12 34");
    w.in(cc, cat({hdr, sn({hx("04 04 01 00 3C"), tx("n1")})}));
    CHECK(w.take(cc) == strings{"05 FE 00 12 34 03 05 00"});
    w.in(cc, cat({hdr, sn({hx("0A 00 00 00 01"), tx("f/1")})}));
    CHECK(w.take(cc) == strings{"05 FE 00 12 34 07 0B 00 01 00 01 00"});
    w.in(cc, cat({hdr, hx("08 0C 20 00 01 00 02 66")}));
    CHECK(w.take(cc) == strings{"05 FE 00 12 34 07 0D 00 01 00 02 00"});
    CHECK(w.obs.take() == strings{"f/1=f"});
    // another node behind the same forwarder is another client
    w.in(cc, cat({hx("05 FE 00 56 78"), hx("08 0C 20 00 01 00 02 66")}));
    CHECK(w.take(cc) == strings{"05 FE 00 56 78 02 18"});
    // the same node talking directly (no wrapper) is not the wrapped session
    w.in(cc, hx("02 16"));
    CHECK(w.take(cc) == strings{"02 18"});
}

TEST_CASE("conformance §5.5: downstream PUBLISH to a node behind a forwarder is wrapped") {
    world w;
    const bytes hdr = hx("04 FE 00 AA");
    w.in(cc, cat({hdr, sn({hx("04 04 01 00 3C"), tx("n2")})}));
    CHECK(w.take(cc) == strings{"04 FE 00 AA 03 05 00"});
    w.in(cc, cat({hdr, hx("07 12 02 00 01 6D 6E")}));
    CHECK(w.take(cc) == strings{"04 FE 00 AA 08 13 00 00 00 00 01 00"});
    w.mqtt_publish("mn", "d", 0);
    CHECK(w.take(cc) == strings{"04 FE 00 AA 08 0C 02 6D 6E 00 00 64"});
}
