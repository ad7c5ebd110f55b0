#pragma once

// The built-in broker (mode `broker`, docs/architecture.md "Layers"): one core per process,
// owned by the loop thread, shared by every kind of client. Nothing in it takes a lock.
//
// Design:
// - A client is anything that implements `subscriber` (a delivery sink). There are two kinds,
//   both first-class: local_mqtt_side's adapter for MQTT-SN sessions, and the MQTT 3.1.1 TCP
//   sessions (issue 6). Both connect with a client id, subscribe, publish and disconnect
//   through the same calls, so a sensor and a dashboard share topics.
// - A *session* (client id, clean flag, subscriptions, will, offline queue) lives in the core.
//   A *connection* (connection_id + subscriber) is attached to it while the client is online.
//   connect() of a client id that is online takes the session over from the old connection.
// - Subscriptions sit in a subscription_tree matched level by level; retained messages sit in
//   a retained_store walked by the filter on subscribe.
// - publish -> match -> deliver allocates nothing after warm-up except the one shared
//   message (message_ptr) all subscribers receive. A QoS-downgraded copy is made at most once
//   per distinct QoS per publish. Overlapping subscriptions of one client deliver the message
//   once, at the highest granted QoS among them (MQTT 3.1.1 §3.3.5 allows either way).
// - Custody: deliver() hands the message to the connection. Outbound acks (PUBACK, PUBREC,
//   PUBCOMP) are the connection's business; what is unacked when a persistent connection
//   drops may be handed back through disconnect(..., unacked) and is redelivered first on the
//   next connect. A connection can also park its own state in the session (attachment()).
// - Re-entrancy: subscriber callbacks run synchronously inside core calls and must not call
//   back into the core; they queue and act afterwards.
// See /work/notes/broker_api.md (and docs/configuration.md `broker:`) for the attach sequence.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bridge/local/retained_store.hpp"
#include "bridge/local/subscription_tree.hpp"
#include "common/metrics/registry.hpp"
#include "common/mqtt_side.hpp"
#include "common/topic.hpp"

namespace snbridge::common::persist {
class store;
struct snapshot;
} // namespace snbridge::common::persist

namespace snbridge::bridge::local {

/// Bounds of the core (config keys under `broker:`; defaults here are the documented ones).
struct broker_limits {
    std::size_t max_sessions = 10000;               ///< online + persistent offline sessions
    std::size_t max_subscriptions_per_client = 256; ///< filters per session
    std::size_t max_queued_messages = 1000;         ///< per offline persistent session
    std::size_t max_retained_messages = 10000;      ///< topics holding a retained message
    std::size_t max_topic_levels = 64;              ///< levels in a topic name or filter

