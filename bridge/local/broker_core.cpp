#include "bridge/local/broker_core.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "common/custody_queue.hpp"
#include "common/log.hpp"
#include "common/persist/store.hpp"
#include "common/topic.hpp"

namespace snbridge::bridge::local {

struct broker_core::session {
    std::string client_id;
    bool clean = true;
    subscriber* sink = nullptr; ///< null while offline
    connection_id connection = 0;
    bool resumed = false; ///< deliveries go to the sink (else to the queue)
    std::optional<common::will_message> will;
    std::unordered_map<std::string, std::uint8_t, string_hash, std::equal_to<>> subscriptions;
    /// Offline (or not yet resumed): QoS 1/2 for the client, oldest dropped when full;
    /// handed-back messages are pinned at the front (docs/architecture.md "Custody").
    common::custody_queue<queued_message> queue;
    /// Sequence numbers of the persisted queue (common/persist): handed-back messages go
    /// before front_seq, new ones after back_seq.
    std::uint64_t front_seq = std::uint64_t{1} << 62;
    std::uint64_t back_seq = std::uint64_t{1} << 62;
    std::shared_ptr<void> attachment;
    /// A clean session restored from disk that no connect(resume=true) has taken yet.
    bool restored = false;
    // Per-publish merge of overlapping subscriptions (see route()).
    std::uint64_t mark_epoch = 0;
    std::size_t mark_index = 0;
};

broker_stats::broker_stats(common::metrics::registry& r) {
    const auto dropped = [&r](std::string_view reason) {
        return r.counter_of("snbridge_broker_dropped_total",
                            "Messages the built-in broker let go, by reason (docs/monitoring.md).",
                            {{"reason", reason}});
    };
    published = r.counter_of("snbridge_broker_messages_received_total",
                             "PUBLISH accepted by the built-in broker (wills included).");
    rejected_publishes =
        r.counter_of("snbridge_broker_publishes_refused_total",
                     "PUBLISH the built-in broker refused, by reason.", {{"reason", "invalid"}});
    refused_congested =
        r.counter_of("snbridge_broker_publishes_refused_total", "", {{"reason", "congested"}});
    delivered = r.counter_of("snbridge_broker_messages_sent_total",
                             "Messages the built-in broker handed to subscribers.");
    queued = r.counter_of("snbridge_broker_offline_queued_total",
                          "Messages put on an offline persistent session's queue.");
    queue_dropped = dropped("offline_queue_full");
    qos0_dropped = dropped("qos0_subscriber_full");
    congested_dropped = dropped("subscriber_full");
    retained_dropped = dropped("retained_store_full");
    wills_published = r.counter_of("snbridge_broker_wills_published_total", "Wills published.");
    takeovers = r.counter_of("snbridge_broker_takeovers_total",
                             "Sessions taken over by a new connection with the same ClientId.");
    refused_connects = r.counter_of("snbridge_broker_connects_refused_total",
                                    "Connections the built-in broker refused.");
    refused_subscriptions = r.counter_of("snbridge_broker_subscriptions_refused_total",
                                         "Subscriptions the built-in broker refused.");
}

void broker_core::publish_sys(common::mqtt_message&& msg) {
    sys_publish_ = true;
    (void)publish(std::move(msg));
    sys_publish_ = false;
}

std::size_t broker_core::connected_count() const noexcept {
    std::size_t n = 0;
    for (const auto& [id, s] : sessions_) {
        if (s->sink != nullptr) {
            ++n;
        }
    }
    return n;
}

void broker_core::attach_metrics(common::metrics::registry& metrics) {
    metrics_ = &metrics;
    stats_ = broker_stats(metrics);
    namespace m = common::metrics;
    metrics.collect("snbridge_broker_sessions",
                    "Sessions of the built-in broker (MQTT-SN and MQTT clients), online or not.",
                    m::kind::gauge, [this](const m::registry::emit& emit) {
                        emit({}, static_cast<double>(session_count()));
                    });
    metrics.collect("snbridge_broker_clients_connected",
                    "Sessions of the built-in broker with a connection attached now.",
                    m::kind::gauge, [this](const m::registry::emit& emit) {
                        emit({}, static_cast<double>(connected_count()));
                    });
    metrics.collect("snbridge_broker_subscriptions", "Subscriptions of the built-in broker.",
                    m::kind::gauge, [this](const m::registry::emit& emit) {
                        emit({}, static_cast<double>(subscription_count()));
                    });
    metrics.collect(
        "snbridge_broker_retained_messages", "Retained messages the built-in broker holds.",
        m::kind::gauge,
        [this](const m::registry::emit& emit) { emit({}, static_cast<double>(retained_count())); });
}

broker_core::broker_core(broker_limits limits)
    : limits_(limits)
    , retained_(limits.max_retained_messages) {}

broker_core::~broker_core() {
    if (metrics_ != own_metrics_.get()) {
        metrics_->forget("snbridge_broker_sessions");
        metrics_->forget("snbridge_broker_clients_connected");
        metrics_->forget("snbridge_broker_subscriptions");
        metrics_->forget("snbridge_broker_retained_messages");
    }
    // Leave the tree empty before sessions (its keys) go away.
    for (auto& [id, s] : sessions_) {
        for (const auto& [filter, qos] : s->subscriptions) {
            tree_.erase(filter, s.get());
        }
    }
}

broker_core::session* broker_core::find(connection_id conn) const {
    const auto it = connections_.find(conn);
    return it == connections_.end() ? nullptr : it->second;
}

std::vector<std::pair<std::string, std::uint8_t>>
broker_core::subscriptions_of(connection_id conn) const {
    std::vector<std::pair<std::string, std::uint8_t>> out;
    if (const session* s = find(conn)) {
        out.reserve(s->subscriptions.size());
        for (const auto& [filter, qos] : s->subscriptions) {
            out.emplace_back(filter, qos);
        }
    }
    return out;
}

bool broker_core::connected(connection_id conn) const {
    return find(conn) != nullptr;
}

std::size_t broker_core::queued(std::string_view client_id) const {
    const auto it = sessions_.find(client_id);
    return it == sessions_.end() ? 0 : it->second->queue.size();
}

std::shared_ptr<void>* broker_core::attachment(connection_id conn) {
    session* s = find(conn);
    return s == nullptr ? nullptr : &s->attachment;
}

connect_result broker_core::connect(std::string_view client_id, bool clean_session,
                                    std::optional<common::will_message> will, subscriber& sink,
                                    bool resume) {
    if (client_id.empty()) {
        ++stats_.refused_connects;
        return {.status = connect_status::invalid_client_id};
    }
    if (auto it = sessions_.find(client_id); it != sessions_.end() && it->second->sink != nullptr) {
        // MQTT 3.1.1 §3.1.4: the new connection takes the session over. The old connection
        // ends without DISCONNECT, so its will is published (§3.1.2.5).
        session& old = *it->second;
        subscriber* old_sink = old.sink;
        auto old_will = std::move(old.will);
        old.will.reset();
        detach(old);
        ++stats_.takeovers;
        common::log::notice("Client ", client_id, " already connected, closing old connection.");
        old_sink->taken_over();
        if (old.clean) {
            erase_session(old); // a clean session ends with its connection
        }
        publish_will(std::move(old_will));
    }

    auto it = sessions_.find(client_id);
    bool present = false;
    if (it != sessions_.end() && resume) {
        // A session restored from disk, taken up again by its gateway session: it keeps its
        // subscriptions, queue and clean flag, as if the restart had not happened.
        it->second->restored = false;
        clean_session = it->second->clean;
        present = true;
    } else if (it != sessions_.end() && clean_session) {
        erase_session(*it->second); // MQTT 3.1.1 §3.1.2.4: discard the previous session
        it = sessions_.end();
    }
    if (it == sessions_.end()) {
        if (sessions_.size() >= limits_.max_sessions) {
            ++stats_.refused_connects;
            common::log::warning("Refusing client ", client_id, ": broker.max_sessions (",
                                 limits_.max_sessions, ") reached.");
            return {.status = connect_status::server_full};
        }
        auto fresh = std::make_unique<session>();
        fresh->queue.set_bound(limits_.max_queued_messages, common::custody_overflow::drop_oldest);
        fresh->client_id = std::string(client_id);
        it = sessions_.emplace(fresh->client_id, std::move(fresh)).first;
    } else {
        present = true;
    }

    session& s = *it->second;
    if (store_ != nullptr && (!present || s.clean != clean_session)) {
        store_->put_broker_session(s.client_id, clean_session);
    }
    s.clean = clean_session;
    s.will = std::move(will);
    s.sink = &sink;
    s.resumed = false;
    s.connection = next_connection_++;
    connections_.emplace(s.connection, &s);
    return {
        .status = connect_status::accepted, .connection = s.connection, .session_present = present};
}

void broker_core::resume(connection_id conn) {
    session* s = find(conn);
    if (s == nullptr || s->resumed) {
        return;
    }
    // Drain in order. A subscriber cannot re-enter, so the queue only shrinks here.
    const bool stored = store_ != nullptr && !s->clean && !s->queue.empty();
    for (auto& q : s->queue.take_all()) {
        ++stats_.delivered;
        s->sink->deliver(q.msg);
    }
    if (stored) {
        store_->erase_broker_queue(s->client_id); // custody passed to the connection
    }
    s->resumed = true;
}

void broker_core::detach(session& s) {
    connections_.erase(s.connection);
    s.connection = 0;
    s.sink = nullptr;
    s.resumed = false;
}

void broker_core::erase_session(session& s) {
    if (store_ != nullptr) {
        store_->erase_broker_session(s.client_id);
    }
    for (const auto& [filter, qos] : s.subscriptions) {
        tree_.erase(filter, &s);
    }
    if (s.connection != 0) {
        connections_.erase(s.connection);
    }
    const auto it = sessions_.find(s.client_id);
    if (it != sessions_.end()) {
        sessions_.erase(it); // destroys s
    }
}

void broker_core::disconnect(connection_id conn, common::close_reason reason,
                             std::span<const message_ptr> unacked) {
    session* s = find(conn);
    if (s == nullptr) {
        return;
    }
    std::optional<common::will_message> will;
    if (reason == common::close_reason::lost) {
        will = std::move(s->will); // MQTT 3.1.1 §3.1.2.5
    }
    s->will.reset();
    detach(*s);
    if (s->clean) {
        erase_session(*s);
    } else {
        // Handed-back messages were already in custody: they do not count against the bound.
        // They go first, in the given order.
        for (auto m = unacked.rbegin(); m != unacked.rend(); ++m) {
            s->queue.push_front_pinned(queued_message{*m, --s->front_seq});
            persist_queued(*s, s->queue.front());
        }
    }
    publish_will(std::move(will));
    notify_room(); // a full sink may have gone: let refused publishers try again
}

void broker_core::wait_for_room(connection_id publisher) {
    if (std::find(waiting_.begin(), waiting_.end(), publisher) == waiting_.end()) {
        waiting_.push_back(publisher);
    }
}

void broker_core::notify_room() {
    if (waiting_.empty()) {
        return;
    }
    auto woken = std::move(waiting_);
    waiting_.clear();
    for (const auto conn : woken) {
        if (session* s = find(conn)) {
            s->sink->room_available();
        }
    }
}

void broker_core::publish_will(std::optional<common::will_message> will) {
    if (!will) {
        return;
    }
    ++stats_.wills_published;
    common::mqtt_message msg{.topic = std::move(will->topic),
                             .payload = std::move(will->payload),
                             .qos = will->qos,
                             .retain = will->retain};
    // A will has no publisher to retry it: it goes to every sink that can take it, and a
    // full one misses it (counted).
    (void)route(msg, &msg, false);
}

void broker_core::set_will(connection_id conn, std::optional<common::will_message> will) {
    if (session* s = find(conn)) {
        s->will = std::move(will);
    }
}

std::optional<std::uint8_t> broker_core::subscribe(connection_id conn, std::string_view filter,
                                                   std::uint8_t qos) {
    session* s = find(conn);
    if (s == nullptr || !common::topic::valid_filter(filter, limits_.topic_limits())) {
        ++stats_.refused_subscriptions;
        return std::nullopt;
    }
    const auto granted = std::min<std::uint8_t>(qos, 2);
    if (auto it = s->subscriptions.find(filter); it != s->subscriptions.end()) {
        it->second = granted; // MQTT 3.1.1 §3.8.4: replaces the existing subscription
    } else {
        if (s->subscriptions.size() >= limits_.max_subscriptions_per_client) {
            ++stats_.refused_subscriptions;
            common::log::warning("Client ", s->client_id, ": subscription to '", filter,
                                 "' refused, broker.max_subscriptions_per_client (",
                                 limits_.max_subscriptions_per_client, ") reached.");
            return std::nullopt;
        }
        s->subscriptions.emplace(std::string(filter), granted);
    }
    tree_.insert(filter, s, granted);
    if (store_ != nullptr) {
        store_->put_subscription(s->client_id, filter, granted);
    }
    return granted;
}

void broker_core::send_retained(connection_id conn, std::string_view filter,
                                std::uint8_t granted_qos) {
    session* s = find(conn);
    if (s == nullptr || !common::topic::valid_filter(filter, limits_.topic_limits())) {
        return;
    }
    retained_.match(filter, [&](const message_ptr& msg) {
        if (msg->qos <= granted_qos) {
            deliver_to(*s, msg, true);
            return;
        }
        auto downgraded = std::make_shared<common::mqtt_message>(*msg);
        downgraded->qos = granted_qos;
        deliver_to(*s, downgraded, true);
    });
}

message_ptr broker_core::retained_of(std::string_view topic) const {
    message_ptr found;
    retained_.match(topic, [&found](const message_ptr& msg) { found = msg; });
    return found;
}

bool broker_core::unsubscribe(connection_id conn, std::string_view filter) {
    session* s = find(conn);
    if (s == nullptr) {
        return false;
    }
    const auto it = s->subscriptions.find(filter);
    if (it == s->subscriptions.end()) {
        return false;
    }
    tree_.erase(filter, s);
    s->subscriptions.erase(it);
    if (store_ != nullptr) {
        store_->erase_subscription(s->client_id, filter);
    }
    notify_room(); // a publisher refused for this subscription's sink may now go through
    return true;
}

bool broker_core::publish(const common::mqtt_message& msg) {
    return route(msg, nullptr, true) == publish_status::accepted;
}

bool broker_core::publish(common::mqtt_message&& msg) {
    return route(msg, &msg, true) == publish_status::accepted;
}

publish_status broker_core::publish_checked(common::mqtt_message&& msg, const subscriber* publisher,
                                            bool retain_as_published) {
    return route(msg, &msg, true, publisher, retain_as_published);
}

publish_status broker_core::route(const common::mqtt_message& msg, common::mqtt_message* movable,
                                  bool refuse_when_full, const subscriber* publisher,
                                  bool retain_as_published) {
    if (msg.qos > 2 || !common::topic::valid_name(msg.topic, limits_.topic_limits())) {
        ++stats_.rejected_publishes;
        return publish_status::invalid;
    }

    // Match first, merging a session's overlapping subscriptions into one delivery at the
    // highest granted QoS. A nested route (not expected: subscribers may not re-enter) gets
    // its own list so the outer one stays intact.
    std::vector<match> nested;
    std::vector<match>& matches = routing_ ? nested : scratch_;
    const bool outer = !routing_;
    routing_ = true;
    matches.clear();
    const auto epoch = ++epoch_;
    tree_.match(msg.topic, [&](session* s, std::uint8_t granted) {
        if (s->mark_epoch != epoch) {
            s->mark_epoch = epoch;
            s->mark_index = matches.size();
            matches.push_back(match{s, granted});
        } else {
            auto& m = matches[s->mark_index];
            m.qos = std::max(m.qos, granted);
        }
    });

    // Backpressure before acknowledgement (docs/architecture.md "Custody"): room is
    // checked in every matching online sink BEFORE delivering to any, so a refused message
    // reaches nobody and the publisher's retry (MQTT-SN §6.6 after T_WAIT, or the paused TCP
    // publisher re-reading it) is not a duplicate for the subscribers that had room.
    if (refuse_when_full && msg.qos > 0) {
        for (const auto& m : matches) {
            const auto qos = std::min(msg.qos, m.qos);
            // The publisher's own full queue does not hold it back: paused, it could not read
            // the acks that make room there (its own copy is dropped, counted, instead).
            if (qos > 0 && m.target->sink != nullptr && m.target->sink != publisher &&
                m.target->resumed && !m.target->sink->can_take(qos)) {
                ++stats_.refused_congested;
                if (outer) {
                    routing_ = false;
                }
                return publish_status::congested;
            }
        }
    }
    if (!sys_publish_) {
        ++stats_.published;
    }

    if (msg.retain) {
        // MQTT 3.1.1 §3.3.1.3: store (or clear, on an empty payload) the retained message.
        message_ptr stored;
        if (!msg.payload.empty()) {
            auto copy = std::make_shared<common::mqtt_message>(msg);
            copy->retain = true;
            stored = std::move(copy);
        }
        const auto set = retained_.set(msg.topic, stored);
        persist_retained(msg.topic, set, stored.get());
        if (set == retained_store::set_result::full) {
            ++stats_.retained_dropped;
            common::log::warning("Retained message on '", msg.topic,
                                 "' not stored: broker.max_retained_messages (",
                                 limits_.max_retained_messages, ") reached.");
        }
    }

    if (!matches.empty()) {
        // One shared message per effective QoS; normal deliveries carry retain=0. The first
        // one needed takes the publisher's message (moved when movable): a QoS 1 publish to
        // QoS 0 subscribers makes one message, not a QoS 1 one plus a QoS 0 copy.
        std::array<message_ptr, 3> by_qos;
        const auto published_qos = msg.qos;
        const bool retained = msg.retain; // msg may be *movable, moved from below
        const common::mqtt_message* source = &msg;
        for (const auto& m : matches) {
            const auto qos = std::min(published_qos, m.qos);
            if (retained && (retain_as_published || (m.target->sink != nullptr &&
                                                     m.target->sink->retain_as_published()))) {
                auto as_published = std::make_shared<common::mqtt_message>(*source);
                as_published->retain = true;
                as_published->qos = qos;
                deliver_to(*m.target, as_published, true);
                continue;
            }
            auto& shared = by_qos.at(qos);
            if (!shared) {
                std::shared_ptr<common::mqtt_message> made;
                if (movable != nullptr) {
                    made = std::make_shared<common::mqtt_message>(std::move(*movable));
                    movable = nullptr;
                    source = made.get(); // msg may be *movable, now moved from
                } else {
                    made = std::make_shared<common::mqtt_message>(*source);
                }
                made->retain = false;
                made->qos = qos;
                shared = std::move(made);
            }
            deliver_to(*m.target, shared, true);
        }
    }
    if (outer) {
        routing_ = false;
    }
    return publish_status::accepted;
}

void broker_core::deliver_to(session& s, const message_ptr& msg, bool checked) {
    if (s.sink != nullptr && s.resumed) {
        if (checked && !s.sink->can_take(msg->qos)) {
            // QoS 0 (or an unacknowledged will) for a sink that is full: it misses this one.
            ++(msg->qos == 0 ? stats_.qos0_dropped : stats_.congested_dropped);
            return;
        }
        ++stats_.delivered;
        s.sink->deliver(msg);
        return;
    }
    // Offline (persistent session), or connected but not yet resumed.
    if (s.sink == nullptr && msg->qos == 0) {
        return; // MQTT 3.1.1 §3.1.2.4: only QoS 1/2 must be kept for an offline client
    }
    // docs/architecture.md "Custody": only an offline persistent session's queue overflows,
    // dropping its oldest message (handed-back ones excepted: they were in flight, not queued).
    queued_message dropped;
    const auto r = s.queue.push(queued_message{msg, ++s.back_seq}, &dropped);
    if (r != common::custody_push::queued) {
        ++stats_.queue_dropped;
        if (s.queue.overflow_episode_started()) {
            common::log::warning("Client ", s.client_id,
                                 ": queue full (broker.max_queued_messages ",
                                 limits_.max_queued_messages, "), dropping oldest messages.");
        }
        if (r == common::custody_push::queued_dropped_oldest && store_ != nullptr && !s.clean) {
            store_->erase_broker_message(s.client_id, dropped.seq);
        }
        if (r == common::custody_push::refused) {
            return; // a bound of 0: nothing is kept
        }
    }
    ++stats_.queued;
    persist_queued(s, s.queue.back());
}

// --- persistence (common/persist, docs/persistence.md) --------------------------------------

void broker_core::persist_queued(const session& s, const queued_message& q) {
    if (store_ == nullptr || s.clean) {
        return; // a clean session's queue lives only between connect() and resume()
    }
    store_->append_broker_message(s.client_id, common::persist::stored_message{
                                                   .seq = q.seq,
                                                   .topic = q.msg->topic,
                                                   .payload = q.msg->payload,
                                                   .qos = q.msg->qos,
                                                   .retain = q.msg->retain,
                                               });
}

void broker_core::persist_retained(std::string_view topic, retained_store::set_result set,
                                   const common::mqtt_message* msg) {
    if (store_ == nullptr) {
        return;
    }
    switch (set) {
    case retained_store::set_result::stored:
    case retained_store::set_result::replaced:
        store_->put_retained({.topic = msg->topic, .payload = msg->payload, .qos = msg->qos});
        break;
    case retained_store::set_result::cleared:
        store_->erase_retained(topic);
        break;
    case retained_store::set_result::absent:
    case retained_store::set_result::full:
        break;
    }
}

void broker_core::write_all() {
    for (const auto& [id, s] : sessions_) {
        store_->put_broker_session(s->client_id, s->clean);
        for (const auto& [filter, qos] : s->subscriptions) {
            store_->put_subscription(s->client_id, filter, qos);
        }
        for (const auto& q : s->queue) {
            persist_queued(*s, q);
        }
    }
    retained_.for_each([&](const message_ptr& msg) {
        store_->put_retained({.topic = msg->topic, .payload = msg->payload, .qos = msg->qos});
    });
}

void broker_core::attach_store(common::persist::store& store) {
    store_ = &store;
    store.on_resync([this] { write_all(); });
}

void broker_core::restore(const common::persist::snapshot& state) {
    for (const auto& r : state.retained) {
        auto msg = std::make_shared<common::mqtt_message>(common::mqtt_message{
            .topic = r.topic, .payload = r.payload, .qos = r.qos, .retain = true});
        retained_.set(r.topic, std::move(msg));
    }
    for (const auto& row : state.broker_sessions) {
        auto fresh = std::make_unique<session>();
        fresh->queue.set_bound(limits_.max_queued_messages, common::custody_overflow::drop_oldest);
        fresh->client_id = row.client_id;
        fresh->clean = row.clean_session;
        fresh->restored = row.clean_session;
        session& s = *fresh;
        sessions_.emplace(fresh->client_id, std::move(fresh));
        for (const auto& sub : row.subscriptions) {
            s.subscriptions.emplace(sub.filter, sub.qos);
            tree_.insert(sub.filter, &s, sub.qos);
        }
        for (const auto& m : row.queue) {
            (void)s.queue.push(queued_message{
                std::make_shared<common::mqtt_message>(common::mqtt_message{
                    .topic = m.topic, .payload = m.payload, .qos = m.qos, .retain = m.retain}),
                m.seq});
            s.back_seq = std::max(s.back_seq, m.seq);
            s.front_seq = std::min(s.front_seq, m.seq);
        }
    }
}

void broker_core::end_restore() {
    // A clean session lives as long as its connection: one that no gateway session took up
    // again was an MQTT/TCP client's, whose connection ended with the old process.
    std::vector<session*> orphans;
    for (auto& [id, s] : sessions_) {
        if (s->restored) {
            orphans.push_back(s.get());
        }
    }
    for (session* s : orphans) {
        erase_session(*s);
    }
}

std::vector<broker_core::subscription_entry> broker_core::subscriptions() const {
    std::vector<subscription_entry> out;
    out.reserve(tree_.size());
    for (const auto& [client_id, s] : sessions_) {
        for (const auto& [filter, qos] : s->subscriptions) {
            out.push_back({.client_id = client_id,
                           .filter = filter,
                           .qos = qos,
                           .online = s->sink != nullptr});
        }
    }
    return out;
}

} // namespace snbridge::bridge::local
