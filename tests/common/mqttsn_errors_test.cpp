// MQTT-SN v1.2 codec: each named decode error, the encode refusals, and the messages the spec
// allows with an empty or absent variable part.

#include <cstdint>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"

namespace sn = snbridge::common::mqttsn;
using snbridge::common::mqttsn::decode_error;
using bytes = std::vector<std::uint8_t>;

namespace {

struct bad_case {
    std::string_view why;
    bytes wire;
    decode_error expected;
};

} // namespace

TEST_CASE("mqttsn errors: table of malformed datagrams -> exact named error") {
    const std::vector<bad_case> table{
        {"zero-length datagram", {}, decode_error::empty},
        {"only a Length octet", {0x02}, decode_error::truncated},
        {"3-octet Length cut in the header", {0x01, 0x01}, decode_error::truncated},
        {"3-octet Length without MsgType", {0x01, 0x01, 0x00}, decode_error::truncated},
        {"ADVERTISE missing Duration octet", {0x04, 0x00, 0x2A, 0x03}, decode_error::truncated},
        {"SEARCHGW without Radius", {0x02, 0x01}, decode_error::truncated},
        {"GWINFO without GwId", {0x02, 0x02}, decode_error::truncated},
        {"CONNECT without Duration", {0x04, 0x04, 0x04, 0x01}, decode_error::truncated},
        {"CONNACK without ReturnCode", {0x02, 0x05}, decode_error::truncated},
        {"REGISTER without MsgId", {0x04, 0x0A, 0x00, 0x01}, decode_error::truncated},
        {"REGACK without ReturnCode", {0x06, 0x0B, 0, 1, 0, 2}, decode_error::truncated},
        {"PUBLISH without MsgId", {0x05, 0x0C, 0x00, 0x00, 0x01}, decode_error::truncated},
        {"PUBACK without ReturnCode", {0x06, 0x0D, 0, 1, 0, 2}, decode_error::truncated},
        {"PUBREL with one MsgId octet", {0x03, 0x10, 0x00}, decode_error::truncated},
        {"SUBSCRIBE without MsgId", {0x03, 0x12, 0x20}, decode_error::truncated},
        {"SUBSCRIBE predefined with 1-octet TopicId",
         {0x06, 0x12, 0x01, 0x00, 0x01, 0x07},
         decode_error::truncated},
        {"SUBACK without ReturnCode", {0x07, 0x13, 0x20, 0, 5, 0, 3}, decode_error::truncated},
        {"UNSUBACK without MsgId", {0x02, 0x15}, decode_error::truncated},
        {"DISCONNECT with a 1-octet Duration", {0x03, 0x18, 0x0E}, decode_error::truncated},
        {"WILLTOPICRESP without ReturnCode", {0x02, 0x1B}, decode_error::truncated},
        {"Encapsulated without Ctrl", {0x02, 0xFE}, decode_error::truncated},
        {"Encapsulated header longer than datagram",
         {0x06, 0xFE, 0x00, 0x01},
         decode_error::truncated},
        {"Encapsulated with no inner message", {0x04, 0xFE, 0x00, 0x01}, decode_error::truncated},
        {"Encapsulated inner is only a Length", {0x03, 0xFE, 0x00, 0x02}, decode_error::truncated},

        {"Length larger than datagram", {0x05, 0x00, 0x2A, 0x03}, decode_error::length_mismatch},
        {"Length smaller than datagram", {0x02, 0x17, 0x00}, decode_error::length_mismatch},
        {"Length 0", {0x00, 0x17}, decode_error::length_mismatch},
        {"PINGRESP with a body", {0x03, 0x17, 0x00}, decode_error::length_mismatch},
        {"WILLTOPICREQ with a body", {0x03, 0x06, 0x00}, decode_error::length_mismatch},
        {"CONNACK with two octets", {0x04, 0x05, 0x00, 0x00}, decode_error::length_mismatch},
        {"DISCONNECT with 3 octets after MsgType",
         {0x05, 0x18, 0x00, 0x01, 0x02},
         decode_error::length_mismatch},
        {"SUBSCRIBE predefined with 3-octet TopicId",
         {0x08, 0x12, 0x01, 0x00, 0x01, 0x00, 0x07, 0x00},
         decode_error::length_mismatch},
        {"3-octet total larger than datagram",
         [] {
             bytes m{0x01, 0x01, 0x2C, 0x0C, 0x00, 0x00, 0x01, 0x00, 0x00};
             m.resize(299);
             return m;
         }(),
         decode_error::length_mismatch},
        {"Encapsulated inner Length disagrees",
         {0x03, 0xFE, 0x00, 0x04, 0x17},
         decode_error::length_mismatch},

        {"MsgType 0x03 reserved", {0x02, 0x03}, decode_error::reserved_type},
        {"MsgType 0x11 reserved", {0x02, 0x11}, decode_error::reserved_type},
        {"MsgType 0x19 reserved", {0x03, 0x19, 0x00}, decode_error::reserved_type},
        {"MsgType 0x1E reserved", {0x02, 0x1E}, decode_error::reserved_type},
        {"MsgType 0xFD reserved", {0x02, 0xFD}, decode_error::reserved_type},
        {"MsgType 0xFF reserved", {0x02, 0xFF}, decode_error::reserved_type},
        {"Encapsulated inner with reserved MsgType",
         {0x03, 0xFE, 0x00, 0x02, 0x03},
         decode_error::reserved_type},

        {"PUBLISH TopicIdType 0b11",
         {0x07, 0x0C, 0x03, 0x00, 0x01, 0x00, 0x00},
         decode_error::reserved_topic_id_type},
        {"SUBSCRIBE TopicIdType 0b11",
         {0x07, 0x12, 0x23, 0x00, 0x01, 'a', 'b'},
         decode_error::reserved_topic_id_type},
        {"UNSUBSCRIBE TopicIdType 0b11",
         {0x07, 0x14, 0x03, 0x00, 0x01, 0x00, 0x07},
         decode_error::reserved_topic_id_type},
        {"CONNECT Flags with TopicIdType 0b11",
         {0x07, 0x04, 0x07, 0x01, 0x00, 0x3C, 'a'},
         decode_error::reserved_topic_id_type},
        {"WILLTOPIC Flags with TopicIdType 0b11",
         {0x04, 0x07, 0x03, 't'},
         decode_error::reserved_topic_id_type},
        {"SUBACK Flags with TopicIdType 0b11",
         {0x08, 0x13, 0x03, 0, 5, 0, 3, 0},
         decode_error::reserved_topic_id_type},

        {"CONNECT ProtocolId 0x02",
         {0x07, 0x04, 0x04, 0x02, 0x00, 0x3C, 'a'},
         decode_error::bad_protocol_id},
        {"CONNECT ProtocolId 0x00",
         {0x07, 0x04, 0x04, 0x00, 0x00, 0x3C, 'a'},
         decode_error::bad_protocol_id},

        {"CONNECT without ClientId",
         {0x06, 0x04, 0x04, 0x01, 0x00, 0x3C},
         decode_error::empty_client_id},

        {"SUBSCRIBE short name of 1 octet",
         {0x06, 0x12, 0x02, 0x00, 0x01, 'a'},
         decode_error::bad_short_topic},
        {"SUBSCRIBE short name of 3 octets",
         {0x08, 0x12, 0x02, 0x00, 0x01, 'a', 'b', 'c'},
         decode_error::bad_short_topic},
        {"UNSUBSCRIBE short name of 0 octets",
         {0x05, 0x14, 0x02, 0x00, 0x01},
         decode_error::bad_short_topic},

        {"REGISTER without TopicName",
         {0x06, 0x0A, 0x00, 0x00, 0x00, 0x01},
         decode_error::empty_topic},
        {"SUBSCRIBE without TopicName", {0x05, 0x12, 0x20, 0x00, 0x01}, decode_error::empty_topic},
        {"UNSUBSCRIBE without TopicName",
         {0x05, 0x14, 0x00, 0x00, 0x01},
         decode_error::empty_topic},

        {"Encapsulated Ctrl reserved bit 2",
         {0x03, 0xFE, 0x04, 0x02, 0x17},
         decode_error::bad_field},
        {"Encapsulated Ctrl reserved bit 7",
         {0x03, 0xFE, 0x80, 0x02, 0x17},
         decode_error::bad_field},
        {"Encapsulated Length 2 (no room for Ctrl)",
         {0x02, 0xFE, 0x00, 0x02, 0x17},
         decode_error::bad_field},
        {"Encapsulated Length 0", {0x00, 0xFE, 0x00, 0x02, 0x17}, decode_error::bad_field},
        {"Encapsulated in the 3-octet Length form",
         {0x01, 0x01, 0x00, 0xFE, 0x00},
         decode_error::bad_field},
        {"Encapsulated inside Encapsulated",
         {0x03, 0xFE, 0x00, 0x03, 0xFE, 0x00, 0x02, 0x17},
         decode_error::bad_field},
    };
    for (const auto& c : table) {
        CAPTURE(c.why);
        const auto d = sn::decode(c.wire);
        REQUIRE_FALSE(d.has_value());
        CHECK(sn::to_string(d.error()) == sn::to_string(c.expected));
    }
}

