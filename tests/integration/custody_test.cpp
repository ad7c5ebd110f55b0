// Issue 11 with the real snbridge binary (built-in broker, MQTT listener, persistence on, all on
// loopback): what the gateway acknowledged survives kill -9. Before the crash a sleeping
// sensor has QoS 1 messages in its sleep buffer and a registered topic id, a retained message
// was published over MQTT-SN, and a persistent MQTT subscriber (clean session off, offline)
// has messages queued. After the restart on the same config all four are there.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sn_test_helpers.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

using namespace snbridge::test;
namespace sn = common::mqttsn;

std::string persistent_broker_yaml(std::uint16_t tcp_port, const temp_dir& state) {
    return "broker:\n  mqtt_listen: [\"127.0.0.1:" + std::to_string(tcp_port) +
           "\"]\npersistence:\n  path: " + state.file("state.db").string() + "\n";
}

/// mosquitto_sub as the persistent subscriber "dash" (clean session off, QoS 1) on `filter`,
/// printing "topic payload" lines; exits after `count` messages or 10 s without one.
std::unique_ptr<process> dashboard(std::uint16_t tcp_port, const std::string& filter, int count) {
    return std::make_unique<process>(
        "/usr/bin/mosquitto_sub",
        std::vector<std::string>{"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-i", "dash",
                                 "-c", "-q", "1", "-t", filter, "-v", "-C", std::to_string(count),
                                 "-W", "10"});
}

int run_to_exit(process& p) {
    const auto code = p.wait_exit(15s);
    REQUIRE(code.has_value());
    return *code;
}

} // namespace

TEST_CASE("custody: after kill -9 the sleeper's buffer and registration, a retained message and "
          "a persistent MQTT subscriber's queue survive") {
    temp_dir state;
    const auto tcp_port = free_tcp_port();
    snbridge_fixture gw(persistent_broker_yaml(tcp_port, state));

    // The dashboard subscribes with clean session off, then goes away (offline, kept).
    {
        auto dash = std::make_unique<process>(
            "/usr/bin/mosquitto_sub",
            std::vector<std::string>{"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-i",
                                     "dash", "-c", "-q", "1", "-t", "site/#", "-E"});
        CHECK(run_to_exit(*dash) == 0);
    }

    // The sleeper: persistent session, a subscription, a registered topic, then asleep.
    auto sleeper = open_sn_client(gw.port());
    sn_connect(sleeper, "sleeper", 60, false);
    const auto sub = sleeper.subscribe(tools::topic_ref::normal("cmd/sleeper"), sn::qos::one);
    REQUIRE(sub.has_value());
    const auto cmd_id = sub->topic_id;
    REQUIRE(cmd_id != 0);
    const auto temp_id = sleeper.register_topic("site/temp");
    REQUIRE(temp_id.has_value());
    REQUIRE(sleeper.sleep(300).has_value());

    // Three QoS 1 commands for the sleeper, acknowledged by the gateway (mosquitto_pub -q 1
    // exits 0 only after its PUBACK).
    for (int i = 1; i <= 3; ++i) {
        process pub("/usr/bin/mosquitto_pub",
                    {"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-q", "1", "-t",
                     "cmd/sleeper", "-m", "cmd-" + std::to_string(i)});
        CHECK(run_to_exit(pub) == 0);
    }

    // A retained message over MQTT-SN (QoS 1, PUBACK 0x00). The dashboard is offline: this
    // and a second one are queued for it.
    auto sensor = open_sn_client(gw.port());
    sn_connect(sensor, "sensor");
    REQUIRE(
        sensor.publish(tools::topic_ref::normal("site/status"), text("online"), sn::qos::one, true)
            .has_value());
    REQUIRE(sensor.publish(tools::topic_ref::normal("site/door"), text("open"), sn::qos::one)
                .has_value());

    gw.kill();
    gw.restart();
    CHECK(gw.proc().wait_for_output("restored", 5s));

    // 1. The sleeper wakes from a new port: PINGREQ with its ClientId, then its three
    //    buffered messages in order (each acked), then PINGRESP (§6.14).
    auto woken = open_sn_client(gw.port());
    REQUIRE(woken.send(sn::pingreq{"sleeper"}).has_value());
    std::vector<std::string> got;
    for (;;) {
        const auto p = next_packet(woken);
        if (std::holds_alternative<sn::pingresp>(p)) {
            break;
        }
        REQUIRE(std::holds_alternative<sn::publish>(p));
        const auto& pub = std::get<sn::publish>(p);
        CHECK(pub.topic_id == cmd_id);
        got.emplace_back(pub.data.begin(), pub.data.end());
        REQUIRE(woken.send(sn::puback{pub.topic_id, pub.msg_id, sn::return_code::accepted})
                    .has_value());
    }
    CHECK(got == std::vector<std::string>{"cmd-1", "cmd-2", "cmd-3"});

    // 2. Its registration: CONNECT with CleanSession=0, then a PUBLISH on the old topic id is
    //    accepted (PUBACK 0x00) and delivered to the dashboard below.
    auto again = open_sn_client(gw.port());
    sn_connect(again, "sleeper", 60, false);
    REQUIRE(again.send(sn::publish{sn::flags{.qos_level = sn::qos::one}, *temp_id, 7, text("21.5")})
                .has_value());
    const auto ack = next_packet(again);
    REQUIRE(std::holds_alternative<sn::puback>(ack));
    CHECK(std::get<sn::puback>(ack).msg_id == 7);
    CHECK(std::get<sn::puback>(ack).rc == sn::return_code::accepted);

    // 3. The retained message reaches a new subscriber, retain flag set.
    {
        process fresh("/usr/bin/mosquitto_sub",
                      {"-h", "127.0.0.1", "-p", std::to_string(tcp_port), "-t", "site/status", "-v",
                       "-C", "1", "-W", "10", "-F", "%r %t %p"});
        CHECK(run_to_exit(fresh) == 0);
        CHECK(fresh.output() == "1 site/status online\n");
    }

    // 4. The dashboard's queue: what was queued before the crash, then the new message.
    auto dash = dashboard(tcp_port, "site/#", 3);
    CHECK(run_to_exit(*dash) == 0);
    CHECK(dash->output() == "site/status online\nsite/door open\nsite/temp 21.5\n");

    CHECK(gw.stop() == 0);
}

