#include "bridge/local/local_mqtt_side.hpp"

#include <utility>

namespace snbridge::bridge::local {

/// One MQTT-SN session attached to the core: forwards deliveries to the gateway's listener.
class local_mqtt_side::session_link final : public subscriber {
public:
    session_link(local_mqtt_side& owner, common::session_id id) noexcept
        : owner_(owner)
        , id_(id) {}

    void deliver(const message_ptr& msg) override { owner_.listener_->on_message(id_, *msg); }
    [[nodiscard]] bool can_take(std::uint8_t qos) const override {
        return owner_.listener_->can_take(id_, qos);
    }
    // Destroys this object: nothing may follow the call.
    void taken_over() override { owner_.on_taken_over(id_); }

    connection_id connection = 0;

private:
    local_mqtt_side& owner_;
    common::session_id id_;
};

local_mqtt_side::local_mqtt_side(std::shared_ptr<broker_core> core)
    : core_(std::move(core)) {}

local_mqtt_side::~local_mqtt_side() {
    for (auto& [id, link] : links_) {
        core_->disconnect(link->connection, common::close_reason::shutdown);
    }
}

void local_mqtt_side::set_listener(common::mqtt_side_listener& listener) {
    listener_ = &listener;
}

connection_id local_mqtt_side::connection_of(common::session_id id) const {
    const auto it = links_.find(id);
    return it == links_.end() ? 0 : it->second->connection;
}

void local_mqtt_side::on_taken_over(common::session_id id) {
    links_.erase(id);
    if (taken_hook_) {
        taken_hook_(id);
    }
    listener_->on_session_lost(id);
}

void local_mqtt_side::open(common::session_id id, const common::open_params& params) {
    if (listener_ == nullptr) {
        return;
    }
    if (const auto it = links_.find(id); it != links_.end()) {
        // The device connected again while its session was open (spec-decisions rule 15): end the
        // old connection as if it had sent DISCONNECT (it is alive, so no will), then apply
        // the new CONNECT's CleanSession flag.
        core_->disconnect(it->second->connection, common::close_reason::disconnect);
        links_.erase(it);
    }
    auto link = std::make_unique<session_link>(*this, id);
    const auto result =
        core_->connect(params.client_id, params.clean_session, params.will, *link, params.resume);
    switch (result.status) {
    case connect_status::accepted:
        break;
    case connect_status::server_full:
        listener_->on_open(id, common::open_status::congestion, false);
        return;
    case connect_status::invalid_client_id:
        listener_->on_open(id, common::open_status::refused, false);
        return;
    }
    link->connection = result.connection;
    links_.emplace(id, std::move(link));
    listener_->on_open(id, common::open_status::accepted, result.session_present);
    core_->resume(result.connection);
}

void local_mqtt_side::publish(common::session_id id, const common::mqtt_message& msg,
                              std::uint32_t token) {
    if (listener_ == nullptr) {
        return;
    }
    const bool ok = connection_of(id) != 0 && core_->publish(msg);
    if (msg.qos > 0) {
        listener_->on_publish_done(id, token, ok);
    }
}

void local_mqtt_side::subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                                std::uint32_t token) {
    if (listener_ == nullptr) {
        return;
    }
    const auto conn = connection_of(id);
    const auto granted =
        conn != 0 ? core_->subscribe(conn, filter, qos) : std::optional<std::uint8_t>{};
    listener_->on_subscribe_done(id, token, granted);
    if (granted) {
        core_->send_retained(conn, filter, *granted);
    }
}

void local_mqtt_side::unsubscribe(common::session_id id, const std::string& filter,
                                  std::uint32_t token) {
    if (listener_ == nullptr) {
        return;
    }
    if (const auto conn = connection_of(id); conn != 0) {
        core_->unsubscribe(conn, filter);
    }
    // MQTT 3.1.1 §3.10.4: UNSUBACK even when nothing was subscribed.
    listener_->on_unsubscribe_done(id, token);
}

void local_mqtt_side::set_will(common::session_id id, std::optional<common::will_message> will) {
    if (const auto conn = connection_of(id); conn != 0) {
        core_->set_will(conn, std::move(will));
    }
}

void local_mqtt_side::close(common::session_id id, common::close_reason reason) {
    const auto it = links_.find(id);
    if (it == links_.end()) {
        return;
    }
    // Erase the link first: the will published by disconnect() must not reach it, and no
    // event may follow close() for this id.
    const auto conn = it->second->connection;
    auto link = std::move(it->second);
    links_.erase(it);
    core_->disconnect(conn, reason);
}

void local_mqtt_side::room_available(common::session_id /*id*/) {
    core_->notify_room(); // the TCP publishers refused because of this session read again
}

void local_mqtt_side::publish_connectionless(const common::mqtt_message& msg) {
    // MQTT-SN 1.2 §6.8: QoS -1 is forwarded at QoS 0.
    if (msg.qos == 0) {
        core_->publish(msg);
        return;
    }
    auto copy = msg;
    copy.qos = 0;
    core_->publish(std::move(copy));
}

} // namespace snbridge::bridge::local
