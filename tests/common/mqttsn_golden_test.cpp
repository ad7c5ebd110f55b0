// MQTT-SN v1.2 codec: golden bytes for every message type (one commented field per line),
// round trips, every strict prefix, the named errors and the 255/256 Length boundary.

#include <cstdint>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "mqttsn_golden.hpp"

namespace sn = snbridge::common::mqttsn;
using snbridge::common::mqttsn::decode_error;
using bytes = std::vector<std::uint8_t>;

namespace {

/// The error decode() must give for the first `k` octets of a valid message `m`. A 1-octet
/// Length then disagrees with the shorter datagram, unless even the header is cut.
decode_error prefix_error(const bytes& m, std::size_t k) {
    if (k == 0) {
        return decode_error::empty;
    }
    if (m[0] == 0x01) { // 3-octet Length form: header is 4 octets
        return k < 4 ? decode_error::truncated : decode_error::length_mismatch;
    }
    if (m[1] != 0xFE) {
        return k < 2 ? decode_error::truncated : decode_error::length_mismatch;
    }
    // Encapsulated (§5.5): the header (m[0] octets) must be complete, then the inner message
    // is judged like any other.
    const std::size_t header = m[0];
    if (k < header) {
        return decode_error::truncated;
    }
    // An encapsulation with no inner message at all is truncated, not empty.
    const bytes inner(m.begin() + static_cast<std::ptrdiff_t>(header), m.end());
    const auto e = prefix_error(inner, k - header);
    return e == decode_error::empty ? decode_error::truncated : e;
}

sn::publish publish_with(std::size_t data_size) {
    return sn::publish{.flag = {.qos_level = sn::qos::one},
                       .topic_id = 0x0102,
                       .msg_id = 0x0304,
                       .data = bytes(data_size, 0xAB)};
}

} // namespace

TEST_CASE("mqttsn golden: every Table 3 type decodes to its struct and encodes back") {
    const auto& table = mqttsn_test::golden_messages();
    // Every MsgType of Table 3 and Encapsulated has at least one golden message.
    std::vector<bool> seen(256, false);
    for (const auto& g : table) {
        CAPTURE(g.name);
        const auto d = sn::decode(g.wire);
        REQUIRE_MESSAGE(d.has_value(), sn::to_string(d.error()));
        CHECK(*d == g.msg);
        CHECK(sn::type_of(*d) == sn::type_of(g.msg));
        CHECK(static_cast<std::uint8_t>(sn::type_of(g.msg)) == g.wire[g.wire[0] == 1 ? 3 : 1]);
        CHECK(sn::encoded_size(g.msg) == g.wire.size());
        CHECK(sn::encode(g.msg) == g.wire);
        seen[static_cast<std::uint8_t>(sn::type_of(g.msg))] = true;
    }
    for (const auto t :
         {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
          0x0F, 0x10, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1D, 0xFE}) {
        CAPTURE(t);
        CHECK(seen[static_cast<std::size_t>(t)]);
    }
}

TEST_CASE("mqttsn types: each struct's static type is its own and decode maps back to it") {
    constexpr auto alternatives = std::variant_size_v<sn::packet>;
    std::set<std::uint8_t> types;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (types.insert(static_cast<std::uint8_t>(std::variant_alternative_t<I, sn::packet>::type)),
         ...);
    }
    (std::make_index_sequence<alternatives>{});
    CHECK(types.size() == alternatives);
    std::vector<bool> index_seen(alternatives, false);
    for (const auto& g : mqttsn_test::golden_messages()) {
        CAPTURE(g.name);
        const auto d = sn::decode(g.wire);
        REQUIRE(d.has_value());
        // The MsgType octet on the wire selects the alternative whose `type` it is.
        CHECK(d->index() == g.msg.index());
        std::visit(
            [&](const auto& m) {
                CHECK(static_cast<std::uint8_t>(std::remove_cvref_t<decltype(m)>::type) ==
                      g.wire[g.wire[0] == 1 ? 3 : 1]);
            },
            *d);
        index_seen[d->index()] = true;
    }
    for (std::size_t i = 0; i < alternatives; ++i) {
        CAPTURE(i);
        CHECK(index_seen[i]);
    }
}

