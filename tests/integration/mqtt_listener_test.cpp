// Issue 6: the local broker's MQTT 3.1.1 listener in the real snbridge binary, on ephemeral
// loopback ports, with MQTT clients nobody here wrote: mosquitto_pub / mosquitto_sub processes
// and the Paho MQTT C++ client linked in this test. Also MQTT-SN clients on the same broker.

#include <arpa/inet.h>
#include <chrono>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>
#include <mqtt/client.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

const std::string snbridge_bin = test::binary_path("gateway/snbridge");
const std::string mosquitto_pub = "/usr/bin/mosquitto_pub";
const std::string mosquitto_sub = "/usr/bin/mosquitto_sub";

/// snbridge with the MQTT listener on 127.0.0.1:<free port> and MQTT-SN on another.
struct snbridge_fixture {
    test::temp_dir dir;
    std::uint16_t udp_port = test::free_udp_port(false);
    std::uint16_t tcp_port = test::free_tcp_port();
    std::unique_ptr<test::process> gateway;

    /// `broker_extra`: more YAML lines under `broker:` (indented by two spaces).
    void start(const std::string& broker_extra = {}) {
        const auto config = dir.write(
            "snbridge.yaml", "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(udp_port) +
                                 "\"]\nbroker:\n  mqtt_listen: "
                                 "[\"127.0.0.1:" +
                                 std::to_string(tcp_port) + "\"]\n" + broker_extra);
        gateway = std::make_unique<test::process>(snbridge_bin,
                                                  std::vector<std::string>{"-c", config.string()});
        REQUIRE(gateway->wait_for_output(
            "Opening MQTT listen socket on 127.0.0.1:" + std::to_string(tcp_port), 10s));
    }
    [[nodiscard]] std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(tcp_port); }
    [[nodiscard]] std::vector<std::string> tool_args(std::vector<std::string> more) const {
        std::vector<std::string> a = {"-h", "127.0.0.1", "-p", std::to_string(tcp_port),
                                      "-V", "mqttv311"};
        a.insert(a.end(), more.begin(), more.end());
        return a;
    }
    /// Runs mosquitto_pub to completion; returns its exit code.
    int pub(std::vector<std::string> args, std::string* output = nullptr) {
        test::process p(mosquitto_pub, tool_args(std::move(args)));
        const auto rc = p.wait_exit(10s);
        if (output != nullptr) {
            *output = p.output();
        }
        return rc.value_or(-1);
    }
    /// Starts mosquitto_sub with -d and waits for its SUBACK.
    std::unique_ptr<test::process> sub(std::vector<std::string> args) {
        args.push_back("-d");
        // stdbuf: line-buffered stdout, so the -d lines show up while it runs (same pid).
        auto full = tool_args(std::move(args));
        full.insert(full.begin(), {"-oL", mosquitto_sub});
        auto p = std::make_unique<test::process>("/usr/bin/stdbuf", full);
        REQUIRE(p->wait_for_output("received SUBACK", 10s));
        return p;
    }
    /// A connected Paho client (clean session unless told).
    std::unique_ptr<mqtt::client> paho(const std::string& id, bool clean = true) {
        auto c = std::make_unique<mqtt::client>(uri(), id, mqtt::create_options(MQTTVERSION_3_1_1));
        c->start_consuming();
        auto opts = mqtt::connect_options_builder()
                        .clean_session(clean)
                        .keep_alive_interval(30s)
                        .mqtt_version(MQTTVERSION_3_1_1)
                        .finalize();
        c->connect(opts);
        return c;
    }
};

std::string text(const mqtt::const_message_ptr& m) {
    return m ? m->to_string() : std::string("<none>");
}

