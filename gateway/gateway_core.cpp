#include "gateway/gateway_core.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "gateway/packet_log.hpp"

namespace snbridge::gateway {

namespace mqttsn = common::mqttsn;
using mqttsn::msg_type;
using mqttsn::packet;
using mqttsn::return_code;

namespace {

bool has_wildcard(std::string_view topic) noexcept {
    // One pass (find_first_of("+#") calls memchr once per character).
    return std::any_of(topic.begin(), topic.end(), [](char c) { return c == '+' || c == '#'; });
}

/// MQTT 3.1.1 §4.7.1, §1.5.3: no wildcard and no U+0000 in a topic name. Runs per PUBLISH:
/// one pass over the name.
bool valid_topic_name(std::string_view topic) noexcept {
    return std::none_of(topic.begin(), topic.end(),
                        [](char c) { return c == '+' || c == '#' || c == '\0'; });
}

/// QoS −1 has no meaning in SUBSCRIBE or a will: it is taken as 0.
std::uint8_t qos_number(mqttsn::qos q) noexcept {
    return q == mqttsn::qos::minus_one ? 0 : static_cast<std::uint8_t>(q);
}

bool is_handshake(session_state s) noexcept {
    return s == session_state::will_topic_wait || s == session_state::will_msg_wait ||
           s == session_state::open_wait;
}

std::uint16_t short_topic_id(std::string_view two) noexcept {
    return static_cast<std::uint16_t>(
        (static_cast<unsigned>(static_cast<unsigned char>(two[0])) << 8) |
        static_cast<unsigned char>(two[1]));
}

// PUBLISH header: Length(1 or 3) MsgType Flags TopicId(2) MsgId(2).
constexpr std::size_t publish_overhead = 3 + 1 + 1 + 2 + 2;
// REGISTER header: Length(1 or 3) MsgType TopicId(2) MsgId(2).
constexpr std::size_t register_overhead = 3 + 1 + 2 + 2;

} // namespace

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
    case drop_reason::count_:
        break;
    }
    return "unknown";
}

gateway_core::gateway_core(core_settings settings, common::mqtt_side& side, datagram_sink& sink,
                           now_source now)
    : settings_(std::move(settings))
    , predefined_(settings_.predefined, settings_.client_predefined)
    , side_(side)
    , sink_(sink)
    , now_(std::move(now)) {
    side_.set_listener(*this);
    if (settings_.advertise_interval_s > 0) {
        advertise_at_ = now_(); // §6.1: announce at start-up, then every T_ADV
    }
    tx_.reserve(256);
}

// --- datagram_handler --------------------------------------------------------------------

void gateway_core::on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                               time_point now) {
    busy_ = true;
    endpoint ep{from, {}};
    auto decoded = mqttsn::decode(bytes);
    if (!decoded) {
        ++drops_[static_cast<std::size_t>(drop_reason::malformed)];
        if (drop_counter_ != nullptr) {
            drop_counter_->drop(decoded.error(), from, bytes.size(), now);
        }
        refuse_protocol(from, bytes, decoded.error());
    } else if (auto* enc = std::get_if<mqttsn::encapsulated>(&*decoded)) {
        // MQTT-SN 1.2 §5.5: handle the inner message as from the wireless node.
        ep.node_id.assign(enc->wireless_node_id.begin(), enc->wireless_node_id.end());
        ep.via_forwarder = true;
        auto inner = mqttsn::decode(enc->inner);
        if (!inner) {
            ++drops_[static_cast<std::size_t>(drop_reason::malformed)];
            if (drop_counter_ != nullptr) {
                drop_counter_->drop(inner.error(), from, bytes.size(), now);
            }
        } else if (std::holds_alternative<mqttsn::encapsulated>(*inner)) {
            count_drop(drop_reason::nested_encapsulation, &ep);
        } else {
            handle(ep, *inner, now);
        }
    } else {
        handle(ep, *decoded, now);
    }
    drain_events();
    busy_ = false;
}

void gateway_core::refuse_protocol(const common::net_address& from,
                                   std::span<const std::uint8_t> bytes, mqttsn::decode_error e) {
    if (e != mqttsn::decode_error::bad_protocol_id) {
        return;
    }
    // MQTT-SN 1.2 §6.2, §5.3.8: a CONNECT of another protocol version is refused with
    // CONNACK "not supported" rather than ignored (the client would retry forever). The
    // codec refuses a forwarder's datagram as a whole when its inner CONNECT is bad: answer
    // wrapped for that node (§5.5; the Length octet covers the encapsulation header).
    endpoint ep{from, {}};
    if (bytes.size() > 3 && bytes[1] == static_cast<std::uint8_t>(msg_type::encapsulated) &&
        bytes[0] >= 3 && bytes[0] < bytes.size()) {
        ep.node_id.assign(bytes.begin() + 3, bytes.begin() + bytes[0]);
        ep.via_forwarder = true;
    }
    send(ep, mqttsn::connack{return_code::not_supported}, nullptr);
}

void gateway_core::on_tick(time_point now) {
    busy_ = true;
    if (advertise_at_ && now >= *advertise_at_) {
        send_advertise(now);
        advertise_at_ = now + std::chrono::seconds(settings_.advertise_interval_s);
    }
    while (!timers_.empty() && timers_.front().at <= now) {
        std::pop_heap(timers_.begin(), timers_.end(), std::greater<>{});
        const timer_entry e = timers_.back();
        timers_.pop_back();
        session* s = by_id(e.id);
        if (s == nullptr || s->scheduled != e.at) {
            continue; // stale entry
        }
        s->scheduled = time_point::max();
        supervise(*s, now);
    }
    drain_events();
    busy_ = false;
}

std::optional<time_point> gateway_core::next_deadline() const {
    while (!timers_.empty()) {
        const auto& top = timers_.front();
        const auto it = sessions_.find(top.id);
        if (it != sessions_.end() && it->second.scheduled == top.at) {
            break;
        }
        std::pop_heap(timers_.begin(), timers_.end(), std::greater<>{});
        timers_.pop_back();
    }
    std::optional<time_point> d = advertise_at_;
    if (!timers_.empty() && (!d || timers_.front().at < *d)) {
        d = timers_.front().at;
    }
    return d;
}

void gateway_core::shutdown(time_point /*now*/) {
    busy_ = true;
    for (auto& [id, s] : sessions_) {
        close_mqtt_side(s, common::close_reason::shutdown);
    }
    advertise_at_.reset();
    drain_events();
    events_.clear();
    events_head_ = 0;
    busy_ = false;
}

// --- mqtt_side_listener: queue, then handle outside the mqtt_side call --------------------