TEST_CASE("mqttsn golden: round trip struct -> bytes -> struct for every type") {
    for (const auto& g : mqttsn_test::golden_messages()) {
        CAPTURE(g.name);
        const auto wire = sn::encode(g.msg);
        const auto back = sn::decode(wire);
        REQUIRE(back.has_value());
        CHECK(*back == g.msg);
    }
}

TEST_CASE("mqttsn golden: every strict prefix of every golden message is rejected") {
    for (const auto& g : mqttsn_test::golden_messages()) {
        for (std::size_t k = 0; k < g.wire.size(); ++k) {
            CAPTURE(g.name);
            CAPTURE(k);
            const auto d = sn::decode(std::span(g.wire).first(k));
            REQUIRE_FALSE(d.has_value());
            CHECK(sn::to_string(d.error()) == sn::to_string(prefix_error(g.wire, k)));
        }
    }
}

TEST_CASE("mqttsn golden: a trailing octet after a complete message is rejected") {
    for (const auto& g : mqttsn_test::golden_messages()) {
        CAPTURE(g.name);
        auto longer = g.wire;
        longer.push_back(0x00);
        // For Encapsulated the octet lands in the inner message, whose Length then disagrees.
        const auto d = sn::decode(longer);
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error() == decode_error::length_mismatch);
    }
}

TEST_CASE("mqttsn length: 255/256 boundary, encode picks the form (spec-decisions rule 10)") {
    // PUBLISH body after MsgType: Flags(1) + TopicId(2) + MsgId(2) + Data.
    const auto at_255 = sn::encode(publish_with(248)); // 2 + 5 + 248 = 255
    REQUIRE(at_255.size() == 255);
    CHECK(at_255[0] == 0xFF); // 1-octet Length = 255
    CHECK(at_255[1] == 0x0C); // MsgType PUBLISH

    const auto over = sn::encode(publish_with(249)); // 2 + 5 + 249 = 256 does not fit one octet
    REQUIRE(over.size() == 258);                     // 4 + 5 + 249
    CHECK(over[0] == 0x01);                          // 3-octet Length marker
    CHECK(over[1] == 0x01);                          // total, high octet
    CHECK(over[2] == 0x02);                          // total, low octet: 0x0102 = 258
    CHECK(over[3] == 0x0C);                          // MsgType PUBLISH
    CHECK(over[4] == 0x20);                          // Flags: QoS 1
    CHECK(sn::decode(over) == sn::packet{publish_with(249)});
    CHECK(sn::decode(at_255) == sn::packet{publish_with(248)});

    for (std::size_t n = 240; n < 260; ++n) {
        CAPTURE(n);
        const auto w = sn::encode(publish_with(n));
        CHECK(w.size() == (n + 7 <= 255 ? n + 7 : n + 9));
        CHECK((w[0] == 0x01) == (n + 7 > 255));
    }
}

TEST_CASE("mqttsn length: 3-octet form is accepted at any length (spec-decisions rule 10)") {
    // A 3-octet-form PUBLISH of `total` octets: 01 TT TT 0C Flags TopicId MsgId Data.
    const auto long_form = [](std::size_t total) {
        bytes m{0x01,
                static_cast<std::uint8_t>(total >> 8),
                static_cast<std::uint8_t>(total),
                0x0C,
                0x20,
                0x01,
                0x02,
                0x03,
                0x04};
        m.resize(total, 0xAB);
        return m;
    };
    for (const std::size_t total : {9U, 100U, 254U, 255U, 256U, 257U, 258U, 1000U}) {
        CAPTURE(total);
        const auto d = sn::decode(long_form(total));
        REQUIRE(d.has_value());
        CHECK(*d == sn::packet{publish_with(total - 9)});
        // Re-encoding uses the shortest legal form: up to 257 it fits in one octet again.
        CHECK(sn::encode(*d).size() == (total - 2 <= 255 ? total - 2 : total));
    }
    // The 3-octet total must match the datagram too.
    auto m = long_form(300);
    m.pop_back();
    CHECK(sn::decode(m).error() == decode_error::length_mismatch);
    m.push_back(0);
    m.push_back(0);
    CHECK(sn::decode(m).error() == decode_error::length_mismatch);
    // Every prefix of a 3-octet-form message, long and short.
    for (const std::size_t total : {9U, 255U, 300U}) {
        const auto full = long_form(total);
        for (std::size_t k = 0; k < full.size(); ++k) {
            CAPTURE(total);
            CAPTURE(k);
            const auto d = sn::decode(std::span(full).first(k));
            REQUIRE_FALSE(d.has_value());
            CHECK(d.error() == prefix_error(full, k));
        }
    }
}

