#pragma once

// The upstream bridge of mode `aggregating` (docs/architecture.md "Layers"): a client of the
// built-in broker on one side and of one upstream MQTT connection (upstream_link, Paho) on
// the other, as Mosquitto's bridge `connection` with its `topic` lines (bridge_topic_map).
// - out: the bridge subscribes on the local broker to each out rule's local filter and
//   publishes what it gets upstream, retain flag kept (retain as published). While the link
//   is down, Paho's send-while-disconnected buffer holds it; at upstream.max_unconfirmed the
//   bridge answers can_take() false, so the broker refuses QoS 1/2 publishers (an MQTT-SN
//   device gets PUBACK 0x01) instead of acking and dropping. A QoS 1/2 message Paho fails
//   (in flight when the link broke and the broker's session was gone) is handed to it again.
// - in: the bridge subscribes upstream (each in rule's remote filter, or on demand: the
//   filters the MQTT-SN sessions subscribe to, reference-counted at the highest QoS in a
//   subscription_table) and publishes what arrives into the local broker, retain flag kept.
//   All of it again after every reconnect. The retained messages the upstream broker sends
//   for those subscriptions are injected only when the local broker does not hold the same
//   payload for the topic already: a reconnect does not deliver every retained command to
//   the devices again.
// - Loops: what the bridge publishes into the local broker is never delivered back to it
//   (it ignores deliveries while it injects: no-local), and what it publishes upstream on a
//   topic it also subscribes to upstream is dropped when it comes back (echo_filter; MQTT
//   3.1.1 has no no-local option).
// - Custody in: Paho acknowledges a QoS 1/2 message upstream when message_arrived returns,
//   i.e. once it is posted to the loop's mailbox. From then on the bridge holds it: when the
//   local broker refuses it as congested it waits in a bounded queue
//   (upstream.offline_queue_max, oldest dropped, counted and logged) and is retried when the
//   broker calls room_available().
// Loop thread only.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge/local/broker_core.hpp"
#include "bridge/remote/bridge_topic_map.hpp"
#include "bridge/remote/echo_filter.hpp"
#include "bridge/remote/paho_context.hpp"
#include "bridge/remote/subscription_table.hpp"
#include "bridge/remote/upstream_link.hpp"
#include "bridge/remote/upstream_options.hpp"
#include "common/custody_queue.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::bridge::remote {

/// The bridge's counters, cells of the metrics registry (docs/monitoring.md). Monotonic.
struct bridge_stats {
    explicit bridge_stats(common::metrics::registry& r);
    common::metrics::counter sent_up;        ///< local messages handed to the upstream link
    common::metrics::counter up_failed;      ///< QoS 1/2 Paho failed every time: dropped
    common::metrics::counter resent;         ///< QoS 1/2 Paho failed, handed to it again
    common::metrics::counter injected;       ///< upstream messages published into the broker
    common::metrics::counter echoes_dropped; ///< own messages back from upstream (echo_filter)
    common::metrics::counter retained_known; ///< retained ones the local broker holds already
    common::metrics::counter unmapped;       ///< upstream messages no rule maps (dropped)
    common::metrics::counter held;           ///< upstream QoS 1/2 held: local broker congested
    common::metrics::counter held_dropped;   ///< held ones dropped: the queue was full
    common::metrics::counter invalid;        ///< upstream messages the local broker rejected
};

class upstream_bridge final : public local::subscriber {
public:
    /// Creates the upstream connection (not started) and the topic map. `rules` nullopt: the
    /// default (every topic out, in on demand).
    [[nodiscard]] static common::result<std::unique_ptr<upstream_bridge>>
    create(common::uv::loop& loop, upstream_options options,
           std::shared_ptr<local::broker_core> core, std::optional<std::vector<bridge_rule>> rules);
    /// Detaches from the broker and stops the link (if stop() was not called).
    ~upstream_bridge() override;
    upstream_bridge(const upstream_bridge&) = delete;
    upstream_bridge& operator=(const upstream_bridge&) = delete;
    upstream_bridge(upstream_bridge&&) = delete;
    upstream_bridge& operator=(upstream_bridge&&) = delete;