void gateway_core::on_open(common::session_id id, common::open_status status,
                           bool session_present) {
    event ev;
    ev.what = event::kind::open;
    ev.id = id;
    ev.status = status;
    ev.flag = session_present;
    events_.push_back(std::move(ev));
    if (!busy_) {
        drain_events(); // else the current on_datagram/on_tick/drain handles it afterwards
    }
}

void gateway_core::on_message(common::session_id id, const common::mqtt_message& msg) {
    event ev;
    ev.what = event::kind::message;
    ev.id = id;
    ev.msg = msg;
    events_.push_back(std::move(ev));
    if (!busy_) {
        drain_events(); // else the current on_datagram/on_tick/drain handles it afterwards
    }
}

void gateway_core::on_publish_done(common::session_id id, std::uint32_t token, bool ok) {
    event ev;
    ev.what = event::kind::publish_done;
    ev.id = id;
    ev.token = token;
    ev.flag = ok;
    events_.push_back(std::move(ev));
    if (!busy_) {
        drain_events(); // else the current on_datagram/on_tick/drain handles it afterwards
    }
}

void gateway_core::on_subscribe_done(common::session_id id, std::uint32_t token,
                                     std::optional<std::uint8_t> granted_qos) {
    event ev;
    ev.what = event::kind::subscribe_done;
    ev.id = id;
    ev.token = token;
    ev.granted = granted_qos;
    events_.push_back(std::move(ev));
    if (!busy_) {
        drain_events(); // else the current on_datagram/on_tick/drain handles it afterwards
    }
}

void gateway_core::on_unsubscribe_done(common::session_id id, std::uint32_t token) {
    event ev;
    ev.what = event::kind::unsubscribe_done;
    ev.id = id;
    ev.token = token;
    events_.push_back(std::move(ev));
    if (!busy_) {
        drain_events(); // else the current on_datagram/on_tick/drain handles it afterwards
    }
}

void gateway_core::on_session_lost(common::session_id id) {
    event ev;
    ev.what = event::kind::session_lost;
    ev.id = id;
    events_.push_back(std::move(ev));
    if (!busy_) {
        drain_events(); // else the current on_datagram/on_tick/drain handles it afterwards
    }
}

void gateway_core::drain_events() {
    // Re-entrant calls (from inside an mqtt_side call) only queue; the outermost caller
    // handles them in order.
    if (draining_) {
        return;
    }
    draining_ = true;
    const bool was_busy = busy_;
    busy_ = true;
    while (events_head_ < events_.size()) {
        event ev = std::move(events_[events_head_]);
        ++events_head_;
        handle_event(ev, now_());
    }
    events_.clear();
    events_head_ = 0;
    busy_ = was_busy;
    draining_ = false;
    if (!was_busy && deadline_hook_) {
        deadline_hook_(); // events from outside on_datagram/on_tick may move next_deadline()
    }
}

void gateway_core::handle_event(event& ev, time_point now) {
    session* s = by_id(ev.id);
    switch (ev.what) {
    case event::kind::open: {
        if (s == nullptr || s->state != session_state::open_wait) {
            if (s == nullptr && ev.status == common::open_status::accepted) {
                side_.close(ev.id, common::close_reason::disconnect); // gave up on it meanwhile
            }
            return;
        }
        if (ev.status == common::open_status::accepted) {
            s->state = session_state::active;
            common::log::notice("New client connected from ", s->peer.address.to_string(), " as ",
                                s->client_id, " (c", s->clean_session ? 1 : 0, ", k",
                                s->keep_alive_s, ").");
            send(s->peer, mqttsn::connack{return_code::accepted}, s);
            pump(*s, now); // DESIGN rule 15: in-flight messages are retried after CONNACK
            schedule(*s);
            return;
        }
        // MQTT-SN 1.2 §6.2: CONNACK with the rejection reason.
        send(s->peer,
             mqttsn::connack{ev.status == common::open_status::congestion
                                 ? return_code::congestion
                                 : return_code::not_supported},
             s);
        s->mqtt_open = false;
        s->state = session_state::disconnected;
        end_session(*s);
        return;
    }
    case event::kind::message:
        if (s == nullptr) {
            count_drop(drop_reason::no_session, nullptr);
            return;
        }
        deliver(*s, std::move(ev.msg));
        pump(*s, now);
        schedule(*s);
        return;
    case event::kind::publish_done: {
        if (s == nullptr) {
            return;
        }
        const auto it = std::find_if(s->pending.begin(), s->pending.end(), [&](const auto& p) {
            return p.token == ev.token && p.what == pending_upstream::kind::publish;
        });
        if (it == s->pending.end()) {
            return;
        }
        const pending_upstream p = *it;
        s->pending.erase(it);
        if (!ev.flag) {
            // The MQTT side did not take the message: the client should retry (§6.6).
            send(s->peer, mqttsn::puback{p.topic_id, p.msg_id, return_code::congestion}, s);
        } else if (p.qos == 1) {
            send(s->peer, mqttsn::puback{p.topic_id, p.msg_id, return_code::accepted}, s);
        } else {
            s->qos2_received.push_back(p.msg_id);
            send(s->peer, mqttsn::pubrec{p.msg_id}, s);
        }
        return;
    }
    case event::kind::subscribe_done: {
        if (s == nullptr) {
            return;
        }
        const auto it = std::find_if(s->pending.begin(), s->pending.end(), [&](const auto& p) {
            return p.token == ev.token && p.what == pending_upstream::kind::subscribe;
        });
        if (it == s->pending.end()) {
            return;
        }
        const pending_upstream p = *it;
        s->pending.erase(it);
        mqttsn::suback ack;
        ack.msg_id = p.msg_id;
        if (ev.granted) {
            ack.flag.qos_level = static_cast<mqttsn::qos>(std::min<std::uint8_t>(*ev.granted, 2));
            ack.topic_id = p.topic_id;
            if (p.qos == 1) { // normal topic name without wildcards: the client now knows its id
                if (auto* e = s->topics.find(p.topic_id)) {
                    e->known_to_client = true;
                }
            }
        } else {
            ack.rc = return_code::not_supported;
        }
        send(s->peer, ack, s);
        return;
    }
    case event::kind::unsubscribe_done: {
        if (s == nullptr) {
            return;
        }
        const auto it = std::find_if(s->pending.begin(), s->pending.end(), [&](const auto& p) {
            return p.token == ev.token && p.what == pending_upstream::kind::unsubscribe;
        });
        if (it == s->pending.end()) {
            return;
        }
        const std::uint16_t msg_id = it->msg_id;
        s->pending.erase(it);
        send(s->peer, mqttsn::unsuback{msg_id}, s);
        return;
    }
    case event::kind::session_lost:
        if (s == nullptr) {
            return;
        }
        // MQTT-SN 1.2 §6.12: an unsolicited DISCONNECT makes the client connect again.
        common::log::notice("MQTT side lost the session of ", s->client_id, ".");
        send(s->peer, mqttsn::disconnect{}, s);
        s->mqtt_open = false;
        s->pending.clear();
        s->inflight = inflight_kind::none;
        s->state = session_state::disconnected;
        end_session(*s);
        return;
    }
}

