// Issue 15 point 1: MQTT-SN over DTLS 1.2 (docs/security.md "DTLS"), with a real third-party
// DTLS client: `openssl s_client -dtls1_2` with a PSK or a certificate sends an MQTT-SN
// CONNECT through the real snbridge binary and reads the CONNACK; wrong keys, unknown
// identities, foreign certificates and ClientIds bound to another identity are refused; a
// PUBLISH over DTLS reaches mosquitto_sub on the built-in broker's MQTT listener; a flood of
// ClientHellos without cookies gets HelloVerifyRequests and no state.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/udp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

constexpr const char* dev1_key = "00112233445566778899aabbccddeeff";

/// MQTT-SN CONNECT (clean session, keep-alive 60 s) for `client_id`, as printf escapes.
std::string connect_escaped(const std::string& client_id) {
    const auto len = static_cast<unsigned>(6 + client_id.size());
    char head[32];
    std::snprintf(head, sizeof head, "\\%03o\\004\\004\\001\\000\\074", len);
    return head + client_id;
}

/// Runs `openssl s_client -dtls1_2` against `port` with `tls_args`, writes the datagrams
/// (printf escapes, one second apart, each one record) and returns what came back, as
/// `od -An -tx1` hex ("03 05 00" for CONNACK accepted), followed by s_client's stderr.
std::string s_client(std::uint16_t port, const std::string& tls_args,
                     const std::vector<std::string>& datagrams, const test::temp_dir& dir) {
    std::string feed = "(sleep 0.3";
    for (const auto& d : datagrams) {
        feed += "; printf '" + d + "'; sleep 1";
    }
    feed += ")";
    const auto err = dir.file("s_client.err").string();
    const std::string cmd = feed +
                            " | timeout 6 /usr/bin/openssl s_client -dtls1_2 -quiet -no_ign_eof " +
                            "-connect 127.0.0.1:" + std::to_string(port) + " " + tls_args + " 2>" +
                            err + " | od -An -tx1; cat " + err;
    test::process p("/bin/sh", {"-c", cmd});
    REQUIRE(p.wait_exit(20s).has_value());
    return p.output();
}

void run(const std::string& program, const std::vector<std::string>& args) {
    test::process p(program, args);
    REQUIRE(p.wait_exit(30s) == 0);
}

/// A CA, the gateway's certificate, a device certificate (CN=cert-dev) from that CA and one
/// from a CA the gateway does not know.
void make_certificates(const test::temp_dir& dir) {
    const auto d = dir.path().string();
    const auto req = [&](const std::string& name, const std::string& cn) {
        run("/usr/bin/openssl",
            {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
             "/CN=" + cn, "-keyout", d + "/" + name + ".key", "-out", d + "/" + name + ".csr"});
    };
    dir.write("san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    const auto sign = [&](const std::string& name, const std::string& ca) {
        std::vector<std::string> args{"x509",
                                      "-req",
                                      "-in",
                                      d + "/" + name + ".csr",
                                      "-CA",
                                      d + "/" + ca + ".crt",
                                      "-CAkey",
                                      d + "/" + ca + ".key",
                                      "-CAcreateserial",
                                      "-days",
                                      "2",
                                      "-out",
                                      d + "/" + name + ".crt"};
        if (name == "gateway") {
            args.insert(args.end(), {"-extfile", d + "/san.ext"});
        }
        run("/usr/bin/openssl", args);
    };
    for (const char* ca : {"ca", "rogue"}) {
        run("/usr/bin/openssl",
            {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-days", "2", "-subj", std::string("/CN=snbridge test ") + ca, "-keyout",
             d + "/" + ca + ".key", "-out", d + "/" + ca + ".crt"});
    }
    req("gateway", "127.0.0.1");
    sign("gateway", "ca");
    req("device", "cert-dev");
    sign("device", "ca");
    req("intruder", "cert-dev");
    sign("intruder", "rogue");
}

struct dtls_gateway {
    test::temp_dir certs;
    std::uint16_t dtls_port = test::free_udp_port(false);
    std::uint16_t mqtt_port = test::free_tcp_port();
    test::snbridge_fixture gw;

