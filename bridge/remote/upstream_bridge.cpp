#include "bridge/remote/upstream_bridge.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/log.hpp"

namespace snbridge::bridge::remote {

bridge_stats::bridge_stats(common::metrics::registry& r) {
    const auto out = [&r](std::string_view result) {
        return r.counter_of("snbridge_bridge_messages_out_total",
                            "Local messages the bridge sent upstream, by result (resent: Paho "
                            "failed and got it again; failed: dropped after every try).",
                            {{"result", result}});
    };
    const auto in = [&r](std::string_view result) {
        return r.counter_of("snbridge_bridge_messages_in_total",
                            "Upstream messages the bridge received, by what became of them.",
                            {{"result", result}});
    };
    sent_up = out("sent");
    resent = out("resent");
    up_failed = out("failed");
    injected = in("published");
    echoes_dropped = in("echo_dropped");
    retained_known = in("retained_known");
    unmapped = in("unmapped");
    held = in("held");
    held_dropped = in("held_dropped");
    invalid = in("invalid");
}

namespace {

using namespace std::chrono_literals;

/// How often the bridge looks whether Paho has room again after it refused a message.
constexpr auto room_poll_period = 50ms;
/// How often a QoS 1/2 message that Paho failed is handed to it again before it is dropped.
constexpr int max_send_attempts = 10;
/// Delay before the bridge takes its local session back after another client took it.
constexpr auto reattach_delay = 1s;

} // namespace

upstream_bridge::upstream_bridge(common::uv::loop& loop, upstream_options options,
                                 std::shared_ptr<local::broker_core> core,
                                 std::optional<std::vector<bridge_rule>> rules)
    : options_(std::move(options))
    , ctx_(loop)
    , core_(std::move(core))
    , map_(std::move(rules))
    , held_(options_.offline_queue_max, common::custody_overflow::drop_oldest)
    , drain_timer_(std::make_unique<common::uv::timer>(loop))
    , attach_timer_(std::make_unique<common::uv::timer>(loop))
    , room_poll_(std::make_unique<common::uv::timer>(loop))
    , local_id_("$bridge/" + options_.client_id) {}

common::result<std::unique_ptr<upstream_bridge>>
upstream_bridge::create(common::uv::loop& loop, upstream_options options,
                        std::shared_ptr<local::broker_core> core,
                        std::optional<std::vector<bridge_rule>> rules) {
    auto bridge = std::make_unique<upstream_bridge>(loop, std::move(options), std::move(core),
                                                    std::move(rules));
    link_params p;
    p.client_id = bridge->options_.client_id;
    p.clean_session = bridge->options_.clean_session;
    p.keep_alive = bridge->options_.keep_alive;
    p.auth = bridge->options_.auth;
    p.retry_first_connect = true;
    p.log_name = "connection";
    set_availability(p, bridge->options_.availability_topic);
    auto* raw = bridge.get();
    link_events ev;
    ev.connected = [raw](bool /*session_present*/) {
        raw->on_upstream_connected();
    };
    ev.message = [raw](const common::mqtt_message& m) {
        raw->on_upstream_message(m);
    };
    auto link = upstream_link::create(bridge->ctx_, bridge->options_, std::move(p), std::move(ev));
    if (!link) {
        return common::fail(link.error());
    }
    bridge->link_ = std::move(*link);
    return bridge;
}

upstream_bridge::~upstream_bridge() {
    if (!stopped_) {
        stopped_ = true;
        detach_local();
        link_->stop();
    }
}

void upstream_bridge::attach() {
    if (started_ || stopped_) {
        return;
    }
    started_ = true;
    attach_local();
    link_->start();
    // Local TCP publishers refused because Paho had no room are woken once it has
    // (upstream_link reports no event when its buffered messages are confirmed).
    room_poll_->start(
        room_poll_period, [this] { on_room_poll(); }, room_poll_period);
}

void upstream_bridge::attach_local() {
    if (stopped_ || conn_ != 0) {
        return;
    }
    const auto r = core_->connect(local_id_, true, std::nullopt, *this);
    if (r.status != local::connect_status::accepted) {
        common::log::error("Bridge: the local broker refused the bridge's session ", local_id_,
                           "; trying again in 1 s");
        attach_timer_->start(reattach_delay, [this] { attach_local(); });
        return;
    }
    conn_ = r.connection;
    core_->resume(conn_);
    // Not send_retained(): the local retained messages are not sent up again at every start.
    for (const auto& [filter, qos] : map_.local_filters()) {
        if (!core_->subscribe(conn_, filter, qos)) {
            common::log::error("Bridge: the local broker refused the subscription to '", filter,
                               "' (check upstream.topics and broker.max_topic_levels)");
        }
    }
}

void upstream_bridge::detach_local() {
    if (conn_ != 0) {
        const auto conn = std::exchange(conn_, 0);
        core_->disconnect(conn, common::close_reason::shutdown);
    }
}

void upstream_bridge::stop(std::function<void()> done) {
    if (!stopped_) {
        stopped_ = true;
        detach_local();
        drain_timer_.reset();
        attach_timer_.reset();
        room_poll_.reset();
        link_->stop();
    }
    ctx_.when_idle(std::move(done));
}

void upstream_bridge::taken_over() {
    // Another local client connected with the bridge's client id. The connection is detached
    // already; take the session back a moment later (from outside this core call).
    conn_ = 0;
    common::log::error("Bridge: another client connected to the local broker as ", local_id_,
                       "; the bridge takes its session back in 1 s");
    attach_timer_->start(reattach_delay, [this] { attach_local(); });
}

// --- in on demand ---------------------------------------------------------------------------

void upstream_bridge::want(const std::string& member, const std::string& filter, std::uint8_t qos) {
    const auto change = demand_.add(member, filter, qos);
    // Every filter goes upstream at the highest QoS any device asked for (never lowered):
    // overlapping filters at the upstream broker get one copy at a QoS of its choice (MQTT
    // 3.1.1 §3.3.5; Mosquitto picks the lower), and the local broker can only hand on the
    // QoS it got. At one QoS for all, the copy is at the highest one a device wants.
    const bool raised = qos > upstream_qos_;
    upstream_qos_ = std::max(upstream_qos_, std::min<std::uint8_t>(qos, 2));
    if (!link_->connected()) {
        return; // a link that is down subscribes everything once it is up
    }
    if (raised) {
        link_->subscribe_many(demand_filters());
        return;
    }
    if (change.what != subscription_table::upstream_change::kind::subscribe) {
        return;
    }
    link_->subscribe(filter, upstream_qos_, [filter](std::optional<std::uint8_t> granted) {
        if (!granted) {
            common::log::warning("Bridge: the upstream broker refused the subscription to '",
                                 filter, "'");
        }
    });
}

std::vector<std::pair<std::string, std::uint8_t>> upstream_bridge::demand_filters() const {
    auto filters = demand_.filters();
    for (auto& f : filters) {
        f.second = upstream_qos_;
    }
    return filters;
}

void upstream_bridge::unwant(const std::string& member, const std::string& filter) {
    const auto change = demand_.remove(member, filter);
    if (change.what == subscription_table::upstream_change::kind::unsubscribe) {
        link_->unsubscribe(filter);
    }
}

void upstream_bridge::forget(const std::string& member) {
    for (const auto& filter : demand_.remove_member(member)) {
        link_->unsubscribe(filter);
    }
}

void upstream_bridge::on_upstream_connected() {
    // After every (re)connect: without the broker's session the subscriptions are gone, and
    // the ones added during the outage were never sent.
    link_->subscribe_many(map_.demand_driven() ? demand_filters() : map_.remote_filters());
}

bool upstream_bridge::subscribed_upstream(std::string_view topic) const {
    if (map_.demand_driven()) {
        return demand_.any_match(topic);
    }
    const auto filters = map_.remote_filters();
    return std::any_of(filters.begin(), filters.end(),
                       [&](const auto& f) { return common::topic::matches(f.first, topic); });
}

// --- out: local broker -> upstream ----------------------------------------------------------

void upstream_bridge::deliver(const local::message_ptr& msg) {
    if (injecting_ || stopped_) {
        return; // what the bridge brought in never goes back up (no-local)
    }
    auto remote = map_.to_remote(msg->topic);
    if (!remote) {
        return; // matched the local filter but not the rule (cannot happen for valid rules)
    }
    common::mqtt_message up{std::move(remote->topic), msg->payload, msg->qos, msg->retain};
    if (subscribed_upstream(up.topic)) {
        echo_.expect(up.topic, up.payload);
    }
    ++stats_.sent_up;
    if (up.qos == 0) {
        link_->publish(up);
        return;
    }
    send_up(outbound{std::move(up), 0});
}

void upstream_bridge::send_up(outbound out) {
    // Custody passes to Paho here (its send-while-disconnected buffer while the link is
    // down). The broker acked the publisher already, so what Paho fails (a connection lost
    // with the message in flight and the broker's session gone) is sent again, from the
    // room poll, up to max_send_attempts times.
    auto copy = out.msg;
    link_->publish(copy, [this, out = std::move(out)](bool ok) mutable {
        if (ok || stopped_) {
            return;
        }
        if (++out.attempts >= max_send_attempts) {
            ++stats_.up_failed;
            common::log::error("Bridge: a message on '", out.msg.topic, "' was not confirmed by ",
                               "the upstream broker after ", max_send_attempts,
                               " attempts: dropped");
            return;
        }
        ++stats_.resent;
        retry_.push_back(std::move(out));
    });
}

void upstream_bridge::on_room_poll() {
    while (!retry_.empty() && link_->can_take()) {
        auto out = std::move(retry_.front());
        retry_.pop_front();
        send_up(std::move(out));
    }
    if (refused_ && retry_.empty() && link_->can_take()) {
        refused_ = false;
        core_->notify_room();
    }
}

bool upstream_bridge::can_take(std::uint8_t /*qos*/) const {
    if (retry_.size() < options_.max_unconfirmed && link_->can_take()) {
        return true;
    }
    refused_ = true;
    return false;
}

// --- in: upstream -> local broker -----------------------------------------------------------

void upstream_bridge::on_upstream_message(const common::mqtt_message& msg) {
    if (stopped_) {
        return;
    }
    if (echo_.is_echo(msg.topic, msg.payload, echo_filter::clock::now())) {
        ++stats_.echoes_dropped;
        return;
    }
    auto local = map_.to_local(msg.topic);
    if (!local) {
        ++stats_.unmapped;
        common::log::debug("Bridge: no in rule maps '", msg.topic, "' (dropped)");
        return;
    }
    common::mqtt_message m{std::move(local->topic), msg.payload, msg.qos, msg.retain};
    if (m.retain) {
        // Upstream sets retain=1 only on what a (re)subscription sends (MQTT 3.1.1
        // §3.3.1.3): after every reconnect, every retained message of the bridge's filters
        // comes again. What the local broker holds already is no news to its subscribers.
        if (const auto known = core_->retained_of(m.topic);
            known != nullptr && known->payload == m.payload) {
            ++stats_.retained_known;
            return;
        }
    }
    // QoS 0 is never refused; QoS 1/2 keeps its order behind what is held.
    if ((m.qos == 0 || held_.empty()) && inject(m)) {
        return;
    }
    hold(std::move(m));
}

bool upstream_bridge::inject(common::mqtt_message& msg) {
    injecting_ = true;
    // A copy: the core moves from what it routes, and a refused message is retried. Upstream
    // sets retain=1 only on what it sends because of the bridge's subscribe (MQTT 3.1.1
    // §3.3.1.3), i.e. for the local subscribers that asked: they get it as retained too.
    const auto status = core_->publish_checked(common::mqtt_message(msg), this, true);
    injecting_ = false;
    switch (status) {
    case local::publish_status::accepted:
        ++stats_.injected;
        return true;
    case local::publish_status::invalid:
        ++stats_.invalid;
        common::log::warning("Bridge: the local broker rejected a message on '", msg.topic,
                             "' from upstream (topic name or broker.max_topic_levels)");
        return true; // nothing to retry
    case local::publish_status::congested:
        break;
    }
    return false;
}

void upstream_bridge::hold(common::mqtt_message&& msg) {
    ++stats_.held;
    if (held_.push(std::move(msg)) != common::custody_push::queued) {
        ++stats_.held_dropped;
        if (held_.overflow_episode_started()) {
            common::log::warning("Bridge: the local broker is congested and ",
                                 options_.offline_queue_max,
                                 " messages from upstream wait (upstream.offline_queue_max): "
                                 "dropping the oldest.");
        }
    }
    if (conn_ != 0) {
        core_->wait_for_room(conn_);
    }
}

void upstream_bridge::room_available() {
    // Called from inside a core call: retry from the loop.
    if (drain_timer_ && !held_.empty()) {
        drain_timer_->start(0ms, [this] { drain_held(); });
    }
}

void upstream_bridge::drain_held() {
    while (!held_.empty() && !stopped_) {
        if (!inject(held_.front())) {
            if (conn_ != 0) {
                core_->wait_for_room(conn_);
            }
            return;
        }
        held_.pop_front();
    }
}

} // namespace snbridge::bridge::remote