namespace {

/// Decodes `wire`, expects `msg`, and checks that every strict prefix is rejected.
void check_accepted_with_prefixes(const bytes& wire, const sn::packet& msg) {
    const auto d = sn::decode(wire);
    REQUIRE_MESSAGE(d.has_value(), sn::to_string(d.error()));
    CHECK(*d == msg);
    for (std::size_t k = 0; k < wire.size(); ++k) {
        CAPTURE(k);
        const auto p = sn::decode(std::span(wire).first(k));
        REQUIRE_FALSE(p.has_value());
        CHECK(sn::to_string(p.error()) == sn::to_string(prefix_error(wire, k)));
    }
}

/// CONNECT of 15 octets in the 3-octet Length form (§5.2.1, §5.4.4).
const bytes connect_3_octet{
    0x01,                               // Length: 3-octet form follows
    0x00, 0x0F,                         // Length: 15 octets in total
    0x04,                               // MsgType CONNECT
    0x04,                               // Flags: CleanSession
    0x01,                               // ProtocolId
    0x00, 0x3C,                         // Duration 60 s
    's',  'e',  'n', 's', 'o', 'r', '1' // ClientId "sensor1"
};

const sn::connect connect_msg{
    .flag = {.clean_session = true}, .duration = 60, .client_id = "sensor1"};

/// PUBLISH QoS 1, TopicId 0x0102, MsgId 0x0304 (§5.4.12) with Data filling it to `total`
/// octets, in the 1-octet (`header` 2) or 3-octet (`header` 4) Length form.
bytes publish_wire(std::size_t total, std::size_t header) {
    bytes m;
    if (header == 2) {
        m.push_back(static_cast<std::uint8_t>(total)); // Length, 1 octet
    } else {
        m.push_back(0x01);                                  // Length: 3-octet form follows
        m.push_back(static_cast<std::uint8_t>(total >> 8)); // Length, high octet
        m.push_back(static_cast<std::uint8_t>(total));      // Length, low octet
    }
    m.push_back(0x0C); // MsgType PUBLISH
    m.push_back(0x20); // Flags: QoS 1, TopicIdType normal
    m.push_back(0x01); // TopicId, high octet
    m.push_back(0x02); // TopicId, low octet
    m.push_back(0x03); // MsgId, high octet
    m.push_back(0x04); // MsgId, low octet
    m.resize(total, 0xAB);
    return m;
}

} // namespace

TEST_CASE("mqttsn length: 15-octet CONNECT in the 3-octet form decodes, re-encodes short") {
    REQUIRE(connect_3_octet.size() == 15);
    check_accepted_with_prefixes(connect_3_octet, connect_msg);
    // encode keeps the 1-octet form for anything up to 255 octets.
    CHECK(sn::encode(connect_msg) ==
          bytes{0x0D, 0x04, 0x04, 0x01, 0x00, 0x3C, 's', 'e', 'n', 's', 'o', 'r', '1'});
}

