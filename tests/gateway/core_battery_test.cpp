// gateway_core scenarios for issue 4 beyond sleeping: QoS −1 (MQTT-SN 1.2 §6.8, spec-decisions
// rule 1), gateway discovery (§6.1, rule 9), forwarder encapsulation (§5.5, rule 11), will
// updates (§6.4), and malformed input.

#include "common/address_prefix.hpp"
#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
using strings = std::vector<std::string>;

namespace {

core_settings predefined_1() {
    auto cfg = quiet_settings();
    cfg.predefined = {{1, "home/garden/fountain/2"}};
    return cfg;
}

} // namespace

TEST_CASE("QoS -1: predefined id and short name from any sender, no connection (§6.8)") {
    scenario sc(predefined_1());
    // Length 08, PUBLISH 0C, Flags 61 (QoS -1, retain 0, predefined), TopicId 0001, MsgId 0, "A"
    sc.in(addr_a, hx("08 0C 61 00 01 00 00 41"));
    // Flags 72: QoS -1, retain, short name "t1"
    sc.in(addr_b, hx("08 0C 72 74 31 00 00 42"));
    CHECK(sc.take().empty()); // never answered
    REQUIRE(sc.side.connectionless.size() == 2);
    CHECK(sc.side.connectionless[0].topic == "home/garden/fountain/2");
    CHECK(sc.side.connectionless[0].payload == tx("A"));
    CHECK(sc.side.connectionless[0].qos == 0);
    CHECK(sc.side.connectionless[1].topic == "t1");
    CHECK(sc.side.connectionless[1].retain);
    CHECK(sc.core.session_count() == 0);
}

TEST_CASE("spec-decisions rule 1: QoS -1 with a normal topic id is refused (dropped, counted)") {
    scenario sc(predefined_1());
    sc.in(addr_a, hx("08 0C 60 00 01 00 00 41"));
    sc.in(addr_a, hx("08 0C 61 00 09 00 00 41")); // unknown predefined id
    CHECK(sc.take().empty());
    CHECK(sc.side.connectionless.empty());
    CHECK(sc.core.drops(drop_reason::qos_minus_one_name) == 1);
    CHECK(sc.core.drops(drop_reason::qos_minus_one_topic) == 1);
}

TEST_CASE("QoS -1 allow-lists: senders by prefix, topics by name") {
    auto cfg = predefined_1();
    cfg.qos_minus_one_senders = {*common::parse_address_prefix("10.0.0.0/31")};
    cfg.qos_minus_one_topics = {"t1"};
    scenario sc(cfg);
    sc.in(addr_a, hx("08 0C 62 74 31 00 00 41")); // 10.0.0.1, "t1": accepted
    sc.in(addr_b, hx("08 0C 62 74 31 00 00 42")); // 10.0.0.2: not in 10.0.0.0/31
    sc.in(addr_a, hx("08 0C 61 00 01 00 00 43")); // predefined, but not in the topic list
    REQUIRE(sc.side.connectionless.size() == 1);
    CHECK(sc.side.connectionless[0].payload == tx("A"));
    CHECK(sc.core.drops(drop_reason::qos_minus_one_sender) == 1);
    CHECK(sc.core.drops(drop_reason::qos_minus_one_topic) == 1);
}

TEST_CASE("address prefixes: v4, v6, host, bad text") {
    const auto p = common::parse_address_prefix("10.0.0.0/8");
    REQUIRE(p);
    CHECK(p->contains(common::net_address::v4(10, 200, 1, 1, 9)));
    CHECK_FALSE(p->contains(common::net_address::v4(11, 0, 0, 1, 9)));
    const auto host = common::parse_address_prefix("192.168.1.7");
    REQUIRE(host);
    CHECK(host->bits == 32);
    CHECK(host->contains(common::net_address::v4(192, 168, 1, 7, 1)));
    CHECK_FALSE(host->contains(common::net_address::v4(192, 168, 1, 8, 1)));
    const auto v6 = common::parse_address_prefix("::1/128");
    REQUIRE(v6);
    common::net_address loop6;
    loop6.fam = common::net_address::family::v6;
    loop6.ip[15] = 1;
    CHECK(v6->contains(loop6));
    CHECK_FALSE(v6->contains(common::net_address::v4(0, 0, 0, 1, 0)));
    CHECK_FALSE(common::parse_address_prefix("10.0.0.0/33"));
    CHECK_FALSE(common::parse_address_prefix("example.org"));
    CHECK_FALSE(common::parse_address_prefix("10.0.0.0/"));
}