// --- input --------------------------------------------------------------------------------

void gateway_core::handle(const endpoint& from, packet& p, time_point now) {
    const msg_type t = mqttsn::type_of(p);
    switch (t) {
    case msg_type::advertise:
    case msg_type::gwinfo:
        // §6.1: other gateways' ADVERTISE and clients' GWINFO are not for us.
        log_in(from, p, nullptr);
        return;
    case msg_type::searchgw:
        log_in(from, p, nullptr);
        handle_searchgw(from, std::get<mqttsn::searchgw>(p));
        return;
    case msg_type::connect:
        log_in(from, p, nullptr);
        handle_connect(from, std::get<mqttsn::connect>(p), now);
        return;
    case msg_type::pingreq:
        handle_pingreq(from, std::get<mqttsn::pingreq>(p), now);
        return;
    case msg_type::disconnect:
        handle_disconnect(from, std::get<mqttsn::disconnect>(p), now);
        return;
    case msg_type::publish:
        if (std::get<mqttsn::publish>(p).flag.qos_level == mqttsn::qos::minus_one) {
            log_in(from, p, by_endpoint(from));
            handle_publish_minus_one(from, std::get<mqttsn::publish>(p));
            return;
        }
        break;
    case msg_type::connack:
    case msg_type::willtopicreq:
    case msg_type::willmsgreq:
    case msg_type::suback:
    case msg_type::unsuback:
    case msg_type::pingresp:
    case msg_type::willtopicresp:
    case msg_type::willmsgresp:
    case msg_type::encapsulated:
        log_in(from, p, nullptr);
        count_drop(drop_reason::unexpected_type, &from);
        return;
    default:
        break;
    }

    session* s = by_endpoint(from);
    log_in(from, p, s);
    if (s == nullptr || s->state == session_state::lost ||
        s->state == session_state::disconnected) {
        // DESIGN rule 14, §6.12: unknown client -> DISCONNECT, so that it connects again.
        send(from, mqttsn::disconnect{}, nullptr);
        return;
    }
    if (is_handshake(s->state) && t != msg_type::willtopic && t != msg_type::willmsg) {
        count_drop(drop_reason::not_connected, &from);
        return;
    }
    s->last_heard = now;
    switch (t) {
    case msg_type::willtopic:
        handle_willtopic(*s, std::get<mqttsn::willtopic>(p));
        return; // may end the session
    case msg_type::willmsg:
        handle_willmsg(*s, std::get<mqttsn::willmsg>(p));
        break;
    case msg_type::register_:
        handle_register(*s, std::get<mqttsn::register_>(p));
        break;
    case msg_type::regack:
        handle_regack(*s, std::get<mqttsn::regack>(p), now);
        break;
    case msg_type::publish:
        handle_publish(*s, std::get<mqttsn::publish>(p));
        break;
    case msg_type::puback:
        handle_puback(*s, std::get<mqttsn::puback>(p), now);
        break;
    case msg_type::pubrec:
        handle_pubrec(*s, std::get<mqttsn::pubrec>(p), now);
        break;
    case msg_type::pubrel:
        handle_pubrel(*s, std::get<mqttsn::pubrel>(p));
        break;
    case msg_type::pubcomp:
        handle_pubcomp(*s, std::get<mqttsn::pubcomp>(p), now);
        break;
    case msg_type::subscribe:
        handle_subscribe(*s, std::get<mqttsn::subscribe>(p));
        break;
    case msg_type::unsubscribe:
        handle_unsubscribe(*s, std::get<mqttsn::unsubscribe>(p));
        break;
    case msg_type::willtopicupd:
        handle_willtopicupd(*s, std::get<mqttsn::willtopicupd>(p));
        break;
    case msg_type::willmsgupd:
        handle_willmsgupd(*s, std::get<mqttsn::willmsgupd>(p));
        break;
    default:
        count_drop(drop_reason::unexpected_type, &from);
        return;
    }
    schedule(*s);
}

void gateway_core::handle_connect(const endpoint& from, const mqttsn::connect& c, time_point now) {
    if (c.client_id.size() > settings_.max_client_id_length) {
        send(from, mqttsn::connack{return_code::not_supported}, nullptr); // DESIGN rule 13
        return;
    }
    session* s = by_client_id(c.client_id);
    if (s == nullptr) {
        if (sessions_.size() >= settings_.max_clients && !evict_one_idle()) {
            count_drop(drop_reason::max_clients, &from); // throttled log, unlike a line per CONNECT
            send(from, mqttsn::connack{return_code::congestion}, nullptr);
            return;
        }
        s = &create_session(from, c.client_id);
    } else {
        if (s->state == session_state::open_wait && s->peer == from) {
            return; // a retransmitted CONNECT: the CONNACK follows on_open
        }
        if (!(s->peer == from)) {
            rebind(*s, from); // DESIGN "Identity": NAT and NB-IoT change ports
        }
        // DESIGN rules 5 and 15: a CONNECT is a new connection, from any state.
        close_mqtt_side(*s, common::close_reason::disconnect);
    }
    s->pending.clear();
    s->inflight = inflight_kind::none;
    s->retries = 0;
    if (c.flag.clean_session) {
        // §6.3: delete all subscriptions (the MQTT side does) and Will data.
        s->topics.clear();
        s->queue.clear();
        s->qos2_received.clear();
        s->will_topic.clear();
        s->will_payload.clear();
        s->will_qos = 0;
        s->will_retain = false;
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
        send(s->peer, mqttsn::willtopicreq{}, s);
    } else {
        open_mqtt_side(*s);
    }
    if (session* again = by_id(s->id)) {
        schedule(*again);
    }
}

void gateway_core::handle_willtopic(session& s, const mqttsn::willtopic& w) {
    if (s.state != session_state::will_topic_wait && s.state != session_state::will_msg_wait) {
        count_drop(drop_reason::unexpected_type, &s.peer);
        schedule(s);
        return;
    }
    if (w.topic.empty()) {
        // §5.4.7, §6.3: an empty WILLTOPIC means no will.
        s.will_topic.clear();
        s.will_payload.clear();
        open_mqtt_side(s);
        schedule(s);
        return;
    }
    if (has_wildcard(w.topic)) {
        send(s.peer, mqttsn::connack{return_code::not_supported}, &s);
        s.state = session_state::disconnected;
        end_session(s);
        return;
    }
    s.will_topic = w.topic;
    s.will_qos = qos_number(w.flag.qos_level);
    s.will_retain = w.flag.retain;
    s.will_payload.clear();
    s.state = session_state::will_msg_wait;
    send(s.peer, mqttsn::willmsgreq{}, &s);
    schedule(s);
}

