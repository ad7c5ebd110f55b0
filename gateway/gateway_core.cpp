#include "gateway/gateway_core.hpp"

#include <array>
#include <utility>

#include "common/log.hpp"
#include "config/address.hpp"
#include "gateway/connect_flow.hpp"
#include "gateway/delivery.hpp"
#include "gateway/discovery.hpp"
#include "gateway/forwarder.hpp"
#include "gateway/packet_log.hpp"
#include "gateway/publish_flow.hpp"
#include "gateway/register_flow.hpp"
#include "gateway/subscribe_flow.hpp"
#include "gateway/supervision.hpp"

namespace snbridge::gateway {

namespace mqttsn = common::mqttsn;
using mqttsn::msg_type;
using mqttsn::packet;

namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>; // clang 14 has no CTAD for aggregates

/// Only a gateway sends these (or, Encapsulated, only a forwarder's outer datagram).
template <class M>
constexpr bool gateway_to_client =
    std::is_same_v<M, mqttsn::connack> || std::is_same_v<M, mqttsn::willtopicreq> ||
    std::is_same_v<M, mqttsn::willmsgreq> || std::is_same_v<M, mqttsn::suback> ||
    std::is_same_v<M, mqttsn::unsuback> || std::is_same_v<M, mqttsn::pingresp> ||
    std::is_same_v<M, mqttsn::willtopicresp> || std::is_same_v<M, mqttsn::willmsgresp> ||
    std::is_same_v<M, mqttsn::encapsulated>;

} // namespace

gateway_core::gateway_core(core_settings settings, common::mqtt_side& side, datagram_sink& sink,
                           now_source now)
    : cx_(std::move(settings), side, sink, std::move(now)) {
    side.set_listener(*this);
    if (cx_.settings.advertise_interval_s > 0) {
        advertise_at_ = cx_.now(); // §6.1: announce at start-up, then every T_ADV
    }
}

gateway_core::~gateway_core() {
    if (attached_metrics_ != nullptr) {
        attached_metrics_->forget("snbridge_mqttsn_sessions");
        attached_metrics_->forget("snbridge_mqttsn_queued_messages");
    }
}

void gateway_core::attach_metrics(common::metrics::registry& metrics) {
    attached_metrics_ = &metrics;
    cx_.metrics = core_metrics(metrics);
    namespace m = common::metrics;
    metrics.collect("snbridge_mqttsn_sessions",
                    "MQTT-SN sessions the gateway holds, by state (MQTT-SN 1.2 §6.14; "
                    "connecting: the CONNECT or will handshake is under way).",
                    m::kind::gauge, [this](const m::registry::emit& emit) {
                        std::array<double, 5> n{};
                        for (const auto& [id, s] : cx_.sessions) {
                            switch (s.state) {
                            case session_state::active:
                                ++n[0];
                                break;
                            case session_state::asleep:
                                ++n[1];
                                break;
                            case session_state::awake:
                                ++n[2];
                                break;
                            case session_state::lost:
                                ++n[3];
                                break;
                            case session_state::disconnected:
                                break; // a persistent session kept for the next CONNECT
                            default:
                                ++n[4];
                                break;
                            }
                        }
                        emit({{"state", "active"}}, n[0]);
                        emit({{"state", "asleep"}}, n[1]);
                        emit({{"state", "awake"}}, n[2]);
                        emit({{"state", "lost"}}, n[3]);
                        emit({{"state", "connecting"}}, n[4]);
                    });
    metrics.collect("snbridge_mqttsn_queued_messages",
                    "Messages waiting for delivery to MQTT-SN devices (delivery queues and sleep "
                    "buffers together).",
                    m::kind::gauge, [this](const m::registry::emit& emit) {
                        double queued = 0;
                        for (const auto& [id, s] : cx_.sessions) {
                            queued += static_cast<double>(s.queue.size());
                        }
                        emit({}, queued);
                    });
}

std::uint64_t gateway_core::drops(drop_reason r) const {
    if (r != drop_reason::malformed) {
        return cx_.drop_log->count(to_string(r));
    }
    std::uint64_t sum = 0;
    for (auto e = mqttsn::decode_error::empty; e <= mqttsn::decode_error::bad_field;
         e = static_cast<mqttsn::decode_error>(static_cast<int>(e) + 1)) {
        sum += cx_.drop_log->count(mqttsn::to_string(e));
    }
    return sum;
}

// --- turns ----------------------------------------------------------------------------------

