#include "bridge/remote/connect_advice.hpp"

#include <array>
#include <cstdio>
#include <string_view>

#include <MQTTAsync.h>

#include "common/log.hpp"

namespace snbridge::bridge::remote {

namespace {

constexpr std::string_view check_broker = "the broker's configuration and log";
constexpr std::string_view mqtt_version_key = "upstream.mqtt_version";

std::string hex_code(int rc) {
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "0x%02X", static_cast<unsigned>(rc));
    return text.data();
}

// MQTT 3.1.1 §3.2.2.3: CONNACK return codes 1..5.
connect_advice connack_v3(int rc, const connect_target& t) {
    switch (rc) {
    case 1:
        return {"the broker does not speak MQTT 3.1.1 (CONNACK 1: unacceptable protocol version)",
                std::string(mqtt_version_key)};
    case 2:
        return {common::log::cat("the broker rejected client id '", t.client_id,
                                 "' (CONNACK 2: identifier rejected)"),
                t.client_id_key};
    case 3:
        return {"the broker refuses connections for now (CONNACK 3: server unavailable)",
                std::string(check_broker)};
    case 4:
        return {"bad user name or password (CONNACK 4)", t.credentials_key};
    default:
        return {"not authorized (CONNACK 5: the broker refused these credentials)",
                t.credentials_key};
    }
}

// MQTT 5.0 §3.2.2.2: CONNACK reason codes >= 0x80.
connect_advice connack_v5(int rc, const connect_target& t) {
    struct row {
        int code;
        std::string_view text;
        int key; // 0 the broker, 1 credentials, 2 client id, 3 mqtt_version, 4 uri
    };
    static constexpr row rows[] = {
        {0x84, "unsupported protocol version", 3},
        {0x85, "client identifier not valid", 2},
        {0x86, "bad user name or password", 1},
        {0x87, "not authorized", 1},
        {0x88, "server unavailable", 0},
        {0x89, "server busy", 0},
        {0x8A, "banned", 1},
        {0x8C, "bad authentication method", 1},
        {0x9C, "use another server", 4},
        {0x9D, "server moved", 4},
        {0x9F, "connection rate exceeded", 0},
    };
    for (const auto& r : rows) {
        if (r.code != rc) {
            continue;
        }
        std::string key;
        switch (r.key) {
        case 1:
            key = t.credentials_key;
            break;
        case 2:
            key = t.client_id_key;
            break;
        case 3:
            key = mqtt_version_key;
            break;
        case 4:
            key = "upstream.uri";
            break;
        default:
            key = check_broker;
            break;
        }
        return {common::log::cat(r.text, " (CONNACK reason ", hex_code(rc), ")"), key};
    }
    return {common::log::cat("refused by the broker (CONNACK reason ", hex_code(rc), ")"),
            std::string(check_broker)};
}

connect_advice tls_alert(const std::string& alert, const connect_target& t) {
    // Paho traces "SSL alert write:fatal:unknown CA": "write" is an alert we sent (we did not
    // accept the broker), "read" one the broker sent (it did not accept us).
    const auto reason = alert.substr(alert.rfind(':') + 1);
    const bool we_sent = alert.starts_with("write");
    if (we_sent && reason == "unknown CA") {
        return {t.has_ca_file ? "the broker's certificate is not signed by the CA in "
                                "upstream.tls.ca_file (TLS: unknown CA)"
                              : "the broker's certificate is not signed by a CA this system "
                                "trusts, and upstream.tls.ca_file is not set (TLS: unknown CA)",
                "upstream.tls.ca_file"};
    }
    if (we_sent && reason == "certificate expired") {
        return {"the broker's certificate has expired (TLS: certificate expired)",
                "the broker's certificate, and this host's clock"};
    }
    if (we_sent) {
        return {common::log::cat("the broker's certificate was not accepted (TLS: ", reason, ")"),
                "upstream.tls.ca_file"};
    }
    return {common::log::cat(
                "the broker refused the TLS handshake (TLS alert from the broker: ", reason, ")"),
            "upstream.tls.cert_file and upstream.tls.key_file"};
}

} // namespace

std::string uri_host(const std::string& uri) {
    auto at = uri.find("://");
    std::string_view rest(uri);
    rest.remove_prefix(at == std::string::npos ? 0 : at + 3);
    if (rest.starts_with('[')) {
        const auto end = rest.find(']');
        return std::string(rest.substr(1, end == std::string_view::npos ? end : end - 1));
    }
    return std::string(rest.substr(0, rest.find_first_of(":/")));
}

connect_advice advise(const connect_failure& f, const connect_target& t) {
    if (f.rc > 0 && f.rc < 6) {
        return connack_v3(f.rc, t);
    }
    if (f.rc >= 0x80) {
        return connack_v5(f.rc, t);
    }
    const auto host = uri_host(t.uri);
    if (f.lookup_failed) {
        return {common::log::cat("cannot resolve host name '", host, "' (DNS lookup failed)"),
                "upstream.uri"};
    }
    if (f.host_mismatch) {
        return {common::log::cat("the broker's certificate is not for '", host,
                                 "' (TLS host-name mismatch)"),
                "upstream.uri (use a name the certificate lists) or upstream.tls.verify_hostname"};
    }
    if (!f.tls_alert.empty()) {
        return tls_alert(f.tls_alert, t);
    }
    if (f.tls_failed) {
        return {"the TLS handshake failed (does the port speak TLS?)", "upstream.uri"};
    }
    if (f.rc == MQTTASYNC_FAILURE) {
        if (f.message == "TCP connect timeout") {
            return {common::log::cat("no answer within ", t.connect_timeout.count(),
                                     " s (host unreachable, a firewall drops the traffic, or "
                                     "no MQTT broker there)"),
                    "upstream.uri and upstream.connect_timeout"};
        }
        if (f.message == "TCP/TLS connect failure") {
            return {"connection refused (nothing listens there)", "upstream.uri"};
        }
        if (f.message == "TCP connect completion failure") {
            // MQTTAsync: the TCP connection came up, then closed before CONNACK.
            return {"the connection closed before CONNACK (a TLS port, or not an MQTT broker?)",
                    "upstream.uri"};
        }
        if (f.message.empty()) {
            // Paho's connect did not get as far as a TCP SYN: connect(2) failed at once.
            return {"network unreachable (no route to the host)", "upstream.uri"};
        }
    }
    return {common::log::cat("Paho error ", f.rc, f.message.empty() ? "" : ": ", f.message),
            "upstream.uri"};
}

std::string advice_line(const connect_target& t, const connect_advice& a) {
    return common::log::cat("Upstream ", t.uri, t.device.empty() ? "" : " for client ", t.device,
                            ": ", a.cause, ": check ", a.key, ".");
}

} // namespace snbridge::bridge::remote