/// A raw TCP connection for bytes no real client would send.
struct raw_tcp {
    int fd = -1;
    explicit raw_tcp(std::uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    }
    ~raw_tcp() { ::close(fd); }
    void send(const std::vector<std::uint8_t>& b) const {
        REQUIRE(::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size()));
    }
    /// Bytes read within `timeout`; closed=true when the peer closed (EOF or reset).
    std::vector<std::uint8_t> read(std::chrono::milliseconds timeout, bool& closed) const {
        std::vector<std::uint8_t> out;
        closed = false;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) {
                if (!out.empty()) {
                    break;
                }
                continue;
            }
            std::uint8_t buf[512];
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            out.insert(out.end(), buf, buf + n);
        }
        return out;
    }
};

} // namespace

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: QoS 0/1/2 from mosquitto_pub to Paho") {
    start();
    auto paho = this->paho("paho-sub");
    paho->subscribe("itest/in/#", 2);
    for (int q = 0; q <= 2; ++q) {
        CAPTURE(q);
        const auto topic = "itest/in/q" + std::to_string(q);
        REQUIRE(pub({"-q", std::to_string(q), "-t", topic, "-m", "hello-" + std::to_string(q)}) ==
                0);
        mqtt::const_message_ptr m;
        REQUIRE(paho->try_consume_message_for(&m, 10s));
        CHECK(m->get_topic() == topic);
        CHECK(text(m) == "hello-" + std::to_string(q));
        CHECK(m->get_qos() == q);
        CHECK_FALSE(m->is_retained());
    }
    paho->disconnect();
    CHECK(gateway->stop(10s) == 0);
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: QoS 0/1/2 from Paho to mosquitto_sub") {
    start();
    auto paho = this->paho("paho-pub");
    for (int q = 0; q <= 2; ++q) {
        CAPTURE(q);
        const auto topic = "itest/out/q" + std::to_string(q);
        auto s = sub({"-q", "2", "-t", topic, "-C", "1", "-v", "-i", "sub-" + std::to_string(q)});
        paho->publish(mqtt::make_message(topic, "world-" + std::to_string(q), q, false));
        REQUIRE(s->wait_exit(10s) == 0);
        const auto out = s->output();
        CHECK(out.find(topic + " world-" + std::to_string(q)) != std::string::npos);
        // mosquitto_sub -d: "received PUBLISH (d0, q<Q>, r0, ...": delivered at the QoS sent.
        CHECK(out.find("received PUBLISH (d0, q" + std::to_string(q) + ", r0") !=
              std::string::npos);
    }
    paho->disconnect();
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: retained message, and clearing it") {
    start();
    REQUIRE(pub({"-q", "1", "-r", "-t", "itest/retained", "-m", "kept"}) == 0);
    auto s = sub({"-q", "1", "-t", "itest/retained", "-C", "1", "-v"});
    REQUIRE(s->wait_exit(10s) == 0);
    CHECK(s->output().find("itest/retained kept") != std::string::npos);
    CHECK(s->output().find("received PUBLISH (d0, q1, r1") != std::string::npos);

    auto paho = this->paho("paho-retained");
    paho->subscribe("itest/retained", 0);
    mqtt::const_message_ptr m;
    REQUIRE(paho->try_consume_message_for(&m, 10s));
    CHECK(text(m) == "kept");
    CHECK(m->is_retained());
    paho->disconnect();

    // An empty retained message clears it: a new subscriber gets nothing.
    REQUIRE(pub({"-q", "1", "-r", "-t", "itest/retained", "-n"}) == 0);
    auto late = this->paho("paho-late");
    late->subscribe("itest/retained", 0);
    CHECK_FALSE(late->try_consume_message_for(&m, 1s));
    late->disconnect();
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: will published when a client dies, not after "
                                    "DISCONNECT") {
    start();
    auto paho = this->paho("paho-will-watch");
    paho->subscribe("itest/will/#", 1);
    {
        auto dying = sub({"-t", "itest/nothing", "-i", "dying", "--will-topic", "itest/will/dying",
                          "--will-payload", "bye", "--will-qos", "1"});
        dying->send_signal(SIGKILL); // no DISCONNECT: the connection is lost
        dying->wait_exit(10s);
    }
    mqtt::const_message_ptr m;
    REQUIRE(paho->try_consume_message_for(&m, 10s));
    CHECK(m->get_topic() == "itest/will/dying");
    CHECK(text(m) == "bye");
    CHECK(m->get_qos() == 1);
    {
        auto polite = sub({"-t", "itest/nothing", "-i", "polite", "--will-topic",
                           "itest/will/polite", "--will-payload", "bye"});
        polite->send_signal(SIGINT); // mosquitto_sub sends DISCONNECT
        polite->wait_exit(10s);
    }
    CHECK_FALSE(paho->try_consume_message_for(&m, 1s));
    paho->disconnect();
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: persistent session receives what was queued "
                                    "while offline") {
    start();
    {
        auto first = sub({"-c", "-i", "keeper", "-q", "1", "-t", "itest/persist"});
        first->send_signal(SIGINT);
        REQUIRE(first->wait_exit(10s).has_value());
    }
    REQUIRE(pub({"-q", "1", "-t", "itest/persist", "-m", "queued-1"}) == 0);
    REQUIRE(pub({"-q", "2", "-t", "itest/persist", "-m", "queued-2"}) == 0);
    REQUIRE(pub({"-q", "0", "-t", "itest/persist", "-m", "qos0-not-queued"}) == 0);
    test::process again(mosquitto_sub, tool_args({"-c", "-i", "keeper", "-q", "1", "-t",
                                                  "itest/persist", "-C", "2", "-v", "-d"}));
    REQUIRE(again.wait_exit(10s) == 0);
    const auto out = again.output();
    const auto one = out.find("itest/persist queued-1");
    const auto two = out.find("itest/persist queued-2");
    CHECK(one != std::string::npos);
    CHECK(two != std::string::npos);
    CHECK(one < two);
    CHECK(out.find("qos0-not-queued") == std::string::npos);

    // Paho too: clean_session=false keeps the subscription across a reconnect.
    {
        auto p = this->paho("paho-keeper", false);
        p->subscribe("itest/persist2", 2);
        p->disconnect();
    }
    REQUIRE(pub({"-q", "2", "-t", "itest/persist2", "-m", "for-paho"}) == 0);
    auto p = this->paho("paho-keeper", false);
    mqtt::const_message_ptr m;
    REQUIRE(p->try_consume_message_for(&m, 10s));
    CHECK(text(m) == "for-paho");
    p->disconnect();
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: authentication accepted and refused") {
    start("  mqtt_allow_anonymous: false\n  mqtt_users:\n    - { username: alice, password: "
          "secret }\n");
    std::string out;
    CHECK(pub({"-u", "alice", "-P", "secret", "-t", "itest/auth", "-m", "ok"}, &out) == 0);
    CHECK(pub({"-u", "alice", "-P", "wrong", "-t", "itest/auth", "-m", "no"}, &out) != 0);
    CHECK(out.find("bad user name or password") != std::string::npos);
    CHECK(pub({"-t", "itest/auth", "-m", "anon"}, &out) != 0);
    CHECK(out.find("not authori") != std::string::npos);

    mqtt::client c(uri(), "paho-auth", mqtt::create_options(MQTTVERSION_3_1_1));
    auto good = mqtt::connect_options_builder()
                    .user_name("alice")
                    .password("secret")
                    .mqtt_version(MQTTVERSION_3_1_1)
                    .finalize();
    CHECK_NOTHROW(c.connect(good));
    c.disconnect();
    auto bad = mqtt::connect_options_builder()
                   .user_name("alice")
                   .password("nope")
                   .mqtt_version(MQTTVERSION_3_1_1)
                   .finalize();
    int rc = 0;
    try {
        c.connect(bad);
    } catch (const mqtt::exception& e) {
        rc = e.get_return_code();
    }
    CHECK(rc == 4); // CONNACK 0x04
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: a malformed packet closes only that "
                                    "connection") {
    start();
    auto paho = this->paho("paho-bystander");
    paho->subscribe("itest/bystander", 1);

    raw_tcp raw(tcp_port);
    // CONNECT, Remaining Length 15, "MQTT" level 4, clean session, keep alive 60, id "raw"
    raw.send({0x10, 0x0F, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 3, 'r', 'a', 'w'});
    bool closed = false;
    CHECK(raw.read(5s, closed) == std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00});
    // PUBLISH with QoS 3: malformed (MQTT 3.1.1 §3.3.1.2).
    raw.send({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01});
    (void)raw.read(5s, closed);
    CHECK(closed);
    CHECK(gateway->wait_for_output("Client raw from 127.0.0.1:", 5s));
    CHECK(gateway->wait_for_output("malformed packet (bad_qos)", 5s));

    // The other connection did not notice.
    paho->publish(mqtt::make_message("itest/bystander", "still-here", 1, false));
    mqtt::const_message_ptr m;
    REQUIRE(paho->try_consume_message_for(&m, 10s));
    CHECK(text(m) == "still-here");
    paho->disconnect();

    // A protocol level other than 4 gets CONNACK 0x01 before the close.
    raw_tcp v5(tcp_port);
    v5.send({0x10, 0x0F, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0, 3, 'v', '-', '5'});
    CHECK(v5.read(5s, closed) == std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x01});
    CHECK(gateway->running());
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: MQTT-SN and MQTT clients share topics") {
    start();
    tools::endpoint_options ep;
    ep.port = udp_port;
    auto sn = tools::sn_client::open(ep);
    REQUIRE(sn.has_value());
    tools::connect_options co;
    co.client_id = "sensor-1";
    REQUIRE(sn->connect(co));
    REQUIRE(sn->subscribe(tools::topic_ref::normal("itest/to-sensor"), tools::sn::qos::one));

    // MQTT-SN -> MQTT (QoS 1)
    auto s = sub({"-q", "1", "-t", "itest/from-sensor", "-C", "1", "-v"});
    const std::vector<std::uint8_t> reading = {'2', '1', '.', '5'};
    REQUIRE(
        sn->publish(tools::topic_ref::normal("itest/from-sensor"), reading, tools::sn::qos::one));
    REQUIRE(s->wait_exit(10s) == 0);
    CHECK(s->output().find("itest/from-sensor 21.5") != std::string::npos);

    // MQTT -> MQTT-SN (QoS 1)
    REQUIRE(pub({"-q", "1", "-t", "itest/to-sensor", "-m", "on"}) == 0);
    auto got = sn->receive(10s);
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    CHECK((*got)->payload == std::vector<std::uint8_t>{'o', 'n'});
    CHECK((*got)->topic == "itest/to-sensor");
    (void)sn->disconnect();
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: keep-alive expiry (1.5 x) closes a silent "
                                    "client and publishes its will") {
    start();
    auto paho = this->paho("paho-keepalive-watch");
    paho->subscribe("itest/ka/#", 1);
    raw_tcp silent(tcp_port);
    // CONNECT, Remaining Length 32, "MQTT" level 4, flags will QoS 1 + will + clean session
    // (0x0E), keep alive 1 s, client id "ka", will topic "itest/ka/w", will message "gone".
    silent.send({0x10, 0x20, 0,   4,   'M', 'Q', 'T', 'T', 4,   0x0E, 0,   1,
                 0,    2,    'k', 'a', 0,   10,  'i', 't', 'e', 's',  't', '/',
                 'k',  'a',  '/', 'w', 0,   4,   'g', 'o', 'n', 'e'});
    bool closed = false;
    CHECK(silent.read(5s, closed) == std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00});
    const auto t0 = std::chrono::steady_clock::now();
    (void)silent.read(10s, closed); // nothing more arrives; the server closes after ~1.5 s
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(closed);
    CHECK(waited >= 1s);
    CHECK(waited < 4s); // 1.5 s plus the 1 s supervision tick
    mqtt::const_message_ptr m;
    REQUIRE(paho->try_consume_message_for(&m, 5s));
    CHECK(m->get_topic() == "itest/ka/w");
    CHECK(text(m) == "gone");
    CHECK(gateway->wait_for_output("Client ka from 127.0.0.1:", 5s));
    CHECK(gateway->wait_for_output("keep-alive expired", 5s));
    paho->disconnect();
}

