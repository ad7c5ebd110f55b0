// MQTT 3.1.1 codec: golden bytes (a comment per field), round trips, every truncated prefix,
// Remaining Length boundaries and a table of malformed packets.

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqtt/packet.hpp"

namespace mqtt = snbridge::common::mqtt;
using bytes = std::vector<std::uint8_t>;

namespace {

bytes str_bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

/// Decodes `wire`, expects `expected`, and checks that encoding gives `wire` back.
void check_golden(const bytes& wire, const mqtt::packet& expected) {
    const auto decoded = mqtt::decode(wire);
    REQUIRE_MESSAGE(decoded.has_value(), mqtt::to_string(decoded.error()));
    CHECK(*decoded == expected);
    CHECK(mqtt::encoded_size(expected) == wire.size());
    CHECK(mqtt::encode(expected) == wire);
}

/// Every strict prefix of a valid packet is rejected as truncated (or empty) and never read
/// past its end.
void check_prefixes(const bytes& wire) {
    for (std::size_t n = 0; n < wire.size(); ++n) {
        const bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
        const auto r = mqtt::decode(prefix);
        REQUIRE_FALSE(r.has_value());
        // A prefix that keeps the fixed header intact but cuts the body is truncated; a prefix
        // whose own Remaining Length is complete can only disagree with what follows.
        CHECK(
            (r.error() == mqtt::decode_error::truncated || r.error() == mqtt::decode_error::empty));
    }
}

} // namespace

TEST_CASE("mqtt codec: CONNECT golden bytes, every field") {
    const bytes wire = {
        0x10,                           // type 1 CONNECT, flags 0000
        0x28,                           // Remaining Length 40
        0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT" (§3.1.2.1)
        0x04,                           // protocol level 4 (§3.1.2.2)
        0xEE,                      // flags: user 1, password 1, will retain 1, will QoS 01, will 1,
                                   //        clean session 1, reserved 0
        0x00, 0x3C,                // keep alive 60 s
        0x00, 0x03, 'c', 'i', 'd', // client id "cid"
        0x00, 0x03, 'w', '/', 't', // will topic "w/t"
        0x00, 0x04, 'g', 'o', 'n', 'e',           // will message "gone"
        0x00, 0x04, 'u', 's', 'e', 'r',           // user name "user"
        0x00, 0x06, 's', 'e', 'c', 'r', 'e', 't', // password "secret"
    };
    mqtt::connect c;
    c.clean_session = true;
    c.keep_alive_s = 60;
    c.client_id = "cid";
    c.will = mqtt::will{.topic = "w/t", .payload = str_bytes("gone"), .qos = 1, .retain = true};
    c.username = "user";
    c.password = "secret";
    check_golden(wire, c);
    check_prefixes(wire);
}

TEST_CASE("mqtt codec: minimal CONNECT (no will, no credentials, clean session off)") {
    const bytes wire = {
        0x10, 0x0C,                     // CONNECT, Remaining Length 12
        0x00, 0x04, 'M', 'Q', 'T', 'T', // "MQTT"
        0x04,                           // level 4
        0x00,                           // flags: nothing, clean session 0
        0x00, 0x00,                     // keep alive 0 (disabled)
        0x00, 0x00,                     // empty client id (server decides, §3.1.3.1)
    };
    mqtt::connect c;
    c.clean_session = false;
    check_golden(wire, c);
    check_prefixes(wire);
}

TEST_CASE("mqtt codec: CONNACK golden bytes") {
    const bytes wire = {
        0x20, 0x02, // CONNACK, Remaining Length 2
        0x01,       // acknowledge flags: session present
        0x05,       // return code 5 not authorized
    };
    check_golden(wire,
                 mqtt::connack{.session_present = true, .rc = mqtt::connack_code::not_authorized});
    check_prefixes(wire);
}

TEST_CASE("mqtt codec: PUBLISH golden bytes, QoS 0 and QoS 2") {
    const bytes q0 = {
        0x31,                      // PUBLISH, DUP 0, QoS 0, RETAIN 1
        0x07,                      // Remaining Length 7
        0x00, 0x03, 'a', '/', 'b', // topic "a/b"
        'h',  'i',                 // payload "hi" (no packet id at QoS 0)
    };
    check_golden(q0, mqtt::publish{.retain = true, .topic = "a/b", .payload = str_bytes("hi")});
    check_prefixes(q0);

    const bytes q2 = {
        0x3C,                      // PUBLISH, DUP 1, QoS 2, RETAIN 0
        0x08,                      // Remaining Length 8
        0x00, 0x03, 'a', '/', 'b', // topic "a/b"
        0x12, 0x34,                // packet id 0x1234
        'x',                       // payload "x"
    };
    check_golden(
        q2,
        mqtt::publish{
            .dup = true, .qos = 2, .topic = "a/b", .packet_id = 0x1234, .payload = str_bytes("x")});
    check_prefixes(q2);

    const bytes q1_empty = {
        0x32, 0x05,      // PUBLISH QoS 1, Remaining Length 5
        0x00, 0x01, 't', // topic "t"
        0x00, 0x01,      // packet id 1, zero-length payload
    };
    check_golden(q1_empty, mqtt::publish{.qos = 1, .topic = "t", .packet_id = 1});
}

