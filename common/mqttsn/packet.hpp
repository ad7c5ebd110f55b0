#pragma once

// MQTT-SN v1.2 messages as plain structs, and the codec that turns bytes into them and back.
// Decoding is a pure function over a byte span: it never throws on network input, never reads
// out of bounds, and returns the message or a named decode_error. Encoding computes the exact
// size first, then writes into a caller buffer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace snbridge::common::mqttsn {

/// MQTT-SN 1.2 §5.2.2 Table 3: MsgType values.
enum class msg_type : std::uint8_t {
    advertise = 0x00,
    searchgw = 0x01,
    gwinfo = 0x02,
    connect = 0x04,
    connack = 0x05,
    willtopicreq = 0x06,
    willtopic = 0x07,
    willmsgreq = 0x08,
    willmsg = 0x09,
    register_ = 0x0A,
    regack = 0x0B,
    publish = 0x0C,
    puback = 0x0D,
    pubcomp = 0x0E,
    pubrec = 0x0F,
    pubrel = 0x10,
    subscribe = 0x12,
    suback = 0x13,
    unsubscribe = 0x14,
    unsuback = 0x15,
    pingreq = 0x16,
    pingresp = 0x17,
    disconnect = 0x18,
    willtopicupd = 0x1A,
    willtopicresp = 0x1B,
    willmsgupd = 0x1C,
    willmsgresp = 0x1D,
    encapsulated = 0xFE,
};

/// MQTT-SN 1.2 §5.3.4 Flags, QoS bits 6-5. The enumerator value is the 2-bit wire code, so
/// QoS −1 is `minus_one` (0b11).
enum class qos : std::uint8_t { zero = 0, one = 1, two = 2, minus_one = 3 };

/// MQTT-SN 1.2 §5.3.4 Flags, TopicIdType bits 1-0 (0b11 is reserved and rejected by decode).
enum class topic_id_type : std::uint8_t { normal = 0, predefined = 1, short_name = 2 };

/// MQTT-SN 1.2 §5.3.10 Table 5: ReturnCode. Values 0x04..0xFF are reserved; decode keeps
/// whatever byte arrived, so a reserved value is representable.
enum class return_code : std::uint8_t {
    accepted = 0x00,
    congestion = 0x01,
    invalid_topic_id = 0x02,
    not_supported = 0x03,
};

/// MQTT-SN 1.2 §5.3.4: the Flags octet, decoded with masks.
struct flags {
    bool dup = false;
    qos qos_level = qos::zero;
    bool retain = false;
    bool will = false;
    bool clean_session = false;
    topic_id_type topic_type = topic_id_type::normal;

    [[nodiscard]] std::uint8_t encode() const noexcept;
    bool operator==(const flags&) const = default;
};

// --- one struct per message (MQTT-SN 1.2 §5.4) --------------------------------------------

struct advertise {
    std::uint8_t gw_id = 0;
    std::uint16_t duration = 0;
    bool operator==(const advertise&) const = default;
};
struct searchgw {
    std::uint8_t radius = 0;
    bool operator==(const searchgw&) const = default;
};
/// gw_address is present only when a client answers on behalf of a gateway (§5.4.3).
struct gwinfo {
    std::uint8_t gw_id = 0;
    std::vector<std::uint8_t> gw_address;
    bool operator==(const gwinfo&) const = default;
};
/// protocol_id must be 0x01 (§5.3.7); duration is the keep-alive in seconds.
struct connect {
    flags flag;
    std::uint16_t duration = 0;
    std::string client_id;
    bool operator==(const connect&) const = default;
};
struct connack {
    return_code rc = return_code::accepted;
    bool operator==(const connack&) const = default;
};
struct willtopicreq {
    bool operator==(const willtopicreq&) const = default;
};
/// An empty topic (a 2-byte message with no Flags octet) deletes the will (§5.4.7). Decode
/// also takes a Flags octet with no WillTopic as that empty message (flags dropped), and
/// encode writes an empty topic as the 2-byte form whatever `flag` holds.
struct willtopic {
    flags flag;
    std::string topic;
    bool operator==(const willtopic&) const = default;
};
struct willmsgreq {
    bool operator==(const willmsgreq&) const = default;
};
struct willmsg {
    std::vector<std::uint8_t> message;
    bool operator==(const willmsg&) const = default;
};
struct register_ {
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    std::string topic_name;
    bool operator==(const register_&) const = default;
};
struct regack {
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    return_code rc = return_code::accepted;
    bool operator==(const regack&) const = default;
};
/// For a short topic name (topic_type short_name) topic_id holds the two characters,
/// first character in the high byte, exactly as on the wire.
struct publish {
    flags flag;
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    std::vector<std::uint8_t> data;
    bool operator==(const publish&) const = default;
};
struct puback {
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    return_code rc = return_code::accepted;
    bool operator==(const puback&) const = default;
};
struct pubrec {
    std::uint16_t msg_id = 0;
    bool operator==(const pubrec&) const = default;
};
struct pubrel {
    std::uint16_t msg_id = 0;
    bool operator==(const pubrel&) const = default;
};
struct pubcomp {
    std::uint16_t msg_id = 0;
    bool operator==(const pubcomp&) const = default;
};
/// topic_type normal: topic_name holds the name (may contain wildcards);
/// short_name: topic_name holds exactly 2 bytes; predefined: topic_id holds the id (§5.4.15).
struct subscribe {
    flags flag;
    std::uint16_t msg_id = 0;
    std::string topic_name;
    std::uint16_t topic_id = 0;
    bool operator==(const subscribe&) const = default;
};
/// Only flag.qos_level is meaningful (granted QoS, §5.4.16).
struct suback {
    flags flag;
    std::uint16_t topic_id = 0;
    std::uint16_t msg_id = 0;
    return_code rc = return_code::accepted;
    bool operator==(const suback&) const = default;
};
/// Same topic representation as subscribe (§5.4.17).
struct unsubscribe {
    flags flag;
    std::uint16_t msg_id = 0;
    std::string topic_name;
    std::uint16_t topic_id = 0;
    bool operator==(const unsubscribe&) const = default;
};
struct unsuback {
    std::uint16_t msg_id = 0;
    bool operator==(const unsuback&) const = default;
};
/// client_id is empty when the optional ClientId field is absent (§5.4.19).
struct pingreq {
    std::string client_id;
    bool operator==(const pingreq&) const = default;
};
struct pingresp {
    bool operator==(const pingresp&) const = default;
};
/// duration present = the client goes to sleep for that many seconds (§5.4.21, §6.14).
struct disconnect {
    std::optional<std::uint16_t> duration;
    bool operator==(const disconnect&) const = default;
};
/// An empty topic (no Flags octet) deletes the will (§5.4.22); same rules as willtopic.
struct willtopicupd {
    flags flag;
    std::string topic;
    bool operator==(const willtopicupd&) const = default;
};
struct willtopicresp {
    return_code rc = return_code::accepted;
    bool operator==(const willtopicresp&) const = default;
};
struct willmsgupd {
    std::vector<std::uint8_t> message;
    bool operator==(const willmsgupd&) const = default;
};
struct willmsgresp {
    return_code rc = return_code::accepted;
    bool operator==(const willmsgresp&) const = default;
};
/// MQTT-SN 1.2 §5.5: forwarder encapsulation. `inner` holds the raw encapsulated MQTT-SN
/// message, to be decoded with decode(). ctrl bits 1-0 are the radius; bits 7-2 are reserved.
/// decode() has already checked that `inner` is a valid, non-encapsulated MQTT-SN message.
struct encapsulated {
    std::uint8_t radius = 0;
    std::vector<std::uint8_t> wireless_node_id;
    std::vector<std::uint8_t> inner;
    bool operator==(const encapsulated&) const = default;
};

