// Issue 5 with the real snbridge against a real Mosquitto on ephemeral loopback ports, in
// both remote modes (transparent, aggregating): MQTT-SN publishes at QoS 0/1/2 reach
// mosquitto_sub byte for byte; MQTT publishes reach MQTT-SN subscribers (wildcard: REGISTER
// first); retained; the will on keep-alive expiry; the device's own ClientId at the broker
// (transparent); 50 clients fanned out over one connection (aggregating); a 500-message QoS 1
// outage drill; TLS with user name/password, and a wrong CA with a clear log line.

#include <algorithm>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "common/topic.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
namespace sn = common::mqttsn;
using tools::sn_client;
using tools::topic_ref;

namespace {

const std::string snbridge_bin = test::binary_path("gateway/snbridge");

tools::endpoint_options endpoint(std::string host, std::uint16_t port) {
    tools::endpoint_options ep;
    ep.host = std::move(host);
    ep.port = port;
    ep.timeout = 10s;
    return ep;
}

struct gateway_run {
    test::temp_dir dir;
    std::uint16_t port = test::free_udp_port(false);
    std::unique_ptr<test::process> proc;

    gateway_run(const std::string& mode, const std::string& upstream_yaml,
                const std::string& extra_yaml = {}, bool wait_upstream = true) {
        const auto file =
            dir.write("snbridge.yaml", "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(port) +
                                           "\"]\n" + "mode: " + mode + "\n" + "upstream:\n" +
                                           upstream_yaml + extra_yaml);
        proc = std::make_unique<test::process>(snbridge_bin,
                                               std::vector<std::string>{"-c", file.string()});
        REQUIRE(proc->wait_for_output(" running", 10s));
        if (wait_upstream) {
            // The gateway's own connection is up: subscriptions from now on are real at once.
            REQUIRE(proc->wait_for_output(std::regex("Upstream connection.*: connected to"), 10s));
        }
    }
    ~gateway_run() {
        if (proc) {
            proc->stop(10s);
        }
    }
    [[nodiscard]] sn_client client(const std::string& id, std::uint16_t keep_alive = 60,
                                   std::optional<tools::will_options> will = std::nullopt,
                                   bool clean = true) const {
        auto c = sn_client::open(endpoint("127.0.0.1", port));
        REQUIRE(c.has_value());
        // The upstream connection may still be coming up: CONNACK 0x01 means "retry".
        for (int attempt = 0;; ++attempt) {
            auto r = c->connect(
                {.client_id = id, .keep_alive = keep_alive, .clean_session = clean, .will = will});
            if (r) {
                break;
            }
            REQUIRE_MESSAGE(attempt < 50, r.error().message);
            std::this_thread::sleep_for(200ms);
        }
        return std::move(*c);
    }
};

std::string upstream_for(const test::mosquitto& b, const std::string& more = {}) {
    return "  uri: \"" + b.uri() + "\"\n  reconnect_min: 100ms\n  reconnect_max: 1s\n" + more;
}

std::vector<std::uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

std::string hex(const std::vector<std::uint8_t>& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto x : b) {
        out += digits[x >> 4U];
        out += digits[x & 0xFU];
    }
    return out;
}

/// mosquitto_sub that prints "<topic> <payload hex>" per message and exits after `count`.
std::unique_ptr<test::process> subscriber(const test::mosquitto& b, const std::string& filter,
                                          int count, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"-h", "127.0.0.1", "-p", std::to_string(b.port()),
                                  "-t", filter,      "-q", "2",
                                  "-F", "%t %x",     "-C", std::to_string(count)};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<test::process>("/usr/bin/mosquitto_sub", args);
}

void wait_subscribed(const test::mosquitto& b, const std::string& filter) {
    for (int i = 0; i < 100 && b.log().find(" " + filter + " (QoS") == std::string::npos &&
                    b.log().find(" " + filter + "\n") == std::string::npos;
         ++i) {
        std::this_thread::sleep_for(50ms);
    }
}

void mqtt_publish(const test::mosquitto& b, const std::string& topic, const std::string& msg,
                  int qos, bool retain = false) {
    std::vector<std::string> args{"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-t", topic,
                                  "-m", msg,         "-q", std::to_string(qos)};
    if (retain) {
        args.emplace_back("-r");
    }
    test::process pub("/usr/bin/mosquitto_pub", args);
    REQUIRE(pub.wait_exit(10s) == std::optional<int>(0));
}

std::optional<tools::message> receive_one(sn_client& c, std::chrono::milliseconds t = 10s) {
    auto r = c.receive(t);
    REQUIRE_MESSAGE(r.has_value(), r.error().message);
    return *r;
}

