// gateway_core scenarios: sleeping clients, every transition of MQTT-SN 1.2 §6.14 Fig. 4
// (Active, Asleep, Awake, Lost, Disconnected), spec-decisions rules 5, 6, 7.

#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
using strings = std::vector<std::string>;

namespace {

/// s1 connected at addr_a (keep-alive 10 s), subscribed to t/a (QoS 2, topic id 1) and n/#
/// (QoS 2, wildcard), then asleep for `sleep_s`.
void connect_subscribe_sleep(scenario& sc, std::uint16_t sleep_s, bool clean = true) {
    sc.connect(addr_a, "s1", 10, clean);
    sc.in(addr_a, cat({hx("08 12 40 00 01"), tx("t/a")}));
    sc.in(addr_a, cat({hx("08 12 40 00 02"), tx("n/#")}));
    REQUIRE(sc.take(addr_a) == strings{"08 13 40 00 01 00 01 00", "08 13 40 00 00 00 02 00"});
    // Length 04, DISCONNECT 18, Duration
    sc.in(addr_a, bytes{0x04, 0x18, static_cast<std::uint8_t>(sleep_s >> 8),
                        static_cast<std::uint8_t>(sleep_s & 0xFF)});
    REQUIRE(sc.take(addr_a) == strings{"02 18"}); // §6.14 Fig. 5: acked with DISCONNECT
    REQUIRE(sc.core.state_of("s1") == session_state::asleep);
}

} // namespace

TEST_CASE("§6.14 sleep: 3 messages (QoS 0, 1, 2 on a new topic) delivered in order on wake-up, "
          "REGISTER before the new topic, PINGRESP last (spec-decisions rule 6)") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.message("s1", "t/a", "0", 0);
    sc.message("s1", "t/a", "1", 1);
    sc.message("s1", "n/new", "2", 2); // the client has no topic id for n/new
    CHECK(sc.take().empty());          // buffered while asleep
    CHECK(sc.core.find_session("s1")->queue.size() == 3);
    sc.advance(30s);
    // PINGREQ with ClientId: Length 04, PINGREQ 16, "s1" -> Awake
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.core.state_of("s1") == session_state::awake);
    // QoS 0 at once, then the QoS 1 one, which must be acked before anything else.
    CHECK(sc.take(addr_a) == strings{"08 0C 00 00 01 00 00 30", "08 0C 20 00 01 00 01 31"});
    sc.in(addr_a, hx("07 0D 00 01 00 01 00")); // PUBACK
    // REGISTER n/new: Length 0B, 0A, TopicId 0002, MsgId 0002, "n/new"
    CHECK(sc.take(addr_a) == strings{"0B 0A 00 02 00 02 6E 2F 6E 65 77"});
    sc.in(addr_a, hx("07 0B 00 02 00 02 00"));                    // REGACK
    CHECK(sc.take(addr_a) == strings{"08 0C 40 00 02 00 03 32"}); // QoS 2 PUBLISH
    sc.in(addr_a, hx("04 0F 00 03"));                             // PUBREC
    CHECK(sc.take(addr_a) == strings{"04 10 00 03"});             // PUBREL
    CHECK(sc.core.state_of("s1") == session_state::awake);
    sc.in(addr_a, hx("04 0E 00 03"));           // PUBCOMP: the last ack
    CHECK(sc.take(addr_a) == strings{"02 17"}); // PINGRESP ends the awake period
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    CHECK(sc.core.find_session("s1")->queue.empty());
    // The sleep timer restarted at the PINGRESP: 60 s * 1.5 from now.
    sc.advance(89'999ms);
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    sc.advance(1ms);
    CHECK(sc.side.closes.size() == 1);
}

TEST_CASE("§6.14 Asleep -> Awake -> Asleep: nothing buffered, PINGRESP at once") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.advance(80s);
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"02 17"});
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    sc.advance(89s); // timer restarted at the PINGREQ, 170 s after falling asleep
    CHECK(sc.core.state_of("s1") == session_state::asleep);
}