void gateway_core::handle_willmsg(session& s, const mqttsn::willmsg& w) {
    if (s.state == session_state::active) {
        // A retransmitted WILLMSG: our CONNACK was lost (§6.2).
        send(s.peer, mqttsn::connack{return_code::accepted}, &s);
        return;
    }
    if (s.state != session_state::will_msg_wait) {
        count_drop(drop_reason::unexpected_type, &s.peer);
        return;
    }
    s.will_payload = w.message;
    open_mqtt_side(s);
}

void gateway_core::handle_register(session& s, const mqttsn::register_& r) {
    // §6.5. A REGISTER never carries wildcards (§6.10), nor anything else MQTT refuses.
    if (!valid_topic_name(r.topic_name)) {
        send(s.peer, mqttsn::regack{0, r.msg_id, return_code::invalid_topic_id}, &s);
        return;
    }
    auto* e = s.topics.assign(r.topic_name, settings_.max_topics_per_client);
    if (e == nullptr) {
        send(s.peer, mqttsn::regack{0, r.msg_id, return_code::congestion}, &s);
        return;
    }
    e->known_to_client = true;
    e->rejected = false; // the client wants this name again (§6.10)
    send(s.peer, mqttsn::regack{e->id, r.msg_id, return_code::accepted}, &s);
}

void gateway_core::handle_regack(session& s, const mqttsn::regack& r, time_point now) {
    if (s.inflight != inflight_kind::register_ || r.msg_id != s.inflight_msg_id) {
        return;
    }
    if (r.rc == return_code::congestion) {
        return; // the client is busy: our retransmission timer tries again
    }
    s.inflight = inflight_kind::none;
    s.retries = 0;
    auto* e = s.topics.find(s.inflight_topic_id);
    if (r.rc == return_code::accepted) {
        if (e != nullptr) {
            e->known_to_client = true;
        }
    } else if (e != nullptr) {
        // §6.10: a rejected REGISTER is an unsubscribe from that topic name: this message
        // and later ones for the name are dropped (pump), until the client asks for it again
        // by SUBSCRIBE or REGISTER.
        e->rejected = true;
        if (!s.queue.empty() && s.queue.front().topic == e->name) {
            count_drop(drop_reason::register_rejected, &s.peer);
            s.queue.pop_front();
        }
    }
    pump(s, now);
}

std::string_view gateway_core::topic_of(const session& s, const mqttsn::flags& f, std::uint16_t id,
                                        std::array<char, 2>& short_buf) const {
    switch (f.topic_type) {
    case mqttsn::topic_id_type::normal:
        if (const auto* n = s.topics.name_of(id)) {
            return *n;
        }
        return {};
    case mqttsn::topic_id_type::predefined:
        if (const auto* n = predefined_.name_of(s.client_id, id)) {
            return *n;
        }
        return {};
    case mqttsn::topic_id_type::short_name:
        // DESIGN rule 2: the two bytes as they are.
        short_buf[0] = static_cast<char>(id >> 8);
        short_buf[1] = static_cast<char>(id & 0xFFu);
        return {short_buf.data(), 2};
    }
    return {};
}

void gateway_core::handle_publish(session& s, mqttsn::publish& p) {
    std::array<char, 2> short_buf{};
    const std::string_view topic = topic_of(s, p.flag, p.topic_id, short_buf);
    if (topic.empty() || !valid_topic_name(topic)) {
        // §6.6, §6.7: whatever the QoS, an unknown topic id gets PUBACK "invalid topic id";
        // so does a short name that is no MQTT topic name (DESIGN rule 2 takes the two bytes
        // as they are, and "+a" can never be published: congestion would make the client
        // wait T_WAIT and retry in vain).
        send(s.peer, mqttsn::puback{p.topic_id, p.msg_id, return_code::invalid_topic_id}, &s);
        return;
    }
    const std::uint8_t q = qos_number(p.flag.qos_level);
    if (q == 2 && std::find(s.qos2_received.begin(), s.qos2_received.end(), p.msg_id) !=
                      s.qos2_received.end()) {
        // A duplicate of a QoS 2 PUBLISH we already own: PUBREC again, publish nothing.
        send(s.peer, mqttsn::pubrec{p.msg_id}, &s);
        return;
    }
    if (q > 0) {
        for (const auto& pu : s.pending) {
            if (pu.what == pending_upstream::kind::publish && pu.msg_id == p.msg_id) {
                return; // a retransmission while the MQTT side still works on the first copy
            }
        }
        if (s.pending.size() + s.qos2_received.size() >= settings_.max_pending_from_client) {
            send(s.peer, mqttsn::puback{p.topic_id, p.msg_id, return_code::congestion}, &s);
            return;
        }
    }
    scratch_.topic.assign(topic);
    scratch_.payload = std::move(p.data);
    scratch_.qos = q;
    scratch_.retain = p.flag.retain;
    if (q == 0) {
        side_.publish(s.id, scratch_, 0); // DESIGN rule 12: the MsgId is ignored
        return;
    }
    const std::uint32_t token = take_token();
    s.pending.push_back(
        pending_upstream{token, p.msg_id, p.topic_id, pending_upstream::kind::publish, q});
    side_.publish(s.id, scratch_, token);
}

void gateway_core::handle_publish_minus_one(const endpoint& from, mqttsn::publish& p) {
    // MQTT-SN 1.2 §6.8: connectionless; only predefined ids and short names (DESIGN rule 1).
    if (!settings_.qos_minus_one_senders.empty() &&
        std::none_of(settings_.qos_minus_one_senders.begin(), settings_.qos_minus_one_senders.end(),
                     [&](const common::address_prefix& a) { return a.contains(from.address); })) {
        count_drop(drop_reason::qos_minus_one_sender, &from);
        return;
    }
    std::string_view topic;
    std::array<char, 2> short_buf{};
    switch (p.flag.topic_type) {
    case mqttsn::topic_id_type::normal:
        count_drop(drop_reason::qos_minus_one_name, &from);
        return;
    case mqttsn::topic_id_type::predefined: {
        const session* s = by_endpoint(from);
        if (const auto* n = predefined_.name_of(s != nullptr ? s->client_id : "", p.topic_id)) {
            topic = *n;
        }
        break;
    }
    case mqttsn::topic_id_type::short_name:
        short_buf[0] = static_cast<char>(p.topic_id >> 8);
        short_buf[1] = static_cast<char>(p.topic_id & 0xFFu);
        topic = std::string_view(short_buf.data(), 2);
        break;
    }
    if (topic.empty() ||
        (!settings_.qos_minus_one_topics.empty() &&
         std::find(settings_.qos_minus_one_topics.begin(), settings_.qos_minus_one_topics.end(),
                   topic) == settings_.qos_minus_one_topics.end())) {
        count_drop(drop_reason::qos_minus_one_topic, &from);
        return;
    }
    scratch_.topic.assign(topic);
    scratch_.payload = std::move(p.data);
    scratch_.qos = 0;
    scratch_.retain = p.flag.retain;
    side_.publish_connectionless(scratch_);
}

