#include "bridge/remote/aggregating_side.hpp"

#include "common/log.hpp"

namespace snbridge::bridge::remote {

aggregating_side::aggregating_side(common::uv::loop& loop, upstream_options options)
    : options_(std::move(options))
    , ctx_(loop) {}

common::result<std::unique_ptr<aggregating_side>>
aggregating_side::create(common::uv::loop& loop, upstream_options options) {
    auto side = std::make_unique<aggregating_side>(loop, std::move(options));
    link_params p;
    p.client_id = side->options_.client_id;
    p.clean_session = side->options_.clean_session;
    p.keep_alive = side->options_.keep_alive;
    p.auth = side->options_.auth;
    p.retry_first_connect = true;
    p.log_name = "connection";
    auto* raw = side.get();
    link_events ev;
    ev.connected = [raw](bool session_present) {
        raw->on_upstream_connected(session_present);
    };
    ev.message = [raw](const common::mqtt_message& m) {
        raw->on_upstream_message(m);
    };
    auto link = upstream_link::create(side->ctx_, side->options_, std::move(p), std::move(ev));
    if (!link) {
        return common::fail(link.error());
    }
    side->link_ = std::move(*link);
    side->link_->start();
    return side;
}

aggregating_side::~aggregating_side() {
    if (link_) {
        link_->stop();
    }
}

void aggregating_side::set_listener(common::mqtt_side_listener& listener) {
    listener_ = &listener;
}

bool aggregating_side::upstream_connected() const noexcept {
    return link_ && link_->connected();
}

const std::string* aggregating_side::client_of(common::session_id id) const {
    auto it = open_.find(id);
    return it == open_.end() ? nullptr : &it->second;
}

void aggregating_side::forget(const std::string& client_id) {
    for (const auto& filter : table_.remove_member(client_id)) {
        link_->unsubscribe(filter);
    }
    sessions_.erase(client_id);
}

void aggregating_side::on_upstream_connected(bool session_present) {
    // Subscribe everything again after every (re)connect: without the broker's session the
    // filters are gone, and filters added during the outage were never sent. With the session
    // present this only re-sends retained messages, which nobody takes (no retained target).
    (void)session_present;
    table_.clear_retained_target();
    link_->subscribe_many(table_.filters());
}

void aggregating_side::on_upstream_message(const common::mqtt_message& msg) {
    if (listener_ == nullptr || stopped_) {
        return;
    }
    const auto routes = table_.route(msg.topic, msg.qos, msg.retain);
    if (routes.empty()) {
        common::log::debug("Upstream: no session wants '", msg.topic, "' (dropped)");
        return;
    }
    for (const auto& r : routes) {
        auto s = sessions_.find(r.member);
        if (s == sessions_.end()) {
            continue;
        }
        common::mqtt_message copy = msg;
        copy.qos = r.qos;
        if (s->second.id) {
            listener_->on_message(*s->second.id, copy);
        } else if (r.qos > 0) {
            // A closed CleanSession=0 session: keep QoS 1/2 for its next open (bounded).
            auto& q = s->second.offline;
            q.set_bound(options_.offline_queue_max, common::custody_overflow::drop_oldest);
            if (q.push(std::move(copy)) != common::custody_push::queued) {
                ++dropped_offline_;
                if (q.overflow_episode_started()) {
                    common::log::warning("Upstream: offline queue of ", r.member, " full (",
                                         "upstream.offline_queue_max ", options_.offline_queue_max,
                                         "), dropping its oldest messages.");
                }
            }
        }
    }
}

void aggregating_side::open(common::session_id id, const common::open_params& params) {
    if (listener_ == nullptr) {
        return;
    }
    if (stopped_) {
        listener_->on_open(id, common::open_status::congestion, false);
        return;
    }
    // The same id under another ClientId (should not happen): close that one first.
    if (auto it = open_.find(id); it != open_.end() && it->second != params.client_id) {
        close(id, common::close_reason::disconnect);
    }
    auto existing = sessions_.find(params.client_id);
    if (existing != sessions_.end() && existing->second.id && *existing->second.id != id) {
        // The ClientId moved to a new session id: the old one ends here.
        open_.erase(*existing->second.id);
        existing->second.id.reset();
    }
    bool present = false;
    if (params.clean_session) {
        if (existing != sessions_.end()) {
            forget(params.client_id);
        }
    } else {
        present = existing != sessions_.end();
    }
    auto& s = sessions_[params.client_id];
    s.id = id;
    s.generation = next_generation_++;
    s.clean_session = params.clean_session;
    s.will = params.will;
    open_[id] = params.client_id;
    auto backlog = s.offline.take_all();
    listener_->on_open(id, common::open_status::accepted, present);
    for (const auto& m : backlog) {
        listener_->on_message(id, m);
    }
}

void aggregating_side::publish(common::session_id id, const common::mqtt_message& msg,
                               std::uint32_t token) {
    const auto* client = client_of(id);
    if (client == nullptr || stopped_) {
        if (msg.qos > 0 && listener_ != nullptr) {
            listener_->on_publish_done(id, token, false);
        }
        return;
    }
    if (msg.qos == 0) {
        link_->publish(msg);
        return;
    }
    const auto generation = sessions_.at(*client).generation;
    const std::string client_id = *client;
    link_->publish(msg, [this, id, token, generation, client_id](bool ok) {
        auto s = sessions_.find(client_id);
        if (s != sessions_.end() && s->second.id == id && s->second.generation == generation) {
            listener_->on_publish_done(id, token, ok);
        }
    });
}

void aggregating_side::subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                                 std::uint32_t token) {
    const auto* client = client_of(id);
    if (client == nullptr || stopped_) {
        listener_->on_subscribe_done(id, token, std::nullopt);
        return;
    }
    const std::string client_id = *client;
    const auto change = table_.add(client_id, filter, qos);
    if (!link_->connected()) {
        // Sent with every other filter once the connection is up (on_upstream_connected).
        listener_->on_subscribe_done(id, token, qos);
        return;
    }
    // A new filter or a higher QoS changes the upstream subscription. Otherwise the same
    // SUBSCRIBE again replaces it in place (MQTT 3.1.1 §3.8.4) and makes the broker send the
    // retained messages for this new subscriber (the contract: retained messages follow).
    const auto upstream_qos = change.qos;
    const auto generation = sessions_.at(client_id).generation;
    link_->subscribe(
        filter, upstream_qos,
        [this, id, token, qos, filter, client_id, generation](std::optional<std::uint8_t> granted) {
            auto s = sessions_.find(client_id);
            const bool same =
                s != sessions_.end() && s->second.id == id && s->second.generation == generation;
            if (!granted) {
                common::log::warning("Upstream: broker refused subscription to '", filter, "'");
                table_.clear_retained_target();
                if (same) {
                    table_.remove(client_id, filter);
                    listener_->on_subscribe_done(id, token, std::nullopt);
                }
                return;
            }
            // The retained messages that follow this SUBACK are this session's alone.
            table_.set_retained_target(client_id, filter);
            if (same) {
                listener_->on_subscribe_done(id, token, std::min(qos, *granted));
            }
        });
}

