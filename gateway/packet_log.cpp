#include "gateway/packet_log.hpp"

#include <cstdio>
#include <type_traits>

#include "common/log.hpp"

namespace snbridge::gateway::packet_log {

namespace mqttsn = common::mqttsn;

namespace {

bool packet_log_on = false;

constexpr std::size_t max_shown = 200;

int qos_number(mqttsn::qos q) noexcept {
    return q == mqttsn::qos::minus_one ? -1 : static_cast<int>(q);
}

std::string rc(mqttsn::return_code code) {
    return "rc" + std::to_string(static_cast<unsigned>(code));
}

std::string bytes_count(std::size_t n) {
    return "(" + std::to_string(n) + " bytes)";
}

std::string hex(std::span<const std::uint8_t> bytes) {
    std::string out;
    char buf[3];
    for (const auto b : bytes) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        out += buf;
    }
    return out;
}

/// How a PUBLISH/SUBSCRIBE topic reference reads: a known name, a short name, or an id.
std::string topic_ref(mqttsn::topic_id_type type, std::uint16_t id, std::string_view name) {
    if (!name.empty()) {
        return quoted(name);
    }
    switch (type) {
    case mqttsn::topic_id_type::short_name: {
        const char two[2] = {static_cast<char>(id >> 8), static_cast<char>(id & 0xFF)};
        return quoted(std::string_view(two, 2));
    }
    case mqttsn::topic_id_type::predefined:
        return "pt" + std::to_string(id);
    case mqttsn::topic_id_type::normal:
        break;
    }
    return "t" + std::to_string(id);
}

/// SUBSCRIBE/UNSUBSCRIBE carry a name for normal (and short) topics, an id for predefined.
template <class M>
std::string sub_topic(const M& m) {
    if (m.flag.topic_type == mqttsn::topic_id_type::predefined) {
        return "pt" + std::to_string(m.topic_id);
    }
    return quoted(m.topic_name);
}

std::string join(std::initializer_list<std::string> parts) {
    std::string out = "(";
    bool first = true;
    for (const auto& p : parts) {
        if (p.empty()) {
            continue;
        }
        if (!first) {
            out += ", ";
        }
        out += p;
        first = false;
    }
    out += ")";
    return out == "()" ? std::string() : out;
}

std::string num(char letter, unsigned v) {
    return letter + std::to_string(v);
}

std::string fields(const mqttsn::packet& p, std::string_view topic_name) {
    return std::visit(
        [&](const auto& m) -> std::string {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, mqttsn::advertise>) {
                return join({num('g', m.gw_id), num('d', m.duration)});
            } else if constexpr (std::is_same_v<T, mqttsn::searchgw>) {
                return join({num('r', m.radius)});
            } else if constexpr (std::is_same_v<T, mqttsn::gwinfo>) {
                return join(
                    {num('g', m.gw_id), m.gw_address.empty() ? "" : "a" + hex(m.gw_address)});
            } else if constexpr (std::is_same_v<T, mqttsn::connect>) {
                return join({num('c', m.flag.clean_session ? 1 : 0), m.flag.will ? "w1" : "",
                             num('k', m.duration), quoted(m.client_id)});
            } else if constexpr (std::is_same_v<T, mqttsn::connack> ||
                                 std::is_same_v<T, mqttsn::willtopicresp> ||
                                 std::is_same_v<T, mqttsn::willmsgresp>) {
                return join({rc(m.rc)});
            } else if constexpr (std::is_same_v<T, mqttsn::willtopic> ||
                                 std::is_same_v<T, mqttsn::willtopicupd>) {
                if (m.topic.empty()) {
                    return "(delete)";
                }
                return join({"q" + std::to_string(qos_number(m.flag.qos_level)),
                             num('r', m.flag.retain ? 1 : 0), quoted(m.topic)});
            } else if constexpr (std::is_same_v<T, mqttsn::willmsg> ||
                                 std::is_same_v<T, mqttsn::willmsgupd>) {
                return "(" + bytes_count(m.message.size()) + ")";
            } else if constexpr (std::is_same_v<T, mqttsn::register_>) {
                return join({num('t', m.topic_id), num('m', m.msg_id), quoted(m.topic_name)});
            } else if constexpr (std::is_same_v<T, mqttsn::regack>) {
                return join({num('t', m.topic_id), num('m', m.msg_id), rc(m.rc)});
            } else if constexpr (std::is_same_v<T, mqttsn::publish>) {
                return join({num('d', m.flag.dup ? 1 : 0),
                             "q" + std::to_string(qos_number(m.flag.qos_level)),
                             num('r', m.flag.retain ? 1 : 0), num('m', m.msg_id),
                             topic_ref(m.flag.topic_type, m.topic_id, topic_name),
                             bytes_count(m.data.size())});
            } else if constexpr (std::is_same_v<T, mqttsn::puback>) {
                return join({num('t', m.topic_id), num('m', m.msg_id), rc(m.rc)});
            } else if constexpr (std::is_same_v<T, mqttsn::pubrec> ||
                                 std::is_same_v<T, mqttsn::pubrel> ||
                                 std::is_same_v<T, mqttsn::pubcomp> ||
                                 std::is_same_v<T, mqttsn::unsuback>) {
                return join({num('m', m.msg_id)});
            } else if constexpr (std::is_same_v<T, mqttsn::subscribe>) {
                return join({num('d', m.flag.dup ? 1 : 0),
                             "q" + std::to_string(qos_number(m.flag.qos_level)), num('m', m.msg_id),
                             sub_topic(m)});
            } else if constexpr (std::is_same_v<T, mqttsn::suback>) {
                return join({"q" + std::to_string(qos_number(m.flag.qos_level)),
                             num('t', m.topic_id), num('m', m.msg_id), rc(m.rc)});
            } else if constexpr (std::is_same_v<T, mqttsn::unsubscribe>) {
                return join({num('m', m.msg_id), sub_topic(m)});
            } else if constexpr (std::is_same_v<T, mqttsn::pingreq>) {
                return m.client_id.empty() ? std::string() : join({quoted(m.client_id)});
            } else if constexpr (std::is_same_v<T, mqttsn::disconnect>) {
                return m.duration ? join({num('d', *m.duration)}) : std::string();
            } else if constexpr (std::is_same_v<T, mqttsn::encapsulated>) {
                // MQTT-SN 1.2 §5.5: show the forwarder's view and the message it carries.
                std::string inner;
                if (const auto decoded = mqttsn::decode(m.inner)) {
                    inner = describe(*decoded);
                } else {
                    inner = "invalid: " + std::string(mqttsn::to_string(decoded.error()));
                }
                return join({num('r', m.radius), "n" + hex(m.wireless_node_id), inner});
            } else {
                return std::string(); // WILLTOPICREQ, WILLMSGREQ, PINGRESP
            }
        },
        p);
}

} // namespace

