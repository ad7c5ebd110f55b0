#include "common/mqttsn/packet.hpp"

#include <array>
#include <cassert>
#include <limits>
#include <type_traits>

#include "common/mqttsn/byte_reader.hpp"
#include "common/mqttsn/byte_writer.hpp"

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

tl::unexpected<decode_error> err(decode_error e) noexcept {
    return tl::unexpected<decode_error>(e);
}

std::string to_text(bytes_view b) {
    return std::string(b.begin(), b.end());
}
std::vector<std::uint8_t> to_bytes(bytes_view b) {
    return std::vector<std::uint8_t>(b.begin(), b.end());
}

result<flags, decode_error> decode_flags(std::uint8_t b) noexcept {
    const auto tid = static_cast<std::uint8_t>(b & flag_topic_id_type_mask);
    if (tid == flag_topic_id_type_mask) {
        return err(decode_error::reserved_topic_id_type); // §5.3.4: 0b11 is reserved
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
        return err(decode_error::length_mismatch);
    }
    return p;
}

decoded decode_return_code_only(byte_reader& r, auto make) {
    const auto rc = r.u8();
    if (!rc) {
        return err(decode_error::truncated);
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
        return err(decode_error::truncated);
    }
    return finish(r, T{*topic_id, *msg_id, static_cast<return_code>(*rc)});
}

/// PUBREC, PUBREL, PUBCOMP, UNSUBACK: MsgId only (§5.4.14, §5.4.18).
template <class T>
decoded decode_msg_id_only(byte_reader& r) {
    const auto msg_id = r.u16();
    if (!msg_id) {
        return err(decode_error::truncated);
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
        return err(f.error());
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
        return err(decode_error::truncated);
    }
    const auto f = decode_flags(*flag_octet);
    if (!f) {
        return err(f.error());
    }
    T m;
    m.flag = *f;
    m.msg_id = *msg_id;
    switch (f->topic_type) {
    case topic_id_type::normal: {
        const auto name = r.rest();
        if (name.empty()) {
            return err(decode_error::empty_topic);
        }
        m.topic_name = to_text(name);
        return m;
    }
    case topic_id_type::short_name: {
        // §3 and §6.7: a short topic name is exactly two characters (spec-decisions rule 2).
        const auto name = r.rest();
        if (name.size() != 2) {
            return err(decode_error::bad_short_topic);
        }
        m.topic_name = to_text(name);
        return m;
    }
    case topic_id_type::predefined: {
        const auto id = r.u16();
        if (!id) {
            return err(decode_error::truncated);
        }
        m.topic_id = *id;
        return finish(r, std::move(m));
    }
    }
    return err(decode_error::reserved_topic_id_type); // unreachable: decode_flags rejects 0b11
}

