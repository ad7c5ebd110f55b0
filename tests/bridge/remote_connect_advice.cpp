// Why an upstream connect failed, as a table: what Paho reported (return code, failure text,
// the TLS alert and host check from its trace) -> the cause and the key to change. The
// inputs are what Paho C 1.3 and OpenSSL 3 gave in each case against a real Mosquitto
// (tests/integration/bridge_errors_test.cpp checks the lines end to end).

#include <doctest/doctest.h>

#include "bridge/remote/connect_advice.hpp"

using namespace snbridge::bridge::remote;

namespace {

struct advice_case {
    const char* what;
    connect_failure failure;
    connect_advice expected;
};

connect_failure paho(int rc, std::string message) {
    connect_failure f;
    f.rc = rc;
    f.message = std::move(message);
    return f;
}

connect_failure tls(std::string alert) {
    auto f = paho(-1, "TCP/TLS connect failure");
    f.tls_alert = std::move(alert);
    return f;
}

connect_target target() {
    connect_target t;
    t.uri = "ssl://broker.example:8883";
    t.client_id = "gw-1";
    t.has_ca_file = true;
    t.connect_timeout = std::chrono::seconds(10);
    return t;
}

const std::string creds = "upstream.username and upstream.password";

const advice_case table[] = {
    // Paho's own failures (MQTTASYNC_FAILURE = -1 and its failure text)
    {"refused: SYN answered by RST",
     paho(-1, "TCP/TLS connect failure"),
     {"connection refused (nothing listens there)", "upstream.uri"}},
    {"timeout: no CONNACK within connect_timeout",
     paho(-1, "TCP connect timeout"),
     {"no answer within 10 s (host unreachable, a firewall drops the traffic, or no MQTT broker "
      "there)",
      "upstream.uri and upstream.connect_timeout"}},
    {"closed after TCP connect",
     paho(-1, "TCP connect completion failure"),
     {"the connection closed before CONNACK (a TLS port, or not an MQTT broker?)", "upstream.uri"}},
    {"connect(2) failed at once (ENETUNREACH)",
     paho(-1, ""),
     {"network unreachable (no route to the host)", "upstream.uri"}},
    {"name lookup failed",
     [] {
         auto f = paho(-1, "");
         f.lookup_failed = true;
         return f;
     }(),
     {"cannot resolve host name 'broker.example' (DNS lookup failed)", "upstream.uri"}},
    {"another Paho code", paho(-3, ""), {"Paho error -3", "upstream.uri"}},
    // TLS, from Paho's trace of OpenSSL
    {"unknown CA (we sent the alert)",
     tls("write:fatal:unknown CA"),
     {"the broker's certificate is not signed by the CA in upstream.tls.ca_file (TLS: unknown "
      "CA)",
      "upstream.tls.ca_file"}},
    {"expired broker certificate",
     tls("write:fatal:certificate expired"),
     {"the broker's certificate has expired (TLS: certificate expired)",
      "the broker's certificate, and this host's clock"}},
    {"other certificate problem",
     tls("write:fatal:bad certificate"),
     {"the broker's certificate was not accepted (TLS: bad certificate)", "upstream.tls.ca_file"}},
    {"the broker refused our handshake",
     tls("read:fatal:handshake failure"),
     {"the broker refused the TLS handshake (TLS alert from the broker: handshake failure)",
      "upstream.tls.cert_file and upstream.tls.key_file"}},
    {"host-name mismatch",
     [] {
         auto f = paho(-1, "TCP/TLS connect failure");
         f.host_mismatch = true;
         return f;
     }(),
     {"the broker's certificate is not for 'broker.example' (TLS host-name mismatch)",
      "upstream.uri (use a name the certificate lists) or upstream.tls.verify_hostname"}},
    {"handshake failed without an alert",
     [] {
         auto f = paho(-1, "TCP/TLS connect failure");
         f.tls_failed = true;
         return f;
     }(),
     {"the TLS handshake failed (does the port speak TLS?)", "upstream.uri"}},
    // MQTT 3.1.1 §3.2.2.3 CONNACK return codes
    {"CONNACK 1",
     paho(1, "CONNACK return code"),
     {"the broker does not speak MQTT 3.1.1 (CONNACK 1: unacceptable protocol version)",
      "upstream.mqtt_version"}},
    {"CONNACK 2",
     paho(2, "CONNACK return code"),
     {"the broker rejected client id 'gw-1' (CONNACK 2: identifier rejected)",
      "upstream.client_id"}},
    {"CONNACK 3",
     paho(3, "CONNACK return code"),
     {"the broker refuses connections for now (CONNACK 3: server unavailable)",
      "the broker's configuration and log"}},
    {"CONNACK 4", paho(4, "CONNACK return code"), {"bad user name or password (CONNACK 4)", creds}},
    {"CONNACK 5",
     paho(5, "CONNACK return code"),
     {"not authorized (CONNACK 5: the broker refused these credentials)", creds}},
    // MQTT 5.0 §3.2.2.2 CONNACK reason codes
    {"MQTT 5 0x84",
     paho(0x84, "CONNACK return code"),
     {"unsupported protocol version (CONNACK reason 0x84)", "upstream.mqtt_version"}},
    {"MQTT 5 0x85",
     paho(0x85, "CONNACK return code"),
     {"client identifier not valid (CONNACK reason 0x85)", "upstream.client_id"}},
    {"MQTT 5 0x86",
     paho(0x86, "CONNACK return code"),
     {"bad user name or password (CONNACK reason 0x86)", creds}},
    {"MQTT 5 0x87",
     paho(0x87, "CONNACK return code"),
     {"not authorized (CONNACK reason 0x87)", creds}},
    {"MQTT 5 0x89",
     paho(0x89, "CONNACK return code"),
     {"server busy (CONNACK reason 0x89)", "the broker's configuration and log"}},
    {"MQTT 5 0x9D",
     paho(0x9D, "CONNACK return code"),
     {"server moved (CONNACK reason 0x9D)", "upstream.uri"}},
    {"MQTT 5 unlisted",
     paho(0x80, "CONNACK return code"),
     {"refused by the broker (CONNACK reason 0x80)", "the broker's configuration and log"}},
};

} // namespace

