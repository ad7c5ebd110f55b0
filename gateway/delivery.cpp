#include "gateway/delivery.hpp"

#include <algorithm>
#include <utility>

#include "gateway/supervision.hpp"

namespace snbridge::gateway::delivery {

namespace mqttsn = common::mqttsn;
using mqttsn::return_code;

namespace {

// PUBLISH header: Length(1 or 3) MsgType Flags TopicId(2) MsgId(2).
constexpr std::size_t publish_overhead = 3 + 1 + 1 + 2 + 2;
// REGISTER header: Length(1 or 3) MsgType TopicId(2) MsgId(2).
constexpr std::size_t register_overhead = 3 + 1 + 2 + 2;

std::uint16_t short_topic_id(std::string_view two) noexcept {
    return static_cast<std::uint16_t>(
        (static_cast<unsigned>(static_cast<unsigned char>(two[0])) << 8) |
        static_cast<unsigned char>(two[1]));
}

/// How the front message's topic reaches the client, or that a REGISTER must go first.
struct topic_ref {
    enum class kind : std::uint8_t { ready, register_first, drop } what = kind::ready;
    mqttsn::topic_id_type type = mqttsn::topic_id_type::normal;
    std::uint16_t id = 0;
    drop_reason why = drop_reason::too_long;
};

topic_ref resolve_topic(core_context& cx, session& s, const outgoing_message& m) {
    if (const auto* e = s.topics.find(m.topic); e != nullptr && e->known_to_client) {
        return {topic_ref::kind::ready, mqttsn::topic_id_type::normal, e->id};
    }
    if (const auto pid = cx.predefined.id_of(s.client_id, m.topic)) {
        return {topic_ref::kind::ready, mqttsn::topic_id_type::predefined, *pid}; // §6.7
    }
    if (m.topic.size() == 2) {
        return {topic_ref::kind::ready, mqttsn::topic_id_type::short_name, short_topic_id(m.topic)};
    }
    // §6.10: REGISTER first; the PUBLISH waits for the REGACK.
    if (m.topic.size() + register_overhead > mqttsn::max_message_size) {
        return {.what = topic_ref::kind::drop, .why = drop_reason::too_long};
    }
    auto* reg = s.topics.assign(m.topic, cx.settings.max_topics_per_client);
    if (reg == nullptr) {
        return {.what = topic_ref::kind::drop, .why = drop_reason::topic_table_full};
    }
    if (reg->rejected) {
        return {.what = topic_ref::kind::drop, .why = drop_reason::register_rejected};
    }
    return {topic_ref::kind::register_first, mqttsn::topic_id_type::normal, reg->id};
}

void send_inflight(core_context& cx, session& s, time_point now) {
    auto& x = *s.inflight;
    switch (x.kind) {
    case inflight_kind::register_:
        if (const auto* name = s.topics.name_of(x.topic_id)) {
            cx.send(s, mqttsn::register_{x.topic_id, x.msg_id, *name});
        }
        break;
    case inflight_kind::publish: {
        auto& m = s.queue.front();
        mqttsn::flags f;
        f.dup = m.sent_before; // §5.3.4: DUP on a retransmission
        f.qos_level = static_cast<mqttsn::qos>(m.qos);
        f.retain = m.retain;
        f.topic_type = x.topic_type;
        mqttsn::packet pk{mqttsn::publish{f, x.topic_id, m.msg_id, std::move(m.payload)}};
        cx.send(s, pk, m.topic);
        m.payload = std::move(std::get<mqttsn::publish>(pk).data);
        m.sent_before = true;
        m.progress = outgoing_message::stage::sent;
        break;
    }
    case inflight_kind::pubrel:
        cx.send(s, mqttsn::pubrel{x.msg_id});
        break;
    }
    x.retry_at = now + cx.settings.retry_interval;
}

void start(core_context& cx, session& s, inflight_exchange x, time_point now) {
    s.inflight = x;
    send_inflight(cx, s, now);
}

/// The front message's exchange is over (acked, or refused for good): on to the next.
void complete(core_context& cx, session& s) {
    s.queue.pop_front();
    s.inflight.reset();
    cx.pump_later(s);
    if (s.refused_delivery && s.queue.size() < cx.settings.max_queued_messages) {
        s.refused_delivery = false;
        cx.side.room_available(s.id); // the publishers held back for this client go on
    }
}

/// Sends or starts the front message; false when the caller's loop should stop.
bool start_front(core_context& cx, session& s, time_point now) {
    auto& m = s.queue.front();
    if (m.progress == outgoing_message::stage::released) {
        // Resume a QoS 2 exchange after sleep or reconnect.
        start(cx, s, {.kind = inflight_kind::pubrel, .msg_id = m.msg_id}, now);
        return false;
    }
    const topic_ref t = resolve_topic(cx, s, m);
    if (t.what == topic_ref::kind::drop) {
        cx.count_drop(t.why, &s.peer); // §6.10: silently aborted
        s.queue.pop_front();
        return true;
    }
    if (t.what == topic_ref::kind::register_first) {
        start(cx, s,
              {.kind = inflight_kind::register_, .msg_id = s.take_msg_id(), .topic_id = t.id}, now);
        return false;
    }
    if (m.payload.size() + publish_overhead > mqttsn::max_message_size) {
        cx.count_drop(drop_reason::too_long, &s.peer); // §6.10: silently aborted
        s.queue.pop_front();
        return true;
    }
    if (m.qos == 0) {
        mqttsn::flags f;
        f.retain = m.retain;
        f.topic_type = t.type;
        cx.send(s, mqttsn::publish{f, t.id, 0, std::move(m.payload)}, m.topic);
        ++cx.metrics.messages_out[0];
        s.queue.pop_front();
        return true;
    }
    if (m.msg_id == 0) {
        m.msg_id = s.take_msg_id(); // its first send (a resumed one already has its MsgId)
        ++cx.metrics.messages_out[m.qos];
    }
    start(cx, s,
          {.kind = inflight_kind::publish,
           .msg_id = m.msg_id,
           .topic_id = t.id,
           .topic_type = t.type},
          now);
    return false;
}

} // namespace

void deliver(core_context& cx, session& s, common::mqtt_message&& msg) {
    outgoing_message m;
    m.topic = std::move(msg.topic);
    m.payload = std::move(msg.payload);
    m.qos = std::min<std::uint8_t>(msg.qos, 2);
    m.retain = msg.retain;
    const bool asleep = s.state == session_state::asleep;
    const std::size_t bound =
        asleep ? cx.settings.sleep_buffer_size : cx.settings.max_queued_messages;
    // docs/architecture.md "Custody": only a sleeping (offline) client's buffer overflows, by
    // its oldest message; an online client's queue is asked first (gateway_core::can_take),
    // so a full one here holds only what nobody can retry (a will, a retained message).
    const auto policy =
        asleep ? delivery_queue::overflow::drop_oldest : delivery_queue::overflow::drop_new;
    if (s.queue.push(std::move(m), bound, policy) != delivery_queue::push_result::queued) {
        if (asleep) {
            cx.count_overflow(drop_reason::sleep_buffer_full, s, "mqttsn.sleep_buffer_size", bound);
        } else {
            cx.count_overflow(drop_reason::queue_full, s, "mqttsn.max_queued_messages", bound);
        }
    }
    cx.pump_later(s);
}

void pump(core_context& cx, session& s, time_point now) {
    if ((s.state != session_state::active && s.state != session_state::awake) || !s.reachable) {
        return;
    }
    while (!s.inflight && !s.queue.empty()) {
        if (!start_front(cx, s, now)) {
            break;
        }
    }
    if (s.state == session_state::awake && !s.inflight && s.queue.empty()) {
        // §6.14, spec-decisions rule 6: PINGRESP closes the awake period, back to Asleep.
        cx.send(s, mqttsn::pingresp{});
        supervision::go_asleep(s, now);
    }
    cx.schedule(s);
}

bool retransmit(core_context& cx, session& s, time_point now) {
    if (s.inflight->retries < cx.settings.retry_count) {
        ++s.inflight->retries; // spec-decisions rule 8: T_retry, N_retry, DUP set
        ++s.retransmissions;
        ++cx.metrics.retransmissions;
        send_inflight(cx, s, now);
        return true;
    }
    s.inflight.reset();
    return false;
}

void on_puback(core_context& cx, session& s, const mqttsn::puback& a) {
    if (!s.inflight || s.inflight->kind != inflight_kind::publish ||
        a.msg_id != s.inflight->msg_id) {
        return;
    }
    if (a.rc == return_code::accepted) {
        complete(cx, s);
        return;
    }
    if (a.rc == return_code::invalid_topic_id) {
        // §6.10: the client does not know the id: correct the assignment (REGISTER again,
        // once), then send the message again.
        auto& m = s.queue.front();
        auto* e = s.inflight->topic_type == mqttsn::topic_id_type::normal
                      ? s.topics.find(s.inflight->topic_id)
                      : nullptr;
        if (e != nullptr && !m.reregistered) {
            e->known_to_client = false;
            m.reregistered = true;
            m.progress = outgoing_message::stage::fresh;
            s.inflight.reset();
            cx.pump_later(s);
            return;
        }
        cx.count_drop(drop_reason::register_rejected, &s.peer);
        complete(cx, s);
    }
    // Congestion at the client: keep it in flight, the retransmission timer tries again.
}

void on_pubrec(core_context& cx, session& s, const mqttsn::pubrec& r, time_point now) {
    if (!s.inflight || r.msg_id != s.inflight->msg_id) {
        return;
    }
    if (s.inflight->kind == inflight_kind::publish && s.queue.front().qos == 2) {
        s.queue.front().progress = outgoing_message::stage::released;
        start(cx, s, {.kind = inflight_kind::pubrel, .msg_id = r.msg_id}, now);
    } else if (s.inflight->kind == inflight_kind::pubrel) {
        send_inflight(cx, s, now); // our PUBREL was lost
    }
}

void on_pubcomp(core_context& cx, session& s, const mqttsn::pubcomp& c) {
    if (s.inflight && s.inflight->kind == inflight_kind::pubrel && c.msg_id == s.inflight->msg_id) {
        complete(cx, s);
    }
}

} // namespace snbridge::gateway::delivery