void both_directions(const std::string& mode) {
    test::mosquitto broker({.extra_config = "log_type all\n"});
    gateway_run gw(mode, upstream_for(broker, "  client_id_prefix: \"sn-\"\n"));
    auto sub = subscriber(broker, "up/#", 3);
    wait_subscribed(broker, "up/#");
    auto dev = gw.client("dev-1");

    // QoS 0, 1, 2 with payloads that are not text.
    const std::vector<std::uint8_t> p0{0x00, 0x01, 0x02, 0xff};
    const std::vector<std::uint8_t> p1{0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a};
    const std::vector<std::uint8_t> p2(300, 0x5a); // 3-byte MQTT-SN length form
    REQUIRE(dev.publish(topic_ref::normal("up/q0"), p0, sn::qos::zero));
    REQUIRE(dev.publish(topic_ref::normal("up/q1"), p1, sn::qos::one));
    REQUIRE(dev.publish(topic_ref::normal("up/q2"), p2, sn::qos::two));
    REQUIRE(sub->wait_exit(15s).has_value());
    const auto out = sub->output();
    CHECK(out.find("up/q0 " + hex(p0) + "\n") != std::string::npos);
    CHECK(out.find("up/q1 " + hex(p1) + "\n") != std::string::npos);
    CHECK(out.find("up/q2 " + hex(p2) + "\n") != std::string::npos);

    // Downstream with a wildcard: REGISTER first (the client learns the name), then PUBLISH.
    auto listener = gw.client("dev-2");
    auto s = listener.subscribe(topic_ref::normal("down/+"), sn::qos::one);
    REQUIRE(s.has_value());
    CHECK(s->topic_id == 0);
    wait_subscribed(broker, "down/+");
    mqtt_publish(broker, "down/kitchen", "on", 1);
    auto m = receive_one(listener);
    REQUIRE(m.has_value());
    CHECK(m->topic == "down/kitchen");
    CHECK(m->payload == bytes_of("on"));
    CHECK(m->qos_level == sn::qos::one);

    // Retained: stored at the broker, delivered on a later subscription with retain set.
    mqtt_publish(broker, "ret/state", "kept", 1, true);
    auto r = listener.subscribe(topic_ref::normal("ret/state"), sn::qos::one);
    REQUIRE(r.has_value());
    auto rm = receive_one(listener);
    REQUIRE(rm.has_value());
    CHECK(rm->retain);
    CHECK(rm->payload == bytes_of("kept"));

    if (mode == "transparent") {
        // Each device is its own MQTT client at the broker, with the configured prefix.
        CHECK(broker.log().find(" as sn-dev-1 ") != std::string::npos);
        CHECK(broker.log().find(" as sn-dev-2 ") != std::string::npos);
    } else {
        CHECK(broker.log().find(" as sn-dev-1 ") == std::string::npos);
    }
    REQUIRE(dev.disconnect());
    REQUIRE(listener.disconnect());
}

void will_on_keep_alive_expiry(const std::string& mode) {
    test::mosquitto broker({.extra_config = "log_type all\n"});
    gateway_run gw(mode, upstream_for(broker));
    auto sub = subscriber(broker, "wills/#", 1);
    wait_subscribed(broker, "wills/#");
    {
        auto dev = gw.client(
            "dying", 2, tools::will_options{"wills/dying", bytes_of("gone"), sn::qos::one, false});
        // ... and then it says nothing more: lost after the keep-alive (+ tolerance).
    }
    REQUIRE(sub->wait_exit(20s).has_value());
    CHECK(sub->output() == "wills/dying " + hex(bytes_of("gone")) + "\n");
}

} // namespace

TEST_CASE("bridge transparent: QoS 0/1/2 up, wildcard down, retained, own ClientId") {
    both_directions("transparent");
}

TEST_CASE("bridge aggregating: QoS 0/1/2 up, wildcard down, retained") {
    both_directions("aggregating");
}

TEST_CASE("bridge transparent: CONNECT answered by CONNACK within 500 ms (keep-alive 2)") {
    // Issue 12: Paho's receive thread noticed a new connection only after its 1 s poll
    // (1.1-2.1 s per CONNECT); mqtt-sn-tools with -k 2 wait 1 s and fail. The bound is wide
    // for a loaded machine and still well below the old 1.1 s floor.
    test::mosquitto broker;
    gateway_run gw("transparent", upstream_for(broker));
    for (int i = 0; i < 5; ++i) {
        auto c = sn_client::open(endpoint("127.0.0.1", gw.port));
        REQUIRE(c.has_value());
        const auto asked = std::chrono::steady_clock::now();
        auto r = c->connect({.client_id = "fast-" + std::to_string(i),
                             .keep_alive = 2,
                             .clean_session = true,
                             .will = std::nullopt});
        const auto took = std::chrono::steady_clock::now() - asked;
        REQUIRE_MESSAGE(r.has_value(), r.error().message);
        CHECK_MESSAGE(took < 500ms,
                      std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), " ms");
        REQUIRE(c->disconnect());
    }
}

