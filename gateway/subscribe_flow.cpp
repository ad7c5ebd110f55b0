#include "gateway/subscribe_flow.hpp"

#include <algorithm>
#include <string>

#include "common/topic.hpp"
#include "gateway/pending.hpp"

namespace snbridge::gateway::subscribe_flow {

namespace mqttsn = common::mqttsn;
using mqttsn::return_code;

namespace {

/// What a SUBSCRIBE asks for: the filter, and the topic id its SUBACK carries.
struct wanted {
    std::string_view filter = {};
    std::uint16_t topic_id = 0;
    bool names_one_topic = false;
    return_code refusal = return_code::accepted;
};

/// A filter the MQTT side would refuse gets its answer now, as the MQTT side's refusal
/// (SUBACK 0x80) would come back: "rejected: not supported" (§5.3.10).
constexpr return_code refused_filter = return_code::not_supported;

wanted resolve(core_context& cx, session& s, const mqttsn::subscribe& r) {
    switch (r.flag.topic_type) {
    case mqttsn::topic_id_type::normal: {
        if (!common::topic::valid_filter(r.topic_name, cx.settings.topic_limits)) {
            return {.refusal = refused_filter};
        }
        if (common::topic::has_wildcard(r.topic_name)) {
            // §6.9: with wildcards SUBACK carries topic id 0; REGISTER comes before each new
            // topic, and a new filter may ask again for names the client refused.
            s.topics.clear_rejected();
            return {.filter = r.topic_name};
        }
        auto* e = s.topics.assign(r.topic_name, cx.settings.max_topics_per_client);
        if (e == nullptr) {
            return {.refusal = return_code::congestion};
        }
        e->rejected = false;
        return {.filter = r.topic_name, .topic_id = e->id, .names_one_topic = true};
    }
    case mqttsn::topic_id_type::predefined: {
        const auto* n = cx.predefined.name_of(s.client_id, r.topic_id);
        if (n == nullptr) {
            return {.topic_id = r.topic_id, .refusal = return_code::invalid_topic_id};
        }
        return {.filter = *n, .topic_id = r.topic_id};
    }
    case mqttsn::topic_id_type::short_name:
        // §5.4.15: the SUBACK topic id is not relevant for short names.
        if (!common::topic::valid_filter(r.topic_name, cx.settings.topic_limits)) {
            return {.refusal = refused_filter};
        }
        return {.filter = r.topic_name};
    }
    return {.refusal = return_code::not_supported};
}

} // namespace

void on_subscribe(core_context& cx, session& s, const mqttsn::subscribe& r) {
    mqttsn::suback refuse;
    refuse.msg_id = r.msg_id;
    if (s.pending_work() >= cx.settings.max_pending_from_client) {
        refuse.rc = return_code::congestion;
        cx.send(s, refuse);
        return;
    }
    const wanted w = resolve(cx, s, r);
    if (w.refusal != return_code::accepted) {
        refuse.topic_id = w.topic_id;
        refuse.rc = w.refusal;
        cx.send(s, refuse);
        return;
    }
    if (!cx.settings.access.may_read(s.client_id, s.user, w.filter)) {
        cx.count_drop(drop_reason::acl_subscribe, &s.peer); // docs/spec-decisions.md rule 20
        refuse.rc = return_code::not_supported;
        cx.send(s, refuse);
        return;
    }
    const std::uint32_t token = cx.take_token();
    s.pending.emplace_back(pending_subscribe{token, r.msg_id, w.topic_id, w.names_one_topic});
    cx.side.subscribe(s.id, std::string(w.filter), qos_number(r.flag.qos_level), token);
}

void on_unsubscribe(core_context& cx, session& s, const mqttsn::unsubscribe& r) {
    std::string_view filter = r.topic_name;
    if (r.flag.topic_type == mqttsn::topic_id_type::predefined) {
        const auto* n = cx.predefined.name_of(s.client_id, r.topic_id);
        if (n == nullptr) {
            cx.send(s, mqttsn::unsuback{r.msg_id}); // nothing to unsubscribe from
            return;
        }
        filter = *n;
    }
    if (s.pending_work() >= cx.settings.max_pending_from_client) {
        cx.count_drop(drop_reason::queue_full, &s.peer); // UNSUBACK has no return code
        return;
    }
    const std::uint32_t token = cx.take_token();
    s.pending.emplace_back(pending_unsubscribe{token, r.msg_id});
    cx.side.unsubscribe(s.id, std::string(filter), token);
}

void on_subscribe_done(core_context& cx, session& s, std::uint32_t token,
                       std::optional<std::uint8_t> granted_qos) {
    const auto p = take_pending<pending_subscribe>(s, token);
    if (!p) {
        return;
    }
    mqttsn::suback ack;
    ack.msg_id = p->msg_id;
    if (!granted_qos) {
        ack.rc = return_code::not_supported;
        cx.send(s, ack);
        return;
    }
    ack.flag.qos_level = static_cast<mqttsn::qos>(std::min<std::uint8_t>(*granted_qos, 2));
    ack.topic_id = p->topic_id;
    if (p->names_one_topic) {
        if (auto* e = s.topics.find(p->topic_id)) {
            e->known_to_client = true; // the SUBACK tells the client its id
        }
    }
    cx.send(s, ack);
}

void on_unsubscribe_done(core_context& cx, session& s, std::uint32_t token) {
    if (const auto p = take_pending<pending_unsubscribe>(s, token)) {
        cx.send(s, mqttsn::unsuback{p->msg_id});
    }
}

} // namespace snbridge::gateway::subscribe_flow
