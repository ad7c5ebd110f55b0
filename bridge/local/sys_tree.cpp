#include "bridge/local/sys_tree.hpp"

#include <cmath>

namespace snbridge::bridge::local {

namespace {

std::string integer_text(double v) {
    return std::to_string(static_cast<long long>(std::llround(v)));
}

} // namespace

sys_tree::sys_tree(common::uv::loop& loop, std::shared_ptr<broker_core> core,
                   const common::metrics::registry& metrics, std::chrono::seconds interval,
                   std::string version)
    : loop_(loop)
    , core_(std::move(core))
    , metrics_(metrics)
    , interval_(interval)
    , version_(std::move(version)) {}

sys_tree::~sys_tree() {
    stop();
}

void sys_tree::start() {
    publish_figures();
    if (interval_.count() > 0) {
        timer_ = std::make_unique<common::uv::timer>(loop_);
        timer_->start(
            interval_, [this] { publish_figures(); }, interval_);
    }
}

void sys_tree::stop() noexcept {
    if (timer_) {
        timer_->close();
        timer_.reset();
    }
}

std::string sys_tree::client_topic(std::string_view client_id) {
    std::string topic(clients_prefix);
    for (const char c : client_id) {
        switch (c) {
        case '/':
            topic += "%2F";
            break;
        case '+':
            topic += "%2B";
            break;
        case '#':
            topic += "%23";
            break;
        case '%':
            topic += "%25";
            break;
        default:
            topic += c;
        }
    }
    return topic;
}

void sys_tree::put(const std::string& topic, std::string value) {
    const auto it = last_.find(topic);
    if (it != last_.end() && it->second == value) {
        return;
    }
    common::mqtt_message msg;
    msg.topic = topic;
    msg.payload.assign(value.begin(), value.end());
    msg.retain = true; // as Mosquitto: a new subscriber sees the figures at once
    core_->publish_sys(std::move(msg));
    last_.insert_or_assign(topic, std::move(value));
}

void sys_tree::publish_figures() {
    const auto value = [this](std::string_view name, common::metrics::labels ls = {}) {
        return integer_text(metrics_.value(name, ls).value_or(0));
    };
    const auto total = [this](std::string_view name) {
        return integer_text(metrics_.total(name));
    };
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - started_)
                            .count();
    put("$SYS/broker/version", version_);
    put("$SYS/broker/uptime", std::to_string(uptime) + " seconds");
    const auto connected = core_->connected_count();
    const auto sessions = core_->session_count();
    put("$SYS/broker/clients/connected", std::to_string(connected));
    put("$SYS/broker/clients/disconnected", std::to_string(sessions - connected));
    put("$SYS/broker/clients/total", std::to_string(sessions));
    // snbridge counts PUBLISH messages here (Mosquitto counts packets of every kind).
    put("$SYS/broker/messages/received", value("snbridge_broker_messages_received_total"));
    put("$SYS/broker/messages/sent", value("snbridge_broker_messages_sent_total"));
    put("$SYS/broker/publish/messages/received", value("snbridge_broker_messages_received_total"));
    put("$SYS/broker/publish/messages/sent", value("snbridge_broker_messages_sent_total"));
    put("$SYS/broker/publish/messages/dropped", total("snbridge_broker_dropped_total"));
    put("$SYS/broker/retained messages/count", std::to_string(core_->retained_count()));
    put("$SYS/broker/subscriptions/count", std::to_string(core_->subscription_count()));
    // The gateway's own, beside them.
    for (const auto* state : {"active", "asleep", "awake", "lost", "connecting"}) {
        put(std::string("$SYS/broker/mqttsn/sessions/") + state,
            value("snbridge_mqttsn_sessions", {{"state", state}}));
    }
    put("$SYS/broker/mqttsn/datagrams/received", total("snbridge_mqttsn_datagrams_received_total"));
    put("$SYS/broker/mqttsn/datagrams/sent", total("snbridge_mqttsn_datagrams_sent_total"));
    put("$SYS/broker/mqttsn/dropped", total("snbridge_mqttsn_dropped_total"));
}

void sys_tree::set_client_status(std::string_view client_id,
                                 const std::optional<std::string>& json) {
    common::mqtt_message msg;
    msg.topic = client_topic(client_id);
    if (json) {
        msg.payload.assign(json->begin(), json->end());
    }
    msg.retain = true; // an empty retained payload clears it (MQTT 3.1.1 §3.3.1.3)
    core_->publish_sys(std::move(msg));
}

} // namespace snbridge::bridge::local