decoded decode_body(std::uint8_t type, byte_reader& r) {
    switch (type) {
    case 0x00: { // ADVERTISE §5.4.1: GwId, Duration
        const auto gw_id = r.u8();
        const auto duration = r.u16();
        if (!gw_id || !duration) {
            return err(decode_error::truncated);
        }
        return finish(r, advertise{*gw_id, *duration});
    }
    case 0x01: { // SEARCHGW §5.4.2: Radius
        const auto radius = r.u8();
        if (!radius) {
            return err(decode_error::truncated);
        }
        return finish(r, searchgw{*radius});
    }
    case 0x02: { // GWINFO §5.4.3: GwId, GwAdd only when sent by a client (may be absent)
        const auto gw_id = r.u8();
        if (!gw_id) {
            return err(decode_error::truncated);
        }
        return gwinfo{*gw_id, to_bytes(r.rest())};
    }
    case 0x04: { // CONNECT §5.4.4: Flags, ProtocolId, Duration, ClientId (1..n chars, §5.3.1)
        const auto flag_octet = r.u8();
        const auto protocol_id = r.u8();
        const auto duration = r.u16();
        if (!flag_octet || !protocol_id || !duration) {
            return err(decode_error::truncated);
        }
        const auto f = decode_flags(*flag_octet);
        if (!f) {
            return err(f.error());
        }
        if (*protocol_id != protocol_id_v1_2) {
            return err(decode_error::bad_protocol_id); // §5.3.8
        }
        const auto client_id = r.rest();
        if (client_id.empty()) {
            return err(decode_error::empty_client_id); // §5.3.1: at least one character
        }
        // Longer than 23 characters is accepted here; the session applies the configured
        // maximum (spec-decisions rule 13).
        return connect{*f, *duration, to_text(client_id)};
    }
    case 0x05: // CONNACK §5.4.5
        return decode_return_code_only(r, [](return_code rc) { return connack{rc}; });
    case 0x06: // WILLTOPICREQ §5.4.6: header only
        return finish(r, willtopicreq{});
    case 0x07:
        return decode_will_topic<willtopic>(r);
    case 0x08: // WILLMSGREQ §5.4.8: header only
        return finish(r, willmsgreq{});
    case 0x09: // WILLMSG §5.4.9: WillMsg; an empty will message is legal (§5.3.13, as MQTT)
        return willmsg{to_bytes(r.rest())};
    case 0x0A: { // REGISTER §5.4.10: TopicId, MsgId, TopicName
        const auto topic_id = r.u16();
        const auto msg_id = r.u16();
        if (!topic_id || !msg_id) {
            return err(decode_error::truncated);
        }
        const auto name = r.rest();
        if (name.empty()) {
            return err(decode_error::empty_topic);
        }
        return register_{*topic_id, *msg_id, to_text(name)};
    }
    case 0x0B:
        return decode_id_id_rc<regack>(r);
    case 0x0C: { // PUBLISH §5.4.12: Flags, TopicId, MsgId, Data (may be empty, §5.3.2)
        const auto flag_octet = r.u8();
        const auto topic_id = r.u16();
        const auto msg_id = r.u16();
        if (!flag_octet || !topic_id || !msg_id) {
            return err(decode_error::truncated);
        }
        const auto f = decode_flags(*flag_octet);
        if (!f) {
            return err(f.error());
        }
        // An empty Data is a legal zero-length payload (it clears a retained message in MQTT).
        return publish{*f, *topic_id, *msg_id, to_bytes(r.rest())};
    }
    case 0x0D:
        return decode_id_id_rc<puback>(r);
    case 0x0E:
        return decode_msg_id_only<pubcomp>(r);
    case 0x0F:
        return decode_msg_id_only<pubrec>(r);
    case 0x10:
        return decode_msg_id_only<pubrel>(r);
    case 0x12:
        return decode_topic_request<subscribe>(r);
    case 0x13: { // SUBACK §5.4.16: Flags (granted QoS), TopicId, MsgId, ReturnCode
        const auto flag_octet = r.u8();
        const auto topic_id = r.u16();
        const auto msg_id = r.u16();
        const auto rc = r.u8();
        if (!flag_octet || !topic_id || !msg_id || !rc) {
            return err(decode_error::truncated);
        }
        const auto f = decode_flags(*flag_octet);
        if (!f) {
            return err(f.error());
        }
        return finish(r, suback{*f, *topic_id, *msg_id, static_cast<return_code>(*rc)});
    }
    case 0x14:
        return decode_topic_request<unsubscribe>(r);
    case 0x15:
        return decode_msg_id_only<unsuback>(r);
    case 0x16: // PINGREQ §5.4.19: ClientId optional (only a waking sleeper sends it)
        return pingreq{to_text(r.rest())};
    case 0x17: // PINGRESP §5.4.20: header only
        return finish(r, pingresp{});
    case 0x18: { // DISCONNECT §5.4.21: Duration optional (present = going to sleep)
        if (r.at_end()) {
            return disconnect{};
        }
        const auto duration = r.u16();
        if (!duration) {
            return err(decode_error::truncated);
        }
        return finish(r, disconnect{*duration});
    }
    case 0x1A:
        return decode_will_topic<willtopicupd>(r);
    case 0x1B: // WILLTOPICRESP §5.4.24
        return decode_return_code_only(r, [](return_code rc) { return willtopicresp{rc}; });
    case 0x1C: // WILLMSGUPD §5.4.23: WillMsg, may be empty like WILLMSG
        return willmsgupd{to_bytes(r.rest())};
    case 0x1D: // WILLMSGRESP §5.4.25
        return decode_return_code_only(r, [](return_code rc) { return willmsgresp{rc}; });
    default: // §5.2.2 Table 3: 0x03, 0x11, 0x19, 0x1E-0xFD, 0xFF (0xFE is handled by caller)
        return err(decode_error::reserved_type);
    }
}

decoded decode_message(bytes_view d, bool inside_encapsulation);

/// MQTT-SN 1.2 §5.5. The Length octet covers Length, MsgType, Ctrl and the Wireless Node Id
/// only (spec-decisions rule 11); the rest of the datagram is the encapsulated message, which must
/// itself be valid and not another encapsulation.
decoded decode_encapsulated(bytes_view d) {
    if (d.size() < encapsulation_fixed_header) {
        return err(decode_error::truncated);
    }
    const std::size_t header = d[0];
    if (header < encapsulation_fixed_header) {
        return err(decode_error::bad_field);
    }
    if (header > d.size()) {
        return err(decode_error::truncated);
    }
    const std::uint8_t ctrl = d[2];
    if ((ctrl & static_cast<std::uint8_t>(~ctrl_radius_mask)) != 0) {
        return err(decode_error::bad_field); // Table 29: bits 7-2 reserved
    }
    const auto inner = d.subspan(header);
    if (inner.empty()) {
        return err(decode_error::truncated);
    }
    if (const auto check = decode_message(inner, true); !check) {
        return err(check.error());
    }
    encapsulated e;
    e.radius = static_cast<std::uint8_t>(ctrl & ctrl_radius_mask);
    e.wireless_node_id =
        to_bytes(d.subspan(encapsulation_fixed_header, header - encapsulation_fixed_header));
    e.inner = to_bytes(inner);
    return e;
}