void gateway_core::handle_puback(session& s, const mqttsn::puback& a, time_point now) {
    if (s.inflight != inflight_kind::publish || a.msg_id != s.inflight_msg_id) {
        return;
    }
    if (a.rc == return_code::accepted) {
        complete_inflight(s, now);
        return;
    }
    if (a.rc == return_code::invalid_topic_id) {
        // §6.10: the client does not know the id: correct the assignment (REGISTER again,
        // once), then send the message again.
        auto& m = s.queue.front();
        auto* e = s.inflight_topic_type == 0 ? s.topics.find(s.inflight_topic_id) : nullptr;
        if (e != nullptr && !m.reregistered) {
            e->known_to_client = false;
            m.reregistered = true;
            m.progress = outgoing_message::stage::fresh;
            s.inflight = inflight_kind::none;
            s.retries = 0;
            pump(s, now);
            return;
        }
        count_drop(drop_reason::register_rejected, &s.peer);
        complete_inflight(s, now);
        return;
    }
    // Congestion at the client: keep it in flight, the retransmission timer tries again.
}

void gateway_core::handle_pubrec(session& s, const mqttsn::pubrec& r, time_point now) {
    if (s.inflight == inflight_kind::publish && r.msg_id == s.inflight_msg_id &&
        s.queue.front().qos == 2) {
        s.queue.front().progress = outgoing_message::stage::released;
        s.inflight = inflight_kind::pubrel;
        s.retries = 0;
        send_inflight(s, now);
    } else if (s.inflight == inflight_kind::pubrel && r.msg_id == s.inflight_msg_id) {
        send_inflight(s, now); // our PUBREL was lost
    }
}

void gateway_core::handle_pubcomp(session& s, const mqttsn::pubcomp& c, time_point now) {
    if (s.inflight == inflight_kind::pubrel && c.msg_id == s.inflight_msg_id) {
        complete_inflight(s, now);
    }
}

void gateway_core::handle_pubrel(session& s, const mqttsn::pubrel& r) {
    const auto it = std::find(s.qos2_received.begin(), s.qos2_received.end(), r.msg_id);
    if (it != s.qos2_received.end()) {
        s.qos2_received.erase(it);
    }
    send(s.peer, mqttsn::pubcomp{r.msg_id}, &s);
}

void gateway_core::handle_subscribe(session& s, const mqttsn::subscribe& r) {
    mqttsn::suback refuse;
    refuse.msg_id = r.msg_id;
    if (s.pending.size() + s.qos2_received.size() >= settings_.max_pending_from_client) {
        refuse.rc = return_code::congestion;
        send(s.peer, refuse, &s);
        return;
    }
    std::string_view filter;
    std::uint16_t topic_id = 0;
    std::uint8_t normal_named = 0;
    switch (r.flag.topic_type) {
    case mqttsn::topic_id_type::normal:
        filter = r.topic_name;
        if (!has_wildcard(filter)) {
            auto* e = s.topics.assign(filter, settings_.max_topics_per_client);
            if (e == nullptr) {
                refuse.rc = return_code::congestion;
                send(s.peer, refuse, &s);
                return;
            }
            topic_id = e->id;
            normal_named = 1;
            e->rejected = false;
        } else {
            s.topics.clear_rejected(); // a new wildcard filter may ask for those names again
        }
        // §6.9: with wildcards SUBACK carries topic id 0; REGISTER comes before each new topic.
        break;
    case mqttsn::topic_id_type::predefined: {
        const auto* n = predefined_.name_of(s.client_id, r.topic_id);
        if (n == nullptr) {
            refuse.topic_id = r.topic_id;
            refuse.rc = return_code::invalid_topic_id;
            send(s.peer, refuse, &s);
            return;
        }
        filter = *n;
        topic_id = r.topic_id;
        break;
    }
    case mqttsn::topic_id_type::short_name:
        filter = r.topic_name; // §5.4.15: SUBACK topic id not relevant for short names
        break;
    }
    const std::uint32_t token = take_token();
    // pending.qos marks "normal topic name without wildcards" for subscribe entries.
    s.pending.push_back(pending_upstream{token, r.msg_id, topic_id,
                                         pending_upstream::kind::subscribe, normal_named});
    side_.subscribe(s.id, std::string(filter), qos_number(r.flag.qos_level), token);
}

void gateway_core::handle_unsubscribe(session& s, const mqttsn::unsubscribe& r) {
    std::string_view filter = r.topic_name;
    if (r.flag.topic_type == mqttsn::topic_id_type::predefined) {
        const auto* n = predefined_.name_of(s.client_id, r.topic_id);
        if (n == nullptr) {
            send(s.peer, mqttsn::unsuback{r.msg_id}, &s); // nothing to unsubscribe from
            return;
        }
        filter = *n;
    }
    if (s.pending.size() + s.qos2_received.size() >= settings_.max_pending_from_client) {
        count_drop(drop_reason::queue_full, &s.peer); // UNSUBACK has no return code
        return;
    }
    const std::uint32_t token = take_token();
    s.pending.push_back(
        pending_upstream{token, r.msg_id, 0, pending_upstream::kind::unsubscribe, 0});
    side_.unsubscribe(s.id, std::string(filter), token);
}

