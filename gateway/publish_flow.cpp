#include "gateway/publish_flow.hpp"

#include <algorithm>

#include "common/topic.hpp"
#include "gateway/pending.hpp"

namespace snbridge::gateway::publish_flow {

namespace mqttsn = common::mqttsn;
using mqttsn::return_code;

namespace {

std::string_view short_name(std::uint16_t id, std::array<char, 2>& buf) noexcept {
    buf[0] = static_cast<char>(id >> 8);
    buf[1] = static_cast<char>(id & 0xFFu);
    return {buf.data(), 2};
}

bool is_retransmission(const session& s, std::uint16_t msg_id) {
    return std::any_of(s.pending.begin(), s.pending.end(), [&](const pending_request& r) {
        const auto* p = std::get_if<pending_publish>(&r);
        return p != nullptr && p->msg_id == msg_id;
    });
}

/// The reused message for the MQTT side, filled from `p` (its data moved).
const common::mqtt_message& to_mqtt(core_context& cx, std::string_view topic, mqttsn::publish& p,
                                    std::uint8_t q) {
    cx.scratch.topic.assign(topic);
    cx.scratch.payload = std::move(p.data);
    cx.scratch.qos = q;
    cx.scratch.retain = p.flag.retain;
    return cx.scratch;
}

void hand_over(core_context& cx, session& s, std::string_view topic, mqttsn::publish& p,
               std::uint8_t q) {
    const auto& msg = to_mqtt(cx, topic, p, q);
    ++cx.metrics.messages_in[static_cast<std::size_t>(q) + 1];
    if (q == 0) {
        cx.side.publish(s.id, msg, 0); // spec-decisions rule 12: the MsgId is ignored
        return;
    }
    const std::uint32_t token = cx.take_token();
    s.pending.emplace_back(pending_publish{token, p.msg_id, p.topic_id, q});
    cx.side.publish(s.id, msg, token);
}

} // namespace

std::string_view topic_of(const core_context& cx, const session& s, mqttsn::topic_id_type type,
                          std::uint16_t id, std::array<char, 2>& short_buf) {
    switch (type) {
    case mqttsn::topic_id_type::normal:
        if (const auto* n = s.topics.name_of(id)) {
            return *n;
        }
        return {};
    case mqttsn::topic_id_type::predefined:
        if (const auto* n = cx.predefined.name_of(s.client_id, id)) {
            return *n;
        }
        return {};
    case mqttsn::topic_id_type::short_name:
        return short_name(id, short_buf);
    }
    return {};
}

void on_publish(core_context& cx, session& s, mqttsn::publish& p) {
    std::array<char, 2> short_buf{};
    const std::string_view topic = topic_of(cx, s, p.flag.topic_type, p.topic_id, short_buf);
    // A normal id's name was checked when it was registered (REGISTER, SUBSCRIBE, or the
    // MQTT side's own name); a short or predefined name is checked here.
    if (topic.empty() || (p.flag.topic_type != mqttsn::topic_id_type::normal &&
                          !common::topic::valid_name(topic, cx.settings.topic_limits))) {
        // §6.6, §6.7: whatever the QoS, an unknown topic id gets PUBACK "invalid topic id";
        // so does a short name that is no MQTT topic name (congestion would make the client
        // wait T_WAIT and retry in vain).
        cx.send(s, mqttsn::puback{p.topic_id, p.msg_id, return_code::invalid_topic_id});
        return;
    }
    const std::uint8_t q = qos_number(p.flag.qos_level);
    if (!cx.settings.access.open() && !cx.settings.access.may_write(s.client_id, s.user, topic)) {
        // docs/spec-decisions.md rule 20: refused with "not supported" (a QoS 0 one is only
        // counted: nothing answers it).
        cx.count_drop(drop_reason::acl_publish, &s.peer);
        if (q > 0) {
            cx.send(s, mqttsn::puback{p.topic_id, p.msg_id, return_code::not_supported});
        }
        return;
    }
    if (q == 2 && std::find(s.qos2_received.begin(), s.qos2_received.end(), p.msg_id) !=
                      s.qos2_received.end()) {
        cx.send(s, mqttsn::pubrec{p.msg_id}); // a duplicate we own already: publish nothing
        return;
    }
    if (q > 0) {
        if (is_retransmission(s, p.msg_id)) {
            return; // the MQTT side still works on the first copy
        }
        if (s.pending_work() >= cx.settings.max_pending_from_client) {
            cx.send(s, mqttsn::puback{p.topic_id, p.msg_id, return_code::congestion});
            return;
        }
    }
    hand_over(cx, s, topic, p, q);
}

void on_publish_minus_one(core_context& cx, const endpoint& from, mqttsn::publish& p) {
    // §6.8: connectionless; only predefined ids and short names (spec-decisions rule 1).
    const auto& senders = cx.settings.qos_minus_one_senders;
    if (!senders.empty() &&
        std::none_of(senders.begin(), senders.end(),
                     [&](const common::address_prefix& a) { return a.contains(from.address); })) {
        cx.count_drop(drop_reason::qos_minus_one_sender, &from);
        return;
    }
    std::string_view topic;
    std::array<char, 2> short_buf{};
    switch (p.flag.topic_type) {
    case mqttsn::topic_id_type::normal:
        cx.count_drop(drop_reason::qos_minus_one_name, &from);
        return;
    case mqttsn::topic_id_type::predefined: {
        const session* s = cx.sessions.find(from);
        if (const auto* n = cx.predefined.name_of(s != nullptr ? s->client_id : "", p.topic_id)) {
            topic = *n;
        }
        break;
    }
    case mqttsn::topic_id_type::short_name:
        topic = short_name(p.topic_id, short_buf);
        break;
    }
    const auto& allowed = cx.settings.qos_minus_one_topics;
    if (topic.empty() || !common::topic::valid_name(topic, cx.settings.topic_limits) ||
        (!allowed.empty() && std::find(allowed.begin(), allowed.end(), topic) == allowed.end())) {
        cx.count_drop(drop_reason::qos_minus_one_topic, &from);
        return;
    }
    if (!cx.settings.access.open()) {
        const session* s = cx.sessions.find(from);
        if (!cx.settings.access.may_write(s != nullptr ? s->client_id : "",
                                          s != nullptr ? s->user : "", topic)) {
            cx.count_drop(drop_reason::acl_publish, &from);
            return;
        }
    }
    ++cx.metrics.messages_in[0];
    cx.side.publish_connectionless(to_mqtt(cx, topic, p, 0));
}

void on_pubrel(core_context& cx, session& s, const mqttsn::pubrel& r) {
    const auto it = std::find(s.qos2_received.begin(), s.qos2_received.end(), r.msg_id);
    if (it != s.qos2_received.end()) {
        s.qos2_received.erase(it);
    }
    cx.send(s, mqttsn::pubcomp{r.msg_id});
}

void on_publish_done(core_context& cx, session& s, std::uint32_t token, bool ok) {
    const auto p = take_pending<pending_publish>(s, token);
    if (!p) {
        return;
    }
    if (!ok) {
        // The MQTT side did not take the message: the client should retry (§6.6).
        cx.send(s, mqttsn::puback{p->topic_id, p->msg_id, return_code::congestion});
    } else if (p->qos == 1) {
        cx.send(s, mqttsn::puback{p->topic_id, p->msg_id, return_code::accepted});
    } else {
        s.qos2_received.push_back(p->msg_id);
        cx.send(s, mqttsn::pubrec{p->msg_id});
    }
}

} // namespace snbridge::gateway::publish_flow
