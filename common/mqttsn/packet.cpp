#include "common/mqttsn/packet.hpp"

#include <array>
#include <cassert>
#include <limits>
#include <type_traits>
#include <utility>

#include "common/bytes/byte_reader.hpp"
#include "common/bytes/byte_writer.hpp"

namespace snbridge::common::mqttsn {

namespace {

using bytes_view = std::span<const std::uint8_t>;
using decoded = result<packet, decode_error>;

// MQTT-SN 1.2 §5.3.4 Table 4: bit positions of the Flags octet.
constexpr std::uint8_t flag_dup = 0x80;
constexpr std::uint8_t flag_qos_mask = 0x60;
constexpr unsigned flag_qos_shift = 5;
constexpr std::uint8_t flag_retain = 0x10;
constexpr std::uint8_t flag_will = 0x08;
constexpr std::uint8_t flag_clean_session = 0x04;
constexpr std::uint8_t flag_topic_id_type_mask = 0x03;

// MQTT-SN 1.2 §5.2.1: a first octet of 0x01 announces the 3-octet Length form.
constexpr std::uint8_t three_octet_length_marker = 0x01;
constexpr std::size_t max_one_octet_length = 255;
// MQTT-SN 1.2 §5.3.8: the only defined ProtocolId.
constexpr std::uint8_t protocol_id_v1_2 = 0x01;
// MQTT-SN 1.2 §5.5 Table 29: Ctrl bits 1-0 are the radius, bits 7-2 are reserved.
constexpr std::uint8_t ctrl_radius_mask = 0x03;
// MQTT-SN 1.2 §5.5: Length, MsgType and Ctrl precede the Wireless Node Id.
constexpr std::size_t encapsulation_fixed_header = 3;

std::string to_text(bytes_view b) {
    return std::string(b.begin(), b.end());
}
std::vector<std::uint8_t> to_bytes(bytes_view b) {
    return std::vector<std::uint8_t>(b.begin(), b.end());
}

result<flags, decode_error> decode_flags(std::uint8_t b) noexcept {
    const auto tid = static_cast<std::uint8_t>(b & flag_topic_id_type_mask);
    if (tid == flag_topic_id_type_mask) {
        return fail(decode_error::reserved_topic_id_type); // §5.3.4: 0b11 is reserved
    }
    flags f;
    f.dup = (b & flag_dup) != 0;
    f.qos_level = static_cast<qos>((b & flag_qos_mask) >> flag_qos_shift);
    f.retain = (b & flag_retain) != 0;
    f.will = (b & flag_will) != 0;
    f.clean_session = (b & flag_clean_session) != 0;
    f.topic_type = static_cast<topic_id_type>(tid);
    return f;
}

/// A message made only of fixed fields: anything left over disagrees with its size.
decoded finish(byte_reader& r, packet p) {
    if (!r.at_end()) {
        return fail(decode_error::length_mismatch);
    }
    return p;
}

decoded decode_return_code_only(byte_reader& r, auto make) {
    const auto rc = r.u8();
    if (!rc) {
        return fail(decode_error::truncated);
    }
    return finish(r, make(static_cast<return_code>(*rc)));
}

/// PUBACK and REGACK share TopicId, MsgId, ReturnCode (§5.4.11, §5.4.13).
template <class T>
decoded decode_id_id_rc(byte_reader& r) {
    const auto topic_id = r.u16();
    const auto msg_id = r.u16();
    const auto rc = r.u8();
    if (!topic_id || !msg_id || !rc) {
        return fail(decode_error::truncated);
    }
    return finish(r, T{*topic_id, *msg_id, static_cast<return_code>(*rc)});
}

/// PUBREC, PUBREL, PUBCOMP, UNSUBACK: MsgId only (§5.4.14, §5.4.18).
template <class T>
decoded decode_msg_id_only(byte_reader& r) {
    const auto msg_id = r.u16();
    if (!msg_id) {
        return fail(decode_error::truncated);
    }
    return finish(r, T{*msg_id});
}

/// WILLTOPIC (§5.4.7) and WILLTOPICUPD (§5.4.22). Exactly 2 octets (no Flags, no WillTopic)
/// is the empty message that deletes the will. Flags followed by no WillTopic (3 octets, as
/// e.g. the Paho embedded client sends for an empty topic) is taken as that same empty
/// message; its Flags carry nothing then and are dropped, so the result re-encodes to the
/// 2-octet form.
template <class T>
decoded decode_will_topic(byte_reader& r) {
    T m;
    if (r.at_end()) {
        return m;
    }
    const auto f = decode_flags(*r.u8());
    if (!f) {
        return fail(f.error());
    }
    const auto topic = r.rest();
    if (topic.empty()) {
        return m;
    }
    m.flag = *f;
    m.topic = to_text(topic);
    return m;
}

/// SUBSCRIBE (§5.4.15) and UNSUBSCRIBE (§5.4.17): Flags, MsgId, then TopicName or TopicId as
/// TopicIdType says.
template <class T>
decoded decode_topic_request(byte_reader& r) {
    const auto flag_octet = r.u8();
    const auto msg_id = r.u16();
    if (!flag_octet || !msg_id) {
        return fail(decode_error::truncated);
    }
    const auto f = decode_flags(*flag_octet);
    if (!f) {
        return fail(f.error());
    }
    T m;
    m.flag = *f;
    m.msg_id = *msg_id;
    switch (f->topic_type) {
    case topic_id_type::normal: {
        const auto name = r.rest();
        if (name.empty()) {
            return fail(decode_error::empty_topic);
        }
        m.topic_name = to_text(name);
        return m;
    }
    case topic_id_type::short_name: {
        // §3 and §6.7: a short topic name is exactly two characters (spec-decisions rule 2).
        const auto name = r.rest();
        if (name.size() != 2) {
            return fail(decode_error::bad_short_topic);
        }
        m.topic_name = to_text(name);
        return m;
    }
    case topic_id_type::predefined: {
        const auto id = r.u16();
        if (!id) {
            return fail(decode_error::truncated);
        }
        m.topic_id = *id;
        return finish(r, std::move(m));
    }
    }
    return fail(decode_error::reserved_topic_id_type); // unreachable: decode_flags rejects 0b11
}

/// The MsgType octet of alternative I of `packet`.
template <std::size_t I>
constexpr auto
    type_octet_of = static_cast<std::uint8_t>(std::variant_alternative_t<I, packet>::type);

template <std::size_t... I>
constexpr bool is_known_type(std::uint8_t octet, std::index_sequence<I...>) noexcept {
    return ((octet == type_octet_of<I>) || ...);
}

/// The MsgType `octet` names, or nullopt for a reserved value (§5.2.2 Table 3): known means
/// some alternative of `packet` carries it.
constexpr std::optional<msg_type> known_type(std::uint8_t octet) noexcept {
    if (!is_known_type(octet, std::make_index_sequence<std::variant_size_v<packet>>{})) {
        return std::nullopt;
    }
    return static_cast<msg_type>(octet);
}

template <std::size_t... I>
constexpr bool types_are_distinct(std::index_sequence<I...>) noexcept {
    constexpr std::array<std::uint8_t, sizeof...(I)> octets{type_octet_of<I>...};
    for (std::size_t i = 0; i < octets.size(); ++i) {
        for (std::size_t j = i + 1; j < octets.size(); ++j) {
            if (octets[i] == octets[j]) {
                return false;
            }
        }
    }
    return true;
}
// Two structs with one MsgType would make decode() ambiguous and type_of() lie.
static_assert(types_are_distinct(std::make_index_sequence<std::variant_size_v<packet>>{}),
              "every packet alternative needs its own msg_type");

/// ADVERTISE §5.4.1: GwId, Duration
decoded decode_advertise(byte_reader& r) {
    const auto gw_id = r.u8();
    const auto duration = r.u16();
    if (!gw_id || !duration) {
        return fail(decode_error::truncated);
    }
    return finish(r, advertise{*gw_id, *duration});
}

/// SEARCHGW §5.4.2: Radius
decoded decode_searchgw(byte_reader& r) {
    const auto radius = r.u8();
    if (!radius) {
        return fail(decode_error::truncated);
    }
    return finish(r, searchgw{*radius});
}

/// GWINFO §5.4.3: GwId, GwAdd only when sent by a client (may be absent)
decoded decode_gwinfo(byte_reader& r) {
    const auto gw_id = r.u8();
    if (!gw_id) {
        return fail(decode_error::truncated);
    }
    return gwinfo{*gw_id, to_bytes(r.rest())};
}

/// CONNECT §5.4.4: Flags, ProtocolId, Duration, ClientId (1..n chars, §5.3.1)
decoded decode_connect(byte_reader& r) {
    const auto flag_octet = r.u8();
    const auto protocol_id = r.u8();
    const auto duration = r.u16();
    if (!flag_octet || !protocol_id || !duration) {
        return fail(decode_error::truncated);
    }
    const auto f = decode_flags(*flag_octet);
    if (!f) {
        return fail(f.error());
    }
    if (*protocol_id != protocol_id_v1_2) {
        return fail(decode_error::bad_protocol_id); // §5.3.8
    }
    const auto client_id = r.rest();
    if (client_id.empty()) {
        return fail(decode_error::empty_client_id); // §5.3.1: at least one character
    }
    // Longer than 23 characters is accepted here; the session applies the configured
    // maximum (spec-decisions rule 13).
    return connect{*f, *duration, to_text(client_id)};
}

/// REGISTER §5.4.10: TopicId, MsgId, TopicName
decoded decode_register(byte_reader& r) {
    const auto topic_id = r.u16();
    const auto msg_id = r.u16();
    if (!topic_id || !msg_id) {
        return fail(decode_error::truncated);
    }
    const auto name = r.rest();
    if (name.empty()) {
        return fail(decode_error::empty_topic);
    }
    return register_{*topic_id, *msg_id, to_text(name)};
}

/// PUBLISH §5.4.12: Flags, TopicId, MsgId, Data (may be empty, §5.3.2)
decoded decode_publish(byte_reader& r) {
    const auto flag_octet = r.u8();
    const auto topic_id = r.u16();
    const auto msg_id = r.u16();
    if (!flag_octet || !topic_id || !msg_id) {
        return fail(decode_error::truncated);
    }
    const auto f = decode_flags(*flag_octet);
    if (!f) {
        return fail(f.error());
    }
    // An empty Data is a legal zero-length payload (it clears a retained message in MQTT).
    return publish{*f, *topic_id, *msg_id, to_bytes(r.rest())};
}

/// SUBACK §5.4.16: Flags (granted QoS), TopicId, MsgId, ReturnCode
decoded decode_suback(byte_reader& r) {
    const auto flag_octet = r.u8();
    const auto topic_id = r.u16();
    const auto msg_id = r.u16();
    const auto rc = r.u8();
    if (!flag_octet || !topic_id || !msg_id || !rc) {
        return fail(decode_error::truncated);
    }
    const auto f = decode_flags(*flag_octet);
    if (!f) {
        return fail(f.error());
    }
    return finish(r, suback{*f, *topic_id, *msg_id, static_cast<return_code>(*rc)});
}

/// DISCONNECT §5.4.21: Duration optional (present = going to sleep)
decoded decode_disconnect(byte_reader& r) {
    if (r.at_end()) {
        return disconnect{};
    }
    const auto duration = r.u16();
    if (!duration) {
        return fail(decode_error::truncated);
    }
    return finish(r, disconnect{*duration});
}

decoded decode_body(msg_type type, byte_reader& r) {
    switch (type) {
    case msg_type::advertise:
        return decode_advertise(r);
    case msg_type::searchgw:
        return decode_searchgw(r);
    case msg_type::gwinfo:
        return decode_gwinfo(r);
    case msg_type::connect:
        return decode_connect(r);
    case msg_type::connack: // CONNACK §5.4.5
        return decode_return_code_only(r, [](return_code rc) { return connack{rc}; });
    case msg_type::willtopicreq: // WILLTOPICREQ §5.4.6: header only
        return finish(r, willtopicreq{});
    case msg_type::willtopic:
        return decode_will_topic<willtopic>(r);
    case msg_type::willmsgreq: // WILLMSGREQ §5.4.8: header only
        return finish(r, willmsgreq{});
    case msg_type::willmsg: // WILLMSG §5.4.9: WillMsg; an empty will message is legal (§5.3.13, as
                            // MQTT)
        return willmsg{to_bytes(r.rest())};
    case msg_type::register_:
        return decode_register(r);
    case msg_type::regack:
        return decode_id_id_rc<regack>(r);
    case msg_type::publish:
        return decode_publish(r);
    case msg_type::puback:
        return decode_id_id_rc<puback>(r);
    case msg_type::pubcomp:
        return decode_msg_id_only<pubcomp>(r);
    case msg_type::pubrec:
        return decode_msg_id_only<pubrec>(r);
    case msg_type::pubrel:
        return decode_msg_id_only<pubrel>(r);
    case msg_type::subscribe:
        return decode_topic_request<subscribe>(r);
    case msg_type::suback:
        return decode_suback(r);
    case msg_type::unsubscribe:
        return decode_topic_request<unsubscribe>(r);
    case msg_type::unsuback:
        return decode_msg_id_only<unsuback>(r);
    case msg_type::pingreq: // PINGREQ §5.4.19: ClientId optional (only a waking sleeper sends it)
        return pingreq{to_text(r.rest())};
    case msg_type::pingresp: // PINGRESP §5.4.20: header only
        return finish(r, pingresp{});
    case msg_type::disconnect:
        return decode_disconnect(r);
    case msg_type::willtopicupd:
        return decode_will_topic<willtopicupd>(r);
    case msg_type::willtopicresp: // WILLTOPICRESP §5.4.24
        return decode_return_code_only(r, [](return_code rc) { return willtopicresp{rc}; });
    case msg_type::willmsgupd: // WILLMSGUPD §5.4.23: WillMsg, may be empty like WILLMSG
        return willmsgupd{to_bytes(r.rest())};
    case msg_type::willmsgresp: // WILLMSGRESP §5.4.25
        return decode_return_code_only(r, [](return_code rc) { return willmsgresp{rc}; });
    case msg_type::encapsulated: // decode_message() handles it before the body
        break;
    }
    return fail(decode_error::bad_field);
}

decoded decode_message(bytes_view d, bool inside_encapsulation);

/// MQTT-SN 1.2 §5.5. The Length octet covers Length, MsgType, Ctrl and the Wireless Node Id
/// only (spec-decisions rule 11); the rest of the datagram is the encapsulated message, which must
/// itself be valid and not another encapsulation.
decoded decode_encapsulated(bytes_view d) {
    if (d.size() < encapsulation_fixed_header) {
        return fail(decode_error::truncated);
    }
    const std::size_t header = d[0];
    if (header < encapsulation_fixed_header) {
        return fail(decode_error::bad_field);
    }
    if (header > d.size()) {
        return fail(decode_error::truncated);
    }
    const std::uint8_t ctrl = d[2];
    if ((ctrl & static_cast<std::uint8_t>(~ctrl_radius_mask)) != 0) {
        return fail(decode_error::bad_field); // Table 29: bits 7-2 reserved
    }
    const auto inner = d.subspan(header);
    if (inner.empty()) {
        return fail(decode_error::truncated);
    }
    if (const auto check = decode_message(inner, true); !check) {
        return fail(check.error());
    }
    encapsulated e;
    e.radius = static_cast<std::uint8_t>(ctrl & ctrl_radius_mask);
    e.wireless_node_id =
        to_bytes(d.subspan(encapsulation_fixed_header, header - encapsulation_fixed_header));
    e.inner = to_bytes(inner);
    return e;
}

/// Rule 10: the frame Paho's MQTTSNPacket writes for exactly 255 octets after the Length
/// field: the total counted with a 1-octet Length (256), written in the 3-octet form (258
/// octets). Accepted as the whole datagram, since a device cannot be fixed from here; only
/// where a 1-octet count is plausible (a declared total up to 256).
constexpr bool counted_with_short_length(std::size_t declared, std::size_t datagram) noexcept {
    return declared + 2 == datagram && declared <= 256;
}

decoded decode_message(bytes_view d, bool inside_encapsulation) {
    if (d.empty()) {
        return fail(decode_error::empty);
    }
    std::size_t header = 2;
    std::uint8_t type_octet = 0;
    if (d[0] == three_octet_length_marker) {
        // §5.2.1: 0x01, then the total length in two octets, then MsgType.
        if (d.size() < 4) {
            return fail(decode_error::truncated);
        }
        type_octet = d[3];
        if (type_octet == static_cast<std::uint8_t>(msg_type::encapsulated)) {
            return fail(decode_error::bad_field); // §5.5: its Length is always one octet
        }
        // §5.2.1: a message under 256 octets "may" use the 1-octet form, so the 3-octet form
        // is legal at any length; only agreement with the datagram is required (rule 10).
        const std::size_t total = (static_cast<std::size_t>(d[1]) << 8) | d[2];
        if (total != d.size() && !counted_with_short_length(total, d.size())) {
            return fail(decode_error::length_mismatch);
        }
        header = 4;
    } else {
        if (d.size() < 2) {
            return fail(decode_error::truncated);
        }
        type_octet = d[1];
        if (type_octet == static_cast<std::uint8_t>(msg_type::encapsulated)) {
            if (inside_encapsulation) {
                return fail(decode_error::bad_field); // a forwarder does not nest (§5.5)
            }
            return decode_encapsulated(d);
        }
        if (d[0] != d.size()) {
            return fail(decode_error::length_mismatch);
        }
    }
    const auto type = known_type(type_octet);
    if (!type) {
        return fail(decode_error::reserved_type); // §5.2.2 Table 3: 0x03, 0x11, 0x19, ...
    }
    byte_reader r(d.subspan(header));
    return decode_body(*type, r);
}

// --- encoding -----------------------------------------------------------------------------

/// Internal marker for "cannot be encoded" (a body may legitimately be 0 octets long).
constexpr std::size_t not_encodable = std::numeric_limits<std::size_t>::max();

/// Size of a SUBSCRIBE/UNSUBSCRIBE topic field, or not_encodable where decode would refuse it.
template <class T>
std::size_t topic_field_size(const T& m) noexcept {
    switch (m.flag.topic_type) {
    case topic_id_type::normal:
        return m.topic_name.empty() ? not_encodable : m.topic_name.size();
    case topic_id_type::short_name:
        return m.topic_name.size() == 2 ? 2 : not_encodable;
    case topic_id_type::predefined:
        return 2;
    }
    return not_encodable;
}

/// Octets after MsgType, or not_encodable. Fields that decode would refuse (empty ClientId,
/// empty TopicName, a short name that is not two octets) make a message not encodable, so
/// that whatever encode() writes, decode() accepts.
struct body_size {
    std::size_t operator()(const advertise&) const noexcept { return 3; }
    std::size_t operator()(const searchgw&) const noexcept { return 1; }
    std::size_t operator()(const gwinfo& m) const noexcept { return 1 + m.gw_address.size(); }
    std::size_t operator()(const connect& m) const noexcept {
        return m.client_id.empty() ? not_encodable : 4 + m.client_id.size();
    }
    std::size_t operator()(const connack&) const noexcept { return 1; }
    std::size_t operator()(const willtopicreq&) const noexcept { return 0; }
    std::size_t operator()(const willtopic& m) const noexcept {
        return m.topic.empty() ? 0 : 1 + m.topic.size();
    }
    std::size_t operator()(const willmsgreq&) const noexcept { return 0; }
    std::size_t operator()(const willmsg& m) const noexcept { return m.message.size(); }
    std::size_t operator()(const register_& m) const noexcept {
        return m.topic_name.empty() ? not_encodable : 4 + m.topic_name.size();
    }
    std::size_t operator()(const regack&) const noexcept { return 5; }
    std::size_t operator()(const publish& m) const noexcept { return 5 + m.data.size(); }
    std::size_t operator()(const puback&) const noexcept { return 5; }
    std::size_t operator()(const pubcomp&) const noexcept { return 2; }
    std::size_t operator()(const pubrec&) const noexcept { return 2; }
    std::size_t operator()(const pubrel&) const noexcept { return 2; }
    std::size_t operator()(const subscribe& m) const noexcept {
        const auto t = topic_field_size(m);
        return t == not_encodable ? not_encodable : 3 + t;
    }
    std::size_t operator()(const suback&) const noexcept { return 6; }
    std::size_t operator()(const unsubscribe& m) const noexcept {
        const auto t = topic_field_size(m);
        return t == not_encodable ? not_encodable : 3 + t;
    }
    std::size_t operator()(const unsuback&) const noexcept { return 2; }
    std::size_t operator()(const pingreq& m) const noexcept { return m.client_id.size(); }
    std::size_t operator()(const pingresp&) const noexcept { return 0; }
    std::size_t operator()(const disconnect& m) const noexcept { return m.duration ? 2 : 0; }
    std::size_t operator()(const willtopicupd& m) const noexcept {
        return m.topic.empty() ? 0 : 1 + m.topic.size();
    }
    std::size_t operator()(const willtopicresp&) const noexcept { return 1; }
    std::size_t operator()(const willmsgupd& m) const noexcept { return m.message.size(); }
    std::size_t operator()(const willmsgresp&) const noexcept { return 1; }
    std::size_t operator()(const encapsulated&) const noexcept { return not_encodable; }
};

std::size_t encapsulated_size(const encapsulated& m) noexcept {
    const std::size_t header = encapsulation_fixed_header + m.wireless_node_id.size();
    if (header > max_one_octet_length || m.radius > ctrl_radius_mask || m.inner.empty()) {
        return not_encodable;
    }
    // The inner message must be one that decode() accepts, so that the result decodes.
    if (!decode_message(m.inner, true)) {
        return not_encodable;
    }
    const std::size_t total = header + m.inner.size();
    return total > max_message_size ? not_encodable : total;
}

void write_rc(byte_writer& w, return_code rc) noexcept {
    w.u8(static_cast<std::uint8_t>(rc));
}

template <class T>
void write_topic_request(byte_writer& w, const T& m) noexcept {
    w.u8(m.flag.encode());
    w.u16(m.msg_id);
    if (m.flag.topic_type == topic_id_type::predefined) {
        w.u16(m.topic_id);
    } else {
        w.chars(m.topic_name);
    }
}

template <class T>
void write_will_topic(byte_writer& w, const T& m) noexcept {
    if (m.topic.empty()) {
        return; // §5.4.7 / §5.4.22: the empty message has neither Flags nor WillTopic
    }
    w.u8(m.flag.encode());
    w.chars(m.topic);
}

struct body_writer {
    byte_writer& w;
    void operator()(const advertise& m) const noexcept {
        w.u8(m.gw_id);
        w.u16(m.duration);
    }
    void operator()(const searchgw& m) const noexcept { w.u8(m.radius); }
    void operator()(const gwinfo& m) const noexcept {
        w.u8(m.gw_id);
        w.bytes(m.gw_address);
    }
    void operator()(const connect& m) const noexcept {
        w.u8(m.flag.encode());
        w.u8(protocol_id_v1_2);
        w.u16(m.duration);
        w.chars(m.client_id);
    }
    void operator()(const connack& m) const noexcept { write_rc(w, m.rc); }
    void operator()(const willtopicreq&) const noexcept {}
    void operator()(const willtopic& m) const noexcept { write_will_topic(w, m); }
    void operator()(const willmsgreq&) const noexcept {}
    void operator()(const willmsg& m) const noexcept { w.bytes(m.message); }
    void operator()(const register_& m) const noexcept {
        w.u16(m.topic_id);
        w.u16(m.msg_id);
        w.chars(m.topic_name);
    }
    void operator()(const regack& m) const noexcept {
        w.u16(m.topic_id);
        w.u16(m.msg_id);
        write_rc(w, m.rc);
    }
    void operator()(const publish& m) const noexcept {
        w.u8(m.flag.encode());
        w.u16(m.topic_id);
        w.u16(m.msg_id);
        w.bytes(m.data);
    }
    void operator()(const puback& m) const noexcept {
        w.u16(m.topic_id);
        w.u16(m.msg_id);
        write_rc(w, m.rc);
    }
    void operator()(const pubcomp& m) const noexcept { w.u16(m.msg_id); }
    void operator()(const pubrec& m) const noexcept { w.u16(m.msg_id); }
    void operator()(const pubrel& m) const noexcept { w.u16(m.msg_id); }
    void operator()(const subscribe& m) const noexcept { write_topic_request(w, m); }
    void operator()(const suback& m) const noexcept {
        w.u8(m.flag.encode());
        w.u16(m.topic_id);
        w.u16(m.msg_id);
        write_rc(w, m.rc);
    }
    void operator()(const unsubscribe& m) const noexcept { write_topic_request(w, m); }
    void operator()(const unsuback& m) const noexcept { w.u16(m.msg_id); }
    void operator()(const pingreq& m) const noexcept { w.chars(m.client_id); }
    void operator()(const pingresp&) const noexcept {}
    void operator()(const disconnect& m) const noexcept {
        if (m.duration) {
            w.u16(*m.duration);
        }
    }
    void operator()(const willtopicupd& m) const noexcept { write_will_topic(w, m); }
    void operator()(const willtopicresp& m) const noexcept { write_rc(w, m.rc); }
    void operator()(const willmsgupd& m) const noexcept { w.bytes(m.message); }
    void operator()(const willmsgresp& m) const noexcept { write_rc(w, m.rc); }
    void operator()(const encapsulated&) const noexcept { assert(false && "handled by encode"); }
};

} // namespace

std::uint8_t flags::encode() const noexcept {
    std::uint8_t b = 0;
    if (dup) {
        b |= flag_dup;
    }
    b |= static_cast<std::uint8_t>((static_cast<std::uint8_t>(qos_level) << flag_qos_shift) &
                                   flag_qos_mask);
    if (retain) {
        b |= flag_retain;
    }
    if (will) {
        b |= flag_will;
    }
    if (clean_session) {
        b |= flag_clean_session;
    }
    b |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(topic_type) & flag_topic_id_type_mask);
    return b;
}