void gateway_core::handle_pingreq(const endpoint& from, const mqttsn::pingreq& p, time_point now) {
    session* s = p.client_id.empty() ? by_endpoint(from) : by_client_id(p.client_id);
    packet logged{p};
    log_in(from, logged, s);
    if (s == nullptr) {
        send(from, mqttsn::disconnect{}, nullptr); // DESIGN rule 14
        return;
    }
    if (s->state == session_state::lost || s->state == session_state::disconnected) {
        send(from, mqttsn::disconnect{}, nullptr); // it must CONNECT again (§6.12)
        return;
    }
    if (is_handshake(s->state)) {
        count_drop(drop_reason::not_connected, &from);
        return;
    }
    if (!p.client_id.empty() && !(s->peer == from)) {
        rebind(*s, from); // DESIGN "Identity": PINGREQ(ClientId) from a new address
    }
    s->last_heard = now;
    switch (s->state) {
    case session_state::active:
        send(s->peer, mqttsn::pingresp{}, s); // §6.11
        break;
    case session_state::asleep:
        // §6.14: Asleep -> Awake; flush the buffer, PINGRESP after the last ack (rule 6).
        s->state = session_state::awake;
        pump(*s, now);
        break;
    default:
        break; // Awake: the flush is under way, PINGRESP ends it
    }
    schedule(*s);
}

void gateway_core::handle_disconnect(const endpoint& from, const mqttsn::disconnect& d,
                                     time_point now) {
    session* s = by_endpoint(from);
    packet logged{d};
    log_in(from, logged, s);
    if (s == nullptr || s->state == session_state::lost ||
        s->state == session_state::disconnected) {
        send(from, mqttsn::disconnect{}, nullptr); // §6.12 ack, and DESIGN rule 14
        return;
    }
    s->last_heard = now;
    if (d.duration && *d.duration > 0 && !is_handshake(s->state)) {
        // §6.14: DISCONNECT with a duration -> Asleep (also from Asleep/Awake: new duration).
        s->sleep_s = *d.duration;
        send(s->peer, mqttsn::disconnect{}, s);
        common::log::debug("Client ", s->client_id, " sleeps for ", s->sleep_s, " s.");
        go_asleep(*s, now);
        schedule(*s);
        return;
    }
    // §6.12, §6.14: -> Disconnected; the will is discarded.
    send(s->peer, mqttsn::disconnect{}, s);
    common::log::notice("Client ", s->client_id, " disconnected.");
    close_mqtt_side(*s, common::close_reason::disconnect);
    s->state = session_state::disconnected;
    s->inflight = inflight_kind::none;
    s->retries = 0;
    end_session(*s);
}

void gateway_core::handle_willtopicupd(session& s, const mqttsn::willtopicupd& u) {
    // §6.4: an empty WILLTOPICUPD deletes both the will topic and the will message.
    if (u.topic.empty()) {
        s.will_topic.clear();
        s.will_payload.clear();
    } else if (has_wildcard(u.topic)) {
        send(s.peer, mqttsn::willtopicresp{return_code::not_supported}, &s);
        return;
    } else {
        s.will_topic = u.topic;
        s.will_qos = qos_number(u.flag.qos_level);
        s.will_retain = u.flag.retain;
    }
    if (s.has_will()) {
        side_.set_will(
            s.id, common::will_message{s.will_topic, s.will_payload, s.will_qos, s.will_retain});
    } else {
        side_.set_will(s.id, std::nullopt);
    }
    send(s.peer, mqttsn::willtopicresp{return_code::accepted}, &s);
}

void gateway_core::handle_willmsgupd(session& s, const mqttsn::willmsgupd& u) {
    // §6.4: independent of WILLTOPICUPD; without a will topic there is no will to publish.
    s.will_payload = u.message;
    if (s.has_will()) {
        side_.set_will(
            s.id, common::will_message{s.will_topic, s.will_payload, s.will_qos, s.will_retain});
    }
    send(s.peer, mqttsn::willmsgresp{return_code::accepted}, &s);
}

void gateway_core::handle_searchgw(const endpoint& from, const mqttsn::searchgw& g) {
    // §6.1: GWINFO is broadcast with the SEARCHGW's radius; DESIGN rule 9: also unicast.
    const packet info{mqttsn::gwinfo{settings_.gateway_id, {}}};
    if (from.via_forwarder) {
        send(from, info, nullptr, {}, g.radius); // the forwarder broadcasts it on its side
        return;
    }
    tx_.resize(mqttsn::encoded_size(info));
    const std::size_t n = mqttsn::encode(info, tx_);
    sink_.send_multicast(std::span<const std::uint8_t>(tx_.data(), n), g.radius);
    if (settings_.gwinfo_unicast) {
        send(from, info, nullptr);
    }
}

// --- sessions -----------------------------------------------------------------------------

session* gateway_core::by_endpoint(const endpoint& ep) {
    const auto it = by_endpoint_.find(ep);
    return it == by_endpoint_.end() ? nullptr : by_id(it->second);
}

session* gateway_core::by_client_id(std::string_view client_id) {
    const auto it = by_client_id_.find(client_id);
    return it == by_client_id_.end() ? nullptr : by_id(it->second);
}

session* gateway_core::by_id(common::session_id id) {
    const auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
}

const session* gateway_core::find_session(std::string_view client_id) const {
    const auto it = by_client_id_.find(client_id);
    if (it == by_client_id_.end()) {
        return nullptr;
    }
    const auto s = sessions_.find(it->second);
    return s == sessions_.end() ? nullptr : &s->second;
}

std::optional<session_state> gateway_core::state_of(std::string_view client_id) const {
    const session* s = find_session(client_id);
    if (s == nullptr) {
        return std::nullopt;
    }
    return s->state;
}

session& gateway_core::create_session(const endpoint& ep, std::string_view client_id) {
    const common::session_id id = next_session_id_++;
    session& s = sessions_[id];
    s.id = id;
    s.client_id = std::string(client_id);
    s.peer = ep;
    // The key views the session's own string: unordered_map nodes never move.
    by_client_id_.emplace(std::string_view(s.client_id), id);
    by_endpoint_[ep] = id;
    return s;
}

void gateway_core::rebind(session& s, const endpoint& ep) {
    common::log::debug("Client ", s.client_id, " moved from ", s.peer.address.to_string(), " to ",
                       ep.address.to_string(), ".");
    if (const auto it = by_endpoint_.find(s.peer); it != by_endpoint_.end() && it->second == s.id) {
        by_endpoint_.erase(it);
    }
    s.peer = ep;
    by_endpoint_[ep] = s.id;
}

void gateway_core::erase_session(session& s) {
    if (const auto it = by_endpoint_.find(s.peer); it != by_endpoint_.end() && it->second == s.id) {
        by_endpoint_.erase(it);
    }
    by_client_id_.erase(std::string_view(s.client_id));
    sessions_.erase(s.id);
}

bool gateway_core::evict_one_idle() {
    session* victim = nullptr;
    for (auto& [id, s] : sessions_) {
        if ((s.state == session_state::lost || s.state == session_state::disconnected) &&
            (victim == nullptr || s.last_heard < victim->last_heard)) {
            victim = &s;
        }
    }
    if (victim == nullptr) {
        return false;
    }
    erase_session(*victim);
    return true;
}