TEST_CASE("mqttsn errors: every reserved MsgType of Table 3 is rejected") {
    int reserved = 0;
    for (unsigned t = 0; t < 256; ++t) {
        CAPTURE(t);
        const bytes m{0x02, static_cast<std::uint8_t>(t)};
        const auto d = sn::decode(m);
        const bool is_reserved =
            t == 0x03 || t == 0x11 || t == 0x19 || (t >= 0x1E && t <= 0xFD) || t == 0xFF;
        if (is_reserved) {
            ++reserved;
            REQUIRE_FALSE(d.has_value());
            CHECK(d.error() == decode_error::reserved_type);
        } else if (d) {
            CHECK(static_cast<unsigned>(sn::type_of(*d)) == t);
        } else {
            CHECK(d.error() != decode_error::reserved_type);
        }
    }
    CHECK(reserved == 3 + (0xFD - 0x1E + 1) + 1);
}

TEST_CASE("mqttsn errors: decode error names are stable") {
    CHECK(sn::to_string(decode_error::empty) == "empty");
    CHECK(sn::to_string(decode_error::truncated) == "truncated");
    CHECK(sn::to_string(decode_error::length_mismatch) == "length_mismatch");
    CHECK(sn::to_string(decode_error::reserved_type) == "reserved_type");
    CHECK(sn::to_string(decode_error::reserved_topic_id_type) == "reserved_topic_id_type");
    CHECK(sn::to_string(decode_error::bad_protocol_id) == "bad_protocol_id");
    CHECK(sn::to_string(decode_error::empty_client_id) == "empty_client_id");
    CHECK(sn::to_string(decode_error::bad_short_topic) == "bad_short_topic");
    CHECK(sn::to_string(decode_error::empty_topic) == "empty_topic");
    CHECK(sn::to_string(decode_error::bad_field) == "bad_field");
    CHECK(sn::to_string(sn::msg_type::publish) == "PUBLISH");
    CHECK(sn::to_string(sn::msg_type::willtopicupd) == "WILLTOPICUPD");
    CHECK(sn::to_string(sn::msg_type::encapsulated) == "Encapsulated");
}