TEST_CASE("mqtt codec: acknowledgements golden bytes") {
    // type nibble, flags nibble, Remaining Length 2, packet id 0xBEEF
    check_golden({0x40, 0x02, 0xBE, 0xEF}, mqtt::puback{0xBEEF});
    check_golden({0x50, 0x02, 0xBE, 0xEF}, mqtt::pubrec{0xBEEF});
    check_golden({0x62, 0x02, 0xBE, 0xEF}, mqtt::pubrel{0xBEEF}); // PUBREL flags 0010
    check_golden({0x70, 0x02, 0xBE, 0xEF}, mqtt::pubcomp{0xBEEF});
    check_golden({0xB0, 0x02, 0xBE, 0xEF}, mqtt::unsuback{0xBEEF});
    for (const bytes& w : {bytes{0x40, 0x02, 0xBE, 0xEF}, bytes{0x62, 0x02, 0xBE, 0xEF}}) {
        check_prefixes(w);
    }
}

TEST_CASE("mqtt codec: SUBSCRIBE / SUBACK / UNSUBSCRIBE golden bytes") {
    const bytes sub = {
        0x82,                      // SUBSCRIBE, flags 0010 (§3.8.1)
        0x0E,                      // Remaining Length 14
        0x00, 0x0A,                // packet id 10
        0x00, 0x03, 'a', '/', '#', // filter "a/#"
        0x01,                      // requested QoS 1
        0x00, 0x03, '+', '/', 'b', // filter "+/b"
        0x02,                      // requested QoS 2
    };
    check_golden(sub, mqtt::subscribe{.packet_id = 10, .subscriptions = {{"a/#", 1}, {"+/b", 2}}});
    check_prefixes(sub);

    const bytes ack = {
        0x90, 0x05,       // SUBACK, Remaining Length 5
        0x00, 0x0A,       // packet id 10
        0x01, 0x80, 0x00, // granted QoS 1, failure, granted QoS 0
    };
    check_golden(ack, mqtt::suback{.packet_id = 10, .return_codes = {0x01, 0x80, 0x00}});
    check_prefixes(ack);

    const bytes unsub = {
        0xA2,                      // UNSUBSCRIBE, flags 0010 (§3.10.1)
        0x07,                      // Remaining Length 7
        0x00, 0x0B,                // packet id 11
        0x00, 0x03, 'a', '/', '#', // filter "a/#"
    };
    check_golden(unsub, mqtt::unsubscribe{.packet_id = 11, .filters = {"a/#"}});
    check_prefixes(unsub);
}

TEST_CASE("mqtt codec: PINGREQ, PINGRESP, DISCONNECT golden bytes") {
    check_golden({0xC0, 0x00}, mqtt::pingreq{});    // PINGREQ, Remaining Length 0
    check_golden({0xD0, 0x00}, mqtt::pingresp{});   // PINGRESP
    check_golden({0xE0, 0x00}, mqtt::disconnect{}); // DISCONNECT
    check_prefixes({0xC0, 0x00});
}