void set_enabled(bool on) noexcept {
    packet_log_on = on;
}

bool enabled() noexcept {
    return packet_log_on;
}

std::string quoted(std::string_view bytes) {
    std::string out = "'";
    const auto shown = bytes.substr(0, max_shown);
    for (const char ch : shown) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
            out.push_back(ch);
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (bytes.size() > max_shown) {
        out += "...";
    }
    out += "'";
    return out;
}

std::string describe_fields(const mqttsn::packet& p, std::string_view topic_name) {
    return fields(p, topic_name);
}

std::string describe(const mqttsn::packet& p, std::string_view topic_name) {
    std::string out(mqttsn::to_string(mqttsn::type_of(p)));
    if (auto f = fields(p, topic_name); !f.empty()) {
        out += " " + f;
    }
    return out;
}

std::string received_line(std::string_view who, const mqttsn::packet& p,
                          std::string_view topic_name) {
    std::string out = "Received " + std::string(mqttsn::to_string(mqttsn::type_of(p))) + " from " +
                      std::string(who);
    if (auto f = fields(p, topic_name); !f.empty()) {
        out += " " + f;
    }
    return out;
}

std::string sent_line(std::string_view who, const mqttsn::packet& p, std::string_view topic_name) {
    std::string out =
        "Sending " + std::string(mqttsn::to_string(mqttsn::type_of(p))) + " to " + std::string(who);
    if (auto f = fields(p, topic_name); !f.empty()) {
        out += " " + f;
    }
    return out;
}

void log_received(std::string_view who, const mqttsn::packet& p, std::string_view topic_name) {
    if (packet_log_on) {
        common::log::info(received_line(who, p, topic_name));
    }
}

void log_sent(std::string_view who, const mqttsn::packet& p, std::string_view topic_name) {
    if (packet_log_on) {
        common::log::info(sent_line(who, p, topic_name));
    }
}

} // namespace snbridge::gateway::packet_log