TEST_CASE("mqttsn length: PUBLISH of 255 and 256 octets in both forms, as Paho writes them") {
    // Paho MQTTSNPacket (MQTTSNPacket_len/_encode) picks the form from the length it computes
    // with a 1-octet field: the 3-octet form only when that is > 255.
    // 255 octets: the 1-octet form, as Paho and snbridge write it.
    const auto short_255 = publish_wire(255, 2);
    REQUIRE(short_255.size() == 255);
    CHECK(short_255[0] == 0xFF);
    check_accepted_with_prefixes(short_255, publish_with(248));
    CHECK(sn::encode(publish_with(248)) == short_255);
    // 255 octets in the 3-octet form (01 00 FF 0C ...): legal (§5.2.1 "may"), accepted.
    const auto long_255 = publish_wire(255, 4);
    REQUIRE(long_255.size() == 255);
    check_accepted_with_prefixes(long_255, publish_with(246));
    // 256 octets only fit the 3-octet form (01 01 00 0C ...).
    const auto long_256 = publish_wire(256, 4);
    REQUIRE(long_256.size() == 256);
    check_accepted_with_prefixes(long_256, publish_with(247));
    // A 1-octet Length cannot say 256: the first octet 0x00 disagrees with the datagram.
    auto short_256 = publish_wire(256, 2);
    CHECK(sn::decode(short_256).error() == decode_error::length_mismatch);
    // Paho with 255 octets after the Length field declares 256 (01 01 00) but writes the
    // 3-octet field, 258 octets in all (it counted a 1-octet Length): accepted as the whole
    // datagram (rule 10), so that such a device is not dropped.
    auto paho_258 = publish_wire(258, 4);
    paho_258[1] = 0x01;
    paho_258[2] = 0x00;
    const auto paho = sn::decode(paho_258);
    REQUIRE(paho.has_value());
    CHECK(*paho == sn::packet{publish_with(249)});
    // The same miscount one octet shorter (01 00 FF 0C ..., 257 octets on the wire).
    auto miscount_257 = publish_wire(257, 4);
    miscount_257[1] = 0x00;
    miscount_257[2] = 0xFF;
    const auto miscount = sn::decode(miscount_257);
    REQUIRE(miscount.has_value());
    CHECK(*miscount == sn::packet{publish_with(248)});
    // Any other disagreement is still a length mismatch, also a miscount above 256.
    auto off_by_one = publish_wire(258, 4);
    off_by_one[1] = 0x01;
    off_by_one[2] = 0x01; // declares 257
    CHECK(sn::decode(off_by_one).error() == decode_error::length_mismatch);
    auto big_miscount = publish_wire(300, 4);
    big_miscount[1] = 0x01;
    big_miscount[2] = 0x2A; // declares 298 = 300 - 2, but a 1-octet count cannot exceed 256
    CHECK(sn::decode(big_miscount).error() == decode_error::length_mismatch);
    // With 256 octets after the Length field Paho writes 01 01 03: 259, consistent.
    check_accepted_with_prefixes(publish_wire(259, 4), publish_with(250));
    CHECK(sn::encode(publish_with(250)) == publish_wire(259, 4));
}

TEST_CASE("mqttsn length: Encapsulated carrying a 3-octet-form message") {
    bytes wire{
        0x05,       // Length of the encapsulation header
        0xFE,       // MsgType Encapsulated
        0x01,       // Ctrl: radius 1
        0xAA, 0xBB, // Wireless Node Id
    };
    wire.insert(wire.end(), connect_3_octet.begin(), connect_3_octet.end());
    const sn::encapsulated msg{
        .radius = 1, .wireless_node_id = {0xAA, 0xBB}, .inner = connect_3_octet};
    check_accepted_with_prefixes(wire, msg);
    // The inner message is forwarded as it came, 3-octet form and all.
    CHECK(sn::encode(msg) == wire);
    CHECK(sn::decode(msg.inner) == sn::packet{connect_msg});
}

TEST_CASE("mqttsn length: the largest message and one octet more") {
    const auto largest = publish_with(sn::max_message_size - 9); // 4 + 5 + Data = 65535
    CHECK(sn::encoded_size(largest) == sn::max_message_size);
    const auto wire = sn::encode(largest);
    REQUIRE(wire.size() == sn::max_message_size);
    CHECK(wire[1] == 0xFF);
    CHECK(wire[2] == 0xFF);
    CHECK(sn::decode(wire) == sn::packet{largest});

    const auto too_big = publish_with(sn::max_message_size - 8);
    CHECK(sn::encoded_size(too_big) == 0);
    bytes out(sn::max_message_size + 10, 0x5A);
    CHECK(sn::encode(too_big, out) == 0);
    CHECK(out == bytes(sn::max_message_size + 10, 0x5A)); // nothing written
    CHECK(sn::encode(too_big).empty());
}
