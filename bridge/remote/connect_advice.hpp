#pragma once

// Why a connect to the upstream broker failed, said so that a user can act on it: one table
// from what Paho (and OpenSSL through Paho's trace) reported to a cause and the config key to
// change, e.g. "connection refused (nothing listens there)" and "upstream.uri". Pure: no
// Paho calls, no I/O; upstream_link collects the evidence (docs/troubleshooting.md).

#include <chrono>
#include <string>

namespace snbridge::bridge::remote {

/// What one failed connect attempt left behind.
struct connect_failure {
    /// Paho's code: negative for its own failures (MQTTASYNC_FAILURE = -1 for network, TLS
    /// and timeout alike), 1..5 for an MQTT 3.1.1 CONNACK refusal, >= 0x80 for an MQTT 5
    /// CONNACK reason code.
    int rc = 0;
    /// Paho's failure text: "TCP/TLS connect failure", "TCP connect timeout",
    /// "CONNACK return code", or empty (the connect did not start: name lookup, no route).
    std::string message;
    /// The last fatal TLS alert of the handshake, as Paho traces it, e.g.
    /// "write:fatal:unknown CA" (we sent it) or "read:fatal:handshake failure" (the broker did).
    std::string tls_alert;
    /// The handshake passed but the certificate names neither the host nor the IP of the URI.
    bool host_mismatch = false;
    /// Name lookup of the URI's host failed (Paho traced "getaddrinfo failed for addr HOST").
    bool lookup_failed = false;
    /// OpenSSL failed the handshake without an alert (e.g. the port does not speak TLS).
    bool tls_failed = false;
};

/// The connection that failed, as configured.
struct connect_target {
    std::string uri;
    std::string client_id;
    /// A device's own connection (transparent mode): its MQTT-SN ClientId; empty for the
    /// gateway's own connection.
    std::string device;
    bool has_ca_file = false; ///< upstream.tls.ca_file is set (else: the system's CA store)
    std::chrono::seconds connect_timeout{10};
    /// Where this connection's user name and password come from.
    std::string credentials_key = "upstream.username and upstream.password";
    /// Where its client id comes from.
    std::string client_id_key = "upstream.client_id";
};

/// A cause and the config key (or the thing) to check.
struct connect_advice {
    std::string cause; ///< e.g. "connection refused (nothing listens there)"
    std::string key;   ///< e.g. "upstream.uri"
    bool operator==(const connect_advice&) const = default;
};

/// The table (connect_advice.cpp): Paho's failure -> cause and key.
[[nodiscard]] connect_advice advise(const connect_failure& failure, const connect_target& target);

/// "Upstream URI: CAUSE: check KEY." ("Upstream URI for client ID: ..." for a device's
/// connection): the line logged once per new failure cause.
[[nodiscard]] std::string advice_line(const connect_target& target, const connect_advice& advice);

/// The host of "tcp://HOST:PORT" (brackets of an IPv6 literal removed), or "" if none.
[[nodiscard]] std::string uri_host(const std::string& uri);

} // namespace snbridge::bridge::remote
