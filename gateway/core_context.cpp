#include "gateway/core_context.hpp"

#include <utility>

#include "common/log.hpp"
#include "gateway/supervision.hpp"

namespace snbridge::gateway {

std::string_view to_string(drop_reason r) noexcept {
    switch (r) {
    case drop_reason::malformed:
        return "malformed";
    case drop_reason::unexpected_type:
        return "unexpected_type";
    case drop_reason::not_connected:
        return "not_connected";
    case drop_reason::nested_encapsulation:
        return "nested_encapsulation";
    case drop_reason::qos_minus_one_name:
        return "qos_minus_one_normal_topic";
    case drop_reason::qos_minus_one_sender:
        return "qos_minus_one_sender";
    case drop_reason::qos_minus_one_topic:
        return "qos_minus_one_topic";
    case drop_reason::queue_full:
        return "session_queue_full";
    case drop_reason::sleep_buffer_full:
        return "sleep_buffer_full";
    case drop_reason::too_long:
        return "too_long";
    case drop_reason::topic_table_full:
        return "topic_table_full";
    case drop_reason::register_rejected:
        return "register_rejected";
    case drop_reason::no_session:
        return "no_session";
    case drop_reason::max_clients:
        return "max_clients";
    case drop_reason::unreachable:
        return "address_taken";
    case drop_reason::client_id_refused:
        return "client_id_refused";
    case drop_reason::identity_refused:
        return "identity_refused";
    case drop_reason::acl_register:
        return "acl_refused_register";
    case drop_reason::acl_publish:
        return "acl_refused_publish";
    case drop_reason::acl_subscribe:
        return "acl_refused_subscribe";
    case drop_reason::count_:
        break;
    }
    return "unknown";
}

core_metrics::core_metrics(common::metrics::registry& r) {
    static constexpr std::array<std::string_view, 4> qos_names{"-1", "0", "1", "2"};
    for (std::size_t i = 0; i < qos_names.size(); ++i) {
        messages_in[i] = r.counter_of("snbridge_mqttsn_messages_total",
                                      "PUBLISH messages between the devices and the gateway, by "
                                      "direction and QoS (first sends only).",
                                      {{"direction", "in"}, {"qos", qos_names[i]}});
        if (i > 0) {
            messages_out[i - 1] = r.counter_of("snbridge_mqttsn_messages_total", "",
                                               {{"direction", "out"}, {"qos", qos_names[i]}});
        }
    }
    retransmissions = r.counter_of("snbridge_mqttsn_retransmissions_total",
                                   "PUBLISH, PUBREL and REGISTER sent to devices again after "
                                   "T_retry (MQTT-SN 1.2 §6.13).");
    connects = r.counter_of("snbridge_mqttsn_connects_total", "CONNECTs accepted (CONNACK 0x00).");
    keep_alive_lost = r.counter_of("snbridge_mqttsn_sessions_lost_total",
                                   "Sessions lost: no datagram within 1.5 x the keep-alive or the "
                                   "sleep duration, or N_retry retransmissions unanswered "
                                   "(MQTT-SN 1.2 §6.13, §6.14).");
}

core_context::core_context(core_settings s, common::mqtt_side& mqtt, datagram_sink& sink,
                           now_source now_fn)
    : settings(std::move(s))
    , predefined(settings.predefined, settings.client_predefined)
    , side(mqtt)
    , out(sink)
    , now(std::move(now_fn)) {}

void core_context::send(const session& s, const common::mqttsn::packet& p,
                        std::string_view topic_name) {
    if (!s.reachable) {
        count_outgoing_drop(drop_reason::unreachable, s.client_id);
        return;
    }
    if (!out.send(s.peer, p, s.client_id, topic_name)) {
        count_drop(drop_reason::too_long, &s.peer);
    }
}

void core_context::reply(const endpoint& to, const common::mqttsn::packet& p, std::uint8_t radius) {
    if (!out.send(to, p, {}, {}, radius)) {
        count_drop(drop_reason::too_long, &to);
    }
}

void core_context::count_drop(drop_reason r, const endpoint* from, std::size_t size) {
    if (from == nullptr) {
        drop_log->drop(to_string(r), common::net_address{}, size, now(),
                       "message from the MQTT side");
        return;
    }
    drop_log->drop(to_string(r), from->address, size != 0 ? size : datagram_size, now());
}

void core_context::count_overflow(drop_reason r, session& s, std::string_view bound_key,
                                  std::size_t bound) {
    drop_log->count_quietly(to_string(r));
    if (s.queue.overflow_episode_started()) {
        common::log::warning("Client ", s.client_id, ": ", bound_key, " (", bound,
                             ") reached, dropping ",
                             r == drop_reason::sleep_buffer_full ? "its oldest messages"
                                                                 : "messages nobody can retry",
                             ".");
    }
}

void core_context::count_outgoing_drop(drop_reason r, std::string_view detail) {
    drop_log->drop(to_string(r), common::net_address{}, 0, now(), detail);
}

void core_context::count_malformed(common::mqttsn::decode_error e,
                                   const common::net_address& from) {
    drop_log->drop(e, from, datagram_size, now());
}

void core_context::schedule(session& s) {
    touch(s); // every change of a session ends with its timer being set again
    if (const auto d = supervision::deadline_of(settings, s)) {
        timers.arm(s, *d);
    }
}

void core_context::pump_later(session& s) {
    if (!s.pump_due) {
        s.pump_due = true;
        pump_queue.push_back(s.id);
    }
}

} // namespace snbridge::gateway
