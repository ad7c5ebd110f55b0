#pragma once

// Settings of the upstream MQTT connection(s) of the remote modes (transparent, aggregating).
// Filled from config `upstream:` (config/config.hpp) by bridge/mqtt_side_factory; kept as a
// plain struct here so bridge/remote/ can be driven directly by tests.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace snbridge::bridge::remote {

/// TLS towards the broker; used when the URI is ssl:// (or mqtts://).
struct tls_options {
    std::string ca_file;   ///< PEM CA bundle the broker certificate must chain to
    std::string cert_file; ///< optional client certificate (PEM)
    std::string key_file;  ///< optional client private key (PEM)
    bool verify_hostname = true;
};

struct credentials {
    std::optional<std::string> username;
    std::optional<std::string> password;
};

/// Paho's send-while-disconnected buffer (docs/architecture.md "Custody").
struct buffer_options {
    int max_messages = 10000;    ///< per upstream connection
    std::string persistence_dir; ///< empty: kept in memory only
    bool delete_oldest = false;  ///< when full: drop the oldest (true) or refuse the new one
};

struct upstream_options {
    std::string uri = "tcp://127.0.0.1:1883";
    /// Client id of the gateway's own connection (the shared one in aggregating mode, the QoS −1
    /// one in transparent mode, which appends "-qos-1").
    std::string client_id = "snbridge";
    /// Prepended to every device ClientId in transparent mode.
    std::string client_id_prefix;
    /// Global credentials, and per device ClientId (transparent mode; wins over global).
    credentials auth;
    std::map<std::string, credentials, std::less<>> client_credentials;
    tls_options tls;
    /// Keep-alive of the gateway's own connections; transparent device connections use the
    /// device's keep-alive (or this when the device asked for 0).
    std::chrono::seconds keep_alive{60};
    std::chrono::seconds connect_timeout{10};
    std::chrono::milliseconds reconnect_min{1000};
    std::chrono::milliseconds reconnect_max{60000};
    buffer_options buffer;
    int mqtt_version = 4; ///< 4 = MQTT 3.1.1, 5 = MQTT 5
    /// Clean session of the gateway's shared connection (aggregating). Off by default so that
    /// subscriptions and in-flight QoS 1/2 messages survive an outage.
    bool clean_session = false;
    /// Aggregating: QoS 1/2 messages kept per closed CleanSession=0 session.
    std::size_t offline_queue_max = 1000;
    /// Messages handed to Paho and not yet confirmed by it (QoS 0 written to the socket, QoS
    /// 1/2 acknowledged, or held in its offline buffer), per connection and over all of them
    /// (docs/architecture.md "Custody"). Beyond either bound a QoS 1/2 publish is refused
    /// (the device gets PUBACK 0x01) and QoS 0 is dropped, counted: Paho's own queues are
    /// never allowed to grow without bound.
    std::size_t max_unconfirmed = 4000;
    std::size_t max_unconfirmed_total = 4000;
    /// The gateway's availability topic (retained online/offline); empty: none.
    std::string availability_topic;
};

/// The availability messages of `topic`: the will and last words "offline", the birth
/// "online" (QoS 1, retained).
[[nodiscard]] common::mqtt_message availability_message(const std::string& topic, bool online);

/// SIGHUP (issue 13 point 4): `to` takes the credentials and TLS files of `from` - what a
/// running gateway applies at its next (re)connects.
void take_credentials(upstream_options& to, const upstream_options& from);

/// The `upstream:` config section as options. `gateway_name` makes the default availability
/// topic ("<name>/bridge/state").
[[nodiscard]] upstream_options options_from(const config::upstream_section& cfg,
                                            std::string_view gateway_name = "snbridge");

/// True when `uri` asks for TLS (ssl://, mqtts://, wss://).
[[nodiscard]] bool uses_tls(const std::string& uri) noexcept;

} // namespace snbridge::bridge::remote