TEST_CASE("mqttsn empty parts: what the spec allows without a variable part") {
    // §5.4.7 / §5.4.22: Flags but no WillTopic (as Paho embedded sends an empty topic) is the
    // empty message; the Flags are dropped and it re-encodes as the 2-octet form.
    const auto wt = sn::decode(bytes{0x03, 0x07, 0x30});
    REQUIRE(wt.has_value());
    CHECK(*wt == sn::packet{sn::willtopic{}});
    CHECK(sn::encode(*wt) == bytes{0x02, 0x07});
    const auto wtu = sn::decode(bytes{0x03, 0x1A, 0x20});
    REQUIRE(wtu.has_value());
    CHECK(*wtu == sn::packet{sn::willtopicupd{}});
    // An empty topic is encoded as the delete form whatever the flags say.
    CHECK(sn::encode(sn::willtopic{.flag = {.qos_level = sn::qos::two}, .topic = ""}) ==
          bytes{0x02, 0x07});
    // §5.4.23: empty WILLMSGUPD; §5.4.12: PUBLISH with no Data.
    CHECK(sn::decode(bytes{0x02, 0x1C}) == sn::packet{sn::willmsgupd{}});
    CHECK(sn::decode(bytes{0x07, 0x0C, 0x00, 0x00, 0x01, 0x00, 0x00}) ==
          sn::packet{sn::publish{.flag = {}, .topic_id = 1, .msg_id = 0, .data = {}}});
    // spec-decisions rule 12: a non-zero MsgId on a QoS 0 PUBLISH is kept by the codec.
    CHECK(sn::decode(bytes{0x07, 0x0C, 0x00, 0x00, 0x01, 0x00, 0x09}) ==
          sn::packet{sn::publish{.flag = {}, .topic_id = 1, .msg_id = 9, .data = {}}});
    // §5.3.1 says 1-23 characters; spec-decisions rule 13 leaves the maximum to the session.
    const std::string long_id(100, 'x');
    bytes c{0x6A, 0x04, 0x04, 0x01, 0x00, 0x3C};
    c.insert(c.end(), long_id.begin(), long_id.end());
    CHECK(sn::decode(c) ==
          sn::packet{
              sn::connect{.flag = {.clean_session = true}, .duration = 60, .client_id = long_id}});
}

