#pragma once

// One upstream MQTT connection through Paho `mqtt::async_client`, driven from the loop
// thread: connect with exponential backoff and jitter, TLS, send-while-disconnected buffer
// with file persistence, and completion callbacks instead of tokens. Paho's threads only post
// to the paho_context mailbox; every callback below runs on the loop thread
// (docs/style.md "Threads"). Nothing here ever waits on a Paho token.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <mqtt/async_client.h>

#include "bridge/remote/backoff.hpp"
#include "bridge/remote/connect_advice.hpp"
#include "bridge/remote/paho_context.hpp"
#include "bridge/remote/upstream_options.hpp"
#include "common/mqtt_side.hpp"
#include "common/result.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::bridge::remote {

/// How one connection presents itself to the broker.
struct link_params {
    std::string client_id;
    bool clean_session = true;
    std::chrono::seconds keep_alive{60};
    std::optional<common::will_message> will;
    credentials auth;
    /// Keep trying when the very first connect fails (the gateway's own connections), or give
    /// up after it (a device connection in transparent mode: the device retries).
    bool retry_first_connect = true;
    /// Log name, e.g. "upstream" or "client sensor-7".
    std::string log_name = "upstream";
    /// Log level of connection state changes: devices log at info, the gateway at notice.
    bool quiet = false;
    /// A device's own connection (transparent mode): its MQTT-SN ClientId, named in failure
    /// lines; empty for the gateway's own connections.
    std::string device;
    /// Published (QoS 1 usually, retained) at every connect: the gateway's availability
    /// "online" (docs/monitoring.md); with `will` "offline" and `last_words` "offline".
    std::optional<common::mqtt_message> birth;
    /// Published before the clean DISCONNECT of stop() when stop() is given none.
    std::optional<common::mqtt_message> last_words;
    /// Where `auth` comes from, named when the broker refuses it (CONNACK 4/5).
    std::string credentials_key = "upstream.username and upstream.password";
};

/// The gateway's availability on `topic` (docs/monitoring.md, as Zigbee2MQTT's bridge/state):
/// a retained "offline" as the will and as the last words of a clean stop, a retained
/// "online" at every connect. An empty topic: none.
void set_availability(link_params& p, const std::string& topic);

/// Events of a link, on the loop thread. Any may be empty.
struct link_events {
    /// Connected (first time or again). session_present: the broker kept the session.
    std::function<void(bool session_present)> connected;
    /// A connect attempt failed. refused: the broker answered CONNACK with `code` (1..5, or an
    /// MQTT 5 reason code); otherwise it could not be reached (network, TLS, timeout).
    std::function<void(int code, bool refused)> connect_failed;
    /// An established connection broke. The link reconnects by itself.
    std::function<void(const std::string& cause)> connection_lost;
    std::function<void(const common::mqtt_message& msg)> message;
};

class upstream_link : public std::enable_shared_from_this<upstream_link> {
    struct passkey {
        explicit passkey() = default;
    };

public:
    enum class state : std::uint8_t { idle, connecting, connected, waiting, stopped };

    /// Creates the Paho client (not connected yet). Fails on a bad URI, persistence directory
    /// or TLS file (the error names it).
    [[nodiscard]] static common::result<std::shared_ptr<upstream_link>>
    create(paho_context& ctx, const upstream_options& options, link_params params,
           link_events events);
    /// Use create().
    upstream_link(passkey, paho_context& ctx, const upstream_options& options, link_params params,
                  link_events events);
    ~upstream_link();
    upstream_link(const upstream_link&) = delete;
    upstream_link& operator=(const upstream_link&) = delete;
    upstream_link(upstream_link&&) = delete;
    upstream_link& operator=(upstream_link&&) = delete;

