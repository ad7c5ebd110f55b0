// Issue 14, observability, with the real snbridge binary: /metrics counters that move as
// traffic flows (scrape, publish, scrape again), /status.json and the page, malformed HTTP
// requests answered and survived, $SYS and a sensor's retained status seen by mosquitto_sub
// (active, then asleep, then cleared), the gateway's availability at a real Mosquitto across a
// kill -9 (the will) and a clean stop, and the MQTT listener's -v lines in Mosquitto's grammar.

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/mosquitto.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using tools::sn_client;
using tools::topic_ref;

namespace {

const std::string snbridge_bin = test::binary_path("gateway/snbridge");
const std::string mosquitto_sub = "/usr/bin/mosquitto_sub";
const std::string mosquitto_pub = "/usr/bin/mosquitto_pub";

/// Sends `request` to 127.0.0.1:port and returns everything until the server closes.
std::string http_exchange(std::uint16_t port, const std::string& request) {
    const int fd = test::connect_loopback(port, 5);
    REQUIRE(fd >= 0);
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[8192];
    for (;;) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

std::string http_get(std::uint16_t port, const std::string& path) {
    const auto r = http_exchange(
        port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n");
    REQUIRE_MESSAGE(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0, r.substr(0, 200));
    return r.substr(r.find("\r\n\r\n") + 4);
}

/// The value of one exposition line `series` (name with labels), or -1.
double metric(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(text.substr(at + series.size() + 2));
}

sn_client connected_client(std::uint16_t port, const std::string& id) {
    tools::endpoint_options ep;
    ep.host = "127.0.0.1";
    ep.port = port;
    ep.timeout = 5s;
    auto c = sn_client::open(ep);
    REQUIRE(c.has_value());
    auto r = c->connect({.client_id = id, .keep_alive = 60, .clean_session = true, .will = {}});
    REQUIRE_MESSAGE(r.has_value(), r.error().message);
    return std::move(*c);
}

/// mosquitto_sub -v on `topic` against 127.0.0.1:port, line-buffered, SUBACK waited for.
std::unique_ptr<test::process> subscribe(std::uint16_t port, const std::string& topic,
                                         std::vector<std::string> more = {}) {
    std::vector<std::string> args = {
        "-oL", mosquitto_sub, "-h", "127.0.0.1", "-p", std::to_string(port),
        "-V",  "mqttv311",    "-v", "-d",        "-t", topic};
    args.insert(args.end(), more.begin(), more.end());
    auto p = std::make_unique<test::process>("/usr/bin/stdbuf", args);
    REQUIRE(p->wait_for_output("received SUBACK", 10s));
    return p;
}

} // namespace

TEST_CASE("monitoring: /metrics counters move as traffic flows; /status.json lists the sensor") {
    const auto http_port = test::free_tcp_port();
    test::snbridge_fixture gw("http:\n  listen: [\"127.0.0.1:" + std::to_string(http_port) +
                              "\"]\n");
    REQUIRE(gw.proc().wait_for_output("Opening HTTP listen socket on 127.0.0.1:" +
                                      std::to_string(http_port)));
    const auto before = http_get(http_port, "/metrics");
    CHECK(before.find("# TYPE snbridge_mqttsn_datagrams_received_total counter\n") !=
          std::string::npos);
    CHECK(metric(before, "snbridge_mqttsn_sessions{state=\"active\"}") == 0);
    CHECK(metric(before, "snbridge_mqttsn_messages_total{direction=\"in\",qos=\"1\"}") == 0);
    CHECK(metric(before, "process_resident_memory_bytes") > 0);
    // The allocator is part of the build (CMakeLists.txt, SNB_JEMALLOC), and the running one
    // reports it: jemalloc names its version.
    CHECK(before.find("snbridge_build_info{version=\"" SNB_VERSION
                      "\",allocator=\"" SNB_EXPECT_ALLOCATOR) != std::string::npos);

    auto c = connected_client(gw.port(), "meter-1");
    const std::vector<std::uint8_t> payload{'4', '2'};
    // QoS 0 first: the QoS 1 PUBACK then says that both were handled (one socket, in order).
    REQUIRE(c.publish(topic_ref::normal("site/meter-1/power"), payload, common::mqttsn::qos::zero));
    REQUIRE(c.publish(topic_ref::normal("site/meter-1/power"), payload, common::mqttsn::qos::one));

    const auto after = http_get(http_port, "/metrics");
    CHECK(metric(after, "snbridge_mqttsn_sessions{state=\"active\"}") == 1);
    CHECK(metric(after, "snbridge_mqttsn_messages_total{direction=\"in\",qos=\"1\"}") == 1);
    CHECK(metric(after, "snbridge_mqttsn_messages_total{direction=\"in\",qos=\"0\"}") == 1);
    CHECK(metric(after, "snbridge_mqttsn_datagrams_received_total{type=\"CONNECT\"}") == 1);
    CHECK(metric(after, "snbridge_mqttsn_datagrams_received_total{type=\"PUBLISH\"}") == 2);
    CHECK(metric(after, "snbridge_mqttsn_datagrams_sent_total{type=\"CONNACK\"}") == 1);
    CHECK(metric(after, "snbridge_mqttsn_datagrams_sent_total{type=\"PUBACK\"}") == 1);
    CHECK(metric(after, "snbridge_mqttsn_connects_total") == 1);
    CHECK(metric(after, "snbridge_broker_messages_received_total") == 2);

    const auto status = http_get(http_port, "/status.json");
    CHECK(status.find("\"client_id\":\"meter-1\",\"state\":\"active\"") != std::string::npos);
    CHECK(status.find("\"topics\":[\"site/meter-1/power\"]") != std::string::npos);
    CHECK(status.find("\"upstream\":\"none\"") != std::string::npos);
    const auto page = http_get(http_port, "/");
    CHECK(page.find("<title>snbridge status</title>") != std::string::npos);
    CHECK(page.find("src=") == std::string::npos); // nothing loaded from elsewhere
    CHECK(page.find("href=") == std::string::npos);
    CHECK(gw.stop() == 0);
}

TEST_CASE("monitoring: malformed HTTP requests get their status; the listener keeps serving") {
    const auto http_port = test::free_tcp_port();
    test::snbridge_fixture gw("http:\n  listen: [\"127.0.0.1:" + std::to_string(http_port) +
                              "\"]\n");
    REQUIRE(gw.proc().wait_for_output("Opening HTTP listen socket"));
    const struct {
        std::string request;
        const char* status;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
        {"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 "},
        {"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 "},
        {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 400 "},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(20000, 'x') + "\r\n\r\n",
         "HTTP/1.1 431 "},
        {std::string("GET /\0 HTTP/1.1\r\n\r\n", 19), "HTTP/1.1 400 "},
        {"GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 505 "},
        {std::string(3000, '\xff') + "\r\n\r\n", "HTTP/1.1 400 "},
    };
    for (const auto& c : cases) {
        INFO(c.request.substr(0, 40));
        CHECK(http_exchange(http_port, c.request).rfind(c.status, 0) == 0);
    }
    CHECK(http_get(http_port, "/metrics").find("snbridge_http_requests_total{code=\"400\"} 4") !=
          std::string::npos);
    CHECK(gw.proc().running());
    CHECK(gw.stop() == 0);
}

TEST_CASE("monitoring: $SYS and a sensor's retained status seen by mosquitto_sub") {
    const auto tcp_port = test::free_tcp_port();
    test::snbridge_fixture gw("broker:\n  mqtt_listen: [\"127.0.0.1:" + std::to_string(tcp_port) +
                              "\"]\n  sys_interval: 1s\n");
    REQUIRE(gw.proc().wait_for_output("Opening MQTT listen socket"));
    auto sys = subscribe(tcp_port, "$SYS/broker/clients/connected");
    // The subscriber itself is a client of the broker; the next figure counts it.
    CHECK(sys->wait_for_output("$SYS/broker/clients/connected 1\n", 10s));
    auto status = subscribe(tcp_port, "$SYS/broker/mqttsn/clients/+");
    {
        auto c = connected_client(gw.port(), "garden/7");
        // Two mosquitto_sub and the sensor (an MQTT-SN session is a client of the broker too).
        CHECK(sys->wait_for_output("$SYS/broker/clients/connected 3\n", 10s));
        CHECK(status->wait_for_output(
            std::regex(
                R"(\$SYS/broker/mqttsn/clients/garden%2F7 \{"client_id":"garden/7","state":"active",)"
                R"("address":"127\.0\.0\.1:[0-9]+","reachable":true,"clean_session":true,)"
                R"("keep_alive_s":60,"sleep_s":0,"topics":\[\],"queued":0,)"
                R"("retransmissions":0,"last_seen":"[0-9T:Z-]+","last_seen_s_ago":[0-9]+\})"),
            10s));
        REQUIRE(c.sleep(300));
        CHECK(status->wait_for_output(
            std::regex(
                R"(clients/garden%2F7 \{"client_id":"garden/7","state":"asleep",.*"sleep_s":300,)"),
            10s));
        REQUIRE(c.connect(
            {.client_id = "garden/7", .keep_alive = 60, .clean_session = true, .will = {}}));
        REQUIRE(c.disconnect());
    }
    // A clean session that ended: its retained status is cleared (an empty message).
    CHECK(status->wait_for_output("$SYS/broker/mqttsn/clients/garden%2F7 (null)\n", 10s));
    // A later subscriber gets the figures at once, retained.
    const auto version = std::make_unique<test::process>(
        mosquitto_sub, std::vector<std::string>{"-h", "127.0.0.1", "-p", std::to_string(tcp_port),
                                                "-t", "$SYS/broker/version", "-C", "1", "-W", "5"});
    REQUIRE(version->wait_exit(10s) == 0);
    CHECK(version->output().rfind("snbridge version ", 0) == 0);
    // `#` does not match $SYS (MQTT 3.1.1 §4.7.2).
    auto everything = subscribe(tcp_port, "#");
    auto c = connected_client(gw.port(), "plain");
    REQUIRE(c.publish(topic_ref::normal("a/b"), std::vector<std::uint8_t>{'x'},
                      common::mqttsn::qos::one));
    CHECK(everything->wait_for_output("a/b x\n", 10s));
    CHECK(everything->output().find("$SYS") == std::string::npos);
    CHECK(gw.stop() == 0);
}

TEST_CASE("monitoring: availability at a real Mosquitto: online, offline by will after kill -9, "
          "offline at a clean stop") {
    test::mosquitto broker;
    const auto file_yaml = "mode: aggregating\nupstream:\n  uri: \"" + broker.uri() +
                           "\"\n  reconnect_min: 100ms\n  reconnect_max: 1s\n  keep_alive: 5s\n"
                           "gateway:\n  name: site-a\n";
    test::snbridge_fixture gw(file_yaml);
    auto state = subscribe(broker.port(), "site-a/bridge/state");
    CHECK(state->wait_for_output("site-a/bridge/state online\n", 10s));
    gw.kill(); // no DISCONNECT: Mosquitto publishes the will when the socket closes
    CHECK(state->wait_for_output("site-a/bridge/state offline\n", 10s));
    gw.restart();
    CHECK(state->wait_for_output("site-a/bridge/state online\n", 10s, 2));
    CHECK(gw.stop() == 0);
    CHECK(state->wait_for_output("site-a/bridge/state offline\n", 10s, 2));
    // Retained: a dashboard that subscribes later sees the last state.
    test::process late(mosquitto_sub, {"-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t",
                                       "site-a/bridge/state", "-C", "1", "-W", "5"});
    REQUIRE(late.wait_exit(10s) == 0);
    CHECK(late.output() == "offline\n");
}

TEST_CASE("monitoring: the MQTT listener's -v lines are Mosquitto's") {
    const auto tcp_port = test::free_tcp_port();
    test::snbridge_fixture gw("broker:\n  mqtt_listen: [\"127.0.0.1:" + std::to_string(tcp_port) +
                              "\"]\n  sys_interval: 0s\n");
    REQUIRE(gw.proc().wait_for_output("Opening MQTT listen socket"));
    auto sub = subscribe(tcp_port, "logs/#", {"-i", "dash", "-q", "1"});
    test::process pub(mosquitto_pub, {"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-i",
                                      "pusher", "-t", "logs/a", "-m", "hi", "-q", "1"});
    REQUIRE(pub.wait_exit(10s) == 0);
    CHECK(sub->wait_for_output("logs/a hi\n", 10s));
    auto& p = gw.proc();
    CHECK(p.wait_for_output(std::regex(R"(New connection from 127\.0\.0\.1:[0-9]+ on port )" +
                                       std::to_string(tcp_port) + R"(\.)")));
    CHECK(p.wait_for_output(std::regex(
        R"(New client connected from 127\.0\.0\.1:[0-9]+ as pusher \(p2, c1, k60\)\.)")));
    CHECK(p.wait_for_output("Sending CONNACK to pusher (0, 0)"));
    CHECK(p.wait_for_output("Received SUBSCRIBE from dash\n"));
    CHECK(p.wait_for_output("\tlogs/# (QoS 1)\n"));
    CHECK(p.wait_for_output("Sending SUBACK to dash\n"));
    CHECK(p.wait_for_output(
        "Received PUBLISH from pusher (d0, q1, r0, m1, 'logs/a', ... (2 bytes))"));
    CHECK(p.wait_for_output("Sending PUBACK to pusher (m1, rc0)"));
    CHECK(p.wait_for_output("Sending PUBLISH to dash (d0, q1, r0, m1, 'logs/a', ... (2 bytes))"));
    CHECK(p.wait_for_output("Received PUBACK from dash (Mid: 1, RC:0)"));
    CHECK(p.wait_for_output("Received DISCONNECT from pusher\n"));
    CHECK(p.wait_for_output("Client pusher disconnected.\n"));
    CHECK(gw.stop() == 0);
}
