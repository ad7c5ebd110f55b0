// Access control for MQTT-SN devices (clients.allowed_client_ids, clients.acl;
// docs/spec-decisions.md rule 20): exact bytes of every refusal, the MQTT side untouched by a
// refused message, and what is allowed still flowing.

#include <doctest/doctest.h>

#include "tests/gateway/conformance_harness.hpp"

namespace snbridge::gateway::conformance {

namespace {

core_settings guarded() {
    auto s = settings();
    s.predefined = {{.id = 7, .name = "other/cmd"}};
    s.access = common::access_control(
        {"s*"}, {
                    {.pattern = "data/%c/#", .allowed = common::access::write},
                    {.pattern = "cmd/%c/+", .allowed = common::access::read},
                });
    return s;
}

} // namespace

TEST_CASE("conformance rule 20: a ClientId outside clients.allowed_client_ids gets CONNACK 0x03") {
    world w(guarded());
    // CONNECT Flags 04 (CleanSession) ProtocolId 01 Duration 60 "intruder"
    w.in(ca, sn({hx("04 04 01 00 3C"), tx("intruder")}));
    CHECK(w.take(ca) == strings{"03 05 03"});
    CHECK(w.core.session_count() == 0);
    CHECK(w.core.drops(drop_reason::client_id_refused) == 1);
    w.connect(cb, "s1"); // a prefix match is accepted
}

TEST_CASE("conformance rule 20: REGISTER, PUBLISH and SUBSCRIBE refused by clients.acl get 0x03") {
    world w(guarded());
    w.connect(ca, "s1");
    // REGISTER "data/s2/t" (another client's subtree) -> REGACK TopicId 0 MsgId 0001 rc 03
    w.in(ca, sn({hx("0A 00 00 00 01"), tx("data/s2/t")}));
    CHECK(w.take(ca) == strings{"07 0B 00 00 00 01 03"});
    CHECK(w.core.drops(drop_reason::acl_register) == 1);
    // Its own subtree: accepted, and the PUBLISH reaches the MQTT side.
    CHECK(w.reg(ca, "data/s1/t", 2) == 1);
    w.in(ca, hx("09 0C 20 00 01 00 03 32 31")); // PUBLISH QoS 1 id 1 MsgId 3 "21"
    CHECK(w.take(ca) == strings{"07 0D 00 01 00 03 00"});
    CHECK(w.obs.take() == strings{"data/s1/t=21"});
    // A predefined id the client may not write: PUBACK 0x03 echoing TopicId and MsgId, nothing
    // published; at QoS 0 only counted.
    w.in(ca, hx("09 0C 21 00 07 00 04 6F 6E")); // PUBLISH QoS 1 predefined 7 MsgId 4
    CHECK(w.take(ca) == strings{"07 0D 00 07 00 04 03"});
    w.in(ca, hx("09 0C 01 00 07 00 00 6F 6E")); // the same at QoS 0
    CHECK(w.take(ca).empty());
    CHECK(w.obs.take().empty());
    CHECK(w.core.drops(drop_reason::acl_publish) == 2);
    // SUBSCRIBE QoS 1 "cmd/s1/#": more than the read rule cmd/%c/+ covers -> SUBACK rc 03
    w.in(ca, sn({hx("12 20 00 05"), tx("cmd/s1/#")}));
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 05 03"});
    CHECK(w.core.drops(drop_reason::acl_subscribe) == 1);
    // "cmd/s1/+" is covered: accepted.
    w.in(ca, sn({hx("12 20 00 06"), tx("cmd/s1/+")}));
    const auto ack = w.take(ca);
    REQUIRE(ack.size() == 1);
    CHECK(ack[0].substr(0, 5) == "08 13");
    CHECK(ack[0].substr(ack[0].size() - 2) == "00");
}

} // namespace snbridge::gateway::conformance
