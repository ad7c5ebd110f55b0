#pragma once

// The MQTT side of a gateway session: where gateway/ (MQTT-SN sessions) and bridge/ (the
// built-in broker, or a remote broker through Paho) meet. gateway/ and bridge/ never include
// each other; both include this header. See docs/architecture.md "Layers".

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/metrics/registry.hpp"

namespace snbridge::common {

/// Gateway-assigned handle of one MQTT-SN session. It stays the same while the gateway keeps
/// the session for a ClientId (across rebinds, sleeps and reconnects with CleanSession=0).
using session_id = std::uint64_t;

/// An application message on the MQTT side. qos is 0, 1 or 2 (QoS −1 arrives as 0).
struct mqtt_message {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
    bool retain = false;
};

/// The will the device registered (MQTT-SN 1.2 §6.3).
struct will_message {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
    bool retain = false;
};

struct open_params {
    std::string client_id;
    bool clean_session = true;
    std::uint16_t keep_alive_s = 0;
    std::optional<will_message> will;
    std::optional<std::string> username;
    std::optional<std::string> password;
    /// The gateway restarted and restores this session from disk (docs/persistence.md): take
    /// up what the side kept for it as it was (the built-in broker's restored session), and
    /// answer on_open as usual. The device knows nothing of the restart.
    bool resume = false;
};

enum class open_status : std::uint8_t {
    accepted,   ///< session is open on the MQTT side
    congestion, ///< MQTT side unreachable or full; the device should retry (CONNACK 0x01)
    refused,    ///< refused (credentials, policy); CONNACK 0x03 (not supported)
};

enum class close_reason : std::uint8_t {
    disconnect, ///< device sent DISCONNECT: the will is discarded
    lost,       ///< keep-alive or sleep timer expired: the will is published
    shutdown,   ///< the gateway stops: the will is discarded
};

/// Events from the MQTT side to the gateway. Called on the loop thread only. An
/// implementation may call these from inside a mqtt_side call (the local broker does), so the
/// listener must not re-enter the mqtt_side synchronously: it queues and handles afterwards.
class mqtt_side_listener {
public:
    virtual ~mqtt_side_listener() = default;
    /// Answer to open(). session_present tells whether subscriptions were kept (clean=0).
    virtual void on_open(session_id id, open_status status, bool session_present) = 0;
    /// A message for the session, already downgraded to the granted QoS. From here on the
    /// gateway has custody of it (docs/architecture.md "Custody").
    virtual void on_message(session_id id, const mqtt_message& msg) = 0;
    /// Answer to publish() with qos 1/2: ok=true once the MQTT side has taken custody.
    virtual void on_publish_done(session_id id, std::uint32_t token, bool ok) = 0;
    /// Answer to subscribe(): the granted QoS, or nullopt for a failure (SUBACK 0x80 in MQTT).
    virtual void on_subscribe_done(session_id id, std::uint32_t token,
                                   std::optional<std::uint8_t> granted_qos) = 0;
    virtual void on_unsubscribe_done(session_id id, std::uint32_t token) = 0;
    /// The MQTT side lost the session on its own (e.g. upstream refused it after reconnect).
    virtual void on_session_lost(session_id id) = 0;
    /// Backpressure (docs/architecture.md "Custody"): whether one more on_message at `qos`
    /// for `id` would be kept, not dropped. A side that can refuse its publisher (the
    /// built-in broker) asks before it delivers; after a no, the gateway calls
    /// mqtt_side::room_available(id) once it has room again. Synchronous, no side effects.
    [[nodiscard]] virtual bool can_take(session_id /*id*/, std::uint8_t /*qos*/) const {
        return true;
    }
};

/// The MQTT side of every session. All calls are made on the loop thread and never block.
/// Answers arrive through the listener, possibly before the call returns.
class mqtt_side {
public:
    virtual ~mqtt_side() = default;
    /// Must be called once before any other call; the listener outlives this object.
    virtual void set_listener(mqtt_side_listener& listener) = 0;
    /// Opens (or re-opens) the session of params.client_id under `id` -> on_open.
    virtual void open(session_id id, const open_params& params) = 0;
    /// Publishes for the session. qos 0: fire and forget. qos 1/2: -> on_publish_done(token).
    virtual void publish(session_id id, const mqtt_message& msg, std::uint32_t token) = 0;
    /// -> on_subscribe_done(token). Retained messages matching the filter follow as on_message.
    virtual void subscribe(session_id id, const std::string& filter, std::uint8_t qos,
                           std::uint32_t token) = 0;
    /// -> on_unsubscribe_done(token).
    virtual void unsubscribe(session_id id, const std::string& filter, std::uint32_t token) = 0;
    /// Replaces (or with nullopt removes) the will of an open session (WILLTOPICUPD/WILLMSGUPD).
    virtual void set_will(session_id id, std::optional<will_message> will) = 0;
    /// Ends the session on the MQTT side. After close() no more events arrive for `id` until
    /// it is opened again. With clean_session=false the MQTT side keeps the subscriptions
    /// (and, where it can, queues QoS 1/2 messages, bounded) under the client id and delivers
    /// them after the next open() of that client id.
    virtual void close(session_id id, close_reason reason) = 0;
    /// After can_take(id, ...) said no: the session has room again.
    virtual void room_available(session_id /*id*/) {}
    /// QoS −1 publish from a connectionless sender (MQTT-SN 1.2 §6.8), sent at QoS 0.
    virtual void publish_connectionless(const mqtt_message& msg) = 0;
    /// Shutdown, after the sessions were closed: lets go of what the side holds outside the
    /// process (the remote modes send MQTT DISCONNECT upstream) and calls `done` on the loop
    /// thread once that is finished, possibly before returning. No events after this call.
    /// Run the loop until `done` before destroying the side. Default: `done` at once.
    virtual void stop(std::function<void()> done) { done(); }
    /// Whether the side is connected to its server (the built-in broker always is). MQTT-SN
    /// 1.2 §6.1: the gateway advertises its presence only while it is.
    [[nodiscard]] virtual bool server_connected() const noexcept { return true; }
    /// The side counts into `metrics` from here on (the remote modes: upstream connections,
    /// docs/monitoring.md). Start-up only; `metrics` must outlive the side. Default: nothing.
    virtual void attach_metrics(metrics::registry& /*metrics*/) {}
};

} // namespace snbridge::common