void gateway_core::on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                               time_point now) {
    in_turn_ = true;
    if (journal_) {
        journal_->hold(); // durable before acknowledged: this turn's answers wait
    }
    cx_.datagram_size = bytes.size();
    auto decoded = mqttsn::decode(bytes);
    if (!decoded) {
        cx_.count_malformed(decoded.error(), from);
        connect_flow::refuse_protocol(cx_, from, bytes, decoded.error());
    } else if (auto* enc = std::get_if<mqttsn::encapsulated>(&*decoded)) {
        // §5.5: the inner message is handled as from the wireless node.
        const endpoint node = forwarder::node_endpoint(from, *enc);
        auto inner = mqttsn::decode(enc->inner);
        if (!inner) {
            cx_.count_malformed(inner.error(), from);
        } else if (std::holds_alternative<mqttsn::encapsulated>(*inner)) {
            cx_.count_drop(drop_reason::nested_encapsulation, &node);
        } else {
            dispatch(node, *inner, now);
        }
    } else {
        dispatch(endpoint{from, {}, false}, *decoded, now);
    }
    finish_turn(now);
    cx_.datagram_size = 0;
}

void gateway_core::on_tick(time_point now) {
    in_turn_ = true;
    if (advertise_at_ && now >= *advertise_at_) {
        advertise_at_ = now + discovery::advertise_if_connected(cx_);
    }
    while (session* s = cx_.timers.pop_due(now, cx_.sessions)) {
        supervision::on_timer(cx_, *s, now);
    }
    finish_turn(now);
}

std::optional<time_point> gateway_core::next_deadline() const {
    std::optional<time_point> d = cx_.timers.next(cx_.sessions);
    if (advertise_at_ && (!d || *advertise_at_ < *d)) {
        d = advertise_at_;
    }
    return d;
}

void gateway_core::reload(core_settings settings) {
    const bool advertise_changed =
        settings.advertise_interval_s != cx_.settings.advertise_interval_s;
    cx_.settings = std::move(settings);
    cx_.predefined = predefined_topics(cx_.settings.predefined, cx_.settings.client_predefined);
    if (advertise_changed) {
        advertise_at_.reset();
        if (cx_.settings.advertise_interval_s > 0) {
            advertise_at_ = cx_.now();
        }
    }
}

void gateway_core::shutdown(time_point now) {
    in_turn_ = true;
    for (auto& [id, s] : cx_.sessions) {
        supervision::close_mqtt_side(cx_, s, common::close_reason::shutdown);
    }
    advertise_at_.reset();
    finish_turn(now);
}

void gateway_core::post(side_event::any&& ev) {
    events_.push_back(std::move(ev));
    if (!in_turn_) {
        in_turn_ = true; // an event from outside (Paho's mailbox, the MQTT listener) is a turn
        finish_turn(cx_.now());
    }
}

void gateway_core::finish_turn(time_point now) {
    // Handling an event may call the MQTT side, which may answer at once: those events are
    // appended and handled by this loop, in order.
    for (std::size_t i = 0; i < events_.size(); ++i) {
        side_event::any ev = std::move(events_[i]);
        handle(ev, now);
    }
    events_.clear();
    // spec-decisions rule 17: deliveries after the answers of this turn.
    for (std::size_t i = 0; i < cx_.pump_queue.size(); ++i) {
        if (session* s = cx_.sessions.find(cx_.pump_queue[i])) {
            s->pump_due = false;
            delivery::pump(cx_, *s, now);
        }
    }
    cx_.pump_queue.clear();
    in_turn_ = false;
}

void gateway_core::handle(side_event::any& ev, time_point now) {
    const common::session_id id = std::visit([](const auto& e) { return e.id; }, ev);
    session* s = cx_.sessions.find(id);
    if (s == nullptr) {
        if (std::holds_alternative<side_event::message>(ev)) {
            cx_.count_drop(drop_reason::no_session, nullptr);
        } else if (const auto* o = std::get_if<side_event::opened>(&ev);
                   o != nullptr && o->status == common::open_status::accepted) {
            cx_.side.close(id, common::close_reason::disconnect); // gave up on it meanwhile
        }
        return;
    }
    std::visit(overloaded{
                   [&](side_event::opened& e) {
                       if (s->state == session_state::open_wait) {
                           connect_flow::on_opened(cx_, *s, e.status, now);
                       } else if (s->reopening) {
                           s->reopening = false;
                           if (e.status != common::open_status::accepted) {
                               supervision::on_session_lost(cx_, *s);
                           }
                       }
                   },
                   [&](side_event::message& e) { delivery::deliver(cx_, *s, std::move(e.msg)); },
                   [&](side_event::publish_done& e) {
                       publish_flow::on_publish_done(cx_, *s, e.token, e.ok);
                   },
                   [&](side_event::subscribe_done& e) {
                       subscribe_flow::on_subscribe_done(cx_, *s, e.token, e.granted_qos);
                   },
                   [&](side_event::unsubscribe_done& e) {
                       subscribe_flow::on_unsubscribe_done(cx_, *s, e.token);
                   },
                   [&](side_event::session_lost&) { supervision::on_session_lost(cx_, *s); },
               },
               ev);
    if (session* again = cx_.sessions.find(id)) {
        cx_.touch(*again);
    }
}