TEST_CASE("mqtt codec: Remaining Length boundaries 127/128, 16383/16384, 2097151/2097152") {
    // A PUBLISH QoS 0 with topic "t" has Remaining Length 3 + payload size.
    struct row {
        std::size_t remaining;
        std::size_t header_bytes; // 1 type byte + Remaining Length bytes
        bytes length_field;
    };
    const row rows[] = {
        {127, 2, {0x7F}},
        {128, 3, {0x80, 0x01}},
        {16'383, 3, {0xFF, 0x7F}},
        {16'384, 4, {0x80, 0x80, 0x01}},
        {2'097'151, 4, {0xFF, 0xFF, 0x7F}},
        {2'097'152, 5, {0x80, 0x80, 0x80, 0x01}},
    };
    for (const auto& r : rows) {
        CAPTURE(r.remaining);
        mqtt::publish p{.topic = "t"};
        p.payload.assign(r.remaining - 3, 0xA5);
        const auto wire = mqtt::encode(p);
        REQUIRE(wire.size() == r.header_bytes + r.remaining);
        CHECK(bytes(wire.begin() + 1, wire.begin() + static_cast<std::ptrdiff_t>(r.header_bytes)) ==
              r.length_field);
        const auto back = mqtt::decode(wire);
        REQUIRE(back.has_value());
        CHECK(std::get<mqtt::publish>(*back) == p);
        // One byte short of the announced length is truncated, one extra is a mismatch.
        CHECK(mqtt::decode(std::span(wire).first(wire.size() - 1)).error() ==
              mqtt::decode_error::truncated);
        auto longer = wire;
        longer.push_back(0);
        CHECK(mqtt::decode(longer).error() == mqtt::decode_error::length_mismatch);
    }
}

TEST_CASE("mqtt codec: Remaining Length of 5 bytes is rejected, maximum is encodable") {
    CHECK(mqtt::decode(bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}).error() ==
          mqtt::decode_error::bad_remaining_length);
    // Non-minimal encodings are not forbidden by 3.1.1 (only MQTT 5 forbids them): accepted.
    CHECK(mqtt::decode(bytes{0xC0, 0x80, 0x00}).has_value());
    // Beyond max_remaining_length nothing is written.
    mqtt::publish huge{.topic = "t"};
    huge.payload.resize(mqtt::max_remaining_length - 2);
    CHECK(mqtt::encoded_size(huge) == 0);
    bytes out(16);
    CHECK(mqtt::encode(huge, out) == 0);
}

TEST_CASE("mqtt codec: encode refuses a buffer that is too small, writes exactly the size") {
    const mqtt::packet p = mqtt::publish{.qos = 1, .topic = "a", .packet_id = 7, .payload = {1, 2}};
    const auto size = mqtt::encoded_size(p);
    bytes out(size + 4, 0xEE);
    CHECK(mqtt::encode(p, std::span(out).first(size - 1)) == 0);
    CHECK(mqtt::encode(p, out) == size);
    CHECK(out[size] == 0xEE);
    // A string longer than 65535 bytes cannot be encoded.
    CHECK(mqtt::encode(mqtt::publish{.topic = std::string(70'000, 'a')}).empty());
}

TEST_CASE("mqtt codec: round trips") {
    const std::vector<mqtt::packet> packets = {
        mqtt::connect{.clean_session = false,
                      .keep_alive_s = 65535,
                      .client_id = "x",
                      .will = mqtt::will{.topic = "w", .payload = {}, .qos = 2, .retain = false},
                      .username = "",
                      .password = std::string("\0\xff", 2)},
        mqtt::connect{.client_id = "only-user", .username = "u"},
        mqtt::connack{.rc = mqtt::connack_code::unacceptable_protocol_version},
        mqtt::publish{.qos = 1,
                      .retain = true,
                      .topic = "é/ü/€/𝄞",
                      .packet_id = 65535,
                      .payload = bytes(300, 7)},
        mqtt::puback{1},
        mqtt::pubrec{2},
        mqtt::pubrel{3},
        mqtt::pubcomp{4},
        mqtt::subscribe{.packet_id = 5, .subscriptions = {{"#", 0}, {"a/+/c", 1}, {"$SYS/#", 2}}},
        mqtt::suback{.packet_id = 5, .return_codes = {0, 1, 2, 0x80}},
        mqtt::unsubscribe{.packet_id = 6, .filters = {"a", "b/#"}},
        mqtt::unsuback{6},
        mqtt::pingreq{},
        mqtt::pingresp{},
        mqtt::disconnect{},
    };
    for (const auto& p : packets) {
        CAPTURE(mqtt::to_string(mqtt::type_of(p)));
        const auto wire = mqtt::encode(p);
        REQUIRE(wire.size() == mqtt::encoded_size(p));
        const auto back = mqtt::decode(wire);
        REQUIRE_MESSAGE(back.has_value(), mqtt::to_string(back.error()));
        CHECK(*back == p);
        check_prefixes(wire);
    }
}

TEST_CASE("mqtt codec: malformed packets (table)") {
    using e = mqtt::decode_error;
    struct row {
        const char* what;
        bytes wire;
        e expected;
    };
    // CONNECT header shared by the CONNECT rows: "MQTT", level 4.
    const row rows[] = {
        {"empty", {}, e::empty},
        {"reserved type 0", {0x00, 0x00}, e::reserved_type},
        {"reserved type 15", {0xF0, 0x00}, e::reserved_type},
        {"only the type byte", {0xC0}, e::truncated},
        {"PINGREQ with flags 0001", {0xC1, 0x00}, e::bad_fixed_header_flags},
        {"PINGREQ with a body", {0xC0, 0x01, 0x00}, e::length_mismatch},
        {"DISCONNECT with a body", {0xE0, 0x01, 0x00}, e::length_mismatch},
        {"SUBSCRIBE with flags 0000",
         {0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00},
         e::bad_fixed_header_flags},
        {"UNSUBSCRIBE with flags 0000",
         {0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'},
         e::bad_fixed_header_flags},
        {"PUBREL with flags 0000", {0x60, 0x02, 0x00, 0x01}, e::bad_fixed_header_flags},
        {"PUBACK with flags 0010", {0x42, 0x02, 0x00, 0x01}, e::bad_fixed_header_flags},
        {"CONNECT with flags 0001",
         {0x11, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 0},
         e::bad_fixed_header_flags},
        {"PUBACK packet id 0", {0x40, 0x02, 0x00, 0x00}, e::zero_packet_id},
        {"PUBREC packet id 0", {0x50, 0x02, 0x00, 0x00}, e::zero_packet_id},
        {"PUBREL packet id 0", {0x62, 0x02, 0x00, 0x00}, e::zero_packet_id},
        {"PUBCOMP packet id 0", {0x70, 0x02, 0x00, 0x00}, e::zero_packet_id},
        {"PUBACK 3 bytes", {0x40, 0x03, 0x00, 0x01, 0x00}, e::length_mismatch},
        {"PUBACK 1 byte", {0x40, 0x01, 0x00}, e::truncated},
        {"PUBLISH QoS 3", {0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}, e::bad_qos},
        {"PUBLISH QoS 0 with DUP", {0x38, 0x03, 0x00, 0x01, 't'}, e::dup_on_qos0},
        {"PUBLISH QoS 1 packet id 0", {0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}, e::zero_packet_id},
        {"PUBLISH QoS 1 without packet id", {0x32, 0x03, 0x00, 0x01, 't'}, e::truncated},
        {"PUBLISH empty topic", {0x30, 0x02, 0x00, 0x00}, e::empty_topic},
        {"PUBLISH topic with +", {0x30, 0x05, 0x00, 0x03, 'a', '/', '+'}, e::wildcard_in_topic},
        {"PUBLISH topic with #", {0x30, 0x03, 0x00, 0x01, '#'}, e::wildcard_in_topic},
        {"PUBLISH topic with U+0000", {0x30, 0x03, 0x00, 0x01, 0x00}, e::bad_utf8},
        {"PUBLISH topic with lone continuation byte", {0x30, 0x03, 0x00, 0x01, 0x80}, e::bad_utf8},
        {"PUBLISH topic with surrogate U+D800",
         {0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80},
         e::bad_utf8},
        {"PUBLISH topic with overlong '/'", {0x30, 0x04, 0x00, 0x02, 0xC0, 0xAF}, e::bad_utf8},
        {"PUBLISH topic with cut 3-byte sequence",
         {0x30, 0x04, 0x00, 0x02, 0xE2, 0x82},
         e::bad_utf8},
        {"PUBLISH topic above U+10FFFF",
         {0x30, 0x06, 0x00, 0x04, 0xF4, 0x90, 0x80, 0x80},
         e::bad_utf8},
        {"PUBLISH topic length beyond packet", {0x30, 0x03, 0x00, 0x05, 'a'}, e::truncated},
        {"SUBSCRIBE with no topic", {0x82, 0x02, 0x00, 0x01}, e::no_subscriptions},
        {"SUBSCRIBE packet id 0",
         {0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 'a', 0x00},
         e::zero_packet_id},
        {"SUBSCRIBE requested QoS 3", {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x03}, e::bad_qos},
        {"SUBSCRIBE reserved QoS bits",
         {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x04},
         e::bad_field},
        {"SUBSCRIBE filter without QoS byte",
         {0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'},
         e::truncated},
        {"SUBSCRIBE empty filter", {0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}, e::empty_topic},
        {"SUBSCRIBE filter with U+0000",
         {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00},
         e::bad_utf8},
        {"UNSUBSCRIBE with no topic", {0xA2, 0x02, 0x00, 0x01}, e::no_subscriptions},
        {"UNSUBSCRIBE packet id 0", {0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 'a'}, e::zero_packet_id},
        {"SUBACK reserved return code", {0x90, 0x03, 0x00, 0x01, 0x03}, e::bad_field},
        {"SUBACK without return codes", {0x90, 0x02, 0x00, 0x01}, e::truncated},
        {"CONNACK reserved flag bits", {0x20, 0x02, 0x02, 0x00}, e::bad_field},
        {"CONNACK reserved return code", {0x20, 0x02, 0x00, 0x06}, e::bad_field},
        {"CONNECT protocol name MQTX",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'X', 4, 0x02, 0, 0, 0, 0},
         e::bad_protocol_name},
        {"CONNECT level 5 (MQTT 5)",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0, 0},
         e::unsupported_protocol_level},
        {"CONNECT level 3 (MQTT 3.1, MQIsdp)",
         {0x10, 0x0E, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 0, 0, 0},
         e::unsupported_protocol_level},
        {"CONNECT level 5 with bad flags still reports the level first",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x01, 0, 0, 0, 0},
         e::unsupported_protocol_level},
        {"CONNECT reserved flag",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x03, 0, 0, 0, 0},
         e::reserved_connect_flag},
        {"CONNECT will QoS without will flag",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x0A, 0, 0, 0, 0},
         e::bad_will_flags},
        {"CONNECT will retain without will flag",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x22, 0, 0, 0, 0},
         e::bad_will_flags},
        {"CONNECT will QoS 3",
         {0x10, 0x12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x1E, 0, 0, 0, 0, 0, 1, 't', 0, 1, 'm'},
         e::bad_will_flags},
        {"CONNECT password without user name",
         {0x10, 0x0F, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42, 0, 0, 0, 0, 0, 1, 'p'},
         e::bad_credentials_flags},
        {"CONNECT user name flag without user name",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x82, 0, 0, 0, 0},
         e::truncated},
        {"CONNECT will flag without will topic",
         {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0, 0, 0},
         e::truncated},
        {"CONNECT will topic with wildcard",
         {0x10, 0x12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0, 0, 0, 0, 1, '#', 0, 1, 'm'},
         e::wildcard_in_topic},
        {"CONNECT empty will topic",
         {0x10, 0x11, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0, 0, 0, 0, 0, 0, 1, 'm'},
         e::empty_topic},
        {"CONNECT client id with bad UTF-8",
         {0x10, 0x0D, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 1, 0xFF},
         e::bad_utf8},
        {"CONNECT trailing byte after the payload",
         {0x10, 0x0D, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 0, 0xAA},
         e::length_mismatch},
        {"CONNECT cut inside keep alive",
         {0x10, 0x09, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0},
         e::truncated},
    };
    for (const auto& r : rows) {
        CAPTURE(r.what);
        const auto result = mqtt::decode(r.wire);
        REQUIRE_FALSE(result.has_value());
        CHECK(mqtt::to_string(result.error()) == mqtt::to_string(r.expected));
    }
}

