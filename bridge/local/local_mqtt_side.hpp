#pragma once

// The MQTT side of MQTT-SN sessions in mode `broker` (the default): each gateway session is a
// client of the in-process broker_core, next to the MQTT/TCP clients of issue 6.

#include <functional>
#include <memory>
#include <unordered_map>

#include "bridge/local/broker_core.hpp"
#include "common/mqtt_side.hpp"

namespace snbridge::bridge::local {

/// common::mqtt_side on the built-in broker. Loop thread only. Every answer (on_open,
/// on_publish_done, on_subscribe_done, on_unsubscribe_done) and every delivery is made
/// synchronously from inside the call, as the contract allows. QoS 1/2 publishes are acked
/// ok=true as soon as the core has routed them (the core took custody); on_message hands
/// custody to the gateway, so nothing is redelivered by this side. Credentials in open_params
/// are not checked here (MQTT-SN 1.2 carries none).
class local_mqtt_side final : public common::mqtt_side {
public:
    /// `core` is shared with the MQTT/TCP listener when that is enabled.
    explicit local_mqtt_side(std::shared_ptr<broker_core> core);
    /// Detaches every open session from the core (close_reason::shutdown: wills discarded).
    ~local_mqtt_side() override;
    local_mqtt_side(const local_mqtt_side&) = delete;
    local_mqtt_side& operator=(const local_mqtt_side&) = delete;
    local_mqtt_side(local_mqtt_side&&) = delete;
    local_mqtt_side& operator=(local_mqtt_side&&) = delete;

    [[nodiscard]] broker_core& core() noexcept { return *core_; }
    [[nodiscard]] const std::shared_ptr<broker_core>& shared_core() const noexcept { return core_; }

    void set_listener(common::mqtt_side_listener& listener) override;
    void open(common::session_id id, const common::open_params& params) override;
    void publish(common::session_id id, const common::mqtt_message& msg,
                 std::uint32_t token) override;
    void subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                   std::uint32_t token) override;
    void unsubscribe(common::session_id id, const std::string& filter,
                     std::uint32_t token) override;
    void set_will(common::session_id id, std::optional<common::will_message> will) override;
    void close(common::session_id id, common::close_reason reason) override;
    void room_available(common::session_id id) override;
    void publish_connectionless(const common::mqtt_message& msg) override;

    /// The broker connection of an open session, 0 when it is not open.
    [[nodiscard]] connection_id connection_of(common::session_id id) const;
    /// Called when another client takes an open session's ClientId over, before the
    /// listener hears on_session_lost (the session is closed without close()): the
    /// aggregating side drops the session's filters upstream then.
    void on_session_taken(std::function<void(common::session_id)> hook) {
        taken_hook_ = std::move(hook);
    }

private:
    class session_link;

    void on_taken_over(common::session_id id);

    std::shared_ptr<broker_core> core_;
    common::mqtt_side_listener* listener_ = nullptr;
    std::unordered_map<common::session_id, std::unique_ptr<session_link>> links_;
    std::function<void(common::session_id)> taken_hook_;
};

} // namespace snbridge::bridge::local