using packet =
    std::variant<advertise, searchgw, gwinfo, connect, connack, willtopicreq, willtopic, willmsgreq,
                 willmsg, register_, regack, publish, puback, pubcomp, pubrec, pubrel, subscribe,
                 suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, willtopicupd,
                 willtopicresp, willmsgupd, willmsgresp, encapsulated>;

/// Why a datagram was not a valid MQTT-SN message.
enum class decode_error : std::uint8_t {
    empty,                  ///< zero-length datagram
    truncated,              ///< fewer bytes than the header or a fixed field needs
    length_mismatch,        ///< the Length field disagrees with the datagram size, or octets
                            ///< follow the last field of a fixed-size message
    short_length_form,      ///< 3-byte Length form with a total under 256 (spec-decisions rule 10)
    reserved_type,          ///< MsgType is reserved (§5.2.2 Table 3)
    reserved_topic_id_type, ///< TopicIdType 0b11
    bad_protocol_id,        ///< CONNECT ProtocolId other than 0x01 (§5.3.7)
    empty_client_id,        ///< CONNECT without ClientId
    bad_short_topic,        ///< short topic name that is not exactly 2 bytes
    empty_topic,            ///< REGISTER/SUBSCRIBE/UNSUBSCRIBE with an empty topic name
    bad_field,              ///< a field holds a value the spec forbids (e.g. reserved Ctrl bits,
                            ///< 3-byte Length on Encapsulated, nested Encapsulated)
};

/// Stable lower-case name of the error, for logs and counters: "truncated", ...
[[nodiscard]] std::string_view to_string(decode_error e) noexcept;

/// Upper-case message name as in the spec: "PUBLISH", "WILLTOPICUPD", "Encapsulated".
[[nodiscard]] std::string_view to_string(msg_type t) noexcept;

[[nodiscard]] msg_type type_of(const packet& p) noexcept;

/// Decodes one datagram. Pure; never throws on malformed input (only std::bad_alloc could
/// escape, which terminates). The whole span must be exactly one message.
[[nodiscard]] result<packet, decode_error> decode(std::span<const std::uint8_t> datagram) noexcept;

/// Exact number of bytes encode() writes for `p` (3-byte Length form when > 255), or 0 when
/// `p` cannot be encoded: larger than max_message_size, or holding a field decode() would
/// refuse (empty ClientId in CONNECT, empty TopicName, a short topic name that is not 2
/// bytes, an Encapsulated whose header exceeds 255 bytes, radius > 3 or invalid inner).
[[nodiscard]] std::size_t encoded_size(const packet& p) noexcept;

/// Largest message the 3-byte Length form can carry.
inline constexpr std::size_t max_message_size = 65535;

/// Writes `p` into `out`, which should hold at least encoded_size(p) bytes.
/// Returns the number of bytes written; 0 (nothing written) if encoded_size(p) is 0 or `out`
/// is too small. Whatever encode() writes, decode() accepts.
std::size_t encode(const packet& p, std::span<std::uint8_t> out) noexcept;

/// Convenience: encodes into a new vector of exactly encoded_size(p) bytes (empty if 0).
[[nodiscard]] std::vector<std::uint8_t> encode(const packet& p);

} // namespace snbridge::common::mqttsn
