// MQTT-SN v1.2 codec: golden bytes for every message type (one commented field per line),
// round trips, every strict prefix, the named errors and the 255/256 Length boundary.

#include <cstdint>
#include <string>
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

TEST_CASE("mqttsn length: 255/256 boundary, encode picks the form (DESIGN.md rule 10)") {
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

TEST_CASE("mqttsn length: 3-octet form is rejected under 256 and accepted from 256") {
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
    for (const std::size_t total : {9U, 100U, 254U, 255U}) {
        CAPTURE(total);
        const auto d = sn::decode(long_form(total));
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error() == decode_error::short_length_form);
    }
    for (const std::size_t total : {256U, 257U, 258U, 1000U}) {
        CAPTURE(total);
        const auto d = sn::decode(long_form(total));
        REQUIRE(d.has_value());
        CHECK(*d == sn::packet{publish_with(total - 9)});
        // Re-encoding uses the shortest legal form: 256 and 257 fit in one octet again.
        CHECK(sn::encode(*d).size() == (total - 2 <= 255 ? total - 2 : total));
    }
    // The 3-octet total must match the datagram too.
    auto m = long_form(300);
    m.pop_back();
    CHECK(sn::decode(m).error() == decode_error::length_mismatch);
    m.push_back(0);
    m.push_back(0);
    CHECK(sn::decode(m).error() == decode_error::length_mismatch);
    // Every prefix of a 3-octet-form message.
    const auto full = long_form(300);
    for (std::size_t k = 0; k < full.size(); ++k) {
        CAPTURE(k);
        const auto d = sn::decode(std::span(full).first(k));
        REQUIRE_FALSE(d.has_value());
        CHECK(d.error() == prefix_error(full, k));
    }
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