TEST_CASE("ADVERTISE at start-up and every T_ADV, multicast (§6.1)") {
    auto cfg = quiet_settings();
    cfg.advertise_interval_s = 900;
    cfg.gateway_id = 7;
    scenario sc(cfg);
    REQUIRE(sc.core.next_deadline() == sc.now);
    sc.core.on_tick(sc.now);
    REQUIRE(sc.sink.multicasts.size() == 1);
    // Length 05, ADVERTISE 00, GwId 07, Duration 0384 (900 s)
    CHECK(show(sc.sink.multicasts[0].data) == "05 00 07 03 84");
    CHECK(sc.sink.multicasts[0].radius == 0);
    sc.advance(899s);
    CHECK(sc.sink.multicasts.size() == 1);
    sc.advance(1s);
    CHECK(sc.sink.multicasts.size() == 2);
    CHECK(sc.take().empty());
}

TEST_CASE(
    "SEARCHGW -> GWINFO multicast with the SEARCHGW radius, and unicast (spec-decisions rule 9)") {
    auto cfg = quiet_settings();
    cfg.gateway_id = 7;
    scenario sc(cfg);
    sc.in(addr_a, hx("03 01 02")); // SEARCHGW, radius 2
    REQUIRE(sc.sink.multicasts.size() == 1);
    CHECK(show(sc.sink.multicasts[0].data) == "03 02 07"); // GWINFO, GwId 7
    CHECK(sc.sink.multicasts[0].radius == 2);
    CHECK(sc.take(addr_a) == strings{"03 02 07"});
}

TEST_CASE("SEARCHGW with gwinfo_unicast off: multicast only, foreign ADVERTISE/GWINFO ignored") {
    auto cfg = quiet_settings();
    cfg.gwinfo_unicast = false;
    scenario sc(cfg);
    sc.in(addr_a, hx("03 01 01"));
    CHECK(sc.sink.multicasts.size() == 1);
    CHECK(sc.take().empty());
    sc.in(addr_b, hx("05 00 09 03 84")); // another gateway's ADVERTISE
    sc.in(addr_b, hx("03 02 09"));       // another gateway's GWINFO
    CHECK(sc.take().empty());
    CHECK(sc.sink.multicasts.size() == 1);
    CHECK(sc.core.session_count() == 0);
}