    /// Starts connecting (once; later reconnects are automatic).
    void start();
    /// qos 0 without `done`: fire and forget. Otherwise `done(ok)` once the broker acked it, or
    /// at once when the link is down and Paho took it into its (persistent) buffer: custody.
    void publish(const common::mqtt_message& msg, std::function<void(bool ok)> done = {});
    /// `done(granted)`: nullopt on failure (SUBACK 0x80, link down).
    void subscribe(const std::string& filter, std::uint8_t qos,
                   std::function<void(std::optional<std::uint8_t>)> done);
    /// Several filters in one SUBSCRIBE (re-subscribing after a lost session).
    void subscribe_many(const std::vector<std::pair<std::string, std::uint8_t>>& filters);
    void unsubscribe(const std::string& filter, std::function<void(bool ok)> done = {});
    /// The credentials used at the next (re)connect (SIGHUP reload).
    void set_auth(credentials auth) { params_.auth = std::move(auth); }
    /// The will used at the next (re)connect.
    void set_will(std::optional<common::will_message> will) { params_.will = std::move(will); }
    /// Stops for good: no more events; hands the Paho client to the context, which publishes
    /// `last_words` first when given, disconnects cleanly and frees it later.
    void stop(std::optional<common::mqtt_message> last_words = std::nullopt);

    [[nodiscard]] state current_state() const noexcept { return state_; }
    [[nodiscard]] bool connected() const noexcept { return state_ == state::connected; }
    /// True once a connect attempt failed and no connection came up since.
    [[nodiscard]] bool unreachable() const noexcept { return unreachable_; }
    [[nodiscard]] bool ever_connected() const noexcept { return ever_connected_; }
    [[nodiscard]] const std::string& client_id() const noexcept { return params_.client_id; }
    /// Publishes refused (QoS 1/2) or dropped (QoS 0) at upstream_options::max_unconfirmed.
    [[nodiscard]] std::uint64_t refused_publishes() const noexcept { return refused_; }
    /// Whether publish() would take one more message now (below upstream.max_unconfirmed and
    /// max_unconfirmed_total), without logging: for a sink asked before delivery.
    [[nodiscard]] bool can_take() const noexcept;
    /// Messages handed to Paho and not confirmed yet (any thread may change it).
    [[nodiscard]] std::size_t unconfirmed() const noexcept;

private:
    struct sink;
    enum class op_kind : std::uint8_t { connect, publish, subscribe, unsubscribe };
    struct pending_op {
        op_kind kind;
        std::function<void(bool)> done_bool;
        std::function<void(std::optional<std::uint8_t>)> done_sub;
    };
    /// What a Paho thread reports about one operation (copied out of the token there).
    struct op_result {
        bool ok = false;
        int rc = 0;
        std::optional<std::uint8_t> granted;
        bool session_present = false;
        std::string message; ///< Paho's failure text (connect only)
    };

    /// Whether one more message may be handed to Paho (logs once per episode when not).
    [[nodiscard]] bool has_room();
    void connect_now();
    void schedule_reconnect();
    void on_op_done(std::uint64_t op, const op_result& r);
    /// Paho threw on the hand-off thread: logged, and the publish's `done` hears false.
    void on_publish_refused(std::uint64_t op, const std::string& topic, int rc);
    void on_connect_done(const op_result& r);
    void on_lost(const std::string& cause);
    std::uint64_t add_op(pending_op op);
    [[nodiscard]] mqtt::connect_options connect_options() const;
    [[nodiscard]] connect_target connect_target_of() const;

    paho_context& ctx_;
    const upstream_options& options_;
    link_params params_;
    link_events events_;
    std::shared_ptr<mqtt::async_client> client_;
    std::shared_ptr<sink> sink_;
    std::unique_ptr<common::uv::timer> reconnect_timer_;
    reconnect_backoff backoff_;
    state state_ = state::idle;
    bool unreachable_ = false;
    bool ever_connected_ = false;
    bool ringing_ = false;     ///< counted in paho_context::connect_started
    bool tls_tracing_ = false; ///< counted in the process-wide TLS trace (upstream_link.cpp)
    std::string last_advice_;  ///< the failure line logged last (connect_advice.hpp)
    std::uint64_t next_op_ = 1;
    std::uint64_t refused_ = 0;
    bool full_logged_ = false;
    std::unordered_map<std::uint64_t, pending_op> ops_;
};

} // namespace snbridge::bridge::remote