TEST_CASE("bridge transparent: will delivered upstream on keep-alive expiry") {
    will_on_keep_alive_expiry("transparent");
}

TEST_CASE("bridge aggregating: will delivered upstream on keep-alive expiry") {
    will_on_keep_alive_expiry("aggregating");
}

TEST_CASE("bridge aggregating: 50 clients, overlapping filters, one upstream connection") {
    test::mosquitto broker({.extra_config = "log_type all\n"});
    gateway_run gw("aggregating", upstream_for(broker, "  client_id: agg-gw\n"),
                   "log:\n  verbose: true\n");
    constexpr int n = 50;
    std::vector<sn_client> clients;
    std::vector<std::string> filters;
    for (int i = 0; i < n; ++i) {
        clients.push_back(gw.client("fan-" + std::to_string(i)));
        std::string f;
        switch (i % 4) {
        case 0:
            f = "fan/#";
            break;
        case 1:
            f = "fan/" + std::to_string(i % 5) + "/+";
            break;
        case 2:
            f = "fan/+/x";
            break;
        default:
            f = "fan/" + std::to_string(i % 5) + "/y";
            break;
        }
        filters.push_back(f);
        REQUIRE(clients.back().subscribe(topic_ref::normal(f), sn::qos::one).has_value());
    }
    std::vector<std::string> topics;
    for (int k = 0; k < 5; ++k) {
        topics.push_back("fan/" + std::to_string(k) + "/x");
        topics.push_back("fan/" + std::to_string(k) + "/y");
    }
    for (const auto& t : topics) {
        mqtt_publish(broker, t, "msg " + t, 1);
    }
    for (int i = 0; i < n; ++i) {
        CAPTURE(i);
        std::multiset<std::string> expected;
        for (const auto& t : topics) {
            if (common::topic::matches(filters[static_cast<std::size_t>(i)], t)) {
                expected.insert(t);
            }
        }
        std::multiset<std::string> got;
        auto& c = clients[static_cast<std::size_t>(i)];
        while (got.size() < expected.size()) {
            auto m = receive_one(c);
            REQUIRE(m.has_value());
            CHECK(m->payload == bytes_of("msg " + m->topic));
            got.insert(m->topic);
        }
        auto extra = c.receive(100ms);
        REQUIRE(extra.has_value());
        CHECK_FALSE(extra->has_value());
        CHECK(got == expected);
    }
    // One upstream connection carried it all.
    const auto log = broker.log();
    std::size_t connections = 0;
    for (auto pos = log.find("New client connected"); pos != std::string::npos;
         pos = log.find("New client connected", pos + 1)) {
        ++connections;
    }
    CHECK(log.find(" as agg-gw ") != std::string::npos);
    CHECK(connections == 1 + topics.size()); // the gateway + one mosquitto_pub per message
}

TEST_CASE("bridge: outage drill, 500 QoS 1 messages through a broker restart") {
    for (const std::string mode : {"aggregating", "transparent"}) {
        CAPTURE(mode);
        test::mosquitto broker({.persistence = true, .extra_config = "log_type all\n"});
        gateway_run gw(mode, upstream_for(broker, "  buffer:\n    persistence_dir: \"" +
                                                      (broker.dir() / "paho").string() + "\"\n"));
        constexpr int total = 500;
        auto sub = subscriber(broker, "drill/#", 2 * total, {"-c", "-i", "drill-sub"});
        wait_subscribed(broker, "drill/#");
        auto dev = gw.client("driller");
        const auto id = dev.register_topic("drill/m");
        REQUIRE(id.has_value());
        auto send = [&](int from, int to) {
            for (int i = from; i < to; ++i) {
                const auto payload = bytes_of("m" + std::to_string(i));
                auto r = dev.publish(topic_ref::normal_id(*id), payload, sn::qos::one);
                REQUIRE_MESSAGE(r.has_value(), "message ", i, ": ", r.error().message);
            }
        };
        send(0, 150);
        broker.stop();
        send(150, 350); // the gateway keeps them (custody) and acks
        std::this_thread::sleep_for(3s);
        broker.restart();
        send(350, total);
        // QoS 1 is at least once: a message may come twice (mosquitto_sub -C counts those),
        // so wait until every one of the 500 has come at least once.
        std::string missing;
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        do {
            std::set<std::string> got;
            std::istringstream lines(sub->output());
            for (std::string line; std::getline(lines, line);) {
                got.insert(line);
            }
            missing.clear();
            for (int i = 0; i < total; ++i) {
                if (got.count("drill/m " + hex(bytes_of("m" + std::to_string(i)))) == 0) {
                    missing += " m" + std::to_string(i);
                }
            }
            if (!missing.empty()) {
                std::this_thread::sleep_for(200ms);
            }
        } while (!missing.empty() && std::chrono::steady_clock::now() < deadline);
        CHECK_MESSAGE(missing.empty(), "missing:", missing);
        CHECK(gw.proc->output().find("lost") != std::string::npos); // upstream state logged
    }
}