void gateway_core::open_mqtt_side(session& s) {
    s.state = session_state::open_wait;
    s.mqtt_open = true;
    common::open_params p;
    p.client_id = s.client_id;
    p.clean_session = s.clean_session;
    p.keep_alive_s = s.keep_alive_s;
    if (s.has_will()) {
        p.will = common::will_message{s.will_topic, s.will_payload, s.will_qos, s.will_retain};
    }
    side_.open(s.id, p);
}

void gateway_core::close_mqtt_side(session& s, common::close_reason why) {
    s.pending.clear(); // no more answers arrive after close()
    if (s.mqtt_open) {
        s.mqtt_open = false;
        side_.close(s.id, why);
    }
}

void gateway_core::lose(session& s, time_point /*now*/) {
    // §6.14: Lost; as with keep-alive, the will is published (by the MQTT side).
    common::log::notice("Client ", s.client_id, " has exceeded timeout, disconnecting.");
    s.state = session_state::lost;
    s.inflight = inflight_kind::none;
    s.retries = 0;
    close_mqtt_side(s, common::close_reason::lost);
    end_session(s);
}

void gateway_core::end_session(session& s) {
    if (s.clean_session) {
        erase_session(s); // nothing survives a clean session
    }
}

void gateway_core::go_asleep(session& s, time_point now) {
    s.state = session_state::asleep;
    s.last_heard = now; // the sleep timer (re)starts now (§6.14)
    // Keep-alive and retransmissions stop while asleep (DESIGN rule 7); the message in flight
    // stays at the front of the buffer and goes again (DUP) on wake-up.
    s.inflight = inflight_kind::none;
    s.retries = 0;
}

// --- downstream delivery (§6.10) ------------------------------------------------------------

void gateway_core::deliver(session& s, common::mqtt_message&& msg) {
    outgoing_message m;
    m.topic = std::move(msg.topic);
    m.payload = std::move(msg.payload);
    m.qos = std::min<std::uint8_t>(msg.qos, 2);
    m.retain = msg.retain;
    const bool asleep = s.state == session_state::asleep;
    const std::size_t bound = asleep ? settings_.sleep_buffer_size : settings_.max_queued_messages;
    const auto r = s.queue.push(std::move(m), bound);
    if (r != delivery_queue::push_result::queued) {
        count_drop(asleep ? drop_reason::sleep_buffer_full : drop_reason::queue_full, &s.peer);
    }
}

void gateway_core::pump(session& s, time_point now) {
    if (s.state != session_state::active && s.state != session_state::awake) {
        return;
    }
    while (s.inflight == inflight_kind::none && !s.queue.empty()) {
        auto& m = s.queue.front();
        if (m.progress == outgoing_message::stage::released) {
            s.inflight = inflight_kind::pubrel; // resume a QoS 2 exchange after sleep/reconnect
            s.inflight_msg_id = m.msg_id;
            s.retries = 0;
            send_inflight(s, now);
            return;
        }
        mqttsn::flags f;
        f.qos_level = static_cast<mqttsn::qos>(m.qos);
        f.retain = m.retain;
        std::uint16_t topic_id = 0;
        if (auto* e = s.topics.find(m.topic); e != nullptr && e->known_to_client) {
            f.topic_type = mqttsn::topic_id_type::normal;
            topic_id = e->id;
        } else if (const auto pid = predefined_.id_of(s.client_id, m.topic)) {
            f.topic_type = mqttsn::topic_id_type::predefined; // §6.7: no REGISTER needed
            topic_id = *pid;
        } else if (m.topic.size() == 2) {
            f.topic_type = mqttsn::topic_id_type::short_name;
            topic_id = short_topic_id(m.topic);
        } else {
            // §6.10: REGISTER first; the PUBLISH waits for the REGACK.
            if (m.topic.size() + register_overhead > mqttsn::max_message_size) {
                count_drop(drop_reason::too_long, &s.peer);
                s.queue.pop_front();
                continue;
            }
            auto* reg = s.topics.assign(m.topic, settings_.max_topics_per_client);
            if (reg == nullptr) {
                count_drop(drop_reason::topic_table_full, &s.peer);
                s.queue.pop_front();
                continue;
            }
            if (reg->rejected) {
                count_drop(drop_reason::register_rejected, &s.peer); // §6.10: unsubscribed
                s.queue.pop_front();
                continue;
            }
            s.inflight = inflight_kind::register_;
            s.inflight_topic_id = reg->id;
            s.inflight_msg_id = s.take_msg_id();
            s.retries = 0;
            send_inflight(s, now);
            return;
        }
        if (m.payload.size() + publish_overhead > mqttsn::max_message_size) {
            count_drop(drop_reason::too_long, &s.peer); // §6.10: silently aborted
            s.queue.pop_front();
            continue;
        }
        if (m.qos == 0) {
            const packet pk{mqttsn::publish{f, topic_id, 0, std::move(m.payload)}};
            send(s.peer, pk, &s, m.topic);
            s.queue.pop_front();
            continue;
        }
        if (m.msg_id == 0) {
            m.msg_id = s.take_msg_id();
        }
        s.inflight = inflight_kind::publish;
        s.inflight_msg_id = m.msg_id;
        s.inflight_topic_id = topic_id;
        s.inflight_topic_type = static_cast<std::uint8_t>(f.topic_type);
        s.retries = 0;
        send_inflight(s, now);
        return;
    }
    if (s.state == session_state::awake && s.inflight == inflight_kind::none && s.queue.empty()) {
        // §6.14, DESIGN rule 6: PINGRESP closes the awake period, back to Asleep.
        send(s.peer, mqttsn::pingresp{}, &s);
        go_asleep(s, now);
    }
}

void gateway_core::send_inflight(session& s, time_point now) {
    switch (s.inflight) {
    case inflight_kind::none:
        return;
    case inflight_kind::register_: {
        const auto* name = s.topics.name_of(s.inflight_topic_id);
        if (name == nullptr) {
            s.inflight = inflight_kind::none;
            return;
        }
        send(s.peer, mqttsn::register_{s.inflight_topic_id, s.inflight_msg_id, *name}, &s);
        break;
    }
    case inflight_kind::publish: {
        auto& m = s.queue.front();
        mqttsn::flags f;
        f.dup = m.sent_before; // §5.3.4: DUP on a retransmission
        f.qos_level = static_cast<mqttsn::qos>(m.qos);
        f.retain = m.retain;
        f.topic_type = static_cast<mqttsn::topic_id_type>(s.inflight_topic_type);
        packet pk{mqttsn::publish{f, s.inflight_topic_id, m.msg_id, std::move(m.payload)}};
        send(s.peer, pk, &s, m.topic);
        m.payload = std::move(std::get<mqttsn::publish>(pk).data);
        m.sent_before = true;
        m.progress = outgoing_message::stage::sent;
        break;
    }
    case inflight_kind::pubrel:
        send(s.peer, mqttsn::pubrel{s.inflight_msg_id}, &s);
        break;
    }
    s.retry_at = now + settings_.retry_interval;
}