    explicit dtls_gateway(std::string_view extra_yaml = {})
        : gw(std::string("broker:\n  mqtt_listen: [\"127.0.0.1:") + std::to_string(mqtt_port) +
                 "\"]\n" + std::string(extra_yaml),
             setup()) {}

    std::string setup() {
        make_certificates(certs);
        const auto c = certs.path().string();
        return "  dtls_listen: [\"127.0.0.1:" + std::to_string(dtls_port) +
               "\"]\n"
               "  dtls:\n"
               "    handshake_timeout: 2s\n"
               "    cert_file: " +
               c +
               "/gateway.crt\n"
               "    key_file: " +
               c +
               "/gateway.key\n"
               "    ca_file: " +
               c +
               "/ca.crt\n"
               "    psk:\n"
               "      - { identity: dev1, key: \"" +
               dev1_key +
               "\", client_id: dev1 }\n"
               "      - { identity: fleet, key: \"0102030405060708\", client_id: \"fleet-*\" }\n"
               "      - { identity: any, key: \"a0a1a2a3\" }\n";
    }

    [[nodiscard]] std::string psk(const std::string& identity, const std::string& key) const {
        return "-psk " + key + " -psk_identity " + identity;
    }
    [[nodiscard]] std::string cert(const std::string& name) const {
        const auto c = certs.path().string();
        return "-cert " + c + "/" + name + ".crt -key " + c + "/" + name + ".key -CAfile " + c +
               "/ca.crt";
    }
};

} // namespace

TEST_CASE("dtls: a PSK device connects with openssl s_client but a wrong key or unknown "
          "identity does not") {
    dtls_gateway g;
    const auto ok =
        s_client(g.dtls_port, g.psk("dev1", dev1_key), {connect_escaped("dev1")}, g.certs);
    CHECK_MESSAGE(ok.find("03 05 00") != std::string::npos, ok);
    CHECK(g.gw.proc().wait_for_output("as dev1 (", 5s));
    CHECK(g.gw.proc().wait_for_output("New client connected from 127.0.0.1:", 5s));

    const auto wrong = s_client(g.dtls_port, g.psk("dev1", "00112233445566778899aabbccddee00"),
                                {connect_escaped("dev1")}, g.certs);
    CHECK(wrong.find("03 05") == std::string::npos);
    // DTLS drops records it cannot authenticate: the handshake runs out of time.
    CHECK(g.gw.proc().wait_for_output("dtls_handshake_timeout", 10s));

    const auto unknown =
        s_client(g.dtls_port, g.psk("nobody", dev1_key), {connect_escaped("dev1")}, g.certs);
    CHECK(unknown.find("03 05") == std::string::npos);
    CHECK(unknown.find("unknown psk identity") != std::string::npos);
    CHECK(g.gw.proc().wait_for_output("psk identity not found (identity \"nobody\")", 5s));
    CHECK(g.gw.proc().count("New client connected") == 1);
}

TEST_CASE("dtls: a PSK identity's ClientId binding (table)") {
    dtls_gateway g;
    const struct {
        const char* identity;
        const char* key;
        const char* client_id;
        const char* connack; // od's hex of the answer
    } rows[] = {
        {"dev1", dev1_key, "dev1", "03 05 00"},
        {"dev1", dev1_key, "dev2", "03 05 03"},               // bound to dev1 only
        {"fleet", "0102030405060708", "fleet-7", "03 05 00"}, // a prefix binding
        {"fleet", "0102030405060708", "dev1", "03 05 03"},
        {"any", "a0a1a2a3", "free-device", "03 05 00"}, // an unbound identity: any free ClientId
        {"any", "a0a1a2a3", "dev1", "03 05 03"},        // ... but not one bound to another
        {"any", "a0a1a2a3", "fleet-9", "03 05 03"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.identity);
        CAPTURE(r.client_id);
        const auto out = s_client(g.dtls_port, g.psk(r.identity, r.key),
                                  {connect_escaped(r.client_id)}, g.certs);
        CHECK_MESSAGE(out.find(r.connack) != std::string::npos, out);
    }
    // Plain UDP cannot take a bound ClientId either.
    test::udp_client plain;
    const std::vector<std::uint8_t> connect{0x0a, 0x04, 0x04, 0x01, 0x00, 0x3c, 'd', 'e', 'v', '1'};
    REQUIRE(plain.send_to(test::loopback_v4(g.gw.port()), connect));
    const auto answer = plain.receive(3s);
    REQUIRE(answer.has_value());
    CHECK(answer->bytes == std::vector<std::uint8_t>{0x03, 0x05, 0x03});
    CHECK(g.gw.proc().wait_for_output("identity_refused", 5s));
}

