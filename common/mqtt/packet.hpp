#pragma once

// MQTT 3.1.1 control packets as plain structs, and the codec that turns bytes into them and
// back. Same shape as common/mqttsn/packet.hpp: decoding is a pure function over one complete
// packet (fixed header included); it never throws on network input, never reads out of
// bounds, and returns the packet or a named decode_error. Encoding computes the exact size
// first, then writes into a caller buffer. Splitting a TCP byte stream into packets is
// common/mqtt/framer.hpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace snbridge::common::mqtt {

/// MQTT 3.1.1 §2.2.1 Table 2.1: control packet types (0 and 15 are reserved).
enum class packet_type : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
};

/// MQTT 3.1.1 §3.2.2.3 Table 3.1: CONNACK return codes (6..255 are reserved).
enum class connack_code : std::uint8_t {
    accepted = 0x00,
    unacceptable_protocol_version = 0x01,
    identifier_rejected = 0x02,
    server_unavailable = 0x03,
    bad_username_or_password = 0x04,
    not_authorized = 0x05,
};

/// MQTT 3.1.1 §3.9.3: SUBACK return code for a refused subscription.
inline constexpr std::uint8_t suback_failure = 0x80;

/// The protocol level of MQTT 3.1.1 (§3.1.2.2).
inline constexpr std::uint8_t protocol_level_311 = 4;

/// Largest value the Remaining Length field can hold (§2.2.3: four bytes of 7 bits).
inline constexpr std::size_t max_remaining_length = 268'435'455;

/// The Will of a CONNECT (§3.1.2.5-§3.1.2.7, §3.1.3.2-§3.1.3.3). qos is 0, 1 or 2.
struct will {
    std::string topic{};
    std::vector<std::uint8_t> payload{};
    std::uint8_t qos = 0;
    bool retain = false;
    bool operator==(const will&) const = default;
};

// --- one struct per control packet (MQTT 3.1.1 §3) -----------------------------------------

/// §3.1. Only protocol "MQTT" level 4 decodes; other levels give
/// decode_error::unsupported_protocol_level so the server can answer CONNACK 0x01.
/// password is binary data (§3.1.3.5), held in a std::string.
struct connect {
    bool clean_session = true;
    std::uint16_t keep_alive_s = 0;
    std::string client_id{};
    std::optional<mqtt::will> will{};
    std::optional<std::string> username{};
    std::optional<std::string> password{};
    bool operator==(const connect&) const = default;
};
/// §3.2.
struct connack {
    bool session_present = false;
    connack_code rc = connack_code::accepted;
    bool operator==(const connack&) const = default;
};
/// §3.3. packet_id is on the wire only for qos 1 and 2 (and is 0 for qos 0).
struct publish {
    bool dup = false;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string topic{};
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> payload{};
    bool operator==(const publish&) const = default;
};
struct puback {
    std::uint16_t packet_id = 0;
    bool operator==(const puback&) const = default;
};
struct pubrec {
    std::uint16_t packet_id = 0;
    bool operator==(const pubrec&) const = default;
};
struct pubrel {
    std::uint16_t packet_id = 0;
    bool operator==(const pubrel&) const = default;
};
struct pubcomp {
    std::uint16_t packet_id = 0;
    bool operator==(const pubcomp&) const = default;
};
/// One Topic Filter / Requested QoS pair of a SUBSCRIBE (§3.8.3).
struct subscription {
    std::string filter{};
    std::uint8_t qos = 0;
    bool operator==(const subscription&) const = default;
};
/// §3.8. Never empty after decode. Filters are checked for UTF-8 only: wildcard placement is
/// the server's business (it answers 0x80 for a bad filter).
struct subscribe {
    std::uint16_t packet_id = 0;
    std::vector<subscription> subscriptions{};
    bool operator==(const subscribe&) const = default;
};
/// §3.9. Each return code is 0, 1, 2 or suback_failure.
struct suback {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> return_codes{};
    bool operator==(const suback&) const = default;
};
/// §3.10. Never empty after decode.
struct unsubscribe {
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters{};
    bool operator==(const unsubscribe&) const = default;
};
struct unsuback {
    std::uint16_t packet_id = 0;
    bool operator==(const unsuback&) const = default;
};
struct pingreq {
    bool operator==(const pingreq&) const = default;
};
struct pingresp {
    bool operator==(const pingresp&) const = default;
};
struct disconnect {
    bool operator==(const disconnect&) const = default;
};

