#include "common/mqtt/packet.hpp"

#include <cassert>
#include <limits>
#include <type_traits>

#include "common/bytes/byte_reader.hpp"
#include "common/bytes/byte_writer.hpp"
#include "common/topic.hpp"

namespace snbridge::common::mqtt {

namespace {

// Fixed-header flag masks (§2.2.2).
constexpr std::uint8_t publish_dup = 0x08;
constexpr std::uint8_t publish_qos_mask = 0x06;
constexpr std::uint8_t publish_retain = 0x01;
constexpr std::uint8_t flags_0010 = 0x02;

// CONNECT flags (§3.1.2.3).
constexpr std::uint8_t cf_username = 0x80;
constexpr std::uint8_t cf_password = 0x40;
constexpr std::uint8_t cf_will_retain = 0x20;
constexpr std::uint8_t cf_will_qos_mask = 0x18;
constexpr std::uint8_t cf_will = 0x04;
constexpr std::uint8_t cf_clean_session = 0x02;
constexpr std::uint8_t cf_reserved = 0x01;

constexpr std::size_t max_string = 65535;

/// §1.5.2/§1.5.3: a two-byte length then that many bytes. On a short read nothing is
/// consumed (the read goes ahead on a copy of the reader).
std::optional<std::span<const std::uint8_t>> read_binary(byte_reader& r) noexcept {
    byte_reader ahead = r;
    const auto len = ahead.u16();
    if (!len) {
        return std::nullopt;
    }
    const auto b = ahead.bytes(*len);
    if (b) {
        r = ahead;
    }
    return b;
}

/// A Packet Identifier (§2.3.1) into `out`; false (and `out` untouched) if it is cut.
bool read_packet_id(byte_reader& r, std::uint16_t& out) noexcept {
    const auto id = r.u16();
    if (id) {
        out = *id;
    }
    return id.has_value();
}

std::string_view as_chars(std::span<const std::uint8_t> b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Reads a UTF-8 string field (§1.5.3) into `out`; nullopt on success.
std::optional<decode_error> read_string(byte_reader& r, std::string& out) {
    const auto b = read_binary(r);
    if (!b) {
        return decode_error::truncated;
    }
    const auto s = as_chars(*b);
    if (!topic::valid_utf8(s)) { // §1.5.3
        return decode_error::bad_utf8;
    }
    out.assign(s);
    return std::nullopt;
}

// Every decode_x below returns the packet or an error; `flags` is the low nibble of byte 0.

using decoded = result<packet, decode_error>;

/// §3.1.2.1 protocol name, then §3.1.2.2 level: "MQTT" 4 only.
std::optional<decode_error> read_protocol(byte_reader& r) {
    const auto name = read_binary(r);
    const auto level = r.u8();
    if (!name || !level) {
        return decode_error::truncated;
    }
    const auto name_str = as_chars(*name);
    if (name_str == "MQIsdp" && *level == 3) {
        // MQTT 3.1 clients get CONNACK 0x01 too, rather than a silent close.
        return decode_error::unsupported_protocol_level;
    }
    if (name_str != "MQTT") {
        return decode_error::bad_protocol_name;
    }
    if (*level != protocol_level_311) {
        return decode_error::unsupported_protocol_level;
    }
    return std::nullopt;
}

/// §3.1.3.2, §3.1.3.3: Will Topic and Will Message into `w`.
std::optional<decode_error> read_will(byte_reader& r, mqtt::will& w) {
    if (auto e = read_string(r, w.topic)) {
        return e;
    }
    // §3.1.3.2 with §4.7.3: a Will Topic is a Topic Name.
    if (w.topic.empty()) {
        return decode_error::empty_topic;
    }
    if (w.topic.find_first_of("+#") != std::string::npos) {
        return decode_error::wildcard_in_topic;
    }
    const auto msg = read_binary(r);
    if (!msg) {
        return decode_error::truncated;
    }
    w.payload.assign(msg->begin(), msg->end());
    return std::nullopt;
}

decoded decode_connect(byte_reader& r) {
    if (auto e = read_protocol(r)) {
        return fail(*e);
    }
    const auto connect_flags = r.u8();
    const auto keep_alive = r.u16();
    if (!connect_flags || !keep_alive) {
        return fail(decode_error::truncated);
    }
    const std::uint8_t cflags = *connect_flags;
    connect c;
    c.keep_alive_s = *keep_alive;
    // §3.1.2.3: the reserved flag must be zero.
    if ((cflags & cf_reserved) != 0) {
        return fail(decode_error::reserved_connect_flag);
    }
    const bool has_will = (cflags & cf_will) != 0;
    const auto will_qos = static_cast<std::uint8_t>((cflags & cf_will_qos_mask) >> 3);
    const bool will_retain = (cflags & cf_will_retain) != 0;
    // §3.1.2.6, §3.1.2.7: without the Will Flag, Will QoS and Will Retain must be 0; QoS 3 is
    // never valid.
    if ((!has_will && (will_qos != 0 || will_retain)) || will_qos > 2) {
        return fail(decode_error::bad_will_flags);
    }
    const bool has_user = (cflags & cf_username) != 0;
    const bool has_pass = (cflags & cf_password) != 0;
    // §3.1.2.9: no password without a user name.
    if (has_pass && !has_user) {
        return fail(decode_error::bad_credentials_flags);
    }
    c.clean_session = (cflags & cf_clean_session) != 0;

    // §3.1.3.1: Client Identifier (may be empty; the server decides).
    if (auto e = read_string(r, c.client_id)) {
        return fail(*e);
    }
    if (has_will) {
        mqtt::will w;
        w.qos = will_qos;
        w.retain = will_retain;
        if (auto e = read_will(r, w)) {
            return fail(*e);
        }
        c.will = std::move(w);
    }
    if (has_user) {
        std::string user;
        if (auto e = read_string(r, user)) {
            return fail(*e);
        }
        c.username = std::move(user);
    }
    if (has_pass) {
        const auto pass = read_binary(r);
        if (!pass) {
            return fail(decode_error::truncated);
        }
        c.password = std::string(as_chars(*pass));
    }
    if (!r.at_end()) {
        return fail(decode_error::length_mismatch);
    }
    return c;
}

decoded decode_connack(byte_reader& r) {
    const auto ack_flags = r.u8();
    const auto rc = r.u8();
    if (!ack_flags || !rc) {
        return fail(decode_error::truncated);
    }
    if (!r.at_end()) {
        return fail(decode_error::length_mismatch);
    }
    // §3.2.2.1: bits 7-1 reserved; §3.2.2.3: 6..255 reserved.
    if ((*ack_flags & 0xFE) != 0 || *rc > 5) {
        return fail(decode_error::bad_field);
    }
    return connack{.session_present = (*ack_flags & 0x01) != 0, .rc = connack_code{*rc}};
}

decoded decode_publish(byte_reader& r, std::uint8_t flags) {
    publish p;
    p.dup = (flags & publish_dup) != 0;
    p.qos = static_cast<std::uint8_t>((flags & publish_qos_mask) >> 1);
    p.retain = (flags & publish_retain) != 0;
    // §3.3.1.2: QoS 3 is malformed; §3.3.1.1: DUP must be 0 for QoS 0.
    if (p.qos > 2) {
        return fail(decode_error::bad_qos);
    }
    if (p.qos == 0 && p.dup) {
        return fail(decode_error::dup_on_qos0);
    }
    if (auto e = read_string(r, p.topic)) {
        return fail(*e);
    }
    // §3.3.2.1 and §4.7.3.
    if (p.topic.empty()) {
        return fail(decode_error::empty_topic);
    }
    if (p.topic.find_first_of("+#") != std::string::npos) {
        return fail(decode_error::wildcard_in_topic);
    }
    if (p.qos > 0) {
        if (!read_packet_id(r, p.packet_id)) {
            return fail(decode_error::truncated);
        }
        if (p.packet_id == 0) {
            return fail(decode_error::zero_packet_id);
        }
    }
    const auto body = r.rest();
    p.payload.assign(body.begin(), body.end());
    return p;
}

/// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: exactly a non-zero Packet Identifier.
template <class T>
decoded decode_id_only(byte_reader& r) {
    T t;
    if (!read_packet_id(r, t.packet_id)) {
        return fail(decode_error::truncated);
    }
    if (!r.at_end()) {
        return fail(decode_error::length_mismatch);
    }
    if (t.packet_id == 0) {
        return fail(decode_error::zero_packet_id);
    }
    return t;
}

decoded decode_subscribe(byte_reader& r) {
    subscribe s;
    if (!read_packet_id(r, s.packet_id)) {
        return fail(decode_error::truncated);
    }
    if (s.packet_id == 0) {
        return fail(decode_error::zero_packet_id);
    }
    // §3.8.3: at least one pair.
    if (r.at_end()) {
        return fail(decode_error::no_subscriptions);
    }
    while (!r.at_end()) {
        subscription sub;
        if (auto e = read_string(r, sub.filter)) {
            return fail(*e);
        }
        if (sub.filter.empty()) {
            return fail(decode_error::empty_topic);
        }
        const auto requested = r.u8();
        if (!requested) {
            return fail(decode_error::truncated);
        }
        // §3.8.3.1: bits 7-2 reserved, QoS 3 malformed.
        if ((*requested & 0xFC) != 0) {
            return fail(decode_error::bad_field);
        }
        if (*requested > 2) {
            return fail(decode_error::bad_qos);
        }
        sub.qos = *requested;
        s.subscriptions.push_back(std::move(sub));
    }
    return s;
}

decoded decode_suback(byte_reader& r) {
    suback s;
    if (!read_packet_id(r, s.packet_id)) {
        return fail(decode_error::truncated);
    }
    if (s.packet_id == 0) {
        return fail(decode_error::zero_packet_id);
    }
    if (r.at_end()) {
        return fail(decode_error::truncated);
    }
    const auto codes = r.rest();
    for (const auto c : codes) {
        // §3.9.3: only 0x00, 0x01, 0x02 and 0x80.
        if (c > 2 && c != suback_failure) {
            return fail(decode_error::bad_field);
        }
    }
    s.return_codes.assign(codes.begin(), codes.end());
    return s;
}

decoded decode_unsubscribe(byte_reader& r) {
    unsubscribe u;
    if (!read_packet_id(r, u.packet_id)) {
        return fail(decode_error::truncated);
    }
    if (u.packet_id == 0) {
        return fail(decode_error::zero_packet_id);
    }
    // §3.10.3: at least one filter.
    if (r.at_end()) {
        return fail(decode_error::no_subscriptions);
    }
    while (!r.at_end()) {
        std::string f;
        if (auto e = read_string(r, f)) {
            return fail(*e);
        }
        if (f.empty()) {
            return fail(decode_error::empty_topic);
        }
        u.filters.push_back(std::move(f));
    }
    return u;
}

template <class T>
decoded decode_empty(byte_reader& r) {
    if (!r.at_end()) {
        return fail(decode_error::length_mismatch);
    }
    return T{};
}

/// Table 2.2: the only valid low nibble of byte 0 for each type (PUBLISH excepted).
constexpr std::uint8_t required_flags(packet_type t) noexcept {
    switch (t) {
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
        return flags_0010;
    default:
        return 0;
    }
}

// --- encoding ---------------------------------------------------------------------------

/// Bytes of the Remaining Length field for `n` (§2.2.3), 0 if n is too large.
constexpr std::size_t varint_size(std::size_t n) noexcept {
    if (n < 128) {
        return 1;
    }
    if (n < 16'384) {
        return 2;
    }
    if (n < 2'097'152) {
        return 3;
    }
    if (n <= max_remaining_length) {
        return 4;
    }
    return 0;
}

std::size_t str_size(std::string_view s) noexcept {
    return 2 + s.size();
}

/// Remaining Length of each packet.
struct body_size {
    std::size_t operator()(const connect& c) const noexcept {
        std::size_t n = 2 + 4 + 1 + 1 + 2; // "MQTT", level, flags, keep alive
        n += str_size(c.client_id);
        if (c.will) {
            n += str_size(c.will->topic) + 2 + c.will->payload.size();
        }
        if (c.username) {
            n += str_size(*c.username);
        }
        if (c.password) {
            n += str_size(*c.password);
        }
        return n;
    }
    std::size_t operator()(const connack&) const noexcept { return 2; }
    std::size_t operator()(const publish& p) const noexcept {
        return str_size(p.topic) + (p.qos > 0 ? 2 : 0) + p.payload.size();
    }
    std::size_t operator()(const puback&) const noexcept { return 2; }
    std::size_t operator()(const pubrec&) const noexcept { return 2; }
    std::size_t operator()(const pubrel&) const noexcept { return 2; }
    std::size_t operator()(const pubcomp&) const noexcept { return 2; }
    std::size_t operator()(const subscribe& s) const noexcept {
        std::size_t n = 2;
        for (const auto& sub : s.subscriptions) {
            n += str_size(sub.filter) + 1;
        }
        return n;
    }
    std::size_t operator()(const suback& s) const noexcept { return 2 + s.return_codes.size(); }
    std::size_t operator()(const unsubscribe& u) const noexcept {
        std::size_t n = 2;
        for (const auto& f : u.filters) {
            n += str_size(f);
        }
        return n;
    }
    std::size_t operator()(const unsuback&) const noexcept { return 2; }
    std::size_t operator()(const pingreq&) const noexcept { return 0; }
    std::size_t operator()(const pingresp&) const noexcept { return 0; }
    std::size_t operator()(const disconnect&) const noexcept { return 0; }
};

/// §1.5.3: a two-byte length, then the string's bytes (strings_fit has checked the size).
void write_string(byte_writer& w, std::string_view s) noexcept {
    w.u16(static_cast<std::uint16_t>(s.size()));
    w.chars(s);
}

/// §2.2.3: Remaining Length, 7 bits a byte, least significant group first.
void write_remaining_length(byte_writer& w, std::size_t n) noexcept {
    do {
        auto b = static_cast<std::uint8_t>(n % 128);
        n /= 128;
        if (n > 0) {
            b = static_cast<std::uint8_t>(b | 0x80);
        }
        w.u8(b);
    } while (n > 0);
}

/// True if every string field fits a two-byte length.
struct strings_fit {
    static bool ok(std::string_view s) noexcept { return s.size() <= max_string; }
    bool operator()(const connect& c) const noexcept {
        return ok(c.client_id) &&
               (!c.will || (ok(c.will->topic) && c.will->payload.size() <= max_string)) &&
               (!c.username || ok(*c.username)) && (!c.password || ok(*c.password));
    }
    bool operator()(const publish& p) const noexcept { return ok(p.topic); }
    bool operator()(const subscribe& s) const noexcept {
        for (const auto& sub : s.subscriptions) {
            if (!ok(sub.filter)) {
                return false;
            }
        }
        return true;
    }
    bool operator()(const unsubscribe& u) const noexcept {
        for (const auto& f : u.filters) {
            if (!ok(f)) {
                return false;
            }
        }
        return true;
    }
    template <class T>
    bool operator()(const T&) const noexcept {
        return true;
    }
};

struct body_writer {
    byte_writer& w;
    void operator()(const connect& c) const noexcept {
        write_string(w, "MQTT");
        w.u8(protocol_level_311);
        std::uint8_t f = 0;
        if (c.clean_session) {
            f |= cf_clean_session;
        }
        if (c.will) {
            assert(c.will->qos <= 2);
            f = static_cast<std::uint8_t>(f | cf_will | ((c.will->qos & 0x03) << 3));
            if (c.will->retain) {
                f |= cf_will_retain;
            }
        }
        if (c.username) {
            f |= cf_username;
        }
        if (c.password) {
            f |= cf_password;
        }
        w.u8(f);
        w.u16(c.keep_alive_s);
        write_string(w, c.client_id);
        if (c.will) {
            write_string(w, c.will->topic);
            w.u16(static_cast<std::uint16_t>(c.will->payload.size()));
            w.bytes(c.will->payload);
        }
        if (c.username) {
            write_string(w, *c.username);
        }
        if (c.password) {
            write_string(w, *c.password);
        }
    }
    void operator()(const connack& c) const noexcept {
        w.u8(c.session_present ? 1 : 0);
        w.u8(static_cast<std::uint8_t>(c.rc));
    }
    void operator()(const publish& p) const noexcept {
        write_string(w, p.topic);
        if (p.qos > 0) {
            w.u16(p.packet_id);
        }
        w.bytes(p.payload);
    }
    void operator()(const puback& p) const noexcept { w.u16(p.packet_id); }
    void operator()(const pubrec& p) const noexcept { w.u16(p.packet_id); }
    void operator()(const pubrel& p) const noexcept { w.u16(p.packet_id); }
    void operator()(const pubcomp& p) const noexcept { w.u16(p.packet_id); }
    void operator()(const subscribe& s) const noexcept {
        w.u16(s.packet_id);
        for (const auto& sub : s.subscriptions) {
            assert(sub.qos <= 2);
            write_string(w, sub.filter);
            w.u8(sub.qos);
        }
    }
    void operator()(const suback& s) const noexcept {
        w.u16(s.packet_id);
        w.bytes(s.return_codes);
    }
    void operator()(const unsubscribe& u) const noexcept {
        w.u16(u.packet_id);
        for (const auto& f : u.filters) {
            write_string(w, f);
        }
    }
    void operator()(const unsuback& u) const noexcept { w.u16(u.packet_id); }
    void operator()(const pingreq&) const noexcept {}
    void operator()(const pingresp&) const noexcept {}
    void operator()(const disconnect&) const noexcept {}
};

std::uint8_t first_byte(const packet& p) noexcept {
    const auto t = static_cast<std::uint8_t>(type_of(p));
    auto b = static_cast<std::uint8_t>(t << 4);
    if (const auto* pub = std::get_if<publish>(&p)) {
        assert(pub->qos <= 2);
        if (pub->dup) {
            b |= publish_dup;
        }
        b = static_cast<std::uint8_t>(b | ((pub->qos & 0x03) << 1));
        if (pub->retain) {
            b |= publish_retain;
        }
    } else {
        b |= required_flags(type_of(p));
    }
    return b;
}

} // namespace

std::string_view to_string(decode_error e) noexcept {
    switch (e) {
    case decode_error::empty:
        return "empty";
    case decode_error::truncated:
        return "truncated";
    case decode_error::bad_remaining_length:
        return "bad_remaining_length";
    case decode_error::length_mismatch:
        return "length_mismatch";
    case decode_error::reserved_type:
        return "reserved_type";
    case decode_error::bad_fixed_header_flags:
        return "bad_fixed_header_flags";
    case decode_error::bad_protocol_name:
        return "bad_protocol_name";
    case decode_error::unsupported_protocol_level:
        return "unsupported_protocol_level";
    case decode_error::reserved_connect_flag:
        return "reserved_connect_flag";
    case decode_error::bad_will_flags:
        return "bad_will_flags";
    case decode_error::bad_credentials_flags:
        return "bad_credentials_flags";
    case decode_error::bad_qos:
        return "bad_qos";
    case decode_error::dup_on_qos0:
        return "dup_on_qos0";
    case decode_error::zero_packet_id:
        return "zero_packet_id";
    case decode_error::empty_topic:
        return "empty_topic";
    case decode_error::wildcard_in_topic:
        return "wildcard_in_topic";
    case decode_error::no_subscriptions:
        return "no_subscriptions";
    case decode_error::bad_utf8:
        return "bad_utf8";
    case decode_error::bad_field:
        return "bad_field";
    }
    return "unknown";
}

std::string_view to_string(packet_type t) noexcept {
    switch (t) {
    case packet_type::connect:
        return "CONNECT";
    case packet_type::connack:
        return "CONNACK";
    case packet_type::publish:
        return "PUBLISH";
    case packet_type::puback:
        return "PUBACK";
    case packet_type::pubrec:
        return "PUBREC";
    case packet_type::pubrel:
        return "PUBREL";
    case packet_type::pubcomp:
        return "PUBCOMP";
    case packet_type::subscribe:
        return "SUBSCRIBE";
    case packet_type::suback:
        return "SUBACK";
    case packet_type::unsubscribe:
        return "UNSUBSCRIBE";
    case packet_type::unsuback:
        return "UNSUBACK";
    case packet_type::pingreq:
        return "PINGREQ";
    case packet_type::pingresp:
        return "PINGRESP";
    case packet_type::disconnect:
        return "DISCONNECT";
    }
    return "UNKNOWN";
}

packet_type type_of(const packet& p) noexcept {
    return static_cast<packet_type>(p.index() + 1);
}

result<packet, decode_error> decode(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.empty()) {
        return fail(decode_error::empty);
    }
    const std::uint8_t b0 = bytes[0];
    const auto type_value = static_cast<std::uint8_t>(b0 >> 4);
    const auto flags = static_cast<std::uint8_t>(b0 & 0x0F);
    if (type_value == 0 || type_value == 15) {
        return fail(decode_error::reserved_type);
    }
    // §2.2.3: Remaining Length, at most four bytes.
    std::size_t remaining = 0;
    std::size_t pos = 1;
    std::size_t multiplier = 1;
    for (;;) {
        if (pos == 5) {
            return fail(decode_error::bad_remaining_length);
        }
        if (pos >= bytes.size()) {
            return fail(decode_error::truncated);
        }
        const std::uint8_t b = bytes[pos++];
        remaining += (b & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((b & 0x80) == 0) {
            break;
        }
    }
    if (bytes.size() - pos < remaining) {
        return fail(decode_error::truncated);
    }
    if (bytes.size() - pos > remaining) {
        return fail(decode_error::length_mismatch);
    }
    const auto type = static_cast<packet_type>(type_value);
    // §2.2.2 Table 2.2.
    if (type != packet_type::publish && flags != required_flags(type)) {
        return fail(decode_error::bad_fixed_header_flags);
    }
    byte_reader r(bytes.subspan(pos));
    switch (type) {
    case packet_type::connect:
        return decode_connect(r);
    case packet_type::connack:
        return decode_connack(r);
    case packet_type::publish:
        return decode_publish(r, flags);
    case packet_type::puback:
        return decode_id_only<puback>(r);
    case packet_type::pubrec:
        return decode_id_only<pubrec>(r);
    case packet_type::pubrel:
        return decode_id_only<pubrel>(r);
    case packet_type::pubcomp:
        return decode_id_only<pubcomp>(r);
    case packet_type::subscribe:
        return decode_subscribe(r);
    case packet_type::suback:
        return decode_suback(r);
    case packet_type::unsubscribe:
        return decode_unsubscribe(r);
    case packet_type::unsuback:
        return decode_id_only<unsuback>(r);
    case packet_type::pingreq:
        return decode_empty<pingreq>(r);
    case packet_type::pingresp:
        return decode_empty<pingresp>(r);
    case packet_type::disconnect:
        return decode_empty<disconnect>(r);
    }
    return fail(decode_error::reserved_type);
}

std::size_t encoded_size(const packet& p) noexcept {
    const auto body = std::visit(body_size{}, p);
    const auto header = varint_size(body);
    if (header == 0) {
        return 0;
    }
    return 1 + header + body;
}

std::size_t encode(const packet& p, std::span<std::uint8_t> out) noexcept {
    if (!std::visit(strings_fit{}, p)) {
        return 0;
    }
    const auto total = encoded_size(p);
    if (total == 0 || out.size() < total) {
        return 0;
    }
    byte_writer w(out.first(total));
    w.u8(first_byte(p));
    write_remaining_length(w, std::visit(body_size{}, p));
    std::visit(body_writer{w}, p);
    assert(w.written() == total);
    return w.written();
}

std::vector<std::uint8_t> encode(const packet& p) {
    std::vector<std::uint8_t> out(encoded_size(p));
    const auto n = encode(p, out);
    out.resize(n);
    return out;
}

} // namespace snbridge::common::mqtt