TEST_CASE("mqttsn encode: refuses what decode would reject and never overruns") {
    CHECK(sn::encoded_size(sn::connect{}) == 0); // empty ClientId
    CHECK(sn::encode(sn::connect{}).empty());
    CHECK(sn::encoded_size(sn::register_{}) == 0); // empty TopicName
    CHECK(sn::encoded_size(sn::subscribe{}) == 0);
    CHECK(sn::encoded_size(sn::unsubscribe{}) == 0);
    CHECK(sn::encoded_size(sn::subscribe{.flag = {.topic_type = sn::topic_id_type::short_name},
                                         .topic_name = "abc"}) == 0);
    CHECK(sn::encoded_size(sn::unsubscribe{.flag = {.topic_type = sn::topic_id_type::short_name},
                                           .topic_name = "a"}) == 0);
    // A predefined id ignores topic_name.
    CHECK(sn::encode(sn::subscribe{.flag = {.topic_type = sn::topic_id_type::predefined},
                                   .msg_id = 1,
                                   .topic_name = "ignored",
                                   .topic_id = 2}) ==
          bytes{0x07, 0x12, 0x01, 0x00, 0x01, 0x00, 0x02});
    const bytes pingresp{0x02, 0x17};
    CHECK(sn::encoded_size(
              sn::encapsulated{.radius = 4, .wireless_node_id = {}, .inner = pingresp}) == 0);
    CHECK(sn::encoded_size(sn::encapsulated{.radius = 0, .wireless_node_id = {}, .inner = {}}) ==
          0);
    CHECK(sn::encoded_size(
              sn::encapsulated{.radius = 0, .wireless_node_id = {}, .inner = {0x03, 0x17}}) == 0);
    CHECK(sn::encoded_size(
              sn::encapsulated{.radius = 0, .wireless_node_id = {}, .inner = {0x02, 0x03}}) == 0);
    CHECK(sn::encoded_size(sn::encapsulated{
              .radius = 0, .wireless_node_id = {}, .inner = {0x03, 0xFE, 0x00, 0x02, 0x17}}) ==
          0); // nested
    CHECK(sn::encoded_size(sn::encapsulated{
              .radius = 0, .wireless_node_id = bytes(252, 1), .inner = pingresp}) == 255 + 2);
    CHECK(sn::encoded_size(sn::encapsulated{
              .radius = 0, .wireless_node_id = bytes(253, 1), .inner = pingresp}) == 0);

    // Buffer too small: 0 and nothing written. Larger buffer: exactly encoded_size written.
    const sn::packet p = sn::advertise{.gw_id = 1, .duration = 2};
    bytes small(4, 0xEE);
    CHECK(sn::encode(p, small) == 0);
    CHECK(small == bytes(4, 0xEE));
    bytes big(8, 0xEE);
    CHECK(sn::encode(p, big) == 5);
    CHECK(big == bytes{0x05, 0x00, 0x01, 0x00, 0x02, 0xEE, 0xEE, 0xEE});
}

TEST_CASE("mqttsn flags: every Flags octet decodes with masks and encodes back") {
    for (unsigned b = 0; b < 256; ++b) {
        CAPTURE(b);
        const bytes m{0x07, 0x0C, static_cast<std::uint8_t>(b), 0x00, 0x01, 0x00, 0x02};
        const auto d = sn::decode(m);
        if ((b & 0x03) == 0x03) {
            REQUIRE_FALSE(d.has_value());
            CHECK(d.error() == decode_error::reserved_topic_id_type);
            continue;
        }
        REQUIRE(d.has_value());
        const auto& f = std::get<sn::publish>(*d).flag;
        CHECK(f.dup == ((b & 0x80) != 0));
        CHECK(static_cast<unsigned>(f.qos_level) == ((b >> 5) & 0x03));
        CHECK(f.retain == ((b & 0x10) != 0));
        CHECK(f.will == ((b & 0x08) != 0));
        CHECK(f.clean_session == ((b & 0x04) != 0));
        CHECK(static_cast<unsigned>(f.topic_type) == (b & 0x03));
        CHECK(f.encode() == b);
        CHECK(sn::encode(*d) == m);
    }
}