/// The variant index + 1 is the packet type value.
using packet = std::variant<connect, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe,
                            suback, unsubscribe, unsuback, pingreq, pingresp, disconnect>;

/// Why bytes were not a valid MQTT 3.1.1 packet. Every one of them is a protocol violation
/// after which the server closes the network connection (§4.8), except
/// unsupported_protocol_level, which is answered with CONNACK 0x01 first (§3.1.2.2).
enum class decode_error : std::uint8_t {
    empty,                      ///< zero bytes
    truncated,                  ///< fewer bytes than the header or a field needs
    bad_remaining_length,       ///< Remaining Length longer than 4 bytes (§2.2.3)
    length_mismatch,            ///< Remaining Length disagrees with the packet's bytes
    reserved_type,              ///< packet type 0 or 15 (§2.2.1)
    bad_fixed_header_flags,     ///< flag bits other than Table 2.2 demands (§2.2.2)
    bad_protocol_name,          ///< CONNECT protocol name is not "MQTT" (§3.1.2.1)
    unsupported_protocol_level, ///< CONNECT protocol level is not 4 (§3.1.2.2)
    reserved_connect_flag,      ///< CONNECT flags bit 0 set (§3.1.2.3)
    bad_will_flags,             ///< Will QoS/Retain set without Will Flag, or Will QoS 3
    bad_credentials_flags,      ///< Password Flag without User Name Flag (§3.1.2.9)
    bad_qos,                    ///< QoS 3 in PUBLISH or a SUBSCRIBE request (§3.3.1.2)
    dup_on_qos0,                ///< PUBLISH QoS 0 with DUP set (§3.3.1.1)
    zero_packet_id,             ///< Packet Identifier 0 where one is required (§2.3.1)
    empty_topic,                ///< zero-length Topic Name or Topic Filter (§4.7.3)
    wildcard_in_topic,          ///< '+' or '#' in a PUBLISH Topic Name (§3.3.2.1)
    no_subscriptions,           ///< SUBSCRIBE/UNSUBSCRIBE without any topic (§3.8.3, §3.10.3)
    bad_utf8,                   ///< ill-formed UTF-8, a surrogate or U+0000 (§1.5.3)
    bad_field,                  ///< reserved bits set in a field, or a reserved return code
};

/// Stable lower-case name of the error, for logs and counters: "truncated", ...
[[nodiscard]] std::string_view to_string(decode_error e) noexcept;

/// Upper-case packet name as in the spec: "CONNECT", "PUBLISH", ...
[[nodiscard]] std::string_view to_string(packet_type t) noexcept;

[[nodiscard]] packet_type type_of(const packet& p) noexcept;

/// Decodes one complete packet: the fixed header and exactly Remaining Length bytes after it
/// (the framer cuts such spans out of the stream). Pure; never throws on malformed input
/// (only std::bad_alloc could escape, which terminates).
[[nodiscard]] result<packet, decode_error> decode(std::span<const std::uint8_t> bytes) noexcept;

/// Exact number of bytes encode() writes for `p`, fixed header included.
[[nodiscard]] std::size_t encoded_size(const packet& p) noexcept;

/// Writes `p` into `out`. Returns the number of bytes written: encoded_size(p), or 0 if `out`
/// is too small, the Remaining Length would exceed max_remaining_length, or a string field is
/// longer than 65535 bytes. Writes are asserted, not validated (a qos of 3 is the caller's bug).
std::size_t encode(const packet& p, std::span<std::uint8_t> out) noexcept;

/// Convenience: encodes into a new vector (empty if encode() returned 0).
[[nodiscard]] std::vector<std::uint8_t> encode(const packet& p);

} // namespace snbridge::common::mqtt
