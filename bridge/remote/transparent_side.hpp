#pragma once

// mode: transparent. Every MQTT-SN session gets its own upstream MQTT connection (Paho
// async_client) under the device's ClientId (with the configured prefix), carrying its clean
// session flag, keep-alive, will and credentials, so each device is a first-class client at
// the broker (docs/architecture.md "Layers"). The connection stays up while the device sleeps.
// QoS −1 publishes go through one dedicated connection of the gateway. Loop thread only.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "bridge/remote/paho_context.hpp"
#include "bridge/remote/upstream_link.hpp"
#include "bridge/remote/upstream_options.hpp"
#include "common/mqtt_side.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"

namespace snbridge::bridge::remote {

class transparent_side final : public common::mqtt_side {
public:
    /// Starts the gateway's own connection (QoS −1, and the broker-reachable hint for open()).
    /// Fails on a bad URI, persistence directory or TLS file.
    [[nodiscard]] static common::result<std::unique_ptr<transparent_side>>
    create(common::uv::loop& loop, upstream_options options);
    ~transparent_side() override;
    transparent_side(const transparent_side&) = delete;
    transparent_side& operator=(const transparent_side&) = delete;
    transparent_side(transparent_side&&) = delete;
    transparent_side& operator=(transparent_side&&) = delete;

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
    void publish_connectionless(const common::mqtt_message& msg) override;

    /// Shutdown: disconnects every upstream connection cleanly (wills discarded) and calls
    /// `done` on the loop once Paho has let go of all of them. No events after this call.
    void stop(std::function<void()> done) override;
    /// The gateway's own upstream connection (QoS −1) stands for the broker's reachability.
    [[nodiscard]] bool server_connected() const noexcept override {
        return gateway_link_ && gateway_link_->connected();
    }

    /// SIGHUP: new credentials and TLS files, for the connections made from now on (devices
    /// that connect, and every reconnect of the gateway's own connection).
    void reload_credentials(const upstream_options& next) {
        take_credentials(options_, next);
        if (gateway_link_) {
            gateway_link_->set_auth(options_.auth);
        }
    }
    void attach_metrics(common::metrics::registry& metrics) override {
        ctx_.attach_metrics(metrics);
    }

    /// Open upstream device connections (for tests and stats).
    [[nodiscard]] std::size_t device_count() const noexcept { return devices_.size(); }

    /// Public for create(); use create().
    transparent_side(common::uv::loop& loop, upstream_options options);

private:
    struct device {
        std::string client_id; ///< the device's own (without prefix)
        std::uint64_t generation = 0;
        std::shared_ptr<upstream_link> link;
        bool answered = false; ///< on_open sent
        bool clean_session = true;
        std::optional<common::will_message> will;
        std::optional<std::string> username;
        std::optional<std::string> password;
        std::map<std::string, std::uint8_t> subscriptions; ///< to restore after a clean reconnect
    };

    [[nodiscard]] device* find(common::session_id id, std::uint64_t generation);
    [[nodiscard]] credentials credentials_for(const common::open_params& params) const;
    /// The upstream connection of a device's session, as open() asked for it.
    [[nodiscard]] link_params link_params_for(const common::open_params& params,
                                              const credentials& creds) const;
    /// The link's callbacks for device `id`; they do nothing once `generation` is replaced.
    [[nodiscard]] link_events device_events(common::session_id id, std::uint64_t generation);
    void drop(common::session_id id, std::optional<common::mqtt_message> last_words);

    upstream_options options_;
    paho_context ctx_;
    common::mqtt_side_listener* listener_ = nullptr;
    std::shared_ptr<upstream_link> gateway_link_;
    std::unordered_map<common::session_id, device> devices_;
    std::uint64_t next_generation_ = 1;
    bool stopped_ = false;
};

} // namespace snbridge::bridge::remote