decoded decode_message(bytes_view d, bool inside_encapsulation) {
    if (d.empty()) {
        return err(decode_error::empty);
    }
    std::size_t header = 2;
    std::uint8_t type = 0;
    if (d[0] == three_octet_length_marker) {
        // §5.2.1: 0x01, then the total length in two octets, then MsgType.
        if (d.size() < 4) {
            return err(decode_error::truncated);
        }
        type = d[3];
        if (type == static_cast<std::uint8_t>(msg_type::encapsulated)) {
            return err(decode_error::bad_field); // §5.5: its Length is always one octet
        }
        const std::size_t total = (static_cast<std::size_t>(d[1]) << 8) | d[2];
        if (total <= max_one_octet_length) {
            return err(decode_error::short_length_form); // spec-decisions rule 10
        }
        if (total != d.size()) {
            return err(decode_error::length_mismatch);
        }
        header = 4;
    } else {
        if (d.size() < 2) {
            return err(decode_error::truncated);
        }
        type = d[1];
        if (type == static_cast<std::uint8_t>(msg_type::encapsulated)) {
            if (inside_encapsulation) {
                return err(decode_error::bad_field); // a forwarder does not nest (§5.5)
            }
            return decode_encapsulated(d);
        }
        if (d[0] != d.size()) {
            return err(decode_error::length_mismatch);
        }
    }
    byte_reader r(d.subspan(header));
    return decode_body(type, r);
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

void write_text(byte_writer& w, const std::string& s) noexcept {
    w.bytes(s.data(), s.size());
}
void write_bytes(byte_writer& w, const std::vector<std::uint8_t>& b) noexcept {
    w.bytes(b.data(), b.size());
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
        write_text(w, m.topic_name);
    }
}

template <class T>
void write_will_topic(byte_writer& w, const T& m) noexcept {
    if (m.topic.empty()) {
        return; // §5.4.7 / §5.4.22: the empty message has neither Flags nor WillTopic
    }
    w.u8(m.flag.encode());
    write_text(w, m.topic);
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
        write_bytes(w, m.gw_address);
    }
    void operator()(const connect& m) const noexcept {
        w.u8(m.flag.encode());
        w.u8(protocol_id_v1_2);
        w.u16(m.duration);
        write_text(w, m.client_id);
    }
    void operator()(const connack& m) const noexcept { write_rc(w, m.rc); }
    void operator()(const willtopicreq&) const noexcept {}
    void operator()(const willtopic& m) const noexcept { write_will_topic(w, m); }
    void operator()(const willmsgreq&) const noexcept {}
    void operator()(const willmsg& m) const noexcept { write_bytes(w, m.message); }
    void operator()(const register_& m) const noexcept {
        w.u16(m.topic_id);
        w.u16(m.msg_id);
        write_text(w, m.topic_name);
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
        write_bytes(w, m.data);
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
    void operator()(const pingreq& m) const noexcept { write_text(w, m.client_id); }
    void operator()(const pingresp&) const noexcept {}
    void operator()(const disconnect& m) const noexcept {
        if (m.duration) {
            w.u16(*m.duration);
        }
    }
    void operator()(const willtopicupd& m) const noexcept { write_will_topic(w, m); }
    void operator()(const willtopicresp& m) const noexcept { write_rc(w, m.rc); }
    void operator()(const willmsgupd& m) const noexcept { write_bytes(w, m.message); }
    void operator()(const willmsgresp& m) const noexcept { write_rc(w, m.rc); }
    void operator()(const encapsulated&) const noexcept { assert(false && "handled by encode"); }
};

// Index of each alternative in `packet` -> its MsgType. Kept in the variant's order.
constexpr std::array<msg_type, std::variant_size_v<packet>> type_by_index{
    msg_type::advertise,     msg_type::searchgw,     msg_type::gwinfo,      msg_type::connect,
    msg_type::connack,       msg_type::willtopicreq, msg_type::willtopic,   msg_type::willmsgreq,
    msg_type::willmsg,       msg_type::register_,    msg_type::regack,      msg_type::publish,
    msg_type::puback,        msg_type::pubcomp,      msg_type::pubrec,      msg_type::pubrel,
    msg_type::subscribe,     msg_type::suback,       msg_type::unsubscribe, msg_type::unsuback,
    msg_type::pingreq,       msg_type::pingresp,     msg_type::disconnect,  msg_type::willtopicupd,
    msg_type::willtopicresp, msg_type::willmsgupd,   msg_type::willmsgresp, msg_type::encapsulated,
};
static_assert(std::is_same_v<std::variant_alternative_t<27, packet>, encapsulated>);
static_assert(std::is_same_v<std::variant_alternative_t<11, packet>, publish>);

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
    case decode_error::short_length_form:
        return "short_length_form";
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
    return type_by_index[p.index()];
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
    // §5.2.1, spec-decisions rule 10: the 3-octet form only when the 1-octet form cannot hold it.
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
        // §5.5 Table 28: the Length octet covers up to the Wireless Node Id (spec-decisions
        // rule 11).
        w.u8(static_cast<std::uint8_t>(encapsulation_fixed_header + e->wireless_node_id.size()));
        w.u8(static_cast<std::uint8_t>(msg_type::encapsulated));
        w.u8(e->radius);
        write_bytes(w, e->wireless_node_id);
        write_bytes(w, e->inner);
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
