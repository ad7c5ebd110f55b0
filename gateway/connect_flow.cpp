#include "gateway/connect_flow.hpp"

#include "common/log.hpp"
#include "common/topic.hpp"
#include "gateway/forwarder.hpp"
#include "gateway/supervision.hpp"

namespace snbridge::gateway::connect_flow {

namespace mqttsn = common::mqttsn;
using mqttsn::return_code;

common::open_params open_params_of(const session& s) {
    common::open_params p;
    p.client_id = s.client_id;
    p.clean_session = s.clean_session;
    p.keep_alive_s = s.keep_alive_s;
    p.will = s.will_to_publish();
    return p;
}

namespace {

void open_mqtt_side(core_context& cx, session& s) {
    s.state = session_state::open_wait;
    s.mqtt_open = true;
    cx.side.open(s.id, open_params_of(s));
}

/// The session for a CONNECT of `client_id` from `from`, bound to `from`; nullptr when
/// refused (answered) or when the CONNECT is a retransmission of one under way.
session* session_for(core_context& cx, const endpoint& from, std::string_view client_id) {
    session* s = cx.sessions.find(client_id);
    if (s == nullptr) {
        if (cx.sessions.size() >= cx.settings.max_clients && !cx.sessions.evict_one_idle()) {
            cx.count_drop(drop_reason::max_clients, &from); // throttled log, not a line each
            cx.reply(from, mqttsn::connack{return_code::congestion});
            return nullptr;
        }
        return &cx.sessions.create(from, client_id);
    }
    if (s->state == session_state::open_wait && s->reachable && s->peer == from) {
        return nullptr; // a retransmitted CONNECT: the CONNACK follows the MQTT side's answer
    }
    cx.sessions.bind(*s, from); // NAT and NB-IoT change ports
    // spec-decisions rules 5 and 15: a CONNECT is a new connection, from any state.
    supervision::close_mqtt_side(cx, *s, common::close_reason::disconnect);
    return s;
}

} // namespace

void on_connect(core_context& cx, const endpoint& from, const mqttsn::connect& c, time_point now) {
    if (c.client_id.size() > cx.settings.max_client_id_length) {
        cx.reply(from, mqttsn::connack{return_code::not_supported}); // spec-decisions rule 13
        return;
    }
    if (!cx.settings.access.client_allowed(c.client_id)) {
        // docs/spec-decisions.md rule 20: "not supported" - congestion would make it retry.
        cx.count_drop(drop_reason::client_id_refused, &from);
        cx.reply(from, mqttsn::connack{return_code::not_supported});
        return;
    }
    // docs/security.md "DTLS": a bound identity uses its ClientId, and no one else does.
    const auto identity = cx.out.peer_identity(from);
    if (!cx.settings.access.identity_allows(identity, c.client_id)) {
        cx.count_drop(drop_reason::identity_refused, &from);
        cx.reply(from, mqttsn::connack{return_code::not_supported});
        return;
    }
    session* s = session_for(cx, from, c.client_id);
    if (s == nullptr) {
        return;
    }
    s->user = identity;
    s->pending.clear();
    s->inflight.reset();
    if (c.flag.clean_session) {
        // §6.3: delete all subscriptions (the MQTT side does) and Will data.
        s->topics.clear();
        s->queue.clear();
        s->qos2_received.clear();
        s->will.reset();
    } else {
        // §6.5: after a reconnect the gateway REGISTERs again before it publishes.
        s->topics.forget_known();
    }
    s->clean_session = c.flag.clean_session;
    s->keep_alive_s = c.duration;
    s->sleep_s = 0;
    s->last_heard = now;
    if (c.flag.will) {
        // §6.2 Fig. 3: prompt for the will topic, then the will message.
        s->state = session_state::will_topic_wait;
        cx.send(*s, mqttsn::willtopicreq{});
    } else {
        open_mqtt_side(cx, *s);
    }
    if (session* again = cx.sessions.find(c.client_id)) {
        cx.schedule(*again); // open() may have answered, and refused, at once
    }
}

void refuse_protocol(core_context& cx, const common::net_address& from,
                     std::span<const std::uint8_t> bytes, mqttsn::decode_error e) {
    if (e != mqttsn::decode_error::bad_protocol_id) {
        return;
    }
    // §6.2, §5.3.8: a CONNECT of another protocol version is refused with CONNACK "not
    // supported" rather than ignored (the client would retry forever). The codec refuses a
    // forwarder's datagram as a whole when its inner CONNECT is bad: answer wrapped (§5.5).
    const endpoint to = forwarder::node_of_raw(from, bytes).value_or(endpoint{from, {}, false});
    cx.reply(to, mqttsn::connack{return_code::not_supported});
}

void on_willtopic(core_context& cx, session& s, const mqttsn::willtopic& w) {
    if (s.state != session_state::will_topic_wait && s.state != session_state::will_msg_wait) {
        cx.count_drop(drop_reason::unexpected_type, &s.peer);
        return;
    }
    if (w.topic.empty()) {
        // §5.4.7, §6.3: an empty WILLTOPIC means no will.
        s.will.reset();
        open_mqtt_side(cx, s);
        return;
    }
    if (!common::topic::valid_name(w.topic, cx.settings.topic_limits)) {
        cx.send(s, mqttsn::connack{return_code::not_supported});
        s.state = session_state::disconnected;
        supervision::end_session(cx, s);
        return;
    }
    s.will = common::will_message{w.topic, {}, qos_number(w.flag.qos_level), w.flag.retain};
    s.state = session_state::will_msg_wait;
    cx.send(s, mqttsn::willmsgreq{});
}

void on_willmsg(core_context& cx, session& s, const mqttsn::willmsg& w) {
    if (s.state == session_state::active) {
        cx.send(s, mqttsn::connack{return_code::accepted}); // our CONNACK was lost (§6.2)
        return;
    }
    if (s.state != session_state::will_msg_wait || !s.will) {
        cx.count_drop(drop_reason::unexpected_type, &s.peer);
        return;
    }
    s.will->payload = w.message;
    open_mqtt_side(cx, s);
}

void on_opened(core_context& cx, session& s, common::open_status status, time_point now) {
    if (status == common::open_status::accepted) {
        s.state = session_state::active;
        s.last_heard = now; // spec-decisions rule 18: keep-alive runs from the CONNACK
        common::log::notice("New client connected from ", to_string(s.peer), " as ", s.client_id,
                            " (c", s.clean_session ? 1 : 0, ", k", s.keep_alive_s, ").");
        cx.send(s, mqttsn::connack{return_code::accepted});
        ++cx.metrics.connects;
        cx.pump_later(s); // spec-decisions rule 15: in-flight messages are retried after
        cx.schedule(s);
        return;
    }
    // §6.2: CONNACK with the rejection reason.
    cx.send(s, mqttsn::connack{status == common::open_status::congestion
                                   ? return_code::congestion
                                   : return_code::not_supported});
    s.mqtt_open = false;
    s.state = session_state::disconnected;
    supervision::end_session(cx, s);
}

void on_willtopicupd(core_context& cx, session& s, const mqttsn::willtopicupd& u) {
    if (u.topic.empty()) {
        s.will.reset(); // §6.4: an empty WILLTOPICUPD deletes the will topic and message
    } else if (!common::topic::valid_name(u.topic, cx.settings.topic_limits)) {
        cx.send(s, mqttsn::willtopicresp{return_code::not_supported});
        return;
    } else {
        auto payload = s.will ? std::move(s.will->payload) : std::vector<std::uint8_t>{};
        s.will = common::will_message{u.topic, std::move(payload), qos_number(u.flag.qos_level),
                                      u.flag.retain};
    }
    cx.side.set_will(s.id, s.will_to_publish());
    cx.send(s, mqttsn::willtopicresp{return_code::accepted});
}

void on_willmsgupd(core_context& cx, session& s, const mqttsn::willmsgupd& u) {
    // §6.4: independent of WILLTOPICUPD; without a will topic there is no will to publish.
    if (!s.will) {
        s.will.emplace();
    }
    s.will->payload = u.message;
    if (s.has_will()) {
        cx.side.set_will(s.id, s.will_to_publish());
    }
    cx.send(s, mqttsn::willmsgresp{return_code::accepted});
}

} // namespace snbridge::gateway::connect_flow