TEST_CASE("dtls: a device certificate from the CA connects as its CN but none or a foreign "
          "one does not") {
    dtls_gateway g;
    const auto ok = s_client(g.dtls_port, g.cert("device"), {connect_escaped("cert-dev")}, g.certs);
    CHECK_MESSAGE(ok.find("03 05 00") != std::string::npos, ok);
    CHECK(g.gw.proc().wait_for_output("as cert-dev (ECDHE-ECDSA-", 5s));

    const auto foreign =
        s_client(g.dtls_port, g.cert("intruder"), {connect_escaped("cert-dev")}, g.certs);
    CHECK(foreign.find("03 05") == std::string::npos);
    CHECK(g.gw.proc().wait_for_output("certificate verify failed", 5s));

    const auto c = g.certs.path().string();
    const auto none =
        s_client(g.dtls_port, "-CAfile " + c + "/ca.crt -cipher ECDHE-ECDSA-AES128-GCM-SHA256",
                 {connect_escaped("cert-dev")}, g.certs);
    CHECK(none.find("03 05") == std::string::npos);
    CHECK(g.gw.proc().wait_for_output("dtls_no_identity", 5s));
    CHECK(g.gw.proc().count("New client connected") == 1);
}

TEST_CASE("dtls: a PUBLISH over DTLS reaches mosquitto_sub on the MQTT listener") {
    dtls_gateway g;
    test::process sub(
        "/usr/bin/mosquitto_sub",
        {"-h", "127.0.0.1", "-p", std::to_string(g.mqtt_port), "-t", "dt", "-C", "1", "-v"});
    REQUIRE(g.gw.proc().wait_for_output("New client connected from", 5s));
    // PUBLISH QoS 0 to the short topic name "dt" (TopicIdType 2), payload "sealed".
    const std::string publish = "\\015\\014\\002dt\\000\\000sealed";
    const auto out =
        s_client(g.dtls_port, g.psk("dev1", dev1_key), {connect_escaped("dev1"), publish}, g.certs);
    CHECK_MESSAGE(out.find("03 05 00") != std::string::npos, out);
    REQUIRE(sub.wait_exit(10s) == 0);
    CHECK(sub.output() == "dt sealed\n");
}

TEST_CASE("dtls: ClientHellos without a cookie get HelloVerifyRequests and no state") {
    dtls_gateway g;
    // A real ClientHello: the one s_client sends first, caught on a socket of ours.
    test::udp_client catcher;
    test::process client("/bin/sh",
                         {"-c", "sleep 5 | timeout 3 /usr/bin/openssl s_client -dtls1_2 -quiet "
                                "-psk 00 -psk_identity x -connect " +
                                    catcher.local().to_string()});
    const auto hello = catcher.receive(5s);
    REQUIRE(hello.has_value());
    REQUIRE(hello->bytes.size() > 13);
    CHECK(hello->bytes[0] == 22); // handshake
    CHECK(hello->bytes[13] == 1); // ClientHello

    // From 200 addresses: each gets a HelloVerifyRequest (handshake type 3), none a session.
    std::size_t verify_requests = 0;
    for (int i = 0; i < 200; ++i) {
        test::udp_client spoofed;
        REQUIRE(spoofed.send_to(test::loopback_v4(g.dtls_port), hello->bytes));
        const auto answer = spoofed.receive(2s);
        if (answer && answer->bytes.size() > 13 && answer->bytes[0] == 22 &&
            answer->bytes[13] == 3) {
            ++verify_requests;
        }
    }
    CHECK(verify_requests == 200);
    // The cookie binds the address: a good device still gets through.
    const auto ok =
        s_client(g.dtls_port, g.psk("dev1", dev1_key), {connect_escaped("dev1")}, g.certs);
    CHECK_MESSAGE(ok.find("03 05 00") != std::string::npos, ok);
    CHECK(g.gw.proc().count(" as dev1 (ECDHE-PSK-") == 1);
    CHECK(g.gw.proc().count("dtls_handshake_timeout") == 0);
}