    /// Connects to the local broker (client id "$bridge/" + upstream.client_id, clean),
    /// subscribes the out filters there, and starts the upstream connection. Call once, after
    /// the broker restored its state from disk (broker_core::restore wants no client before).
    void attach();
    /// Shutdown: leaves the local broker, disconnects upstream cleanly, `done` on the loop
    /// once Paho let go. No deliveries or events after this call.
    void stop(std::function<void()> done);

    /// Whether the upstream connection is up (MQTT-SN 1.2 §6.1: advertise only then).
    [[nodiscard]] bool connected() const noexcept { return link_ && link_->connected(); }

    // --- in on demand (no upstream.topics): the MQTT-SN sessions' filters ----------------
    [[nodiscard]] bool demand_driven() const noexcept { return map_.demand_driven(); }
    /// `member` (a ClientId) holds `filter` at `qos` on the local broker.
    void want(const std::string& member, const std::string& filter, std::uint8_t qos);
    /// `member` dropped `filter`; the last one out unsubscribes it upstream.
    void unwant(const std::string& member, const std::string& filter);
    /// `member`'s session ended (clean): all its filters.
    void forget(const std::string& member);
    [[nodiscard]] const subscription_table& demand() const noexcept { return demand_; }

    [[nodiscard]] const bridge_stats& stats() const noexcept { return stats_; }
    /// SIGHUP: new credentials and TLS files, used from the next reconnect on.
    void reload_credentials(const upstream_options& next) {
        take_credentials(options_, next);
        link_->set_auth(options_.auth);
    }
    /// Counts into `metrics` from here on (the bridge and its upstream connection).
    void attach_metrics(common::metrics::registry& metrics) {
        stats_ = bridge_stats(metrics);
        ctx_.attach_metrics(metrics);
    }
    [[nodiscard]] std::size_t held() const noexcept { return held_.size(); }
    [[nodiscard]] const std::string& local_client_id() const noexcept { return local_id_; }

    // --- local::subscriber (called by the broker core) -----------------------------------
    void deliver(const local::message_ptr& msg) override;
    void taken_over() override;
    [[nodiscard]] bool can_take(std::uint8_t qos) const override;
    void room_available() override;
    [[nodiscard]] bool retain_as_published() const override { return true; }

    /// Public for create(); use create().
    upstream_bridge(common::uv::loop& loop, upstream_options options,
                    std::shared_ptr<local::broker_core> core,
                    std::optional<std::vector<bridge_rule>> rules);

private:
    /// A QoS 1/2 message on its way up, in the bridge's custody until Paho took it.
    struct outbound {
        common::mqtt_message msg;
        int attempts = 0;
    };

    void attach_local();
    void send_up(outbound out);
    void on_room_poll();
    void detach_local();
    void on_upstream_connected();
    void on_upstream_message(const common::mqtt_message& msg);
    /// Publishes into the local broker; false when it refused the message as congested.
    bool inject(common::mqtt_message& msg);
    void hold(common::mqtt_message&& msg);
    void drain_held();
    [[nodiscard]] bool subscribed_upstream(std::string_view topic) const;
    /// The devices' filters, each at upstream_qos_.
    [[nodiscard]] std::vector<std::pair<std::string, std::uint8_t>> demand_filters() const;

    upstream_options options_;
    paho_context ctx_;
    std::shared_ptr<local::broker_core> core_;
    bridge_topic_map map_;
    std::shared_ptr<upstream_link> link_;
    subscription_table demand_;
    echo_filter echo_;
    common::custody_queue<common::mqtt_message> held_;
    std::deque<outbound> retry_; ///< failed by Paho; bounded by upstream.max_unconfirmed
    std::unique_ptr<common::uv::timer> drain_timer_;
    std::unique_ptr<common::uv::timer> attach_timer_;
    std::unique_ptr<common::uv::timer> room_poll_;
    std::string local_id_;
    local::connection_id conn_ = 0;
    std::unique_ptr<common::metrics::registry> own_metrics_ =
        std::make_unique<common::metrics::registry>();
    bridge_stats stats_{*own_metrics_};
    std::uint8_t upstream_qos_ = 0; ///< in on demand: the QoS of every upstream filter
    bool injecting_ = false;
    bool stopped_ = false;
    bool started_ = false;
    mutable bool refused_ = false; ///< can_take said no: wake local publishers on room
};

} // namespace snbridge::bridge::remote