std::string_view to_string(decode_error e) noexcept {
    switch (e) {
    case decode_error::empty:
        return "empty";
    case decode_error::truncated:
        return "truncated";
    case decode_error::length_mismatch:
        return "length_mismatch";
    case decode_error::reserved_type:
        return "reserved_type";
    case decode_error::reserved_topic_id_type:
        return "reserved_topic_id_type";
    case decode_error::bad_protocol_id:
        return "bad_protocol_id";
    case decode_error::empty_client_id:
        return "empty_client_id";
    case decode_error::bad_short_topic:
        return "bad_short_topic";
    case decode_error::empty_topic:
        return "empty_topic";
    case decode_error::bad_field:
        return "bad_field";
    }
    return "unknown";
}

std::string_view to_string(return_code rc) noexcept {
    switch (rc) {
    case return_code::accepted:
        return "accepted";
    case return_code::congestion:
        return "rejected: congestion";
    case return_code::invalid_topic_id:
        return "rejected: invalid topic ID";
    case return_code::not_supported:
        return "rejected: not supported";
    }
    return "reserved return code";
}

std::string_view to_string(msg_type t) noexcept {
    switch (t) {
    case msg_type::advertise:
        return "ADVERTISE";
    case msg_type::searchgw:
        return "SEARCHGW";
    case msg_type::gwinfo:
        return "GWINFO";
    case msg_type::connect:
        return "CONNECT";
    case msg_type::connack:
        return "CONNACK";
    case msg_type::willtopicreq:
        return "WILLTOPICREQ";
    case msg_type::willtopic:
        return "WILLTOPIC";
    case msg_type::willmsgreq:
        return "WILLMSGREQ";
    case msg_type::willmsg:
        return "WILLMSG";
    case msg_type::register_:
        return "REGISTER";
    case msg_type::regack:
        return "REGACK";
    case msg_type::publish:
        return "PUBLISH";
    case msg_type::puback:
        return "PUBACK";
    case msg_type::pubcomp:
        return "PUBCOMP";
    case msg_type::pubrec:
        return "PUBREC";
    case msg_type::pubrel:
        return "PUBREL";
    case msg_type::subscribe:
        return "SUBSCRIBE";
    case msg_type::suback:
        return "SUBACK";
    case msg_type::unsubscribe:
        return "UNSUBSCRIBE";
    case msg_type::unsuback:
        return "UNSUBACK";
    case msg_type::pingreq:
        return "PINGREQ";
    case msg_type::pingresp:
        return "PINGRESP";
    case msg_type::disconnect:
        return "DISCONNECT";
    case msg_type::willtopicupd:
        return "WILLTOPICUPD";
    case msg_type::willtopicresp:
        return "WILLTOPICRESP";
    case msg_type::willmsgupd:
        return "WILLMSGUPD";
    case msg_type::willmsgresp:
        return "WILLMSGRESP";
    case msg_type::encapsulated:
        return "Encapsulated";
    }
    return "reserved";
}

