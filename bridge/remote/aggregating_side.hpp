#pragma once

// mode: aggregating. All sessions share one upstream MQTT connection (Paho async_client).
// Each distinct filter is subscribed upstream once, reference-counted, at the highest QoS
// any session asked for; every message from upstream is fanned out locally to all sessions
// with a matching filter (subscription_table). Wills of lost devices are published by the
// gateway. Sessions with CleanSession=0 keep their filters, and QoS 1/2 messages (bounded),
// across close()/open(). Loop thread only.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "bridge/remote/paho_context.hpp"
#include "bridge/remote/subscription_table.hpp"
#include "bridge/remote/upstream_link.hpp"
#include "bridge/remote/upstream_options.hpp"
#include "common/custody_queue.hpp"
#include "common/mqtt_side.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"

namespace snbridge::bridge::remote {

class aggregating_side final : public common::mqtt_side {
public:
    /// Starts the shared connection (retrying with backoff until the broker answers).
    [[nodiscard]] static common::result<std::unique_ptr<aggregating_side>>
    create(common::uv::loop& loop, upstream_options options);
    ~aggregating_side() override;
    aggregating_side(const aggregating_side&) = delete;
    aggregating_side& operator=(const aggregating_side&) = delete;
    aggregating_side(aggregating_side&&) = delete;
    aggregating_side& operator=(aggregating_side&&) = delete;

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

    /// Shutdown: disconnects the shared connection cleanly and calls `done` on the loop once
    /// Paho has let go of it. No events after this call.
    void stop(std::function<void()> done) override;
    [[nodiscard]] bool server_connected() const noexcept override {
        return link_ && link_->connected();
    }

    [[nodiscard]] bool upstream_connected() const noexcept;
    [[nodiscard]] const subscription_table& subscriptions() const noexcept { return table_; }
    /// Messages dropped because a parked session's queue was full.
    [[nodiscard]] std::uint64_t dropped_offline() const noexcept { return dropped_offline_; }

    /// Public for create(); use create().
    aggregating_side(common::uv::loop& loop, upstream_options options);

private:
    struct session_state {
        std::optional<common::session_id> id; ///< nullopt: closed, kept (CleanSession=0)
        std::uint64_t generation = 0;
        bool clean_session = true;
        std::optional<common::will_message> will;
        common::custody_queue<common::mqtt_message> offline; ///< QoS 1/2 while closed
    };

    [[nodiscard]] const std::string* client_of(common::session_id id) const;
    void forget(const std::string& client_id);
    void on_upstream_message(const common::mqtt_message& msg);
    void on_upstream_connected(bool session_present);

    upstream_options options_;
    paho_context ctx_;
    common::mqtt_side_listener* listener_ = nullptr;
    std::shared_ptr<upstream_link> link_;
    subscription_table table_;
    std::map<std::string, session_state, std::less<>> sessions_; ///< by ClientId
    std::unordered_map<common::session_id, std::string> open_;   ///< open sessions
    std::uint64_t next_generation_ = 1;
    std::uint64_t dropped_offline_ = 0;
    bool stopped_ = false;
};

} // namespace snbridge::bridge::remote