TEST_CASE("connect advice: Paho's failure -> cause and key, as a table") {
    for (const auto& c : table) {
        CAPTURE(c.what);
        CHECK(advise(c.failure, target()) == c.expected);
    }
}

TEST_CASE("connect advice: the evidence ranks CONNACK, lookup, host check, alert, text") {
    auto f = tls("write:fatal:unknown CA");
    f.host_mismatch = true;
    CHECK(advise(f, target()).cause.find("host-name mismatch") != std::string::npos);
    f.lookup_failed = true;
    CHECK(advise(f, target()).cause.find("DNS") != std::string::npos);
    f.rc = 4; // a CONNACK is the broker's own word
    CHECK(advise(f, target()).cause == "bad user name or password (CONNACK 4)");
}

TEST_CASE("connect advice: without ca_file an unknown CA means the system's store") {
    auto t = target();
    t.has_ca_file = false;
    CHECK(advise(tls("write:fatal:unknown CA"), t) ==
          connect_advice{"the broker's certificate is not signed by a CA this system trusts, and "
                         "upstream.tls.ca_file is not set (TLS: unknown CA)",
                         "upstream.tls.ca_file"});
}

TEST_CASE("connect advice: a device's connection names its credentials and client id") {
    auto t = target();
    t.device = "sensor-7";
    t.client_id = "sn-sensor-7";
    t.credentials_key = "upstream.credentials (client_id sensor-7)";
    t.client_id_key = "upstream.client_id_prefix";
    const auto a = advise(paho(5, "CONNACK return code"), t);
    CHECK(a.key == "upstream.credentials (client_id sensor-7)");
    CHECK(advice_line(t, a) == "Upstream ssl://broker.example:8883 for client sensor-7: not "
                               "authorized (CONNACK 5: the broker refused these credentials): "
                               "check upstream.credentials (client_id sensor-7).");
    CHECK(advise(paho(2, ""), t) ==
          connect_advice{"the broker rejected client id 'sn-sensor-7' (CONNACK 2: identifier "
                         "rejected)",
                         "upstream.client_id_prefix"});
}

TEST_CASE("connect advice: the line") {
    connect_target t;
    t.uri = "tcp://127.0.0.1:1883";
    CHECK(advice_line(t, advise(paho(-1, "TCP/TLS connect failure"), t)) ==
          "Upstream tcp://127.0.0.1:1883: connection refused (nothing listens there): check "
          "upstream.uri.");
}

TEST_CASE("connect advice: the host of a URI") {
    CHECK(uri_host("tcp://127.0.0.1:1883") == "127.0.0.1");
    CHECK(uri_host("ssl://broker.example:8883") == "broker.example");
    CHECK(uri_host("tcp://[::1]:1883") == "::1");
    CHECK(uri_host("wss://host.invalid/mqtt") == "host.invalid");
    CHECK(uri_host("mqtt://host") == "host");
    CHECK(uri_host("") == "");
}