    /// The topic rules' bounds (common::topic::valid_name / valid_filter) these limits imply.
    [[nodiscard]] common::topic::limits topic_limits() const noexcept {
        return {.max_levels = max_topic_levels};
    }
};

/// The broker's counters, cells of the metrics registry (docs/monitoring.md). Monotonic.
struct broker_stats {
    explicit broker_stats(common::metrics::registry& r);
    common::metrics::counter published;          ///< accepted publishes (wills included)
    common::metrics::counter rejected_publishes; ///< invalid topic name or QoS
    common::metrics::counter delivered;          ///< deliver() calls
    common::metrics::counter queued;             ///< put on an offline session's queue
    common::metrics::counter queue_dropped;      ///< offline queue overflow: oldest dropped
    common::metrics::counter refused_congested;  ///< QoS 1/2 publishes refused: a sink full
    common::metrics::counter qos0_dropped;       ///< QoS 0 deliveries dropped: the sink full
    common::metrics::counter congested_dropped;  ///< will/retained deliveries dropped: sink full
    common::metrics::counter retained_dropped;   ///< retained messages not stored: store full
    common::metrics::counter wills_published;
    common::metrics::counter takeovers;
    common::metrics::counter refused_connects;
    common::metrics::counter refused_subscriptions;
};

/// Identifies one connection attached to a session. Never reused; 0 is never a valid id.
/// Calls with a stale id (after disconnect or take-over) are ignored.
using connection_id = std::uint64_t;

/// A client's delivery sink. Implemented by each kind of client; called on the loop thread,
/// synchronously from inside broker_core calls. Must not call back into the core.
class subscriber {
public:
    /// A message for this client. msg->qos is already min(published, granted); msg->retain is
    /// set only for retained messages sent because of a new subscription (MQTT 3.1.1
    /// §3.3.1.3). Custody passes to the subscriber; the pointer may be kept (e.g. in an
    /// in-flight window) as long as needed.
    virtual void deliver(const message_ptr& msg) = 0;
    /// Another connect() took this client id. The connection is already detached: no more
    /// calls arrive for it and its connection_id is stale. The subscriber should drop the
    /// network connection (MQTT 3.1.1 §3.1.4 step 2).
    virtual void taken_over() = 0;
    /// Backpressure (docs/architecture.md "Custody"): whether deliver() of one more
    /// message at `qos` would be queued, not dropped. The core asks every matching online
    /// sink before it delivers a QoS 1/2 publish to any of them, and refuses the publish when
    /// one says no. The default (a sink without a bound of its own) always takes.
    [[nodiscard]] virtual bool can_take(std::uint8_t /*qos*/) const { return true; }
    /// A publisher refused with publish_status::congested, which asked wait_for_room(), may
    /// try again: some sink made room (or went away). Must not call back into the core;
    /// schedule the retry instead.
    virtual void room_available() {}
    /// MQTT 5 "retain as published" for every subscription of this client: a retained
    /// publish reaches it with retain=1, not 0 (a bridge forwards the flag, as Mosquitto's
    /// bridges do). Default: MQTT 3.1.1 §3.3.1.3, retain=0 on normal deliveries.
    [[nodiscard]] virtual bool retain_as_published() const { return false; }

    subscriber() = default;
    subscriber(const subscriber&) = default;
    subscriber& operator=(const subscriber&) = default;
    subscriber(subscriber&&) = default;
    subscriber& operator=(subscriber&&) = default;
    virtual ~subscriber() = default;
};

enum class connect_status : std::uint8_t {
    accepted,
    server_full,       ///< max_sessions reached (CONNACK 0x03 in MQTT, 0x01 in MQTT-SN)
    invalid_client_id, ///< empty client id (assign one first)
};

/// What publish_checked() did with a message.
enum class publish_status : std::uint8_t {
    accepted,  ///< routed (and the retained store updated): the publisher may be acknowledged
    invalid,   ///< invalid topic name or QoS > 2: nothing done
    congested, ///< QoS 1/2 and an online matching sink cannot take it: nothing delivered
};

struct connect_result {
    connect_status status = connect_status::accepted;
    connection_id connection = 0;
    /// MQTT 3.1.1 §3.2.2.2: true when clean_session=false found a kept session.
    bool session_present = false;
};

/// The broker. Loop thread only. Must outlive every subscriber attached to it... and every
/// subscriber must be detached (disconnect or taken_over) before it is destroyed.
class broker_core {
public:
    explicit broker_core(broker_limits limits = {});
    ~broker_core();
    broker_core(const broker_core&) = delete;
    broker_core& operator=(const broker_core&) = delete;
    broker_core(broker_core&&) = delete;
    broker_core& operator=(broker_core&&) = delete;

    /// Attaches `sink` as the connection of session `client_id`. If the client id is online,
    /// the old connection is taken over first (its subscriber gets taken_over() and its will
    /// is published, as for a lost connection). clean_session=true discards any kept session
    /// state. Deliveries to the new connection wait until resume(), so the caller can send
    /// CONNACK first; messages published meanwhile are queued for it.
    /// resume=true (a gateway session restored from disk, open_params::resume) takes up the
    /// restored session of `client_id` as it was, clean flag included, instead.
    connect_result connect(std::string_view client_id, bool clean_session,
                           std::optional<common::will_message> will, subscriber& sink,
                           bool resume = false);