TEST_CASE("bridge: TLS with user name and password, a wrong CA fails with a clear log line") {
    test::mosquitto broker({.users = {{"gw", "pw"}}, .tls = true});
    const std::string tls_upstream = "  uri: \"" + broker.tls_uri() +
                                     "\"\n  username: gw\n  password: pw\n"
                                     "  reconnect_min: 100ms\n  reconnect_max: 1s\n";
    {
        gateway_run gw("aggregating", tls_upstream + "  tls:\n    ca_file: \"" +
                                          broker.tls_ca_file().string() + "\"\n");
        REQUIRE(gw.proc->wait_for_output("connected to " + broker.tls_uri(), 10s));
        auto dev = gw.client("secure-dev");
        REQUIRE(dev.publish(topic_ref::normal("sec/t"), bytes_of("x"), sn::qos::one));
    }
    test::temp_dir other;
    test::process gen("/usr/bin/openssl",
                      {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                       "/CN=wrong CA", "-keyout", other.file("k.pem").string(), "-out",
                       other.file("ca.pem").string()});
    REQUIRE(gen.wait_exit(30s) == std::optional<int>(0));
    gateway_run bad("transparent",
                    tls_upstream + "  tls:\n    ca_file: \"" + other.file("ca.pem").string() +
                        "\"\n",
                    {}, false);
    REQUIRE(bad.proc->wait_for_output("retrying in", 10s));
    const auto log = bad.proc->output();
    CAPTURE(log);
    CHECK(log.find(": Upstream " + broker.tls_uri() +
                   ": the broker's certificate is not signed by the CA in upstream.tls.ca_file "
                   "(TLS: unknown CA): check upstream.tls.ca_file.\n") != std::string::npos);
    // Devices are told to come back later while the broker cannot be reached.
    auto c = sn_client::open(endpoint("127.0.0.1", bad.port));
    REQUIRE(c.has_value());
    auto r = c->connect({.client_id = "d", .keep_alive = 60, .clean_session = true, .will = {}});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rc == sn::return_code::congestion);
}

TEST_CASE("bridge: SIGTERM disconnects upstream cleanly, wills of devices are not published") {
    for (const std::string mode : {"aggregating", "transparent"}) {
        CAPTURE(mode);
        test::mosquitto broker({.extra_config = "log_type all\n"});
        auto gw = std::make_unique<gateway_run>(mode, upstream_for(broker));
        auto dev =
            gw->client("willing", 60,
                       tools::will_options{"wills/willing", bytes_of("x"), sn::qos::one, false});
        auto sub = subscriber(broker, "wills/#", 1);
        wait_subscribed(broker, "wills/#");
        const auto asked = std::chrono::steady_clock::now();
        CHECK(gw->proc->stop(10s) == std::optional<int>(0));
        // mqtt_side::stop ran on the loop: Paho's answers were taken, none lost, no 2 s wait.
        const auto gw_log = gw->proc->output();
        CAPTURE(gw_log);
        CHECK(gw_log.find("lost to a full mailbox") == std::string::npos);
        CHECK(std::chrono::steady_clock::now() - asked < 1500ms);
        gw->proc.reset();
        const auto log = broker.log();
        CAPTURE(log);
        CHECK(log.find("Client snbridge disconnected.") != std::string::npos);
        if (mode == "transparent") {
            CHECK(log.find("Client willing disconnected.") != std::string::npos);
        }
        CHECK_FALSE(sub->wait_exit(1500ms).has_value()); // no will arrived
    }
}

namespace {

/// Lines equal to `line` in `text`.
std::size_t count_lines(const std::string& text, const std::string& line) {
    std::size_t n = 0;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        n += l == line ? 1U : 0U;
    }
    return n;
}

/// Polls `pred` every 100 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(100ms);
    }
    return true;
}

} // namespace

