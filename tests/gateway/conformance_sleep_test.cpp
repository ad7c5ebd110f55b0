// Conformance: keep-alive and PING, sleeping clients and will updates, byte-exact, on the
// real built-in broker (MQTT-SN 1.2 §6.4, §6.11, §6.14, §7.2; spec-decisions rules 5-7).

#include "tests/gateway/conformance_harness.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::conformance;

namespace {

/// CONNECT with a will on `topic` (QoS 0), keep-alive `ka`, CleanSession=1.
void connect_with_will(world& w, const common::net_address& from, std::string_view id,
                       std::uint16_t ka, std::string_view topic, std::string_view msg) {
    w.in(from, sn({hx("04 0C 01"),
                   bytes{static_cast<std::uint8_t>(ka >> 8), static_cast<std::uint8_t>(ka & 0xFF)},
                   tx(id)}));
    REQUIRE(w.take(from) == strings{"02 06"});
    w.in(from, sn({hx("07 00"), tx(topic)}));
    REQUIRE(w.take(from) == strings{"02 08"});
    w.in(from, sn({hx("09"), tx(msg)}));
    REQUIRE(w.take(from) == strings{"03 05 00"});
}

bytes pingreq(std::string_view id) {
    return sn({hx("16"), tx(id)});
}

} // namespace

TEST_CASE(
    "conformance §6.11: PINGREQ with or without ClientId -> PINGRESP, keeps the client alive") {
    world w;
    connect_with_will(w, ca, "s1", 10, "w/s1", "bye");
    for (int i = 0; i < 5; ++i) {
        w.advance(14s);
        w.in(ca, i % 2 == 0 ? hx("02 16") : pingreq("s1"));
        CHECK(w.take(ca) == strings{"02 17"});
    }
    CHECK(w.obs.got.empty());
    CHECK(w.core.state_of("s1") == session_state::active);
}

TEST_CASE("conformance §7.2 §6.14: keep-alive tolerance +50 % up to 60 s - +10 % above") {
    SUBCASE("60 s -> lost at 90 s") {
        world w;
        connect_with_will(w, ca, "s1", 60, "w/s1", "bye");
        w.advance(89'999ms);
        CHECK(w.obs.got.empty());
        w.advance(1ms);
        CHECK(w.obs.take() == strings{"w/s1=bye"});
    }
    SUBCASE("61 s -> lost at 67.1 s") {
        world w;
        connect_with_will(w, ca, "s1", 61, "w/s1", "bye");
        w.advance(67'099ms);
        CHECK(w.obs.got.empty());
        w.advance(1ms);
        CHECK(w.obs.take() == strings{"w/s1=bye"});
    }
    SUBCASE("any message restarts the keep-alive timer") {
        world w;
        connect_with_will(w, ca, "s1", 10, "w/s1", "bye");
        w.advance(14s);
        w.in(ca, sn({hx("0A 00 00 00 01"), tx("a/b")}));
        CHECK(w.take(ca).size() == 1);
        w.advance(14s);
        CHECK(w.obs.got.empty());
        w.advance(1s);
        CHECK(w.obs.take() == strings{"w/s1=bye"});
        // Lost: a message from it now gets DISCONNECT (it must CONNECT again)
        w.in(ca, hx("02 16"));
        CHECK(w.take(ca) == strings{"02 18"});
    }
}

TEST_CASE(
    "conformance §6.14: asleep buffers, PINGREQ(ClientId) flushes, PINGRESP after the last ack") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, hx("07 12 22 00 01 61 62")); // SUBSCRIBE QoS 1 short "ab"
    CHECK(w.take(ca) == strings{"08 13 20 00 00 00 01 00"});
    w.in(ca, hx("04 18 00 64"));           // DISCONNECT, Duration 100 s
    CHECK(w.take(ca) == strings{"02 18"}); // acked without Duration (§5.4.21)
    CHECK(w.core.state_of("s1") == session_state::asleep);
    w.mqtt_publish("ab", "1", 1);
    w.mqtt_publish("ab", "2", 0);
    w.advance(60s);
    CHECK(w.take().empty()); // buffered, no retransmission while asleep
    w.in(ca, pingreq("s1"));
    CHECK(w.take(ca) == strings{"08 0C 22 61 62 00 01 31"});
    CHECK(w.core.state_of("s1") == session_state::awake);
    w.in(ca, hx("07 0D 61 62 00 01 00"));
    CHECK(w.take(ca) == strings{"08 0C 02 61 62 00 00 32", "02 17"});
    CHECK(w.core.state_of("s1") == session_state::asleep);
    // the sleep timer restarted at the PINGRESP: 100 s + 10 %
    w.advance(109s);
    CHECK(w.core.state_of("s1") == session_state::asleep);
    w.in(ca, pingreq("s1")); // nothing buffered: PINGRESP at once
    CHECK(w.take(ca) == strings{"02 17"});
    w.advance(110s);
    CHECK(w.core.state_of("s1") == std::nullopt); // Lost, clean session: gone
}