    /// Starts deliveries: first the session's queued messages in order, then live traffic.
    void resume(connection_id conn);

    /// Detaches the connection. close_reason::lost publishes the will, the others discard it.
    /// A clean session is then deleted; a persistent one keeps its subscriptions and queues
    /// QoS 1/2 messages (bounded) until the next connect. `unacked` (persistent sessions only)
    /// returns custody of messages delivered but not acknowledged: they go to the front of the
    /// queue, in the given order, and are delivered first on the next resume().
    void disconnect(connection_id conn, common::close_reason reason,
                    std::span<const message_ptr> unacked = {});

    /// Replaces or removes the will of a connected session.
    void set_will(connection_id conn, std::optional<common::will_message> will);

    /// Adds or replaces a subscription. Returns the granted QoS (min(qos, 2)), or nullopt when
    /// the filter is invalid or the session is at max_subscriptions_per_client (SUBACK 0x80).
    /// Retained messages are sent by send_retained(), after the caller has answered SUBACK.
    std::optional<std::uint8_t> subscribe(connection_id conn, std::string_view filter,
                                          std::uint8_t qos);

    /// Delivers the retained messages matching `filter`, with retain=1 and QoS
    /// min(stored, granted) (MQTT 3.1.1 §3.3.1.3, §3.8.4).
    void send_retained(connection_id conn, std::string_view filter, std::uint8_t granted_qos);

    /// Removes a subscription. Returns true if it existed.
    bool unsubscribe(connection_id conn, std::string_view filter);

    /// Publishes to every matching subscription and updates the retained store when
    /// msg.retain is set (an empty payload clears it; the message still goes to current
    /// subscribers, with retain=0). Returns false, doing nothing, for an invalid topic name or
    /// QoS > 2. Publishing needs no connection: wills and QoS -1 use it too. The rvalue form
    /// moves the payload into the shared message instead of copying it.
    /// A QoS 1/2 publish is refused (false, nothing delivered, retained store untouched) when
    /// an online matching sink cannot take it (subscriber::can_take): backpressure before
    /// acknowledgement. QoS 0 is never refused; a sink that is full misses it (counted).
    bool publish(const common::mqtt_message& msg);
    bool publish(common::mqtt_message&& msg);
    /// The broker's own $SYS messages (bridge/local/sys_tree): published as publish() does,
    /// not counted as received (as Mosquitto's $SYS/broker/messages/received).
    void publish_sys(common::mqtt_message&& msg);
    /// Sessions with a connection attached now ($SYS/broker/clients/connected).
    [[nodiscard]] std::size_t connected_count() const noexcept;
    /// publish() telling why a message was not accepted.
    /// `publisher`: the publishing connection's own sink, which a full queue of its own does
    /// not refuse (it cannot make room while paused); its copy is dropped, counted.
    /// `retain_as_published`: a retained message reaches the subscribers with retain=1 (a
    /// bridge bringing in what the upstream broker sent because of a new subscription, MQTT
    /// 3.1.1 §3.3.1.3), not 0.
    publish_status publish_checked(common::mqtt_message&& msg,
                                   const subscriber* publisher = nullptr,
                                   bool retain_as_published = false);

    /// After publish_status::congested: call room_available() on the connection's subscriber
    /// once a sink makes room (notify_room) or a session goes away. One call per refusal.
    void wait_for_room(connection_id publisher);
    /// A sink made room after it could not take a message: wakes the waiting publishers.
    /// Not from inside a core call.
    void notify_room();

    // --- persistence (docs/persistence.md) ---
    /// Writes every change of sessions, subscriptions, offline queues and retained messages
    /// to `store` from here on (and all of it again when the store resyncs). `store` must
    /// outlive the core.
    void attach_store(common::persist::store& store);
    /// Before any connect: the sessions (offline) and retained messages found on disk.
    void restore(const common::persist::snapshot& state);
    /// After the gateway took up its restored sessions (connect with resume): deletes the
    /// restored clean sessions nobody took, the MQTT/TCP clients' of the old process.
    void end_restore();

