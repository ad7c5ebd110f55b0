#include "bridge/remote/aggregating_side.hpp"

#include <algorithm>
#include <utility>

namespace snbridge::bridge::remote {

aggregating_side::aggregating_side(std::shared_ptr<local::broker_core> core,
                                   std::unique_ptr<upstream_bridge> bridge)
    : local_(std::move(core))
    , bridge_(std::move(bridge)) {
    // A client of the local broker (a dashboard on the MQTT listener, or the same ClientId
    // from another address) took a session over: it ends without close(). A clean one's
    // filters went with it (MQTT 3.1.1 §3.1.2.4); the bridge stops wanting them upstream.
    local_.on_session_taken([this](common::session_id id) { end_session(id); });
}

common::result<std::unique_ptr<aggregating_side>>
aggregating_side::create(common::uv::loop& loop, upstream_options options,
                         std::shared_ptr<local::broker_core> core,
                         std::optional<std::vector<bridge_rule>> rules) {
    auto bridge = upstream_bridge::create(loop, std::move(options), core, std::move(rules));
    if (!bridge) {
        return common::fail(bridge.error());
    }
    return std::make_unique<aggregating_side>(std::move(core), std::move(*bridge));
}

void aggregating_side::set_listener(common::mqtt_side_listener& listener) {
    local_.set_listener(listener);
    bridge_->attach();
}

void aggregating_side::open(common::session_id id, const common::open_params& params) {
    const bool demand = bridge_->demand_driven();
    if (auto it = open_.find(id); it != open_.end()) {
        // The session id opens again (spec-decisions rule 15): its old filters follow the
        // old clean flag, as in close().
        if (demand && it->second.clean_session) {
            bridge_->forget(it->second.client_id);
        }
        open_.erase(it);
    }
    if (demand && params.clean_session && !params.resume) {
        bridge_->forget(params.client_id); // MQTT 3.1.1 §3.1.2.4: the old session is gone
    }
    local_.open(id, params);
    const auto conn = local_.connection_of(id);
    if (conn == 0) {
        return; // refused (on_open said so)
    }
    open_[id] = open_session{params.client_id, params.clean_session};
    if (demand) {
        // A kept or restored session holds filters already: they are wanted upstream too.
        for (const auto& [filter, qos] : local_.core().subscriptions_of(conn)) {
            bridge_->want(params.client_id, filter, qos);
        }
    }
}

void aggregating_side::publish(common::session_id id, const common::mqtt_message& msg,
                               std::uint32_t token) {
    local_.publish(id, msg, token);
}

void aggregating_side::subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                                 std::uint32_t token) {
    local_.subscribe(id, filter, qos, token);
    const auto it = open_.find(id);
    if (it == open_.end() || !bridge_->demand_driven()) {
        return;
    }
    // Wanted upstream only when the local broker granted it.
    const auto subs = local_.core().subscriptions_of(local_.connection_of(id));
    const auto sub =
        std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return s.first == filter; });
    if (sub != subs.end()) {
        bridge_->want(it->second.client_id, filter, sub->second);
    }
}

void aggregating_side::unsubscribe(common::session_id id, const std::string& filter,
                                   std::uint32_t token) {
    local_.unsubscribe(id, filter, token);
    if (const auto it = open_.find(id); it != open_.end() && bridge_->demand_driven()) {
        bridge_->unwant(it->second.client_id, filter);
    }
}

void aggregating_side::set_will(common::session_id id, std::optional<common::will_message> will) {
    local_.set_will(id, std::move(will));
}

void aggregating_side::close(common::session_id id, common::close_reason reason) {
    // A lost device's will is published by the local broker, and bridged out by its rules.
    local_.close(id, reason);
    end_session(id);
}

void aggregating_side::end_session(common::session_id id) {
    const auto it = open_.find(id);
    if (it == open_.end()) {
        return;
    }
    if (it->second.clean_session && bridge_->demand_driven()) {
        bridge_->forget(it->second.client_id);
    }
    open_.erase(it);
}

void aggregating_side::room_available(common::session_id id) {
    local_.room_available(id);
}

void aggregating_side::publish_connectionless(const common::mqtt_message& msg) {
    local_.publish_connectionless(msg);
}

void aggregating_side::stop(std::function<void()> done) {
    open_.clear();
    bridge_->stop(std::move(done));
}

} // namespace snbridge::bridge::remote