void gateway_core::complete_inflight(session& s, time_point now) {
    s.queue.pop_front();
    s.inflight = inflight_kind::none;
    s.retries = 0;
    pump(s, now);
}

void gateway_core::supervise(session& s, time_point now) {
    if (s.inflight != inflight_kind::none && now >= s.retry_at) {
        if (s.retries < settings_.retry_count) {
            ++s.retries; // DESIGN rule 8: T_retry, N_retry, DUP set
            send_inflight(s, now);
        } else {
            s.inflight = inflight_kind::none;
            s.retries = 0;
            if (s.state == session_state::awake) {
                // The device went back to sleep without acking: the message stays in custody
                // and goes again on the next wake-up.
                common::log::debug("Client ", s.client_id, " did not ack; back to asleep.");
                go_asleep(s, now);
            } else {
                // §6.13, by symmetry: after N_retry retransmissions the peer is gone.
                lose(s, now);
                return;
            }
        }
    }
    switch (s.state) {
    case session_state::will_topic_wait:
    case session_state::will_msg_wait:
    case session_state::open_wait:
        if (now >= s.last_heard + settings_.connect_timeout) {
            common::log::debug("Client ", s.client_id, " did not complete CONNECT.");
            close_mqtt_side(s, common::close_reason::disconnect);
            s.state = session_state::disconnected;
            end_session(s);
            return;
        }
        break;
    case session_state::active:
        if (s.keep_alive_s > 0 && now >= s.last_heard + tolerance(s.keep_alive_s)) {
            lose(s, now); // §6.14: keep-alive expired -> Lost
            return;
        }
        break;
    case session_state::asleep:
        if (now >= s.last_heard + tolerance(s.sleep_s)) {
            lose(s, now); // §6.14: sleep duration expired -> Lost
            return;
        }
        break;
    default:
        break;
    }
    schedule(s);
}

// --- timers -------------------------------------------------------------------------------

std::chrono::milliseconds gateway_core::tolerance(std::uint16_t seconds) noexcept {
    // MQTT-SN 1.2 §7.2: 10 % more than the indicated duration above one minute, 50 % below.
    const std::chrono::milliseconds d{static_cast<std::int64_t>(seconds) * 1000};
    return seconds > 60 ? d * 11 / 10 : d * 3 / 2;
}

std::optional<time_point> gateway_core::deadline_of(const session& s) const {
    std::optional<time_point> d;
    if (s.inflight != inflight_kind::none) {
        d = s.retry_at;
    }
    std::optional<time_point> sup;
    switch (s.state) {
    case session_state::will_topic_wait:
    case session_state::will_msg_wait:
    case session_state::open_wait:
        sup = s.last_heard + settings_.connect_timeout;
        break;
    case session_state::active:
        if (s.keep_alive_s > 0) {
            sup = s.last_heard + tolerance(s.keep_alive_s);
        }
        break;
    case session_state::asleep:
        sup = s.last_heard + tolerance(s.sleep_s);
        break;
    default:
        break;
    }
    if (sup && (!d || *sup < *d)) {
        d = sup;
    }
    return d;
}

void gateway_core::schedule(session& s) {
    const auto d = deadline_of(s);
    if (d && *d < s.scheduled) {
        s.scheduled = *d;
        timers_.push_back(timer_entry{*d, s.id});
        std::push_heap(timers_.begin(), timers_.end(), std::greater<>{});
    }
}

// --- output -------------------------------------------------------------------------------

void gateway_core::send(const endpoint& to, const packet& p, const session* s,
                        std::string_view topic_name, std::uint8_t radius) {
    tx_.resize(mqttsn::encoded_size(p));
    const std::size_t n = mqttsn::encode(p, tx_);
    if (n == 0) {
        count_drop(drop_reason::too_long, &to);
        return;
    }
    if (packet_log::enabled()) {
        packet_log::log_sent(s != nullptr ? std::string(s->client_id) : to.address.to_string(), p,
                             topic_name);
    }
    if (!to.via_forwarder) {
        sink_.send(to.address, std::span<const std::uint8_t>(tx_.data(), n));
        return;
    }
    // §5.5: answers to a node behind a forwarder go back wrapped.
    const packet wrapped{mqttsn::encapsulated{
        radius, std::vector<std::uint8_t>(to.node_id.begin(), to.node_id.end()),
        std::vector<std::uint8_t>(tx_.begin(), tx_.begin() + static_cast<std::ptrdiff_t>(n))}};
    tx_.resize(mqttsn::encoded_size(wrapped));
    const std::size_t w = mqttsn::encode(wrapped, tx_);
    if (w == 0) {
        count_drop(drop_reason::too_long, &to);
        return;
    }
    sink_.send(to.address, std::span<const std::uint8_t>(tx_.data(), w));
}

void gateway_core::send_advertise(time_point /*now*/) {
    const packet adv{
        mqttsn::advertise{settings_.gateway_id, static_cast<std::uint16_t>(std::min<std::uint32_t>(
                                                    settings_.advertise_interval_s, 0xFFFF))}};
    tx_.resize(mqttsn::encoded_size(adv));
    const std::size_t n = mqttsn::encode(adv, tx_);
    sink_.send_multicast(std::span<const std::uint8_t>(tx_.data(), n), 0);
}

void gateway_core::count_drop(drop_reason r, const endpoint* from, std::size_t size) {
    ++drops_[static_cast<std::size_t>(r)];
    if (drop_counter_ != nullptr) {
        drop_counter_->drop(to_string(r), from != nullptr ? from->address : common::net_address{},
                            size, now_(), from == nullptr ? "message from the MQTT side" : "");
    }
}

void gateway_core::log_in(const endpoint& from, const packet& p, const session* s) const {
    if (!packet_log::enabled()) {
        return;
    }
    std::string_view topic;
    std::array<char, 2> short_buf{};
    if (const auto* pub = std::get_if<mqttsn::publish>(&p); pub != nullptr && s != nullptr) {
        topic = topic_of(*s, pub->flag, pub->topic_id, short_buf);
    }
    if (s != nullptr) {
        packet_log::log_received(s->client_id, p, topic);
    } else {
        packet_log::log_received(from.address.to_string(), p, topic);
    }
}

} // namespace snbridge::gateway
