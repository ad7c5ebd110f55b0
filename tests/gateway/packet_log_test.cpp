// gateway/packet_log: the Mosquitto-style one-line description of every MQTT-SN message type,
// as a table (message -> exact line).

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "gateway/packet_log.hpp"

using namespace snbridge;
using namespace snbridge::common::mqttsn;
namespace plog = snbridge::gateway::packet_log;

namespace {

std::vector<std::uint8_t> bytes(std::size_t n) {
    return std::vector<std::uint8_t>(n, 0x41);
}

flags with_qos(qos q, topic_id_type t = topic_id_type::normal) {
    flags f;
    f.qos_level = q;
    f.topic_type = t;
    return f;
}

} // namespace

TEST_CASE("packet_log: describe() for every message type") {
    flags connect_flags;
    connect_flags.clean_session = true;
    flags will_flags = connect_flags;
    will_flags.will = true;
    flags retained_q1 = with_qos(qos::one);
    retained_q1.retain = true;
    flags dup_q2 = with_qos(qos::two);
    dup_q2.dup = true;

    struct row {
        packet p;
        const char* expected;
    };
    const row rows[] = {
        {advertise{.gw_id = 1, .duration = 900}, "ADVERTISE (g1, d900)"},
        {searchgw{.radius = 1}, "SEARCHGW (r1)"},
        {gwinfo{.gw_id = 7, .gw_address = {}}, "GWINFO (g7)"},
        {gwinfo{.gw_id = 7, .gw_address = {0x0a, 0xff}}, "GWINFO (g7, a0aff)"},
        {connect{.flag = connect_flags, .duration = 60, .client_id = "sensor-1"},
         "CONNECT (c1, k60, 'sensor-1')"},
        {connect{.flag = will_flags, .duration = 0, .client_id = "s"}, "CONNECT (c1, w1, k0, 's')"},
        {connack{.rc = return_code::accepted}, "CONNACK (rc0)"},
        {connack{.rc = return_code::congestion}, "CONNACK (rc1)"},
        {willtopicreq{}, "WILLTOPICREQ"},
        {willtopic{.flag = retained_q1, .topic = "dev/lwt"}, "WILLTOPIC (q1, r1, 'dev/lwt')"},
        {willtopic{.flag = {}, .topic = ""}, "WILLTOPIC (delete)"},
        {willmsgreq{}, "WILLMSGREQ"},
        {willmsg{.message = bytes(7)}, "WILLMSG ((7 bytes))"},
        {register_{.topic_id = 0, .msg_id = 3, .topic_name = "home/x"},
         "REGISTER (t0, m3, 'home/x')"},
        {regack{.topic_id = 5, .msg_id = 3, .rc = return_code::accepted}, "REGACK (t5, m3, rc0)"},
        {publish{.flag = with_qos(qos::one), .topic_id = 5, .msg_id = 12, .data = bytes(12)},
         "PUBLISH (d0, q1, r0, m12, t5, (12 bytes))"},
        {publish{.flag = with_qos(qos::minus_one, topic_id_type::predefined),
                 .topic_id = 1,
                 .msg_id = 0,
                 .data = bytes(2)},
         "PUBLISH (d0, q-1, r0, m0, pt1, (2 bytes))"},
        {publish{.flag = with_qos(qos::zero, topic_id_type::short_name),
                 .topic_id = ('a' << 8) | 'b',
                 .msg_id = 0,
                 .data = {}},
         "PUBLISH (d0, q0, r0, m0, 'ab', (0 bytes))"},
        {publish{.flag = dup_q2, .topic_id = 9, .msg_id = 65535, .data = bytes(1)},
         "PUBLISH (d1, q2, r0, m65535, t9, (1 bytes))"},
        {puback{.topic_id = 5, .msg_id = 12, .rc = return_code::invalid_topic_id},
         "PUBACK (t5, m12, rc2)"},
        {pubrec{.msg_id = 4}, "PUBREC (m4)"},
        {pubrel{.msg_id = 4}, "PUBREL (m4)"},
        {pubcomp{.msg_id = 4}, "PUBCOMP (m4)"},
        {subscribe{.flag = with_qos(qos::one), .msg_id = 2, .topic_name = "home/#", .topic_id = 0},
         "SUBSCRIBE (d0, q1, m2, 'home/#')"},
        {subscribe{.flag = with_qos(qos::zero, topic_id_type::predefined),
                   .msg_id = 2,
                   .topic_name = "",
                   .topic_id = 7},
         "SUBSCRIBE (d0, q0, m2, pt7)"},
        {subscribe{.flag = with_qos(qos::two, topic_id_type::short_name),
                   .msg_id = 2,
                   .topic_name = "ab",
                   .topic_id = 0},
         "SUBSCRIBE (d0, q2, m2, 'ab')"},
        {suback{
             .flag = with_qos(qos::one), .topic_id = 5, .msg_id = 2, .rc = return_code::accepted},
         "SUBACK (q1, t5, m2, rc0)"},
        {unsubscribe{.flag = {}, .msg_id = 8, .topic_name = "a/+", .topic_id = 0},
         "UNSUBSCRIBE (m8, 'a/+')"},
        {unsuback{.msg_id = 8}, "UNSUBACK (m8)"},
        {pingreq{.client_id = ""}, "PINGREQ"},
        {pingreq{.client_id = "sleeper"}, "PINGREQ ('sleeper')"},
        {pingresp{}, "PINGRESP"},
        {disconnect{.duration = std::nullopt}, "DISCONNECT"},
        {disconnect{.duration = 300}, "DISCONNECT (d300)"},
        {willtopicupd{.flag = with_qos(qos::two), .topic = "w/t"}, "WILLTOPICUPD (q2, r0, 'w/t')"},
        {willtopicupd{.flag = {}, .topic = ""}, "WILLTOPICUPD (delete)"},
        {willtopicresp{.rc = return_code::accepted}, "WILLTOPICRESP (rc0)"},
        {willmsgupd{.message = bytes(3)}, "WILLMSGUPD ((3 bytes))"},
        {willmsgresp{.rc = return_code::not_supported}, "WILLMSGRESP (rc3)"},
        // MQTT-SN 1.2 §5.5: radius, wireless node id (hex), and the inner message.
        {encapsulated{.radius = 1, .wireless_node_id = {0x0a, 0x0b}, .inner = {0x02, 0x16}},
         "Encapsulated (r1, n0a0b, PINGREQ)"},
        {encapsulated{.radius = 0, .wireless_node_id = {0x01}, .inner = {0x05, 0x16}},
         "Encapsulated (r0, n01, invalid: length_mismatch)"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.expected);
        CHECK(plog::describe(r.p) == r.expected);
    }
}

