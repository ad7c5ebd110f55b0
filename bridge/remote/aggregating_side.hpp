#pragma once

// mode: aggregating, the built-in broker plus one upstream bridge (docs/architecture.md
// "Layers"). The MQTT-SN sessions are clients of the local broker_core exactly as in mode
// `broker` (local_mqtt_side): fan-out, retained messages, offline queues of CleanSession=0
// sessions and wills are the broker's, and its MQTT listener can serve the same core. The
// upstream_bridge carries topics between that core and one upstream connection
// (upstream.topics; by default every topic out, and in what the devices subscribe to).
// This side tells the bridge which filters the MQTT-SN sessions hold (in on demand).
// Loop thread only.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/local_mqtt_side.hpp"
#include "bridge/remote/subscription_table.hpp"
#include "bridge/remote/upstream_bridge.hpp"
#include "bridge/remote/upstream_options.hpp"
#include "common/mqtt_side.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"

namespace snbridge::bridge::remote {

class aggregating_side final : public common::mqtt_side {
public:
    /// The sessions go to `core`; the bridge connects upstream (retrying with backoff until
    /// the broker answers) once set_listener() is called. `rules`: upstream.topics.
    [[nodiscard]] static common::result<std::unique_ptr<aggregating_side>>
    create(common::uv::loop& loop, upstream_options options,
           std::shared_ptr<local::broker_core> core,
           std::optional<std::vector<bridge_rule>> rules = std::nullopt);
    ~aggregating_side() override = default;
    aggregating_side(const aggregating_side&) = delete;
    aggregating_side& operator=(const aggregating_side&) = delete;
    aggregating_side(aggregating_side&&) = delete;
    aggregating_side& operator=(aggregating_side&&) = delete;

    /// Also attaches the bridge to the broker: main.cpp calls it after broker_core::restore.
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

    /// Shutdown: the bridge leaves the broker and disconnects upstream cleanly; `done` on the
    /// loop once Paho has let go. No events after this call.
    void stop(std::function<void()> done) override;
    /// MQTT-SN 1.2 §6.1: ADVERTISE and GWINFO only while the upstream is connected.
    [[nodiscard]] bool server_connected() const noexcept override { return bridge_->connected(); }
    void reload_credentials(const upstream_options& next) { bridge_->reload_credentials(next); }
    void attach_metrics(common::metrics::registry& metrics) override {
        bridge_->attach_metrics(metrics);
    }

    [[nodiscard]] bool upstream_connected() const noexcept { return bridge_->connected(); }
    /// The MQTT-SN sessions' filters, as subscribed upstream (in on demand).
    [[nodiscard]] const subscription_table& subscriptions() const noexcept {
        return bridge_->demand();
    }
    [[nodiscard]] const upstream_bridge& bridge() const noexcept { return *bridge_; }
    [[nodiscard]] local::broker_core& core() noexcept { return local_.core(); }

    /// Public for create(); use create().
    aggregating_side(std::shared_ptr<local::broker_core> core,
                     std::unique_ptr<upstream_bridge> bridge);

private:
    /// The session is closed: a clean one's filters are no longer wanted upstream.
    void end_session(common::session_id id);

    struct open_session {
        std::string client_id;
        bool clean_session = true;
    };

    local::local_mqtt_side local_;
    std::unique_ptr<upstream_bridge> bridge_;
    std::unordered_map<common::session_id, open_session> open_;
};

} // namespace snbridge::bridge::remote
