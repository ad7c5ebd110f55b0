#include "bridge/local/mqtt_connection.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <unordered_set>

#include "bridge/local/mqtt_log.hpp"
#include "common/custody_queue.hpp"
#include "common/log.hpp"
#include "common/mqtt/framer.hpp"
#include "common/password_hash.hpp"

namespace snbridge::bridge::local {

namespace mqtt = common::mqtt;

/// One outgoing QoS 1/2 message awaiting acknowledgement.
struct outbound {
    std::uint16_t packet_id = 0;
    std::uint8_t qos = 1;
    /// QoS 2 after PUBREC: PUBREL sent, awaiting PUBCOMP; the message itself is no longer
    /// needed.
    bool released = false;
    message_ptr msg;
};

struct mqtt_connection::session_state {
    std::deque<outbound> inflight;
    /// Waiting behind the in-flight window; bounded by max_queued, refusing when full (the
    /// core asks can_take() first, docs/architecture.md "Custody").
    common::custody_queue<message_ptr> queue;
    /// Incoming QoS 2 packet ids answered with PUBREC and awaiting PUBREL (method B of
    /// MQTT 3.1.1 §4.3.3: the message was published on receipt). At most 65535 ids.
    std::unordered_set<std::uint16_t> awaiting_pubrel;
    std::uint16_t next_id = 1;
};

namespace {

/// The deleter type marks a session attachment as ours (std::get_deleter), so an attachment
/// left by another kind of client with the same client id is never misread.
struct session_state_deleter {
    void operator()(mqtt_connection::session_state* s) const noexcept {
        std::default_delete<mqtt_connection::session_state>{}(s);
    }
};

std::shared_ptr<mqtt_connection::session_state> new_session_state() {
    return {std::make_unique<mqtt_connection::session_state>().release(), session_state_deleter{}};
}

std::shared_ptr<mqtt_connection::session_state> our_state(const std::shared_ptr<void>& att) {
    if (att && std::get_deleter<session_state_deleter>(att) != nullptr) {
        return std::static_pointer_cast<mqtt_connection::session_state>(att);
    }
    return nullptr;
}

/// Scratch buffer for encoding outgoing packets (loop thread only).
std::vector<std::uint8_t>& scratch() {
    static std::vector<std::uint8_t> buffer;
    return buffer;
}

std::string generated_client_id() {
    // MQTT 3.1.1 §3.1.3.1: the server assigns a unique id to an empty one (clean session).
    static std::uint64_t counter = 0;
    return common::log::cat("auto-", std::hex, ++counter, "-",
                            std::chrono::steady_clock::now().time_since_epoch().count());
}

} // namespace

mqtt_connection_stats::mqtt_connection_stats(common::metrics::registry& r) {
    const auto packets = [&r](std::string_view direction) {
        return r.counter_of("snbridge_mqtt_packets_total",
                            "MQTT packets of the MQTT listener's clients, by direction.",
                            {{"direction", direction}});
    };
    packets_in = packets("in");
    packets_out = packets("out");
    dropped_queue_full =
        r.counter_of("snbridge_mqtt_dropped_total",
                     "Wills and retained messages an MQTT client's full queue could not take.");
    paused = r.counter_of("snbridge_mqtt_publishers_paused_total",
                          "Times an MQTT publisher was not read: a subscriber had no room.");
    acl_refused = r.counter_of("snbridge_mqtt_acl_refused_total",
                               "CONNECTs (CONNACK 5), PUBLISHes (dropped) and subscriptions "
                               "(0x80) of MQTT clients refused by clients.allowed_client_ids or "
                               "clients.acl.");
    stuck = r.counter_of("snbridge_mqtt_stuck_consumers_total",
                         "MQTT clients disconnected: their queue stayed full past "
                         "broker.stuck_consumer_timeout.");
}

mqtt_connection::mqtt_connection(broker_core& core, const mqtt_settings& settings,
                                 mqtt_transport& out, common::net_address peer,
                                 clock::time_point now)
    : core_(core)
    , settings_(settings)
    , out_(out)
    , peer_(peer)
    , accepted_at_(now)
    , last_received_(now) {}

mqtt_connection::~mqtt_connection() = default;

std::size_t mqtt_connection::inflight() const noexcept {
    return session_ ? session_->inflight.size() : 0;
}

std::size_t mqtt_connection::queued() const noexcept {
    return session_ ? session_->queue.size() : 0;
}

void mqtt_connection::on_bytes(std::span<const std::uint8_t> bytes, clock::time_point now) {
    if (state_ == state::closing) {
        return;
    }
    last_received_ = now;
    in_.insert(in_.end(), bytes.begin(), bytes.end());
    if (!paused_) {
        process(now);
    }
}

void mqtt_connection::resume_reading(clock::time_point now) {
    resume_requested_ = false;
    if (!paused_ || state_ == state::closing) {
        return;
    }
    paused_ = false;
    last_received_ = now; // the client was not read while paused: not its silence
    process(now);
}

void mqtt_connection::process(clock::time_point now) {
    std::size_t consumed = 0;
    while (state_ != state::closing) {
        const auto view = std::span<const std::uint8_t>(in_).subspan(consumed);
        const auto frame = mqtt::next_frame(view, settings_.max_packet_size);
        if (!frame) {
            // MQTT 3.1.1 §4.8: a malformed packet closes this connection only.
            begin_close(common::close_reason::lost, false,
                        common::log::cat("bad packet (", mqtt::to_string(frame.error()), ")"));
            break;
        }
        if (!frame->complete) {
            break;
        }
        auto p = mqtt::decode(view.first(frame->total_size));
        if (!p) {
            consumed += frame->total_size;
            ++stats_.packets_in;
            if (p.error() == mqtt::decode_error::unsupported_protocol_level &&
                state_ == state::awaiting_connect) {
                refuse(mqtt::connack_code::unacceptable_protocol_version); // §3.1.2.2
            } else {
                begin_close(
                    common::close_reason::lost, false,
                    common::log::cat("malformed packet (", mqtt::to_string(p.error()), ")"));
            }
            break;
        }
        if (!handle(std::move(*p), now)) {
            break; // refused for backpressure: the PUBLISH stays in in_ for resume_reading()
        }
        consumed += frame->total_size;
        ++stats_.packets_in;
    }
    if (state_ == state::closing) {
        in_.clear();
        in_.shrink_to_fit();
        return;
    }
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(consumed));
    if (in_.empty() && in_.capacity() > 4096) {
        in_.shrink_to_fit(); // a large packet went through: give the memory back
    }
}

