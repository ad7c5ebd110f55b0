#include "mqttsn_golden.hpp"

namespace mqttsn_test {

namespace sn = snbridge::common::mqttsn;
using sn::flags;
using sn::qos;
using sn::return_code;
using sn::topic_id_type;
using bytes = std::vector<std::uint8_t>;

const std::vector<golden>& golden_messages() {
    static const std::vector<golden> table{
        {"ADVERTISE §5.4.1",
         {
             0x05,       // Length 5
             0x00,       // MsgType ADVERTISE
             0x2A,       // GwId 42
             0x03, 0x84, // Duration 900 s
         },
         sn::advertise{.gw_id = 42, .duration = 900}},
        {"SEARCHGW §5.4.2",
         {
             0x03, // Length 3
             0x01, // MsgType SEARCHGW
             0x02, // Radius 2
         },
         sn::searchgw{.radius = 2}},
        {"GWINFO from a gateway, no GwAdd §5.4.3",
         {
             0x03, // Length 3
             0x02, // MsgType GWINFO
             0x07, // GwId 7
         },
         sn::gwinfo{.gw_id = 7, .gw_address = {}}},
        {"GWINFO from a client, with GwAdd §5.4.3",
         {
             0x07,                   // Length 7
             0x02,                   // MsgType GWINFO
             0x07,                   // GwId 7
             0x7F, 0x00, 0x00, 0x01, // GwAdd (4 octets, network specific)
         },
         sn::gwinfo{.gw_id = 7, .gw_address = {0x7F, 0x00, 0x00, 0x01}}},
        {"CONNECT §5.4.4",
         {
             0x0E,                                  // Length 14
             0x04,                                  // MsgType CONNECT
             0x0C,                                  // Flags: Will, CleanSession
             0x01,                                  // ProtocolId 0x01
             0x00, 0x3C,                            // Duration (keep-alive) 60 s
             's', 'e', 'n', 's', 'o', 'r', '-', '1' // ClientId "sensor-1"
         },
         sn::connect{.flag = {.will = true, .clean_session = true},
                     .duration = 60,
                     .client_id = "sensor-1"}},
        {"CONNACK §5.4.5",
         {
             0x03, // Length 3
             0x05, // MsgType CONNACK
             0x00, // ReturnCode accepted
         },
         sn::connack{.rc = return_code::accepted}},
        {"WILLTOPICREQ §5.4.6",
         {
             0x02, // Length 2
             0x06, // MsgType WILLTOPICREQ
         },
         sn::willtopicreq{}},
        {"WILLTOPIC §5.4.7",
         {
             0x09,                        // Length 9
             0x07,                        // MsgType WILLTOPIC
             0x30,                        // Flags: QoS 1, Retain
             'w', 'i', 'l', 'l', '/', 't' // WillTopic "will/t"
         },
         sn::willtopic{.flag = {.qos_level = qos::one, .retain = true}, .topic = "will/t"}},
        {"WILLTOPIC empty = delete will §5.4.7",
         {
             0x02, // Length 2 (no Flags, no WillTopic)
             0x07, // MsgType WILLTOPIC
         },
         sn::willtopic{}},
        {"WILLMSGREQ §5.4.8",
         {
             0x02, // Length 2
             0x08, // MsgType WILLMSGREQ
         },
         sn::willmsgreq{}},
        {"WILLMSG §5.4.9",
         {
             0x05,         // Length 5
             0x09,         // MsgType WILLMSG
             'b', 'y', 'e' // WillMsg "bye"
         },
         sn::willmsg{.message = {'b', 'y', 'e'}}},
        {"WILLMSG empty §5.4.9 §5.3.13",
         {
             0x02, // Length 2
             0x09, // MsgType WILLMSG, zero-length WillMsg
         },
         sn::willmsg{}},
        {"REGISTER §5.4.10",
         {
             0x09,         // Length 9
             0x0A,         // MsgType REGISTER
             0x00, 0x01,   // TopicId 1
             0x00, 0x02,   // MsgId 2
             'a', '/', 'b' // TopicName "a/b"
         },
         sn::register_{.topic_id = 1, .msg_id = 2, .topic_name = "a/b"}},
        {"REGACK §5.4.11",
         {
             0x07,       // Length 7
             0x0B,       // MsgType REGACK
             0x00, 0x01, // TopicId 1
             0x00, 0x02, // MsgId 2
             0x00,       // ReturnCode accepted
         },
         sn::regack{.topic_id = 1, .msg_id = 2, .rc = return_code::accepted}},
        {"PUBLISH QoS 1 normal topic id §5.4.12",
         {
             0x09,       // Length 9
             0x0C,       // MsgType PUBLISH
             0x20,       // Flags: QoS 1, TopicIdType normal
             0x00, 0x01, // TopicId 1
             0x00, 0x02, // MsgId 2
             'h', 'i'    // Data "hi"
         },
         sn::publish{
             .flag = {.qos_level = qos::one}, .topic_id = 1, .msg_id = 2, .data = {'h', 'i'}}},
        {"PUBLISH QoS -1 short topic, empty Data §5.4.12 §6.8",
         {
             0x07,       // Length 7
             0x0C,       // MsgType PUBLISH
             0x62,       // Flags: QoS -1 (0b11), TopicIdType short name (0b10)
             'a', 'b',   // TopicId = short topic name "ab"
             0x00, 0x00, // MsgId 0
         },
         sn::publish{.flag = {.qos_level = qos::minus_one, .topic_type = topic_id_type::short_name},
                     .topic_id = 0x6162,
                     .msg_id = 0,
                     .data = {}}},
        {"PUBLISH DUP QoS 2 retained predefined §5.4.12",
         {
             0x08,       // Length 8
             0x0C,       // MsgType PUBLISH
             0xD1,       // Flags: DUP, QoS 2, Retain, TopicIdType predefined
             0x00, 0x07, // TopicId 7 (predefined)
             0x12, 0x34, // MsgId 0x1234
             0x00,       // Data: one zero octet
         },
         sn::publish{.flag = {.dup = true,
                              .qos_level = qos::two,
                              .retain = true,
                              .topic_type = topic_id_type::predefined},
                     .topic_id = 7,
                     .msg_id = 0x1234,
                     .data = {0x00}}},
        {"PUBACK §5.4.13",
         {
             0x07,       // Length 7
             0x0D,       // MsgType PUBACK
             0x00, 0x01, // TopicId 1
             0x00, 0x02, // MsgId 2
             0x02,       // ReturnCode invalid topic id
         },
         sn::puback{.topic_id = 1, .msg_id = 2, .rc = return_code::invalid_topic_id}},
        {"PUBCOMP §5.4.14",
         {
             0x04,       // Length 4
             0x0E,       // MsgType PUBCOMP
             0xAB, 0xCD, // MsgId 0xABCD
         },
         sn::pubcomp{.msg_id = 0xABCD}},
        {"PUBREC §5.4.14",
         {
             0x04,       // Length 4
             0x0F,       // MsgType PUBREC
             0x00, 0x02, // MsgId 2
         },
         sn::pubrec{.msg_id = 2}},
        {"PUBREL §5.4.14",
         {
             0x04,       // Length 4
             0x10,       // MsgType PUBREL
             0xFF, 0xFF, // MsgId 0xFFFF
         },
         sn::pubrel{.msg_id = 0xFFFF}},
        {"SUBSCRIBE topic name with wildcard §5.4.15",
         {
             0x08,         // Length 8
             0x12,         // MsgType SUBSCRIBE
             0x20,         // Flags: QoS 1, TopicIdType normal (name)
             0x00, 0x03,   // MsgId 3
             'a', '/', '#' // TopicName "a/#"
         },
         sn::subscribe{.flag = {.qos_level = qos::one}, .msg_id = 3, .topic_name = "a/#"}},
        {"SUBSCRIBE predefined id §5.4.15",
         {
             0x07,       // Length 7
             0x12,       // MsgType SUBSCRIBE
             0x41,       // Flags: QoS 2, TopicIdType predefined
             0x00, 0x04, // MsgId 4
             0x00, 0x07, // TopicId 7
         },
         sn::subscribe{.flag = {.qos_level = qos::two, .topic_type = topic_id_type::predefined},
                       .msg_id = 4,
                       .topic_name = {},
                       .topic_id = 7}},
        {"SUBSCRIBE short name, DUP §5.4.15",
         {
             0x07,       // Length 7
             0x12,       // MsgType SUBSCRIBE
             0x82,       // Flags: DUP, QoS 0, TopicIdType short name
             0x00, 0x05, // MsgId 5
             'x', 'y',   // short TopicName "xy"
         },
         sn::subscribe{.flag = {.dup = true, .topic_type = topic_id_type::short_name},
                       .msg_id = 5,
                       .topic_name = "xy"}},
        {"SUBACK §5.4.16",
         {
             0x08,       // Length 8
             0x13,       // MsgType SUBACK
             0x20,       // Flags: granted QoS 1
             0x00, 0x05, // TopicId 5
             0x00, 0x03, // MsgId 3
             0x00,       // ReturnCode accepted
         },
         sn::suback{.flag = {.qos_level = qos::one},
                    .topic_id = 5,
                    .msg_id = 3,
                    .rc = return_code::accepted}},
        {"UNSUBSCRIBE topic name §5.4.17",
         {
             0x08,         // Length 8
             0x14,         // MsgType UNSUBSCRIBE
             0x00,         // Flags: TopicIdType normal (name)
             0x00, 0x06,   // MsgId 6
             'a', '/', '+' // TopicName "a/+"
         },
         sn::unsubscribe{.flag = {}, .msg_id = 6, .topic_name = "a/+"}},
        {"UNSUBSCRIBE predefined id §5.4.17",
         {
             0x07,       // Length 7
             0x14,       // MsgType UNSUBSCRIBE
             0x01,       // Flags: TopicIdType predefined
             0x00, 0x07, // MsgId 7
             0x01, 0x00, // TopicId 256
         },
         sn::unsubscribe{.flag = {.topic_type = topic_id_type::predefined},
                         .msg_id = 7,
                         .topic_name = {},
                         .topic_id = 256}},
        {"UNSUBSCRIBE short name §5.4.17",
         {
             0x07,       // Length 7
             0x14,       // MsgType UNSUBSCRIBE
             0x02,       // Flags: TopicIdType short name
             0x00, 0x08, // MsgId 8
             'x', 'y',   // short TopicName "xy"
         },
         sn::unsubscribe{
             .flag = {.topic_type = topic_id_type::short_name}, .msg_id = 8, .topic_name = "xy"}},
        {"UNSUBACK §5.4.18",
         {
             0x04,       // Length 4
             0x15,       // MsgType UNSUBACK
             0x00, 0x06, // MsgId 6
         },
         sn::unsuback{.msg_id = 6}},
        {"PINGREQ without ClientId §5.4.19",
         {
             0x02, // Length 2
             0x16, // MsgType PINGREQ
         },
         sn::pingreq{}},
        {"PINGREQ with ClientId (waking sleeper) §5.4.19 §6.14",
         {
             0x05,         // Length 5
             0x16,         // MsgType PINGREQ
             'c', 'l', '1' // ClientId "cl1"
         },
         sn::pingreq{.client_id = "cl1"}},
        {"PINGRESP §5.4.20",
         {
             0x02, // Length 2
             0x17, // MsgType PINGRESP
         },
         sn::pingresp{}},
        {"DISCONNECT without Duration §5.4.21",
         {
             0x02, // Length 2
             0x18, // MsgType DISCONNECT
         },
         sn::disconnect{}},
        {"DISCONNECT with Duration (sleep) §5.4.21",
         {
             0x04,       // Length 4
             0x18,       // MsgType DISCONNECT
             0x0E, 0x10, // Duration 3600 s
         },
         sn::disconnect{.duration = 3600}},
        {"WILLTOPICUPD §5.4.22",
         {
             0x05,    // Length 5
             0x1A,    // MsgType WILLTOPICUPD
             0x50,    // Flags: QoS 2, Retain
             'w', '2' // WillTopic "w2"
         },
         sn::willtopicupd{.flag = {.qos_level = qos::two, .retain = true}, .topic = "w2"}},
        {"WILLTOPICUPD empty = delete will §5.4.22",
         {
             0x02, // Length 2 (no Flags, no WillTopic)
             0x1A, // MsgType WILLTOPICUPD
         },
         sn::willtopicupd{}},
        {"WILLTOPICRESP §5.4.24",
         {
             0x03, // Length 3
             0x1B, // MsgType WILLTOPICRESP
             0x01, // ReturnCode congestion
         },
         sn::willtopicresp{.rc = return_code::congestion}},
        {"WILLMSGUPD §5.4.23",
         {
             0x04,      // Length 4
             0x1C,      // MsgType WILLMSGUPD
             0x00, 0xFF // WillMsg: two binary octets
         },
         sn::willmsgupd{.message = {0x00, 0xFF}}},
        {"WILLMSGRESP §5.4.25",
         {
             0x03, // Length 3
             0x1D, // MsgType WILLMSGRESP
             0x03, // ReturnCode not supported
         },
         sn::willmsgresp{.rc = return_code::not_supported}},
        {"CONNACK with a reserved ReturnCode kept as is §5.3.10",
         {
             0x03, // Length 3
             0x05, // MsgType CONNACK
             0x7F, // ReturnCode 0x7F (reserved, kept)
         },
         sn::connack{.rc = static_cast<return_code>(0x7F)}},
        {"Encapsulated PINGREQ §5.5",
         {
             0x05,          // Length 5: Length, MsgType, Ctrl, node id (spec-decisions rule 11)
             0xFE,          // MsgType Encapsulated
             0x01,          // Ctrl: radius 1, reserved bits 0
             0xAB, 0xCD,    // Wireless Node Id
             0x05,          // inner Length 5
             0x16,          // inner MsgType PINGREQ
             'n', 'o', 'd', // inner ClientId "nod"
         },
         sn::encapsulated{
             .radius = 1, .wireless_node_id = {0xAB, 0xCD}, .inner = {0x05, 0x16, 'n', 'o', 'd'}}},
        {"Encapsulated with empty node id, inner CONNACK §5.5",
         {
             0x03, // Length 3: no Wireless Node Id
             0xFE, // MsgType Encapsulated
             0x00, // Ctrl: radius 0
             0x03, // inner Length 3
             0x05, // inner MsgType CONNACK
             0x00, // inner ReturnCode accepted
         },
         sn::encapsulated{.radius = 0, .wireless_node_id = {}, .inner = {0x03, 0x05, 0x00}}},
    };
    return table;
}

} // namespace mqttsn_test