    /// A slot in the session where a connection can keep its own state (e.g. MQTT packet ids
    /// in flight) across reconnects of a persistent session. Cleared with the session.
    /// nullptr for a stale connection id.
    [[nodiscard]] std::shared_ptr<void>* attachment(connection_id conn);

    /// The subscriptions of the connection's session with their granted QoS (empty for a
    /// stale id), e.g. to learn what a session restored from disk subscribes to.
    [[nodiscard]] std::vector<std::pair<std::string, std::uint8_t>>
    subscriptions_of(connection_id conn) const;

    /// True if `conn` is a currently attached connection.
    [[nodiscard]] bool connected(connection_id conn) const;
    /// Sessions kept (online and offline).
    [[nodiscard]] std::size_t session_count() const noexcept { return sessions_.size(); }
    /// Number of messages waiting in the session of `client_id` (0 if unknown).
    [[nodiscard]] std::size_t queued(std::string_view client_id) const;
    [[nodiscard]] std::size_t retained_count() const noexcept { return retained_.size(); }
    /// The retained message `topic` (a valid topic name) holds, nullptr when none.
    [[nodiscard]] message_ptr retained_of(std::string_view topic) const;
    [[nodiscard]] std::size_t subscription_count() const noexcept { return tree_.size(); }
    [[nodiscard]] const broker_stats& stats() const noexcept { return stats_; }
    /// Counts into `metrics` from here on, and reports the sessions, subscriptions and
    /// retained messages there (collectors, removed by the destructor). Call before traffic;
    /// `metrics` must outlive the core.
    void attach_metrics(common::metrics::registry& metrics);
    /// The registry the broker counts into (its own until attach_metrics()).
    [[nodiscard]] common::metrics::registry& metrics() const noexcept { return *metrics_; }
    /// One session's subscription; the views are valid until the next non-const call.
    struct subscription_entry {
        std::string_view client_id;
        std::string_view filter;
        std::uint8_t qos = 0;
        bool online = false;
    };
    /// Every subscription of every kept session, in no particular order (the SIGUSR2 report).
    [[nodiscard]] std::vector<subscription_entry> subscriptions() const;
    [[nodiscard]] const broker_limits& limits() const noexcept { return limits_; }

private:
    struct session;
    struct queued_message {
        message_ptr msg;
        std::uint64_t seq = 0; ///< its row in the store (persistent sessions)
    };
    struct match {
        session* target = nullptr;
        std::uint8_t qos = 0;
    };

    session* find(connection_id conn) const;
    publish_status route(const common::mqtt_message& msg, common::mqtt_message* movable,
                         bool refuse_when_full, const subscriber* publisher = nullptr,
                         bool retain_as_published = false);
    void deliver_to(session& s, const message_ptr& msg, bool checked = false);
    void detach(session& s);
    void erase_session(session& s);
    void publish_will(std::optional<common::will_message> will);
    void persist_queued(const session& s, const queued_message& q);
    void persist_retained(std::string_view topic, retained_store::set_result set,
                          const common::mqtt_message* msg);
    void write_all();

    broker_limits limits_;
    std::unique_ptr<common::metrics::registry> own_metrics_ =
        std::make_unique<common::metrics::registry>();
    common::metrics::registry* metrics_ = own_metrics_.get();
    broker_stats stats_{*own_metrics_};
    std::unordered_map<std::string, std::unique_ptr<session>, string_hash, std::equal_to<>>
        sessions_;
    std::unordered_map<connection_id, session*> connections_;
    subscription_tree<session*> tree_;
    retained_store retained_;
    std::vector<match> scratch_;         ///< reused per publish: matched sessions, merged
    bool sys_publish_ = false;           ///< inside publish_sys(): not counted as received
    std::uint64_t epoch_ = 0;            ///< per-publish mark for merging overlapping subscriptions
    std::vector<connection_id> waiting_; ///< publishers refused as congested (wait_for_room)
    bool routing_ = false;
    connection_id next_connection_ = 1;
    common::persist::store* store_ = nullptr;
};

} // namespace snbridge::bridge::local