TEST_CASE("packet_log: Received/Sending lines in Mosquitto's style") {
    flags clean;
    clean.clean_session = true;
    CHECK(plog::received_line("127.0.0.1:40001",
                              connect{.flag = clean, .duration = 60, .client_id = "sensor-1"}) ==
          "Received CONNECT from 127.0.0.1:40001 (c1, k60, 'sensor-1')");
    CHECK(plog::received_line(
              "sensor-7",
              publish{.flag = with_qos(qos::one), .topic_id = 3, .msg_id = 12, .data = bytes(12)},
              "home/garden/fountain/2") ==
          "Received PUBLISH from sensor-7 (d0, q1, r0, m12, 'home/garden/fountain/2', (12 bytes))");
    CHECK(plog::sent_line("sensor-1", connack{.rc = return_code::accepted}) ==
          "Sending CONNACK to sensor-1 (rc0)");
    CHECK(plog::sent_line("sensor-1", pingresp{}) == "Sending PINGRESP to sensor-1");
}

TEST_CASE("packet_log: names are escaped and cut so a line stays one line") {
    CHECK(plog::quoted("a/b") == "'a/b'");
    CHECK(plog::quoted(std::string_view("a\0b\n'\\", 6)) == "'a\\x00b\\x0a\\x27\\x5c'");
    CHECK(plog::quoted("\xc3\xa9") == "'\\xc3\\xa9'");
    const std::string long_name(300, 'x');
    CHECK(plog::quoted(long_name) == "'" + std::string(200, 'x') + "...'");
}

TEST_CASE("packet_log: log_received is silent unless enabled") {
    CHECK_FALSE(plog::enabled());
    plog::set_enabled(true);
    CHECK(plog::enabled());
    plog::set_enabled(false);
}