msg_type type_of(const packet& p) noexcept {
    return std::visit([](const auto& m) noexcept { return std::remove_cvref_t<decltype(m)>::type; },
                      p);
}

result<packet, decode_error> decode(std::span<const std::uint8_t> datagram) noexcept {
    return decode_message(datagram, false);
}

std::size_t encoded_size(const packet& p) noexcept {
    if (const auto* e = std::get_if<encapsulated>(&p)) {
        const std::size_t total = encapsulated_size(*e);
        return total == not_encodable ? 0 : total;
    }
    const std::size_t body = std::visit(body_size{}, p);
    if (body == not_encodable) {
        return 0;
    }
    // §5.2.1 and spec-decisions rule 10: the 3-octet form only when the 1-octet form cannot hold
    // it.
    const std::size_t short_total = 2 + body;
    if (short_total <= max_one_octet_length) {
        return short_total;
    }
    const std::size_t long_total = 4 + body;
    return long_total > max_message_size ? 0 : long_total;
}

std::size_t encode(const packet& p, std::span<std::uint8_t> out) noexcept {
    const std::size_t total = encoded_size(p);
    if (total == 0 || out.size() < total) {
        return 0;
    }
    byte_writer w(out.first(total));
    if (const auto* e = std::get_if<encapsulated>(&p)) {
        // §5.5 Table 28; the Length octet covers up to the Wireless Node Id (spec-decisions rule
        // 11).
        w.u8(static_cast<std::uint8_t>(encapsulation_fixed_header + e->wireless_node_id.size()));
        w.u8(static_cast<std::uint8_t>(msg_type::encapsulated));
        w.u8(e->radius);
        w.bytes(e->wireless_node_id);
        w.bytes(e->inner);
    } else {
        if (total <= max_one_octet_length) {
            w.u8(static_cast<std::uint8_t>(total));
        } else {
            w.u8(three_octet_length_marker);
            w.u16(static_cast<std::uint16_t>(total));
        }
        w.u8(static_cast<std::uint8_t>(type_of(p)));
        std::visit(body_writer{w}, p);
    }
    assert(w.written() == total);
    return total;
}

std::vector<std::uint8_t> encode(const packet& p) {
    std::vector<std::uint8_t> out(encoded_size(p));
    const auto n = encode(p, out);
    out.resize(n);
    return out;
}

} // namespace snbridge::common::mqttsn