TEST_CASE(
    "§6.14 Asleep -> Lost: sleep duration + tolerance, then the will (spec-decisions rule 7)") {
    scenario sc;
    sc.in(addr_a, hx("08 04 0C 01 00 0A 73 31")); // will, keep-alive 10 s
    sc.in(addr_a, cat({hx("06 07 00"), tx("w/t")}));
    sc.in(addr_a, cat({hx("05 09"), tx("bye")}));
    CHECK(sc.take(addr_a) == strings{"02 06", "02 08", "03 05 00"});
    sc.in(addr_a, hx("04 18 00 64")); // sleep 100 s: supervised at 110 s (§7.2)
    CHECK(sc.take(addr_a) == strings{"02 18"});
    sc.advance(60s); // keep-alive (15 s) is suspended while asleep (rule 7)
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    sc.advance(49'999ms);
    CHECK(sc.side.closes.empty());
    sc.advance(1ms);
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0].second == common::close_reason::lost); // the will is published
    CHECK(sc.side.opens[0].second.will->topic == "w/t");
}

TEST_CASE("§6.14 Asleep -> Asleep: a new DISCONNECT with duration changes the sleep time") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.advance(80s);
    sc.in(addr_a, hx("04 18 01 2C")); // 300 s: supervised at 330 s
    CHECK(sc.take(addr_a) == strings{"02 18"});
    sc.advance(329s);
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    sc.advance(1s);
    CHECK(sc.side.closes.size() == 1);
}

TEST_CASE(
    "§6.14 Asleep -> Active: CONNECT (spec-decisions rule 5), buffered messages follow CONNACK") {
    scenario sc;
    connect_subscribe_sleep(sc, 60, false);
    sc.message("s1", "t/a", "x", 1);
    sc.in(addr_a, hx("08 04 00 01 00 0A 73 31")); // CONNECT, CleanSession=0
    // After a reconnect the gateway REGISTERs again (§6.5) before publishing.
    CHECK(sc.take(addr_a) == strings{"03 05 00", "09 0A 00 01 00 01 74 2F 61"});
    CHECK(sc.core.state_of("s1") == session_state::active);
    sc.in(addr_a, hx("07 0B 00 01 00 01 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 02 78"});
    // Keep-alive applies again.
    sc.advance(15s);
    CHECK(sc.core.state_of("s1") == session_state::lost);
}

TEST_CASE("§6.14 Asleep -> Active with CleanSession=1 drops the buffer and the registrations") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.message("s1", "t/a", "x", 1);
    sc.connect(addr_a, "s1");
    CHECK(sc.take().empty());
    CHECK(sc.core.find_session("s1")->queue.empty());
}

TEST_CASE("§6.14 Asleep -> Disconnected: DISCONNECT without duration") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.in(addr_a, hx("02 18"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
    REQUIRE(sc.side.closes.size() == 1);
    CHECK(sc.side.closes[0].second == common::close_reason::disconnect);
    CHECK_FALSE(sc.core.state_of("s1").has_value());
}

TEST_CASE("§6.14 Awake -> Disconnected and Awake -> Asleep (new DISCONNECT with duration)") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.message("s1", "t/a", "1", 1);
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 31"});
    CHECK(sc.core.state_of("s1") == session_state::awake);
    sc.in(addr_a, hx("04 18 00 78")); // back to sleep for 120 s, message not acked
    CHECK(sc.take(addr_a) == strings{"02 18"});
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    sc.advance(100s); // no retransmission while asleep
    CHECK(sc.take().empty());
    // Custody: the message waits for the next wake-up and goes again with DUP.
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"08 0C A0 00 01 00 01 31"});
    sc.in(addr_a, hx("02 18")); // Awake -> Disconnected
    CHECK(sc.take(addr_a) == strings{"02 18"});
    CHECK_FALSE(sc.core.state_of("s1").has_value());
}

TEST_CASE("Awake, no ack after N_retry retransmissions: back to Asleep, message kept") {
    scenario sc;
    connect_subscribe_sleep(sc, 600);
    sc.message("s1", "t/a", "1", 1);
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 31"});
    sc.advance(50s);
    CHECK(sc.take(addr_a) == strings(5, "08 0C A0 00 01 00 01 31"));
    sc.advance(10s);
    CHECK(sc.take().empty()); // no PINGRESP: the flush did not finish
    CHECK(sc.core.state_of("s1") == session_state::asleep);
    CHECK(sc.side.closes.empty());
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"08 0C A0 00 01 00 01 31"});
    sc.in(addr_a, hx("07 0D 00 01 00 01 00"));
    CHECK(sc.take(addr_a) == strings{"02 17"});
}