TEST_CASE_FIXTURE(snbridge_fixture, "mqtt listener: a subscriber that does not ack gets the "
                                    "MQTT-SN publisher congestion, never ack-then-drop") {
    start("  mqtt_max_inflight: 2\n  mqtt_max_queued: 3\n  stuck_consumer_timeout: 2s\n");
    // A raw MQTT subscriber: CONNECT, SUBSCRIBE bp/# at QoS 1, and never a PUBACK.
    raw_tcp slow(tcp_port);
    slow.send({0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00, // CONNECT
               0x00, 0x04, 's', 'l', 'o', 'w'});
    slow.send({0x82, 0x09, 0x00, 0x01, 0x00, 0x04, 'b', 'p', '/', '#', 0x01}); // SUBSCRIBE q1
    bool closed = false;
    std::vector<std::uint8_t> got;
    while (got.size() < 9 && !closed) { // CONNACK (4) + SUBACK (5)
        const auto more = slow.read(2s, closed);
        REQUIRE(!more.empty());
        got.insert(got.end(), more.begin(), more.end());
    }
    REQUIRE(got.size() >= 9);
    CHECK(std::vector<std::uint8_t>(got.begin(), got.begin() + 9) ==
          std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x01});

    tools::endpoint_options ep;
    ep.port = udp_port;
    auto sn = tools::sn_client::open(ep);
    REQUIRE(sn.has_value());
    tools::connect_options co;
    co.client_id = "sensor-bp";
    REQUIRE(sn->connect(co));
    const std::vector<std::uint8_t> payload = {'x'};
    // 2 in flight + 3 queued are taken (PUBACK 0x00); the next one is refused: 0x01.
    for (int i = 0; i < 5; ++i) {
        REQUIRE(sn->publish(tools::topic_ref::normal("bp/t"), payload, tools::sn::qos::one));
    }
    auto refused = sn->publish(tools::topic_ref::normal("bp/t"), payload, tools::sn::qos::one);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == tools::client_errc::refused);
    CHECK(refused.error().rc == tools::sn::return_code::congestion);

    // The subscriber stays stuck: after stuck_consumer_timeout it is disconnected as lost,
    // and the sensor's publishes are accepted again.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!closed && std::chrono::steady_clock::now() < until) {
        (void)slow.read(500ms, closed);
    }
    CHECK(closed);
    CHECK(gateway->wait_for_output("stuck consumer", 5s));
    CHECK(sn->publish(tools::topic_ref::normal("bp/t"), payload, tools::sn::qos::one));
    (void)sn->disconnect();
}