void aggregating_side::unsubscribe(common::session_id id, const std::string& filter,
                                   std::uint32_t token) {
    const auto* client = client_of(id);
    if (client != nullptr) {
        const auto change = table_.remove(*client, filter);
        if (change.what == subscription_table::upstream_change::kind::unsubscribe) {
            link_->unsubscribe(filter);
        }
    }
    if (listener_ != nullptr) {
        listener_->on_unsubscribe_done(id, token);
    }
}

void aggregating_side::set_will(common::session_id id, std::optional<common::will_message> will) {
    if (const auto* client = client_of(id)) {
        sessions_.at(*client).will = std::move(will);
    }
}

void aggregating_side::close(common::session_id id, common::close_reason reason) {
    auto it = open_.find(id);
    if (it == open_.end()) {
        return;
    }
    const std::string client_id = it->second;
    open_.erase(it);
    auto s = sessions_.find(client_id);
    if (s == sessions_.end()) {
        return;
    }
    if (reason == common::close_reason::lost && s->second.will) {
        // MQTT-SN 1.2 §6.3: the gateway publishes the will of a lost client.
        const auto& w = *s->second.will;
        common::log::info("Publishing will of ", client_id, " to '", w.topic, "'");
        link_->publish(common::mqtt_message{w.topic, w.payload, w.qos, w.retain});
    }
    if (s->second.clean_session) {
        forget(client_id);
        return;
    }
    s->second.id.reset();
    s->second.will.reset();
}

void aggregating_side::publish_connectionless(const common::mqtt_message& msg) {
    auto m = msg;
    m.qos = 0; // MQTT-SN 1.2 §6.8
    link_->publish(m);
}

void aggregating_side::stop(std::function<void()> done) {
    stopped_ = true;
    open_.clear();
    if (link_) {
        link_->stop();
    }
    ctx_.when_idle(std::move(done));
}

} // namespace snbridge::bridge::remote
