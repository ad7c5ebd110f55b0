// bridge/local/mqtt_log: the MQTT listener's -v lines, packet by packet, as Mosquitto 2.0
// writes them (its handle_*.c and send_*.c log__printf formats).

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/mqtt_log.hpp"

namespace mqtt = snbridge::common::mqtt;
namespace mqtt_log = snbridge::bridge::local::mqtt_log;

TEST_CASE("mqtt_log: received packets, Mosquitto's lines") {
    const struct {
        mqtt::packet p;
        std::vector<std::string> lines;
    } cases[] = {
        {mqtt::publish{.dup = true,
                       .qos = 1,
                       .retain = true,
                       .topic = "a/b",
                       .packet_id = 7,
                       .payload = {1, 2, 3}},
         {"Received PUBLISH from c1 (d1, q1, r1, m7, 'a/b', ... (3 bytes))"}},
        {mqtt::puback{9}, {"Received PUBACK from c1 (Mid: 9, RC:0)"}},
        {mqtt::pubrec{9}, {"Received PUBREC from c1 (Mid: 9, RC:0)"}},
        {mqtt::pubrel{9}, {"Received PUBREL from c1 (Mid: 9)"}},
        {mqtt::pubcomp{9}, {"Received PUBCOMP from c1 (Mid: 9, RC:0)"}},
        {mqtt::subscribe{.packet_id = 2, .subscriptions = {{"x/#", 1}, {"y", 0}}},
         {"Received SUBSCRIBE from c1", "\tx/# (QoS 1)", "\ty (QoS 0)"}},
        {mqtt::unsubscribe{.packet_id = 3, .filters = {"x/#"}},
         {"Received UNSUBSCRIBE from c1", "\tx/#"}},
        {mqtt::pingreq{}, {"Received PINGREQ from c1"}},
        {mqtt::disconnect{}, {"Received DISCONNECT from c1"}},
        {mqtt::connect{}, {}}, // "New client connected ..." is the connection's own line
    };
    for (const auto& c : cases) {
        CHECK(mqtt_log::received_lines("c1", c.p) == c.lines);
    }
}

TEST_CASE("mqtt_log: sent packets, Mosquitto's lines") {
    const struct {
        mqtt::packet p;
        std::vector<std::string> lines;
    } cases[] = {
        {mqtt::connack{.session_present = true, .rc = mqtt::connack_code::accepted},
         {"Sending CONNACK to c1 (1, 0)"}},
        {mqtt::connack{.session_present = false, .rc = mqtt::connack_code::not_authorized},
         {"Sending CONNACK to c1 (0, 5)"}},
        {mqtt::publish{.qos = 0, .topic = "t", .payload = {}},
         {"Sending PUBLISH to c1 (d0, q0, r0, m0, 't', ... (0 bytes))"}},
        {mqtt::puback{4}, {"Sending PUBACK to c1 (m4, rc0)"}},
        {mqtt::pubrec{4}, {"Sending PUBREC to c1 (m4, rc0)"}},
        {mqtt::pubrel{4}, {"Sending PUBREL to c1 (m4)"}},
        {mqtt::pubcomp{4}, {"Sending PUBCOMP to c1 (m4)"}},
        {mqtt::suback{.packet_id = 2, .return_codes = {1}}, {"Sending SUBACK to c1"}},
        {mqtt::unsuback{3}, {"Sending UNSUBACK to c1"}},
        {mqtt::pingresp{}, {"Sending PINGRESP to c1"}},
    };
    for (const auto& c : cases) {
        CHECK(mqtt_log::sent_lines("c1", c.p) == c.lines);
    }
}