TEST_CASE("custody: a clean stop leaves no WAL to recover, and the state is there after it") {
    temp_dir state;
    const auto tcp_port = free_tcp_port();
    snbridge_fixture gw(persistent_broker_yaml(tcp_port, state));
    auto sensor = open_sn_client(gw.port());
    sn_connect(sensor, "sensor");
    REQUIRE(sensor.publish(tools::topic_ref::normal("site/mode"), text("eco"), sn::qos::one, true)
                .has_value());
    CHECK(gw.stop() == 0);
    CHECK(std::filesystem::exists(state.file("state.db")));
    CHECK_FALSE(std::filesystem::exists(state.file("state.db-wal")));

    gw.restart();
    process fresh("/usr/bin/mosquitto_sub", {"-h", "127.0.0.1", "-p", std::to_string(tcp_port),
                                             "-t", "site/mode", "-C", "1", "-W", "10"});
    CHECK(run_to_exit(fresh) == 0);
    CHECK(fresh.output() == "eco\n");
}

TEST_CASE("custody: a bad state file stops the start with one line naming it, move_aside starts "
          "afresh") {
    temp_dir state;
    const auto db = state.file("state.db");
    {
        std::ofstream junk(db);
        junk << "this is not a database, it is a text file that someone put here by mistake\n";
    }
    const auto yaml = state.write(
        "bad.yaml", "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(free_udp_port(false)) +
                        "\"]\npersistence:\n  path: " + db.string() + "\n");
    {
        process gw(binary_path("gateway/snbridge"), {"-c", yaml.string()});
        const auto code = gw.wait_exit(10s);
        REQUIRE(code.has_value());
        CHECK(*code == 1);
        CHECK(gw.count("Error: " + db.string() + ": not an SQLite database") == 1);
        CHECK(gw.count(" running") == 0);
    }
    const auto aside = state.write(
        "aside.yaml", "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(free_udp_port(false)) +
                          "\"]\npersistence:\n  path: " + db.string() +
                          "\n  on_bad_file: move_aside\n");
    process gw(binary_path("gateway/snbridge"), {"-c", aside.string()});
    REQUIRE(gw.wait_for_output(" running", 10s));
    CHECK(gw.count("moved it to " + db.string() + ".bad-") == 1);
    CHECK(gw.stop() == 0);
}