bool gateway_core::can_take(common::session_id id, std::uint8_t /*qos*/) const {
    const session* s = cx_.sessions.find(id);
    // A sleeping client's buffer is an offline session's queue: it drops its oldest instead.
    if (s == nullptr || s->state == session_state::asleep ||
        s->queue.size() < cx_.settings.max_queued_messages) {
        return true;
    }
    s->refused_delivery = true;
    return false;
}

// --- persistence ----------------------------------------------------------------------------

void gateway_core::attach_store(common::persist::store& store) {
    journal_ = std::make_unique<session_store>(store, cx_.sessions);
    cx_.journal = journal_.get();
    cx_.sessions.set_journal(journal_.get());
}

void gateway_core::restore(const std::vector<common::persist::gateway_session_state>& sessions,
                           time_point now) {
    in_turn_ = true;
    for (const auto& saved : sessions) {
        const auto& row = saved.row;
        endpoint ep;
        const auto address = config::parse_address(row.peer_address);
        if (address) {
            ep.address = *address;
        }
        ep.node_id = row.node_id;
        const bool over_dtls = row.peer_address.starts_with(dtls_address_tag);
        ep.via_forwarder = row.via_forwarder;
        session& s = cx_.sessions.create(ep, row.client_id);
        if (over_dtls) {
            s.user = row.peer_address.substr(dtls_address_tag.size());
        }
        s.reachable = row.reachable && address.has_value();
        s.state = static_cast<session_state>(row.state);
        s.clean_session = row.clean_session;
        s.keep_alive_s = row.keep_alive_s;
        s.sleep_s = row.sleep_s;
        s.next_msg_id = row.next_msg_id == 0 ? 1 : row.next_msg_id;
        s.will = row.will;
        s.qos2_received = row.qos2_received;
        s.last_heard = now; // timers start again from the restart
        for (const auto& t : row.topics) {
            s.topics.restore({t.name, t.id, t.known_to_client, t.rejected});
        }
        for (const auto& q : saved.queue) {
            outgoing_message m;
            m.topic = q.message.topic;
            m.payload = q.message.payload;
            m.qos = q.message.qos;
            m.retain = q.message.retain;
            m.msg_id = q.msg_id;
            m.progress = static_cast<outgoing_message::stage>(q.stage);
            m.sent_before = q.sent_before;
            m.seq = q.message.seq;
            s.stored.last_seq = std::max(s.stored.last_seq, m.seq);
            (void)s.queue.push(std::move(m), saved.queue.size());
        }
        s.queue.removed().clear();
        // What was on disk is what is written: nothing to write again for it.
        s.stored.digest = session_store::digest_of(s);
        if (!s.queue.empty()) {
            const auto& f = s.queue.front();
            s.stored.front_seq = f.seq;
            s.stored.front_msg_id = f.msg_id;
            s.stored.front_stage = static_cast<std::uint8_t>(f.progress);
            s.stored.front_sent_before = f.sent_before;
        }
        if (is_handshake(s.state)) {
            // The CONNECT was not answered: the client sends it again.
            s.state = session_state::disconnected;
        }
        if (s.state == session_state::awake) {
            s.state = session_state::asleep; // §6.14: it pings again to wake
        }
        if (row.mqtt_open &&
            (s.state == session_state::active || s.state == session_state::asleep)) {
            s.mqtt_open = true;
            s.reopening = true;
            auto p = connect_flow::open_params_of(s);
            p.resume = true;
            cx_.side.open(s.id, p);
        }
        if (cx_.sessions.find(s.id) != nullptr) {
            cx_.pump_later(s); // Active: the message in flight is sent again, DUP set
            cx_.schedule(s);
        }
    }
    common::log::info("Persistence: restored ", sessions.size(), " MQTT-SN session",
                      sessions.size() == 1 ? "" : "s", ".");
    finish_turn(now);
}

// --- datagrams ------------------------------------------------------------------------------