TEST_CASE("mqtt listener: a mosquitto_passwd file and clients.acl, with real mosquitto clients") {
    snbridge_fixture f;
    // The password file as Mosquitto's own tool writes it.
    const auto passwd = f.dir.file("passwd");
    test::process make("/usr/bin/mosquitto_passwd",
                       {"-c", "-b", passwd.string(), "dash", "pa55word"});
    REQUIRE(make.wait_exit(10s) == 0);
    f.start("  mqtt_allow_anonymous: false\n  mqtt_password_file: \"" + passwd.string() +
            "\"\nclients:\n  allowed_client_ids: [\"dash-*\", \"pusher\"]\n  acl:\n"
            "    - { user: dash, topic: \"site/#\", access: read }\n"
            "    - { client_id: pusher, topic: \"site/%c/#\", access: write }\n");
    // Wrong password: CONNACK 4 (mosquitto_pub exits non-zero).
    std::string out;
    CHECK(f.pub({"-i", "pusher", "-u", "dash", "-P", "wrong", "-t", "site/pusher/t", "-m", "x"},
                &out) != 0);
    // A ClientId outside the allow-list: CONNACK 5.
    CHECK(f.pub({"-i", "stranger", "-u", "dash", "-P", "pa55word", "-t", "site/x", "-m", "x"},
                &out) != 0);
    // Allowed to read site/#, but not to subscribe to everything.
    auto sub = f.sub({"-i", "dash-1", "-u", "dash", "-P", "pa55word", "-t", "site/#", "-t", "#",
                      "-q", "1", "-v"});
    CHECK(sub->wait_for_output(std::regex("Subscribed \\(mid: [0-9]+\\): 1, 128"), 10s));
    // pusher may write only under site/pusher/: its other PUBLISH is acked and dropped.
    CHECK(f.pub({"-i", "pusher", "-u", "dash", "-P", "pa55word", "-t", "site/other/t", "-m", "no",
                 "-q", "1"}) == 0);
    CHECK(f.pub({"-i", "pusher", "-u", "dash", "-P", "pa55word", "-t", "site/pusher/t", "-m", "yes",
                 "-q", "1"}) == 0);
    CHECK(sub->wait_for_output("site/pusher/t yes\n", 10s));
    CHECK(sub->output().find("site/other/t") == std::string::npos);
    CHECK(f.gateway->wait_for_output(
        "Client pusher: PUBLISH to 'site/other/t' refused by clients.acl", 10s));
    CHECK(
        f.gateway->wait_for_output("Client dash-1: SUBSCRIBE to '#' refused by clients.acl", 10s));
}