TEST_CASE("bridge aggregating: local MQTT listener, upstream.topics in/out/both with prefixes, "
          "an outage in the middle, nothing lost at QoS 1") {
    test::mosquitto broker({.persistence = true, .extra_config = "log_type all\n"});
    const auto tcp_port = test::free_tcp_port();
    const std::string local = "127.0.0.1:" + std::to_string(tcp_port);
    gateway_run gw("aggregating",
                   upstream_for(broker, "  topics:\n"
                                        "    - { pattern: \"sensors/#\", direction: out, qos: 1, "
                                        "remote_prefix: \"site1/\" }\n"
                                        "    - { pattern: \"cmd/#\", direction: in, qos: 1, "
                                        "remote_prefix: \"cloud/\" }\n"
                                        "    - { pattern: \"sync/#\", direction: both, qos: 1, "
                                        "local_prefix: \"loc/\", remote_prefix: \"rem/\" }\n"),
                   "broker:\n  mqtt_listen: [\"" + local + "\"]\n");
    REQUIRE(gw.proc->wait_for_output("Opening MQTT listen socket on " + local, 10s));
    INFO("gateway log:\n" << gw.proc->output()); // evaluated when a check fails
    // A persistent subscriber upstream, riding out the restart; a dashboard on the local
    // listener (broker.mqtt_listen works in aggregating mode).
    test::process remote_sub("/usr/bin/mosquitto_sub",
                             {"-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-c", "-i",
                              "remote-sub", "-q", "1", "-t", "site1/#", "-t", "rem/#", "-F",
                              "%t %p"});
    wait_subscribed(broker, "rem/#");
    test::process dashboard("/usr/bin/mosquitto_sub",
                            {"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-q", "1", "-t",
                             "sensors/#", "-t", "cmd/#", "-t", "loc/#", "-F", "%t %p"});
    REQUIRE(eventually([&] { return broker.log().find(" cloud/cmd/#") != std::string::npos; }));
    std::this_thread::sleep_for(500ms); // the dashboard's SUBSCRIBE

    auto dev = gw.client("sensor");
    const auto id = dev.register_topic("sensors/t");
    REQUIRE(id.has_value());
    auto send = [&](int from, int to) {
        for (int i = from; i < to; ++i) {
            auto r = dev.publish(topic_ref::normal_id(*id), bytes_of("m" + std::to_string(i)),
                                 sn::qos::one);
            REQUIRE_MESSAGE(r.has_value(), "message ", i, ": ", r.error().message);
        }
    };
    auto all_arrived = [](const std::string& out, const std::string& prefix, int n) {
        for (int i = 0; i < n; ++i) {
            if (count_lines(out, prefix + "m" + std::to_string(i)) == 0) {
                return false;
            }
        }
        return true;
    };
    send(0, 50);
    broker.stop();
    send(50, 100); // acked: Paho's buffer holds them
    // The local broker keeps serving the site during the outage.
    CHECK(eventually([&] { return all_arrived(dashboard.output(), "sensors/t ", 100); }));
    std::this_thread::sleep_for(1s);
    broker.restart();
    send(100, 150);
    // At least once: every message reached the cloud under its remote prefix.
    CHECK(
        eventually([&] { return all_arrived(remote_sub.output(), "site1/sensors/t ", 150); }, 60s));

    // in and both, after the outage: the bridge subscribed again.
    mqtt_publish(broker, "cloud/cmd/on", "go", 1);
    CHECK(eventually([&] { return count_lines(dashboard.output(), "cmd/on go") == 1; }));
    mqtt_publish(broker, "rem/sync/a", "ra", 1);
    CHECK(eventually([&] { return count_lines(dashboard.output(), "loc/sync/a ra") == 1; }));
    test::process local_pub("/usr/bin/mosquitto_pub",
                            {"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-t", "loc/sync/b",
                             "-m", "lb", "-q", "1"});
    REQUIRE(local_pub.wait_exit(10s) == std::optional<int>(0));
    CHECK(eventually([&] { return count_lines(remote_sub.output(), "rem/sync/b lb") == 1; }));
    std::this_thread::sleep_for(700ms);
    // No loop: each went across once, and nothing came back.
    CHECK(count_lines(remote_sub.output(), "rem/sync/a ra") == 1);
    CHECK(count_lines(remote_sub.output(), "rem/sync/b lb") == 1);
    CHECK(count_lines(dashboard.output(), "loc/sync/b lb") == 1);
    CHECK(count_lines(dashboard.output(), "loc/sync/a ra") == 1);
    CHECK(remote_sub.output().find("loc/") == std::string::npos);
    REQUIRE(dev.disconnect());
}