TEST_CASE("dtls: snbridge-pub and snbridge-sub over DTLS, with a PSK and with certificates") {
    dtls_gateway g;
    const auto port = std::to_string(g.dtls_port);
    const auto mqtt = std::to_string(g.mqtt_port);
    const auto c = g.certs.path().string();
    {
        // snbridge-pub -> the built-in broker -> mosquitto_sub.
        test::process sub("/usr/bin/mosquitto_sub",
                          {"-h", "127.0.0.1", "-p", mqtt, "-t", "dt/+", "-C", "2", "-v"});
        REQUIRE(g.gw.proc().wait_for_output("New client connected from", 5s));
        test::process psk(test::binary_path("tools/snbridge-pub"),
                          {"-p", port, "--psk", dev1_key, "--psk-identity", "dev1", "-i", "dev1",
                           "-t", "dt/psk", "-m", "one", "-q", "1"});
        CHECK(psk.wait_exit(10s) == 0);
        test::process cert(test::binary_path("tools/snbridge-pub"),
                           {"-p", port, "--cert", c + "/device.crt", "--key", c + "/device.key",
                            "--cafile", c + "/ca.crt", "-i", "cert-dev", "-t", "dt/cert", "-m",
                            "two", "-q", "2"});
        CHECK_MESSAGE(cert.wait_exit(10s) == 0, cert.output());
        REQUIRE(sub.wait_exit(10s) == 0);
        CHECK(sub.output() == "dt/psk one\ndt/cert two\n");
    }
    {
        // mosquitto_pub -> the built-in broker -> snbridge-sub over DTLS.
        test::process sub(test::binary_path("tools/snbridge-sub"),
                          {"-p", port, "--psk", dev1_key, "--psk-identity", "dev1", "-i", "dev1",
                           "-t", "down/#", "-q", "1", "-C", "1", "-v"});
        REQUIRE(g.gw.proc().wait_for_output("Sending SUBACK to dev1", 5s));
        test::process pub("/usr/bin/mosquitto_pub", {"-h", "127.0.0.1", "-p", mqtt, "-t",
                                                     "down/cmd", "-m", "open", "-q", "1"});
        CHECK(pub.wait_exit(10s) == 0);
        REQUIRE(sub.wait_exit(10s) == 0);
        CHECK(sub.output() == "down/cmd open\n");
    }
    // A gateway certificate the device does not trust: snbridge-pub says why.
    test::process rogue(test::binary_path("tools/snbridge-pub"),
                        {"-p", port, "--cert", c + "/device.crt", "--key", c + "/device.key",
                         "--cafile", c + "/rogue.crt", "-i", "cert-dev", "-t", "x", "-m", "y"});
    CHECK(rogue.wait_exit(10s) != 0);
    CHECK(rogue.count("certificate verify failed") == 1);
}

TEST_CASE("dtls: %u in clients.acl is the device's identity") {
    dtls_gateway g("clients:\n  acl:\n    - { topic: \"up/%u/#\", access: write }\n");
    const auto port = std::to_string(g.dtls_port);
    const struct {
        const char* topic;
        bool allowed;
    } rows[] = {{"up/dev1/t", true}, {"up/any/t", false}, {"down/dev1", false}};
    for (const auto& r : rows) {
        CAPTURE(r.topic);
        test::process pub(test::binary_path("tools/snbridge-pub"),
                          {"-p", port, "--psk", dev1_key, "--psk-identity", "dev1", "-i", "dev1",
                           "-t", r.topic, "-m", "v", "-q", "1"});
        const auto code = pub.wait_exit(10s);
        REQUIRE(code.has_value());
        CHECK((*code == 0) == r.allowed);
    }
    CHECK(g.gw.proc().count("acl_refused_register") == 2);
}
