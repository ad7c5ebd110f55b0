// MQTT 3.1.1 stream framer: splitting a TCP byte stream into packets.

#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqtt/framer.hpp"
#include "common/mqtt/packet.hpp"

namespace mqtt = snbridge::common::mqtt;
using bytes = std::vector<std::uint8_t>;

TEST_CASE("mqtt framer: incomplete header, incomplete body, complete") {
    const bytes pub = mqtt::encode(
        mqtt::publish{.qos = 1, .topic = "a/b", .packet_id = 9, .payload = bytes(200, 1)});
    REQUIRE(pub.size() == 3 + 207); // type byte, 2-byte Remaining Length 207
    // Nothing, or only the type byte, or a cut Remaining Length: need more, sizes unknown.
    for (std::size_t n = 0; n < 3; ++n) {
        const auto f = mqtt::next_frame(std::span(pub).first(n), 0);
        REQUIRE(f.has_value());
        CHECK(*f == mqtt::frame_info{});
    }
    // Header complete, body not: the total size is known already.
    for (std::size_t n = 3; n < pub.size(); ++n) {
        const auto f = mqtt::next_frame(std::span(pub).first(n), 0);
        REQUIRE(f.has_value());
        CHECK(*f == mqtt::frame_info{.complete = false, .header_size = 3, .total_size = 210});
    }
    const auto whole = mqtt::next_frame(pub, 0);
    REQUIRE(whole.has_value());
    CHECK(*whole == mqtt::frame_info{.complete = true, .header_size = 3, .total_size = 210});
}

TEST_CASE("mqtt framer: splits back-to-back packets") {
    bytes stream;
    const std::vector<mqtt::packet> sent = {
        mqtt::pingreq{}, mqtt::publish{.topic = "t", .payload = {1, 2, 3}},
        mqtt::subscribe{.packet_id = 1, .subscriptions = {{"#", 2}}}, mqtt::disconnect{}};
    for (const auto& p : sent) {
        const auto w = mqtt::encode(p);
        stream.insert(stream.end(), w.begin(), w.end());
    }
    std::vector<mqtt::packet> got;
    std::span<const std::uint8_t> rest(stream);
    while (!rest.empty()) {
        const auto f = mqtt::next_frame(rest, 1024);
        REQUIRE(f.has_value());
        REQUIRE(f->complete);
        const auto p = mqtt::decode(rest.first(f->total_size));
        REQUIRE(p.has_value());
        got.push_back(*p);
        rest = rest.subspan(f->total_size);
    }
    CHECK(got == sent);
}

TEST_CASE("mqtt framer: Remaining Length boundaries and the 4-byte limit") {
    struct row {
        bytes header;
        std::size_t header_size;
        std::size_t total;
    };
    const row rows[] = {
        {{0x30, 0x00}, 2, 2},
        {{0x30, 0x7F}, 2, 2 + 127},
        {{0x30, 0x80, 0x01}, 3, 3 + 128},
        {{0x30, 0xFF, 0x7F}, 3, 3 + 16'383},
        {{0x30, 0x80, 0x80, 0x01}, 4, 4 + 16'384},
        {{0x30, 0xFF, 0xFF, 0x7F}, 4, 4 + 2'097'151},
        {{0x30, 0x80, 0x80, 0x80, 0x01}, 5, 5 + 2'097'152},
        {{0x30, 0xFF, 0xFF, 0xFF, 0x7F}, 5, 5 + 268'435'455},
    };
    for (const auto& r : rows) {
        CAPTURE(r.total);
        const auto f = mqtt::next_frame(r.header, 0);
        REQUIRE(f.has_value());
        CHECK(f->header_size == r.header_size);
        CHECK(f->total_size == r.total);
        CHECK(f->complete == (r.total == r.header.size()));
    }
    // A fifth length byte is malformed, whatever follows, even before it arrives.
    CHECK(mqtt::next_frame(bytes{0x30, 0x80, 0x80, 0x80, 0x80}, 0).error() ==
          mqtt::frame_error::bad_remaining_length);
    CHECK(mqtt::next_frame(bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 0).error() ==
          mqtt::frame_error::bad_remaining_length);
}

TEST_CASE("mqtt framer: maximum packet size is enforced from the header alone") {
    // Total 2 + 127 = 129 bytes.
    const bytes header = {0x30, 0x7F};
    CHECK(mqtt::next_frame(header, 129).has_value());
    CHECK(mqtt::next_frame(header, 128).error() == mqtt::frame_error::too_large);
    CHECK(mqtt::next_frame(header, 0).has_value()); // 0: protocol limit only
    CHECK(mqtt::to_string(mqtt::frame_error::too_large) == "too_large");
}