void mqtt_connection::on_tick(clock::time_point now) {
    if (state_ == state::awaiting_connect && now - accepted_at_ >= settings_.connect_timeout) {
        begin_close(common::close_reason::lost, false, "no CONNECT in time");
        return;
    }
    if (state_ != state::connected) {
        return;
    }
    // MQTT 3.1.1 §3.1.2.10: one and a half times the keep-alive without a packet. A paused
    // client is not read, so its silence is ours.
    if (!paused_ && keep_alive_.count() > 0 && now - last_received_ > keep_alive_ * 3 / 2) {
        begin_close(common::close_reason::lost, false, "keep-alive expired");
        return;
    }
    // docs/architecture.md "Custody": a consumer that stays full holds the
    // publishers back; past the timeout it is lost, as on a keep-alive expiry (will published).
    if (stuck_check_pending_) {
        stuck_check_pending_ = false;
        if (full() && !full_since_) {
            full_since_ = now;
        }
    }
    if (full_since_ && !full()) {
        full_since_.reset();
    }
    if (full_since_ && now - *full_since_ >= settings_.stuck_consumer_timeout) {
        ++stats_.stuck;
        begin_close(common::close_reason::lost, false,
                    common::log::cat("stuck consumer (queue full, no acknowledgement for ",
                                     settings_.stuck_consumer_timeout.count(), " ms)"));
    }
}

std::optional<mqtt_connection::clock::time_point> mqtt_connection::next_deadline() const noexcept {
    if (state_ == state::awaiting_connect) {
        return accepted_at_ + settings_.connect_timeout;
    }
    if (state_ != state::connected) {
        return std::nullopt;
    }
    if (stuck_check_pending_) {
        return accepted_at_; // already due: on_tick() starts the stuck clock
    }
    std::optional<clock::time_point> next;
    // MQTT 3.1.1 §3.1.2.10: one and a half times the keep-alive without a packet.
    if (!paused_ && keep_alive_.count() > 0) {
        next = last_received_ + keep_alive_ * 3 / 2;
    }
    if (full_since_) {
        const auto stuck_at = *full_since_ + settings_.stuck_consumer_timeout;
        if (!next || stuck_at < *next) {
            next = stuck_at;
        }
    }
    return next;
}