TEST_CASE("sleep buffer overflow: QoS 0 dropped first, then the oldest message, counted "
          "(an offline session's queue, docs/architecture.md Custody)") {
    auto cfg = quiet_settings();
    cfg.sleep_buffer_size = 3;
    scenario sc(cfg);
    connect_subscribe_sleep(sc, 60);
    sc.message("s1", "t/a", "a", 1);
    sc.message("s1", "t/a", "b", 0);
    sc.message("s1", "t/a", "c", 2);
    sc.message("s1", "t/a", "d", 1); // full: QoS 0 "b" goes
    sc.message("s1", "t/a", "e", 0); // full of QoS 1/2: the QoS 0 newcomer goes
    sc.message("s1", "t/a", "f", 1); // full of QoS 1/2: the oldest, "a", goes
    CHECK(sc.core.drops(drop_reason::sleep_buffer_full) == 3);
    CHECK(sc.core.find_session("s1")->queue.size() == 3);
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"08 0C 40 00 01 00 01 63"});
    sc.in(addr_a, hx("04 0F 00 01"));
    CHECK(sc.take(addr_a) == strings{"04 10 00 01"});
    sc.in(addr_a, hx("04 0E 00 01"));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 02 64"});
    sc.in(addr_a, hx("07 0D 00 01 00 02 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 03 66"});
    sc.in(addr_a, hx("07 0D 00 01 00 03 00"));
    CHECK(sc.take(addr_a) == strings{"02 17"});
}

TEST_CASE("wake from a new port: PINGREQ(ClientId) rebinds the sleeping session") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.message("s1", "t/a", "z", 1);
    sc.in(addr_b, cat({hx("04 16"), tx("s1")})); // NAT moved the device
    CHECK(sc.take(addr_b) == strings{"08 0C 20 00 01 00 01 7A"});
    sc.in(addr_b, hx("07 0D 00 01 00 01 00"));
    CHECK(sc.take(addr_b) == strings{"02 17"});
    sc.in(addr_a, hx("02 16")); // the old address is no longer s1
    CHECK(sc.take(addr_a) == strings{"02 18"});
}

TEST_CASE("messages arriving while Awake are sent in the same awake period") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.message("s1", "t/a", "1", 1);
    sc.in(addr_a, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_a) == strings{"08 0C 20 00 01 00 01 31"});
    sc.message("s1", "t/a", "2", 0);
    CHECK(sc.take().empty()); // waits behind the QoS 1 one
    sc.in(addr_a, hx("07 0D 00 01 00 01 00"));
    CHECK(sc.take(addr_a) == strings{"08 0C 00 00 01 00 00 32", "02 17"});
}

TEST_CASE("PINGREQ with an unknown ClientId: DISCONNECT (rule 14)") {
    scenario sc;
    sc.in(addr_a, cat({hx("04 16"), tx("zz")}));
    CHECK(sc.take(addr_a) == strings{"02 18"});
}

TEST_CASE(
    "spec-decisions rule 5: CONNECT with Will from Asleep runs the will handshake, then Active") {
    scenario sc;
    connect_subscribe_sleep(sc, 60);
    sc.in(addr_a, hx("08 04 08 01 00 0A 73 31")); // Will, CleanSession=0
    CHECK(sc.take(addr_a) == strings{"02 06"});
    CHECK(sc.core.state_of("s1") == session_state::will_topic_wait);
    sc.in(addr_a, cat({hx("06 07 00"), tx("w/t")}));
    sc.in(addr_a, cat({hx("04 09"), tx("xx")}));
    CHECK(sc.take(addr_a) == strings{"02 08", "03 05 00"});
    CHECK(sc.core.state_of("s1") == session_state::active);
    REQUIRE(sc.side.opens.back().second.will.has_value());
    CHECK(sc.side.opens.back().second.will->topic == "w/t");
}

TEST_CASE("PINGREQ(ClientId) from a new address also rebinds an Active session") {
    scenario sc;
    sc.connect(addr_a, "s1");
    sc.in(addr_b, cat({hx("04 16"), tx("s1")}));
    CHECK(sc.take(addr_b) == strings{"02 17"});
    sc.in(addr_b, hx("02 16"));
    CHECK(sc.take(addr_b) == strings{"02 17"});
    sc.in(addr_a, hx("02 16"));
    CHECK(sc.take(addr_a) == strings{"02 18"});
}