TEST_CASE("custody: a full store (persistence.max_size) stops acknowledgements, logs once, and "
          "recovers by itself once there is room") {
    temp_dir state;
    const auto tcp_port = free_tcp_port();
    snbridge_fixture gw("broker:\n  mqtt_listen: [\"127.0.0.1:" + std::to_string(tcp_port) +
                        "\"]\npersistence:\n  path: " + state.file("state.db").string() +
                        "\n  max_size: 1MB\n");
    auto sensor = open_sn_client(gw.port());
    sn_connect(sensor, "filler");
    sensor.set_timeout(1500ms);
    // Retained messages of 30 KB each fill the file: the first refused one is not acked.
    const bytes big(30000, 0x5A);
    int stored = 0;
    for (; stored < 60; ++stored) {
        if (!sensor.publish(tools::topic_ref::normal("fill/" + std::to_string(stored)), big,
                            sn::qos::one, true)) {
            break;
        }
    }
    REQUIRE(stored < 60);
    CHECK(stored > 10);
    CHECK(gw.proc().wait_for_output("acknowledgements stop until it can write again", 5s));

    // Room comes back: clearing retained messages shrinks the state. Their PUBACKs may be
    // lost while the store is failing; the device retransmits (here: publishes again) until
    // the state fits and a commit succeeds.
    for (int i = 0; i <= stored; ++i) {
        (void)sensor.publish(tools::topic_ref::normal("fill/" + std::to_string(i)), bytes{},
                             sn::qos::one, true);
    }
    CHECK(gw.proc().wait_for_output("writing again", 10s));
    sensor.set_timeout(5s);
    CHECK(sensor.publish(tools::topic_ref::normal("fill/after"), text("ok"), sn::qos::one, true)
              .has_value());
    CHECK(gw.proc().count("acknowledgements stop") == 1);
}

TEST_CASE("custody: transparent mode - after kill -9 the gateway's part survives: a sleeper's "
          "buffered message from the cloud broker and its topic id") {
    test::mosquitto broker({.persistence = true});
    temp_dir state;
    snbridge_fixture gw("mode: transparent\nupstream:\n  uri: \"" + broker.uri() +
                        "\"\npersistence:\n  path: " + state.file("state.db").string() + "\n");
    auto sleeper = open_sn_client(gw.port());
    for (int attempt = 0;; ++attempt) { // the gateway's upstream may still be coming up
        tools::connect_options o{.client_id = "t-sleeper",
                                 .keep_alive = 60,
                                 .clean_session = false,
                                 .will = std::nullopt};
        if (sleeper.connect(o)) {
            break;
        }
        REQUIRE(attempt < 50);
        std::this_thread::sleep_for(200ms);
    }
    const auto sub = sleeper.subscribe(tools::topic_ref::normal("cmd/t-sleeper"), sn::qos::one);
    REQUIRE(sub.has_value());
    REQUIRE(sleeper.sleep(300).has_value());
    {
        process pub("/usr/bin/mosquitto_pub",
                    {"-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-q", "1", "-t",
                     "cmd/t-sleeper", "-m", "from-the-cloud"});
        CHECK(run_to_exit(pub) == 0);
    }
    // Let it reach the gateway's sleep buffer and the next commit, then crash.
    std::this_thread::sleep_for(500ms);
    gw.kill();
    gw.restart();
    CHECK(gw.proc().wait_for_output("restored 1 MQTT-SN session", 5s));

    auto woken = open_sn_client(gw.port());
    REQUIRE(woken.send(sn::pingreq{"t-sleeper"}).has_value());
    const auto p = next_packet(woken, 10s);
    REQUIRE(std::holds_alternative<sn::publish>(p));
    const auto& pub = std::get<sn::publish>(p);
    CHECK(pub.topic_id == sub->topic_id);
    CHECK(std::string(pub.data.begin(), pub.data.end()) == "from-the-cloud");
}
