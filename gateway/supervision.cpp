#include "gateway/supervision.hpp"

#include "common/log.hpp"
#include "gateway/delivery.hpp"

namespace snbridge::gateway::supervision {

namespace mqttsn = common::mqttsn;

std::chrono::milliseconds tolerance(std::uint16_t seconds) noexcept {
    const std::chrono::milliseconds d{static_cast<std::int64_t>(seconds) * 1000};
    return seconds > 60 ? d * 11 / 10 : d * 3 / 2;
}

namespace {

/// When the state's own supervision expires (no retransmission counted).
std::optional<time_point> state_deadline(const core_settings& settings, const session& s) {
    switch (s.state) {
    case session_state::will_topic_wait:
    case session_state::will_msg_wait:
    case session_state::open_wait:
        return s.last_heard + settings.connect_timeout;
    case session_state::active:
        if (s.keep_alive_s > 0) {
            return s.last_heard + tolerance(s.keep_alive_s);
        }
        return std::nullopt;
    case session_state::asleep:
        return s.last_heard + tolerance(s.sleep_s);
    default:
        return std::nullopt;
    }
}

/// Answers a datagram from an endpoint without a live session: spec-decisions rule 14,
/// §6.12: DISCONNECT, so that the client connects again.
void answer_unknown(core_context& cx, const endpoint& from) {
    cx.reply(from, mqttsn::disconnect{});
}

} // namespace

std::optional<time_point> deadline_of(const core_settings& settings, const session& s) noexcept {
    std::optional<time_point> d = state_deadline(settings, s);
    // While another ClientId holds its address nothing is retransmitted (rule 16); binding
    // it again re-schedules, and an overdue retransmission goes at once.
    if (s.inflight && s.reachable && (!d || s.inflight->retry_at < *d)) {
        d = s.inflight->retry_at;
    }
    return d;
}

void on_timer(core_context& cx, session& s, time_point now) {
    if (s.inflight && now >= s.inflight->retry_at && s.reachable &&
        !delivery::retransmit(cx, s, now)) {
        if (s.state == session_state::awake) {
            // The device went back to sleep without acking: the message stays in custody
            // and goes again on the next wake-up.
            common::log::debug("Client ", s.client_id, " did not ack; back to asleep.");
            go_asleep(s, now);
        } else {
            // §6.13, by symmetry: after N_retry retransmissions the peer is gone.
            lose(cx, s, "did not acknowledge after N_retry retransmissions");
            return;
        }
    }
    if (const auto d = state_deadline(cx.settings, s); d && now >= *d) {
        if (is_handshake(s.state)) {
            common::log::debug("Client ", s.client_id, " did not complete CONNECT.");
            close_mqtt_side(cx, s, common::close_reason::disconnect);
            s.state = session_state::disconnected;
            end_session(cx, s);
            return;
        }
        // §6.14: keep-alive or sleep duration expired -> Lost.
        lose(cx, s,
             s.state == session_state::asleep ? "has exceeded its sleep duration"
                                              : "has exceeded timeout");
        return;
    }
    cx.schedule(s);
}

void on_pingreq(core_context& cx, const endpoint& from, const mqttsn::pingreq& p, time_point now) {
    session* s = p.client_id.empty() ? cx.sessions.find(from) : cx.sessions.find(p.client_id);
    if (s == nullptr || s->state == session_state::lost ||
        s->state == session_state::disconnected) {
        answer_unknown(cx, from); // it must CONNECT again (§6.12)
        return;
    }
    if (is_handshake(s->state)) {
        cx.count_drop(drop_reason::not_connected, &from);
        return;
    }
    if (!p.client_id.empty() && !(s->peer == from) && cx.out.peer_identity(from) != s->user) {
        // docs/security.md "DTLS": only the identity that connected the session may move it.
        cx.count_drop(drop_reason::identity_refused, &from);
        answer_unknown(cx, from);
        return;
    }
    if (!p.client_id.empty()) {
        cx.sessions.bind(*s, from); // NAT and NB-IoT change ports: PINGREQ(ClientId) rebinds
    }
    s->last_heard = now;
    switch (s->state) {
    case session_state::active:
        cx.send(*s, mqttsn::pingresp{}); // §6.11
        break;
    case session_state::asleep:
        // §6.14: Asleep -> Awake; flush the buffer, PINGRESP after the last ack (rule 6).
        s->state = session_state::awake;
        cx.pump_later(*s);
        break;
    default:
        break; // Awake: the flush is under way, PINGRESP ends it
    }
    cx.schedule(*s);
}

void on_disconnect(core_context& cx, const endpoint& from, const mqttsn::disconnect& d,
                   time_point now) {
    session* s = cx.sessions.find(from);
    if (s == nullptr || s->state == session_state::lost ||
        s->state == session_state::disconnected) {
        answer_unknown(cx, from); // §6.12 ack, and spec-decisions rule 14
        return;
    }
    s->last_heard = now;
    if (d.duration && *d.duration > 0 && !is_handshake(s->state)) {
        // §6.14: DISCONNECT with a duration -> Asleep (also from Asleep/Awake: new duration).
        s->sleep_s = *d.duration;
        cx.send(*s, mqttsn::disconnect{});
        common::log::notice("Client ", s->client_id, " sleeps for ", s->sleep_s, " s.");
        go_asleep(*s, now);
        cx.schedule(*s);
        return;
    }
    // §6.12, §6.14: -> Disconnected; the will is discarded.
    cx.send(*s, mqttsn::disconnect{});
    common::log::notice("Client ", s->client_id, " disconnected.");
    close_mqtt_side(cx, *s, common::close_reason::disconnect);
    s->state = session_state::disconnected;
    s->inflight.reset();
    end_session(cx, *s);
}

void on_session_lost(core_context& cx, session& s) {
    // MQTT-SN 1.2 §6.12: an unsolicited DISCONNECT makes the client connect again.
    common::log::notice("MQTT side lost the session of ", s.client_id, ".");
    cx.send(s, mqttsn::disconnect{});
    s.mqtt_open = false;
    s.pending.clear();
    s.inflight.reset();
    s.state = session_state::disconnected;
    end_session(cx, s);
}

void go_asleep(session& s, time_point now) noexcept {
    s.state = session_state::asleep;
    s.last_heard = now; // the sleep timer (re)starts now (§6.14)
    // Keep-alive and retransmissions stop while asleep (spec-decisions rule 7).
    s.inflight.reset();
}

void lose(core_context& cx, session& s, std::string_view why) {
    // §6.14: Lost; as with keep-alive, the will is published (by the MQTT side).
    common::log::notice("Client ", s.client_id, " ", why, ", disconnecting.");
    s.state = session_state::lost;
    s.inflight.reset();
    ++cx.metrics.keep_alive_lost;
    close_mqtt_side(cx, s, common::close_reason::lost);
    end_session(cx, s);
}

void end_session(core_context& cx, session& s) {
    if (s.clean_session) {
        cx.sessions.erase(s); // nothing survives a clean session
    }
}

void close_mqtt_side(core_context& cx, session& s, common::close_reason why) {
    s.pending.clear(); // no more answers arrive after close()
    if (s.mqtt_open) {
        s.mqtt_open = false;
        cx.side.close(s.id, why);
    }
}

} // namespace snbridge::gateway::supervision