void gateway_core::dispatch(const endpoint& from, packet& p, time_point now) {
    std::visit(overloaded{
                   [&](mqttsn::searchgw& m) {
                       log_in(from, p, false);
                       discovery::on_searchgw(cx_, from, m);
                   },
                   [&](mqttsn::connect& m) {
                       log_in(from, p, false);
                       connect_flow::on_connect(cx_, from, m, now);
                   },
                   [&](mqttsn::pingreq& m) {
                       log_in(from, p, true);
                       supervision::on_pingreq(cx_, from, m, now);
                   },
                   [&](mqttsn::disconnect& m) {
                       log_in(from, p, true);
                       supervision::on_disconnect(cx_, from, m, now);
                   },
                   [&](mqttsn::publish& m) {
                       if (m.flag.qos_level == mqttsn::qos::minus_one) {
                           log_in(from, p, true);
                           publish_flow::on_publish_minus_one(cx_, from, m);
                       } else {
                           dispatch_to_session(from, p, now);
                       }
                   },
                   [&](auto& m) {
                       using M = std::decay_t<decltype(m)>;
                       if constexpr (std::is_same_v<M, mqttsn::advertise> ||
                                     std::is_same_v<M, mqttsn::gwinfo>) {
                           log_in(from, p,
                                  false); // §6.1: other gateways' ADVERTISE, clients' GWINFO
                       } else if constexpr (gateway_to_client<M>) {
                           log_in(from, p, false);
                           cx_.count_drop(drop_reason::unexpected_type, &from);
                       } else {
                           dispatch_to_session(from, p, now);
                       }
                   },
               },
               p);
}

void gateway_core::dispatch_to_session(const endpoint& from, packet& p, time_point now) {
    session* s = cx_.sessions.find(from);
    log_in(from, p, true);
    if (s == nullptr || s->state == session_state::lost ||
        s->state == session_state::disconnected) {
        // spec-decisions rule 14, §6.12: unknown client -> DISCONNECT, so that it connects.
        cx_.reply(from, mqttsn::disconnect{});
        return;
    }
    const bool will_handshake =
        std::holds_alternative<mqttsn::willtopic>(p) || std::holds_alternative<mqttsn::willmsg>(p);
    if (is_handshake(s->state) && !will_handshake) {
        cx_.count_drop(drop_reason::not_connected, &from);
        return;
    }
    s->last_heard = now;
    const common::session_id id = s->id;
    bool alive = true;
    std::visit(overloaded{
                   [&](mqttsn::willtopic& m) {
                       connect_flow::on_willtopic(cx_, *s, m);
                       alive = cx_.sessions.find(id) != nullptr; // a refused will topic ends it
                   },
                   [&](mqttsn::willmsg& m) { connect_flow::on_willmsg(cx_, *s, m); },
                   [&](mqttsn::willtopicupd& m) { connect_flow::on_willtopicupd(cx_, *s, m); },
                   [&](mqttsn::willmsgupd& m) { connect_flow::on_willmsgupd(cx_, *s, m); },
                   [&](mqttsn::register_& m) { register_flow::on_register(cx_, *s, m); },
                   [&](mqttsn::regack& m) { register_flow::on_regack(cx_, *s, m); },
                   [&](mqttsn::publish& m) { publish_flow::on_publish(cx_, *s, m); },
                   [&](mqttsn::pubrel& m) { publish_flow::on_pubrel(cx_, *s, m); },
                   [&](mqttsn::puback& m) { delivery::on_puback(cx_, *s, m); },
                   [&](mqttsn::pubrec& m) { delivery::on_pubrec(cx_, *s, m, now); },
                   [&](mqttsn::pubcomp& m) { delivery::on_pubcomp(cx_, *s, m); },
                   [&](mqttsn::subscribe& m) { subscribe_flow::on_subscribe(cx_, *s, m); },
                   [&](mqttsn::unsubscribe& m) { subscribe_flow::on_unsubscribe(cx_, *s, m); },
                   [&](auto&) { cx_.count_drop(drop_reason::unexpected_type, &from); },
               },
               p);
    if (alive) {
        cx_.schedule(*s);
    }
}

void gateway_core::log_in(const endpoint& from, const packet& p, bool by_sender) const {
    if (!packet_log::enabled()) {
        return;
    }
    // Named by the ClientId once the sender is known (a PINGREQ may name it).
    const session* s = nullptr;
    if (const auto* ping = std::get_if<mqttsn::pingreq>(&p); ping && !ping->client_id.empty()) {
        s = cx_.sessions.find(std::string_view(ping->client_id));
    } else if (by_sender) {
        s = cx_.sessions.find(from);
    }
    if (s == nullptr) {
        packet_log::log_received(to_string(from), p);
        return;
    }
    std::string_view topic;
    std::array<char, 2> short_buf{};
    if (const auto* pub = std::get_if<mqttsn::publish>(&p)) {
        topic = publish_flow::topic_of(cx_, *s, pub->flag.topic_type, pub->topic_id, short_buf);
    }
    packet_log::log_received(s->client_id, p, topic);
}

std::optional<session_state> gateway_core::state_of(std::string_view client_id) const {
    const session* s = cx_.sessions.find(client_id);
    if (s == nullptr) {
        return std::nullopt;
    }
    return s->state;
}

} // namespace snbridge::gateway
