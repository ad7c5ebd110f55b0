#include "gateway/register_flow.hpp"

#include "common/topic.hpp"

namespace snbridge::gateway::register_flow {

namespace mqttsn = common::mqttsn;
using mqttsn::return_code;

void on_register(core_context& cx, session& s, const mqttsn::register_& r) {
    // §6.5. A REGISTER never carries wildcards (§6.10), nor anything else the MQTT side
    // refuses: the refusal comes now (0x02), not as congestion on every PUBLISH later.
    if (!common::topic::valid_name(r.topic_name, cx.settings.topic_limits)) {
        cx.send(s, mqttsn::regack{0, r.msg_id, return_code::invalid_topic_id});
        return;
    }
    // A client registers a name to publish to it (§6.5): one it may not write is refused
    // (docs/spec-decisions.md rule 20).
    if (!cx.settings.access.may_write(s.client_id, s.user, r.topic_name)) {
        cx.count_drop(drop_reason::acl_register, &s.peer);
        cx.send(s, mqttsn::regack{0, r.msg_id, return_code::not_supported});
        return;
    }
    auto* e = s.topics.assign(r.topic_name, cx.settings.max_topics_per_client);
    if (e == nullptr) {
        cx.send(s, mqttsn::regack{0, r.msg_id, return_code::congestion});
        return;
    }
    e->known_to_client = true;
    e->rejected = false; // the client wants this name again (§6.10)
    cx.send(s, mqttsn::regack{e->id, r.msg_id, return_code::accepted});
}

void on_regack(core_context& cx, session& s, const mqttsn::regack& r) {
    if (!s.inflight || s.inflight->kind != inflight_kind::register_ ||
        r.msg_id != s.inflight->msg_id) {
        return;
    }
    if (r.rc == return_code::congestion) {
        return; // the client is busy: our retransmission timer tries again
    }
    auto* e = s.topics.find(s.inflight->topic_id);
    s.inflight.reset();
    if (e != nullptr && r.rc == return_code::accepted) {
        e->known_to_client = true;
    } else if (e != nullptr) {
        // §6.10: a rejected REGISTER is an unsubscribe from that topic name: this message
        // and later ones for the name are dropped, until the client asks for it again by
        // SUBSCRIBE or REGISTER.
        e->rejected = true;
        if (!s.queue.empty() && s.queue.front().topic == e->name) {
            cx.count_drop(drop_reason::register_rejected, &s.peer);
            s.queue.pop_front();
        }
    }
    cx.pump_later(s);
}

} // namespace snbridge::gateway::register_flow