TEST_CASE("forwarder encapsulation: CONNECT/PUBLISH from a wireless node, answers wrapped (§5.5)") {
    scenario sc(predefined_1());
    // Length 05 (header only, rule 11), Encapsulated FE, Ctrl 01, Wireless Node Id 002A,
    // then CONNECT "s1" (keep-alive 60, clean)
    sc.in(addr_a, hx("05 FE 01 00 2A  08 04 04 01 00 3C 73 31"));
    CHECK(sc.take(addr_a) == strings{"05 FE 00 00 2A 03 05 00"});
    CHECK(sc.core.state_of("s1") == session_state::active);
    // PUBLISH QoS 1 on predefined id 1 through the forwarder -> PUBACK wrapped back.
    sc.in(addr_a, hx("05 FE 01 00 2A  08 0C 21 00 01 00 05 41"));
    CHECK(sc.take(addr_a) == strings{"05 FE 00 00 2A 07 0D 00 01 00 05 00"});
    REQUIRE(sc.side.publishes.size() == 1);
    CHECK(sc.side.publishes[0].msg.topic == "home/garden/fountain/2");
    // A second node behind the same forwarder is another endpoint: rule 14 for it.
    sc.in(addr_a, hx("05 FE 01 00 2B  02 16"));
    CHECK(sc.take(addr_a) == strings{"05 FE 00 00 2B 02 18"});
    // The forwarder's own address is not s1 either.
    sc.in(addr_a, hx("02 16"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
    // Messages for s1 go wrapped to the node.
    sc.in(addr_a, hx("05 FE 01 00 2A  07 12 01 00 01 00 01")); // SUBSCRIBE predefined 1
    CHECK(sc.take(addr_a) == strings{"05 FE 00 00 2A 08 13 00 00 01 00 01 00"});
    sc.message("s1", "home/garden/fountain/2", "z", 0);
    CHECK(sc.take(addr_a) == strings{"05 FE 00 00 2A 08 0C 01 00 01 00 00 7A"});
}

TEST_CASE("SEARCHGW through a forwarder: GWINFO wrapped back with the radius, no multicast") {
    scenario sc;
    sc.in(addr_a, hx("04 FE 00 09  03 01 03"));
    CHECK(sc.take(addr_a) == strings{"04 FE 03 09 03 02 01"});
    CHECK(sc.sink.multicasts.empty());
}

TEST_CASE("malformed and nested-encapsulated datagrams are dropped, counted, unanswered") {
    scenario sc;
    sc.in(addr_a, hx("05 04 04 01"));                    // Length disagrees
    sc.in(addr_a, hx("04 FE 00 09  04 FE 00 09 02 16")); // nested
    sc.in(addr_a, hx("03 05 00"));                       // a CONNACK sent to the gateway
    CHECK(sc.take().empty());
    // The codec already refuses an Encapsulated message inside another one.
    CHECK(sc.core.drops(drop_reason::malformed) +
              sc.core.drops(drop_reason::nested_encapsulation) ==
          2);
    CHECK(sc.core.drops(drop_reason::unexpected_type) == 1);
}

TEST_CASE("WILLTOPICUPD / WILLMSGUPD replace the will, an empty WILLTOPICUPD deletes it (§6.4)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    // Length 06, WILLTOPICUPD 1A, Flags 30 (QoS 1, retain), "w/t"
    sc.in(addr_a, cat({hx("06 1A 30"), tx("w/t")}));
    CHECK(sc.take(addr_a) == strings{"03 1B 00"}); // WILLTOPICRESP accepted
    REQUIRE(sc.side.wills.size() == 1);
    REQUIRE(sc.side.wills[0].second.has_value());
    CHECK(sc.side.wills[0].second->topic == "w/t");
    CHECK(sc.side.wills[0].second->qos == 1);
    CHECK(sc.side.wills[0].second->retain);
    CHECK(sc.side.wills[0].second->payload.empty());
    sc.in(addr_a, cat({hx("05 1C"), tx("bye")}));  // WILLMSGUPD
    CHECK(sc.take(addr_a) == strings{"03 1D 00"}); // WILLMSGRESP accepted
    REQUIRE(sc.side.wills.size() == 2);
    CHECK(sc.side.wills[1].second->payload == tx("bye"));
    CHECK(sc.side.wills[1].second->topic == "w/t");
    sc.in(addr_a, hx("02 1A")); // empty WILLTOPICUPD
    CHECK(sc.take(addr_a) == strings{"03 1B 00"});
    REQUIRE(sc.side.wills.size() == 3);
    CHECK_FALSE(sc.side.wills[2].second.has_value());
    // A will message alone is no will.
    sc.in(addr_a, cat({hx("04 1C"), tx("xy")}));
    CHECK(sc.take(addr_a) == strings{"03 1D 00"});
    CHECK(sc.side.wills.size() == 3);
}

TEST_CASE("the MQTT side answering re-entrantly and late: events are handled in order") {
    scenario sc;
    sc.side.auto_subscribe = false;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    CHECK(sc.take().empty());
    const auto id = sc.id_of("s1");
    const auto token = sc.side.subscribes[0].token;
    // A message before the SUBACK answer: the client does not know the id yet -> REGISTER.
    sc.side.listener->on_message(id, common::mqtt_message{"a/b", tx("r"), 1, true});
    CHECK(sc.take(addr_a) == strings{"09 0A 00 01 00 01 61 2F 62"});
    sc.side.listener->on_subscribe_done(id, token, std::uint8_t{1});
    CHECK(sc.take(addr_a) == strings{"08 13 20 00 01 00 01 00"});
    sc.in(addr_a, hx("07 0B 00 01 00 01 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 30 00 01 00 02 72"});
}

TEST_CASE("an MQTT-side event from outside a datagram moves next_deadline (the runtime re-reads it "
          "per loop iteration)") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_a, cat({hx("08 12 20 00 01"), tx("a/b")}));
    sc.take();
    REQUIRE(sc.core.next_deadline().has_value());
    const auto before = *sc.core.next_deadline();
    sc.message("s1", "a/b", "x", 1);
    REQUIRE(sc.core.next_deadline().has_value());
    CHECK(*sc.core.next_deadline() == sc.now + 10s); // the retransmission timer
    CHECK(*sc.core.next_deadline() < before);
}
