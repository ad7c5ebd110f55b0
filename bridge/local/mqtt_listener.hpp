#pragma once

// The local broker's MQTT 3.1.1 TCP listener (issue 6): accepts TCP connections on the
// configured addresses and runs one mqtt_connection per client on the shared broker_core, so
// MQTT clients (mosquitto_sub, Node-RED, Home Assistant) and MQTT-SN sensors share topics.
//
// Start it from main after the core exists:
//   auto listener = mqtt_listener::start(loop, core, mqtt_settings_from(cfg.broker));
//   if (!listener) { log the error; exit 1 }   // (only when cfg.broker.mqtt_listen is non-empty)
// and destroy it (or call stop()) before the core and the loop.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/mqtt_connection.hpp"
#include "common/commit_gate.hpp"
#include "common/net_address.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/tcp_server.hpp"
#include "common/uv/tcp_stream.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::config {
struct broker_section;
struct clients_section;
struct dtls_section;
} // namespace snbridge::config

namespace snbridge::bridge::local {

/// The listener settings from the `broker:` section of the config.
[[nodiscard]] mqtt_settings mqtt_settings_from(const config::broker_section& broker);
/// The same with the access control of `clients:` and the ClientIds `mqttsn.dtls.psk` binds
/// to DTLS identities (docs/security.md).
[[nodiscard]] mqtt_settings mqtt_settings_from(const config::broker_section& broker,
                                               const config::clients_section& clients,
                                               const config::dtls_section& dtls);

/// The listener's counters, cells of the broker's metrics registry. Monotonic.
struct mqtt_listener_stats {
    explicit mqtt_listener_stats(common::metrics::registry& r);
    common::metrics::counter accepted;        ///< TCP connections accepted
    common::metrics::counter refused_full;    ///< closed at once: max_connections reached
    common::metrics::counter closed;          ///< connections finished and freed
    common::metrics::counter commit_failures; ///< closed because a commit failed (persistence)
};

class mqtt_listener {
public:
    /// Binds every address of settings.listen and starts accepting. Loop thread only. The
    /// core must outlive the listener. Fails (naming the address) if one cannot be bound.
    [[nodiscard]] static common::result<std::unique_ptr<mqtt_listener>>
    start(common::uv::loop& loop, std::shared_ptr<broker_core> core, mqtt_settings settings);

    /// stop().
    ~mqtt_listener();
    mqtt_listener(const mqtt_listener&) = delete;
    mqtt_listener& operator=(const mqtt_listener&) = delete;

    /// SIGHUP (issue 13 point 4): the users and anonymous access for the CONNECTs from now
    /// on (connected clients stay), and the access rules for every packet from now on.
    void reload_access(const mqtt_settings& next) {
        settings_.users = next.users;
        settings_.allow_anonymous = next.allow_anonymous;
        settings_.access = next.access;
    }
    /// Stops listening and closes every connection; sessions are detached from the core with
    /// close_reason::shutdown (wills discarded, persistent sessions kept). Idempotent.
    void stop() noexcept;

    /// The bound addresses, in settings order (with the kernel's port for port 0).
    [[nodiscard]] const std::vector<common::net_address>& addresses() const noexcept {
        return addresses_;
    }
    /// TCP connections currently held (including ones not yet connected or closing).
    [[nodiscard]] std::size_t connection_count() const noexcept { return entries_.size(); }
    [[nodiscard]] const mqtt_listener_stats& stats() const noexcept { return stats_; }

    /// Durable before acknowledged (persistence on): while `gate` holds, what connections
    /// send waits, in order, for the commit; after a failed commit those connections are
    /// closed (their clients resend after reconnecting). `gate` must outlive the listener.
    void set_commit_gate(common::commit_gate* gate) noexcept { gate_ = gate; }

    /// For start() only (public for std::make_unique).
    struct private_tag {};
    mqtt_listener(private_tag, common::uv::loop& loop, std::shared_ptr<broker_core> core,
                  mqtt_settings settings);

private:
    struct entry;
    void on_accept(std::unique_ptr<common::uv::tcp_stream> stream, bool secure);
    void request_close(entry& e, bool flush);
    void schedule_reap();
    void hold(entry& e);
    void release(bool committed);
    void schedule_resume(entry& e);
    void resume_paused();
    void reap();
    void tick();
    /// Makes the tick timer fire no later than `at` (re-arms only when `at` is earlier than
    /// the armed deadline; an idle listener has no timer running at all).
    void arm(mqtt_connection::clock::time_point at);

    common::uv::loop& loop_;
    std::shared_ptr<broker_core> core_;
    mqtt_settings settings_;
    std::shared_ptr<common::tls::server_context> tls_ctx_;
    std::vector<std::unique_ptr<common::uv::tcp_server>> servers_;
    std::vector<common::net_address> addresses_;
    std::unordered_map<std::uint64_t, std::unique_ptr<entry>> entries_;
    std::uint64_t next_id_ = 1;
    common::uv::timer tick_timer_;
    common::uv::timer reap_timer_;
    common::uv::timer resume_timer_; ///< runs resume_paused() outside core calls
    std::optional<mqtt_connection::clock::time_point>
        armed_; ///< when tick_timer_ fires, if it is running
    mqtt_listener_stats stats_{core_->metrics()};
    bool stopped_ = false;
    common::commit_gate* gate_ = nullptr;
    std::vector<std::uint64_t> held_; ///< entries with held bytes
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace snbridge::bridge::local