namespace {

/// Whether decode takes `s` as a CONNECT Client Identifier: true if it decodes, false if it
/// is refused as bad_utf8 (the codec checks UTF-8 with common::topic::valid_utf8).
bool utf8_accepted(const std::string& s) {
    const auto wire = mqtt::encode(mqtt::packet{mqtt::connect{.client_id = s}});
    const auto d = mqtt::decode(wire);
    if (!d) {
        CHECK(d.error() == mqtt::decode_error::bad_utf8);
    }
    return d.has_value();
}

} // namespace

TEST_CASE("mqtt codec: UTF-8 validation (§1.5.3)") {
    CHECK(utf8_accepted(""));
    CHECK(utf8_accepted("plain/ascii"));
    CHECK(utf8_accepted("\xC3\xA9"));         // é
    CHECK(utf8_accepted("\xEF\xBB\xBF"));     // U+FEFF is allowed (§1.5.3.1)
    CHECK(utf8_accepted("\xF0\x9D\x84\x9E")); // U+1D11E
    CHECK(utf8_accepted("\x01\x7F"));         // control characters: SHOULD NOT, accepted
    CHECK_FALSE(utf8_accepted(std::string("a\0b", 3)));
    CHECK_FALSE(utf8_accepted("\xED\xBF\xBF"));     // U+DFFF surrogate
    CHECK_FALSE(utf8_accepted("\xE0\x80\x80"));     // overlong U+0000
    CHECK_FALSE(utf8_accepted("\xF8\x88\x80\x80")); // 5-byte form
    CHECK_FALSE(utf8_accepted("\xC3"));             // cut
}

TEST_CASE("mqtt codec: names") {
    CHECK(mqtt::to_string(mqtt::packet_type::pubrel) == "PUBREL");
    CHECK(mqtt::to_string(mqtt::decode_error::zero_packet_id) == "zero_packet_id");
    CHECK(mqtt::type_of(mqtt::packet{mqtt::unsuback{1}}) == mqtt::packet_type::unsuback);
}