void mqtt_connection::on_transport_end() {
    if (state_ != state::closing) {
        state_ = state::closing;
        reason_ = common::close_reason::lost;
        if (!client_id_.empty()) {
            common::log::notice("Client ", client_id_, " closed its connection.");
        }
    }
}

void mqtt_connection::detach() {
    if (conn_ != 0 && !taken_over_) {
        core_.disconnect(conn_, reason_);
    }
    conn_ = 0;
}

void mqtt_connection::detach_for_shutdown() {
    reason_ = common::close_reason::shutdown;
    state_ = state::closing;
    detach();
}

void mqtt_connection::begin_close(common::close_reason reason, bool flush, std::string_view why) {
    if (state_ == state::closing) {
        return;
    }
    state_ = state::closing;
    reason_ = reason;
    if (!why.empty()) {
        common::log::notice("Client ", client_id_.empty() ? "<unknown>" : client_id_, " from ",
                            peer_.to_string(), " disconnected: ", why, ".");
    } else if (reason == common::close_reason::disconnect) {
        common::log::notice("Client ", client_id_, " disconnected."); // as Mosquitto
    }
    out_.close(flush);
}

void mqtt_connection::send(const mqtt::packet& p) {
    if (state_ == state::closing && !std::holds_alternative<mqtt::connack>(p)) {
        return;
    }
    mqtt_log::sent(client_id_, p);
    auto& buf = scratch();
    buf.resize(mqtt::encoded_size(p));
    const auto n = mqtt::encode(p, buf);
    ++stats_.packets_out;
    if (n == 0 || !out_.send(std::span(buf).first(n))) {
        // Cannot happen for valid packets, or the client does not read: it is lost.
        begin_close(common::close_reason::lost, false, "cannot send (write queue full)");
    }
}

void mqtt_connection::send_publish(const common::mqtt_message& msg, std::uint8_t qos,
                                   std::uint16_t id, bool dup) {
    send(mqtt::publish{.dup = dup,
                       .qos = qos,
                       .retain = msg.retain,
                       .topic = msg.topic,
                       .packet_id = qos > 0 ? id : std::uint16_t{0},
                       .payload = msg.payload});
}