TEST_CASE("mqtt listener: TLS (broker.mqtt_tls_listen) with mosquitto_pub/sub, plain and TLS "
          "clients on one broker") {
    snbridge_fixture f;
    const auto ssl = [&](std::vector<std::string> args) {
        test::process p("/usr/bin/openssl", std::move(args));
        REQUIRE(p.wait_exit(30s) == 0);
    };
    const auto file = [&](const char* name) {
        return f.dir.file(name).string();
    };
    ssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("ca.key"), "-out",
         file("ca.crt"), "-days", "1", "-subj", "/CN=snbridge test CA"});
    ssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out",
         file("server.csr"), "-subj", "/CN=127.0.0.1"});
    f.dir.write("ext.cnf", "subjectAltName=IP:127.0.0.1\n");
    ssl({"x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
         "-CAcreateserial", "-out", file("server.crt"), "-days", "1", "-extfile", file("ext.cnf")});
    ssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("other.key"), "-out",
         file("other.crt"), "-days", "1", "-subj", "/CN=another CA"});
    const auto tls_port = test::free_tcp_port();
    f.start("  mqtt_tls_listen: [\"127.0.0.1:" + std::to_string(tls_port) +
            "\"]\n  mqtt_tls:\n    cert_file: \"" + file("server.crt") + "\"\n    key_file: \"" +
            file("server.key") + "\"\n");
    REQUIRE(f.gateway->wait_for_output(
        "Opening MQTT TLS listen socket on 127.0.0.1:" + std::to_string(tls_port), 10s));
    // A subscriber over TLS, verifying the gateway's certificate against the CA.
    auto sub = std::make_unique<test::process>(
        "/usr/bin/stdbuf",
        std::vector<std::string>{"-oL", mosquitto_sub, "-h", "127.0.0.1", "-p",
                                 std::to_string(tls_port), "--cafile", file("ca.crt"), "-t",
                                 "secure/#", "-q", "1", "-v", "-d"});
    REQUIRE(sub->wait_for_output("received SUBACK", 10s));
    // A plain publisher on the other listener, and a TLS one.
    CHECK(f.pub({"-t", "secure/plain", "-m", "p", "-q", "1"}) == 0);
    test::process tls_pub(mosquitto_pub,
                          {"-h", "127.0.0.1", "-p", std::to_string(tls_port), "--cafile",
                           file("ca.crt"), "-t", "secure/tls", "-m", "t", "-q", "2"});
    CHECK(tls_pub.wait_exit(10s) == 0);
    CHECK(sub->wait_for_output("secure/plain p\n", 10s));
    CHECK(sub->wait_for_output("secure/tls t\n", 10s));
    // A client that trusts another CA refuses the gateway; a plain client on the TLS port
    // gets nowhere. The listener goes on serving.
    test::process wrong_ca(mosquitto_pub,
                           {"-h", "127.0.0.1", "-p", std::to_string(tls_port), "--cafile",
                            file("other.crt"), "-t", "secure/x", "-m", "x"});
    CHECK(wrong_ca.wait_exit(10s) != 0);
    test::process plain_on_tls(mosquitto_pub, {"-h", "127.0.0.1", "-p", std::to_string(tls_port),
                                               "-t", "secure/x", "-m", "x"});
    CHECK(plain_on_tls.wait_exit(10s) != 0);
    CHECK(f.gateway->wait_for_output("MQTT listener: TLS with 127.0.0.1:", 10s));
    test::process again(mosquitto_pub,
                        {"-h", "127.0.0.1", "-p", std::to_string(tls_port), "--cafile",
                         file("ca.crt"), "-t", "secure/again", "-m", "a", "-q", "1"});
    CHECK(again.wait_exit(10s) == 0);
    CHECK(sub->wait_for_output("secure/again a\n", 10s));
    CHECK(sub->output().find("secure/x") == std::string::npos);
}