TEST_CASE("conformance §6.14 §7.2: a sleeper is lost after the sleep duration + tolerance - will") {
    world w;
    connect_with_will(w, ca, "s1", 10, "w/s1", "zzz");
    w.in(ca, hx("04 18 00 1E")); // sleep 30 s: supervised 45 s, keep-alive 10 s suspended
    CHECK(w.take(ca) == strings{"02 18"});
    w.advance(44'999ms);
    CHECK(w.obs.got.empty());
    w.advance(1ms);
    CHECK(w.obs.take() == strings{"w/s1=zzz"});
}

TEST_CASE("conformance §6.14: PUBLISH and SUBSCRIBE from an awake client are served") {
    world w;
    w.connect(ca, "s1");
    w.in(ca, hx("07 12 22 00 01 61 62"));
    CHECK(w.take(ca).size() == 1);
    w.in(ca, hx("04 18 00 64"));
    CHECK(w.take(ca) == strings{"02 18"});
    w.mqtt_publish("ab", "1", 1);
    w.in(ca, pingreq("s1"));
    CHECK(w.take(ca) == strings{"08 0C 22 61 62 00 01 31"});
    w.in(ca, hx("08 0C 22 63 64 00 09 7A")); // awake client publishes QoS 1 on "cd"
    CHECK(w.take(ca) == strings{"07 0D 63 64 00 09 00"});
    w.in(ca, hx("07 12 02 00 0A 65 66")); // and subscribes to "ef"
    CHECK(w.take(ca) == strings{"08 13 00 00 00 00 0A 00"});
    w.in(ca, hx("07 0D 61 62 00 01 00"));
    CHECK(w.take(ca) == strings{"02 17"});
    CHECK(w.obs.take() == strings{"ab=1", "cd=z"});
    CHECK(w.core.state_of("s1") == session_state::asleep);
}

TEST_CASE("conformance §6.14 spec-decisions rule 5: CONNECT from asleep -> active, buffered "
          "messages follow") {
    world w;
    w.connect(ca, "s1", 60, false);
    w.in(ca, hx("07 12 22 00 01 61 62"));
    CHECK(w.take(ca).size() == 1);
    w.in(ca, hx("04 18 00 64"));
    CHECK(w.take(ca) == strings{"02 18"});
    w.mqtt_publish("ab", "1", 1);
    w.connect(ca, "s1", 60, false);
    CHECK(w.take(ca) == strings{"08 0C 22 61 62 00 01 31"});
    CHECK(w.core.state_of("s1") == session_state::active);
}

TEST_CASE("conformance §6.14: DISCONNECT without duration from asleep -> disconnected") {
    world w;
    connect_with_will(w, ca, "s1", 10, "w/s1", "x");
    w.in(ca, hx("04 18 00 64"));
    CHECK(w.take(ca) == strings{"02 18"});
    w.in(ca, hx("02 18"));
    CHECK(w.take(ca) == strings{"02 18"});
    w.advance(200s);
    CHECK(w.obs.got.empty()); // no will on a normal DISCONNECT
}

TEST_CASE("conformance §6.4: WILLTOPICUPD / WILLMSGUPD are acked and used - empty deletes both") {
    world w;
    connect_with_will(w, ca, "s1", 10, "w/old", "old");
    w.in(ca, sn({hx("1A 30"), tx("w/new")})); // QoS 1, Retain
    CHECK(w.take(ca) == strings{"03 1B 00"});
    w.in(ca, sn({hx("1C"), tx("new")}));
    CHECK(w.take(ca) == strings{"03 1D 00"});
    w.advance(15s);
    REQUIRE(w.obs.got.size() == 1);
    CHECK(w.obs.got[0].qos == 1);
    CHECK(w.obs.take() == strings{"w/new=new"});
    CHECK(w.broker->retained_count() == 1);

    connect_with_will(w, cb, "s2", 10, "w/s2", "x");
    w.in(cb, hx("02 1A")); // empty WILLTOPICUPD
    CHECK(w.take(cb) == strings{"03 1B 00"});
    w.advance(15s);
    CHECK(w.obs.got.empty());
}

TEST_CASE("conformance §6.4: will set during the connection by WILLTOPICUPD + WILLMSGUPD") {
    world w;
    w.connect(ca, "s1", 10);
    w.in(ca, sn({hx("1C"), tx("msg")}));
    CHECK(w.take(ca) == strings{"03 1D 00"});
    w.in(ca, sn({hx("1A 00"), tx("w/s1")}));
    CHECK(w.take(ca) == strings{"03 1B 00"});
    w.advance(15s);
    CHECK(w.obs.take() == strings{"w/s1=msg"});
}