bool mqtt_connection::handle(mqtt::packet&& p, clock::time_point now) {
    if (state_ == state::awaiting_connect) {
        if (auto* c = std::get_if<mqtt::connect>(&p)) {
            handle_connect(std::move(*c), now);
        } else {
            // §3.1.0: the first packet must be CONNECT.
            begin_close(common::close_reason::lost, false, "first packet is not CONNECT");
        }
        return true;
    }
    mqtt_log::received(client_id_, p);
    bool consumed = true;
    std::visit(
        [&](auto& pkt) {
            using T = std::decay_t<decltype(pkt)>;
            if constexpr (std::is_same_v<T, mqtt::publish>) {
                consumed = handle_publish(std::move(pkt));
            } else if constexpr (std::is_same_v<T, mqtt::puback>) {
                handle_puback(pkt.packet_id, now);
            } else if constexpr (std::is_same_v<T, mqtt::pubrec>) {
                handle_pubrec(pkt.packet_id, now);
            } else if constexpr (std::is_same_v<T, mqtt::pubrel>) {
                // §4.3.3 method B: forget the id, then PUBCOMP (also for an unknown id).
                session_->awaiting_pubrel.erase(pkt.packet_id);
                send(mqtt::pubcomp{pkt.packet_id});
            } else if constexpr (std::is_same_v<T, mqtt::pubcomp>) {
                handle_pubcomp(pkt.packet_id, now);
            } else if constexpr (std::is_same_v<T, mqtt::subscribe>) {
                handle_subscribe(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::unsubscribe>) {
                handle_unsubscribe(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::pingreq>) {
                send(mqtt::pingresp{}); // §3.12.4
            } else if constexpr (std::is_same_v<T, mqtt::disconnect>) {
                // §3.14.4: discard the will, close the connection.
                begin_close(common::close_reason::disconnect, true, {});
            } else if constexpr (std::is_same_v<T, mqtt::connect>) {
                begin_close(common::close_reason::lost, false, "second CONNECT"); // §3.1.0
            } else {
                // CONNACK, SUBACK, UNSUBACK, PINGRESP go from server to client only.
                begin_close(common::close_reason::lost, false,
                            common::log::cat("unexpected ",
                                             mqtt::to_string(mqtt::type_of(mqtt::packet{pkt}))));
            }
        },
        p);
    return consumed;
}

void mqtt_connection::refuse(mqtt::connack_code rc) {
    send(mqtt::connack{.session_present = false, .rc = rc});
    begin_close(common::close_reason::disconnect, true,
                common::log::cat("CONNACK refused with code ", static_cast<int>(rc)));
}

void mqtt_connection::handle_connect(mqtt::connect&& c, clock::time_point now) {
    // §3.1.3.1: an empty client id needs a clean session; the server assigns one.
    if (c.client_id.empty()) {
        if (!c.clean_session) {
            refuse(mqtt::connack_code::identifier_rejected);
            return;
        }
        c.client_id = generated_client_id();
    }
    client_id_ = c.client_id;
    if (c.client_id.size() > settings_.max_client_id_length) {
        refuse(mqtt::connack_code::identifier_rejected);
        return;
    }
    // §3.1.3.4, §3.1.3.5 and §3.2.2.3: credentials from config.
    if (c.username) {
        const auto it = std::find_if(settings_.users.begin(), settings_.users.end(),
                                     [&](const mqtt_user& u) { return u.username == *c.username; });
        if (it == settings_.users.end() ||
            !common::password_matches(it->password, c.password.value_or(""))) {
            refuse(mqtt::connack_code::bad_username_or_password);
            return;
        }
    } else if (!settings_.allow_anonymous) {
        refuse(mqtt::connack_code::not_authorized);
        return;
    }
    // docs/security.md: clients.allowed_client_ids (as Mosquitto's clientid_prefixes: 5).
    // A ClientId bound to a DTLS identity (mqttsn.dtls.psk) is that device's alone.
    if (!settings_.access.client_allowed(c.client_id) ||
        !settings_.access.identity_allows({}, c.client_id)) {
        ++stats_.acl_refused;
        refuse(mqtt::connack_code::not_authorized);
        return;
    }
    username_ = c.username.value_or("");
    std::optional<common::will_message> will;
    if (c.will) {
        will = common::will_message{.topic = std::move(c.will->topic),
                                    .payload = std::move(c.will->payload),
                                    .qos = c.will->qos,
                                    .retain = c.will->retain};
    }
    const auto r = core_.connect(c.client_id, c.clean_session, std::move(will), *this);
    if (r.status == connect_status::server_full) {
        refuse(mqtt::connack_code::server_unavailable);
        return;
    }
    if (r.status != connect_status::accepted) {
        refuse(mqtt::connack_code::identifier_rejected);
        return;
    }
    conn_ = r.connection;
    state_ = state::connected;
    keep_alive_ = std::chrono::seconds(c.keep_alive_s);
    last_received_ = now;

    // A persistent session brings back what was in flight (§4.4).
    auto* att = core_.attachment(conn_);
    session_ = (r.session_present && att != nullptr) ? our_state(*att) : nullptr;
    const bool resumed = session_ != nullptr;
    if (!resumed) {
        session_ = new_session_state();
        session_->queue.set_bound(settings_.max_queued, common::custody_overflow::refuse);
        if (att != nullptr) {
            *att = session_;
        }
    }
    common::log::notice("New client connected from ", peer_.to_string(), " as ", client_id_,
                        " (p2, c", c.clean_session ? 1 : 0, ", k", c.keep_alive_s,
                        c.username ? common::log::cat(", u'", *c.username, "'") : std::string(),
                        ").");
    send(mqtt::connack{.session_present = r.session_present, .rc = mqtt::connack_code::accepted});
    if (resumed) {
        // §4.4: re-send unacknowledged PUBLISH (DUP=1) and PUBREL with their original ids.
        for (const auto& o : session_->inflight) {
            if (o.released) {
                send(mqtt::pubrel{o.packet_id});
            } else {
                send_publish(*o.msg, o.qos, o.packet_id, true);
            }
        }
        pump();
    }
    core_.resume(conn_);
}

bool mqtt_connection::handle_publish(mqtt::publish&& p) {
    if (p.qos == 2 && session_->awaiting_pubrel.contains(p.packet_id)) {
        // §4.3.3: a duplicate of a message already published: only acknowledge it again.
        send(mqtt::pubrec{p.packet_id});
        return true;
    }
    const auto qos = p.qos;
    const auto id = p.packet_id;
    if (!settings_.access.open() && !settings_.access.may_write(client_id_, username_, p.topic)) {
        // As Mosquitto: MQTT 3.1.1 has no refusal of a PUBLISH; it is acknowledged and
        // dropped, counted, and said once per connection.
        ++stats_.acl_refused;
        if (!acl_logged_) {
            acl_logged_ = true;
            common::log::warning("Client ", client_id_, ": PUBLISH to '", p.topic,
                                 "' refused by clients.acl (dropped; further ones only counted).");
        }
        if (qos == 1) {
            send(mqtt::puback{id});
        } else if (qos == 2) {
            session_->awaiting_pubrel.insert(id);
            send(mqtt::pubrec{id});
        }
        return true;
    }
    common::mqtt_message msg{.topic = std::move(p.topic),
                             .payload = std::move(p.payload),
                             .qos = qos,
                             .retain = p.retain};
    const auto status = core_.publish_checked(std::move(msg), this);
    if (status == publish_status::congested) {
        // docs/architecture.md "Custody": no PUBACK/PUBREC, and no more
        // reading (TCP pushes back on the client) until a subscriber makes room; then this
        // PUBLISH, still in in_, is routed again.
        paused_ = true;
        ++stats_.paused;
        core_.wait_for_room(conn_);
        out_.pause_reading();
        return false;
    }
    if (status != publish_status::accepted) {
        begin_close(common::close_reason::lost, false, "PUBLISH to an invalid topic");
        return true;
    }
    if (qos == 1) {
        send(mqtt::puback{id}); // §4.3.2
    } else if (qos == 2) {
        session_->awaiting_pubrel.insert(id);
        send(mqtt::pubrec{id}); // §4.3.3
    }
    return true;
}

void mqtt_connection::handle_subscribe(const mqtt::subscribe& s) {
    // §3.8.4: one return code per filter, in order; 0x80 for a refused one.
    mqtt::suback ack{.packet_id = s.packet_id, .return_codes = {}};
    std::vector<std::optional<std::uint8_t>> granted;
    granted.reserve(s.subscriptions.size());
    for (const auto& sub : s.subscriptions) {
        if (!settings_.access.may_read(client_id_, username_, sub.filter)) {
            ++stats_.acl_refused; // §3.9.3: 0x80 for this filter
            common::log::notice("Client ", client_id_, ": SUBSCRIBE to '", sub.filter,
                                "' refused by clients.acl.");
            granted.emplace_back(std::nullopt);
            ack.return_codes.push_back(mqtt::suback_failure);
            continue;
        }
        granted.push_back(core_.subscribe(conn_, sub.filter, sub.qos));
        ack.return_codes.push_back(granted.back() ? *granted.back() : mqtt::suback_failure);
    }
    send(ack);
    // §3.3.1.3: retained messages follow the SUBACK.
    for (std::size_t i = 0; i < granted.size() && state_ == state::connected; ++i) {
        if (granted[i]) {
            core_.send_retained(conn_, s.subscriptions[i].filter, *granted[i]);
        }
    }
}

void mqtt_connection::handle_unsubscribe(const mqtt::unsubscribe& u) {
    for (const auto& f : u.filters) {
        core_.unsubscribe(conn_, f);
    }
    send(mqtt::unsuback{u.packet_id}); // §3.10.4: even when nothing matched
}

bool mqtt_connection::full() const noexcept {
    return session_ && session_->inflight.size() >= settings_.max_inflight &&
           session_->queue.full();
}

void mqtt_connection::progress(bool was_full, clock::time_point now) {
    if (full_since_) {
        if (full()) {
            full_since_ = now; // still full, but moving: the stuck clock starts again
        } else {
            full_since_.reset();
        }
    }
    if (was_full && !full()) {
        core_.notify_room(); // wake the publishers refused because of us
    }
}

void mqtt_connection::handle_puback(std::uint16_t id, clock::time_point now) {
    auto& q = session_->inflight;
    const auto it = std::find_if(
        q.begin(), q.end(), [&](const outbound& o) { return o.packet_id == id && o.qos == 1; });
    if (it != q.end()) {
        const bool was_full = full();
        q.erase(it);
        pump();
        progress(was_full, now);
    }
}

void mqtt_connection::handle_pubrec(std::uint16_t id, clock::time_point now) {
    auto& q = session_->inflight;
    const auto it = std::find_if(
        q.begin(), q.end(), [&](const outbound& o) { return o.packet_id == id && o.qos == 2; });
    if (it == q.end()) {
        return;
    }
    // §4.3.3: the receiver has the message; from here on only the id is kept.
    it->released = true;
    it->msg.reset();
    send(mqtt::pubrel{id});
    progress(false, now); // no slot freed yet (PUBCOMP frees it), but the client is alive
}

void mqtt_connection::handle_pubcomp(std::uint16_t id, clock::time_point now) {
    auto& q = session_->inflight;
    const auto it = std::find_if(
        q.begin(), q.end(), [&](const outbound& o) { return o.packet_id == id && o.released; });
    if (it != q.end()) {
        const bool was_full = full();
        q.erase(it);
        pump();
        progress(was_full, now);
    }
}

std::uint16_t mqtt_connection::next_packet_id() {
    auto& s = *session_;
    // §2.3.1: non-zero and not in use. The window is far below 65535, so this ends.
    for (;;) {
        const std::uint16_t id = s.next_id;
        s.next_id = static_cast<std::uint16_t>(s.next_id == 65535 ? 1 : s.next_id + 1);
        const bool used = std::any_of(s.inflight.begin(), s.inflight.end(),
                                      [&](const outbound& o) { return o.packet_id == id; });
        if (!used) {
            return id;
        }
    }
}

void mqtt_connection::pump() {
    auto& s = *session_;
    while (state_ == state::connected && !s.queue.empty() &&
           s.inflight.size() < settings_.max_inflight) {
        message_ptr msg = std::move(s.queue.front());
        s.queue.pop_front();
        send_outbound(std::move(msg));
    }
}

void mqtt_connection::send_outbound(message_ptr msg) {
    const auto id = next_packet_id();
    session_->inflight.push_back(
        outbound{.packet_id = id, .qos = msg->qos, .released = false, .msg = msg});
    send_publish(*msg, msg->qos, id, false);
}

void mqtt_connection::deliver(const message_ptr& msg) {
    if (state_ != state::connected || taken_over_) {
        // Closing: QoS 1/2 stay with a persistent session for the next connection.
        if (session_ && msg->qos > 0) {
            (void)session_->queue.push(message_ptr(msg)); // full: counted by the queue
        }
        return;
    }
    if (msg->qos == 0) {
        send_publish(*msg, 0, 0, false);
        return;
    }
    if (full()) {
        // Only a will or a retained message (the core checks can_take() before routing a
        // publish): nobody can retry it.
        ++stats_.dropped_queue_full;
        if (!drop_logged_) {
            drop_logged_ = true;
            common::log::warning("Client ", client_id_, ": outgoing queue full (",
                                 settings_.max_queued, "), dropping messages.");
        }
        return;
    }
    if (session_->queue.empty() && session_->inflight.size() < settings_.max_inflight) {
        send_outbound(msg); // room in the window: the queue is for what waits behind it
    } else {
        (void)session_->queue.push(message_ptr(msg)); // not full: checked above
    }
    if (full() && !full_since_ && !stuck_check_pending_) {
        stuck_check_pending_ = true;
        out_.deadline_moved();
    }
}

bool mqtt_connection::can_take(std::uint8_t /*qos*/) const {
    // QoS 0 is refused too when full: it would only pile up in the socket's write queue of a
    // client that does not keep up. A closing connection takes everything (a persistent
    // session keeps what it can; the publisher is not held back by a client going away).
    return state_ != state::connected || taken_over_ || !full();
}

void mqtt_connection::room_available() {
    if (paused_ && !resume_requested_ && state_ == state::connected) {
        resume_requested_ = true;
        out_.request_resume();
    }
}

void mqtt_connection::taken_over() {
    // §3.1.4: another connection took the client id; the core already detached us.
    taken_over_ = true;
    conn_ = 0;
    if (state_ != state::closing) {
        state_ = state::closing;
        common::log::notice("Client ", client_id_, " already connected, closing old connection.");
        out_.close(false);
    }
}

} // namespace snbridge::bridge::local
