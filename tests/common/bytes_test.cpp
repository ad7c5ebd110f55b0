// common/bytes: the bounds-checked reader and the asserted writer both codecs use. Every read
// is all or nothing: a short read returns nullopt and leaves the position where it was.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <doctest/doctest.h>

#include "common/bytes/byte_reader.hpp"
#include "common/bytes/byte_writer.hpp"

using snbridge::common::byte_reader;
using snbridge::common::byte_writer;
using bytes = std::vector<std::uint8_t>;

TEST_CASE("byte_reader: big-endian u8/u16, bytes and rest in order") {
    const bytes in{0x7F, 0x12, 0x34, 0xAA, 0xBB, 0xCC, 0xDD};
    byte_reader r(in);
    CHECK(r.remaining() == 7);
    CHECK(r.u8() == 0x7F);
    CHECK(r.u16() == 0x1234); // most significant octet first
    const auto two = r.bytes(2);
    REQUIRE(two.has_value());
    CHECK(bytes(two->begin(), two->end()) == bytes{0xAA, 0xBB});
    CHECK(r.remaining() == 2);
    const auto rest = r.rest();
    CHECK(bytes(rest.begin(), rest.end()) == bytes{0xCC, 0xDD});
    CHECK(r.at_end());
    CHECK(r.rest().empty()); // rest at the end is empty, not an error
}

TEST_CASE("byte_reader: a short read fails and leaves the position unchanged") {
    const bytes in{0x01, 0x02, 0x03};
    byte_reader r(in);
    CHECK(r.bytes(4) == std::nullopt);
    CHECK(r.remaining() == 3);
    CHECK(r.u8() == 0x01);
    CHECK(r.bytes(3) == std::nullopt);
    CHECK(r.remaining() == 2);
    CHECK(r.u16() == 0x0203);
    CHECK(r.at_end());
    CHECK(r.u8() == std::nullopt);
    CHECK(r.u16() == std::nullopt);
    CHECK(r.at_end());
    CHECK(r.bytes(0).has_value()); // zero octets are always there

    // One octet left: u16 fails, the octet is still readable.
    byte_reader one{std::span(in).last(1)};
    CHECK(one.u16() == std::nullopt);
    CHECK(one.remaining() == 1);
    CHECK(one.u8() == 0x03);

    // Empty input.
    byte_reader none(std::span<const std::uint8_t>{});
    CHECK(none.at_end());
    CHECK(none.u8() == std::nullopt);
    CHECK(none.rest().empty());
}

TEST_CASE("byte_reader: a copy reads ahead without moving the original") {
    const bytes in{0x00, 0x05, 0x61};
    byte_reader r(in);
    byte_reader ahead = r;
    CHECK(ahead.u16() == 0x0005);
    CHECK(ahead.bytes(5) == std::nullopt);
    CHECK(r.remaining() == 3);
    CHECK(ahead.remaining() == 1);
}

TEST_CASE("byte_writer: writes big-endian fields and raw octets, counts what it wrote") {
    std::array<std::uint8_t, 9> out{};
    out.fill(0x5A);
    byte_writer w{std::span(out).first(8)};
    CHECK(w.written() == 0);
    w.u8(0x7F);
    w.u16(0x1234);
    w.bytes(bytes{0xAA, 0xBB});
    w.chars("hi");
    w.bytes({}); // nothing, and no memcpy from a null pointer
    w.chars("");
    w.u8(0x00);
    CHECK(w.written() == 8);
    CHECK(out == std::array<std::uint8_t, 9>{0x7F, 0x12, 0x34, 0xAA, 0xBB, 'h', 'i', 0x00, 0x5A});
}
