// SIGHUP reloads the configuration (issue 13 point 4) with the real binary: a changed QoS -1
// allow-list and log level apply without dropping sessions, a key that needs a restart is
// named, and a broken file keeps the running configuration and says where it is broken.

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sn_test_helpers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

std::string config_text(std::uint16_t udp, std::uint16_t tcp, const std::string& sender,
                        const std::string& level) {
    return "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(udp) +
           "\"]\n  advertise_interval: 0s\n"
           "broker:\n  mqtt_listen: [\"127.0.0.1:" +
           std::to_string(tcp) +
           "\"]\n"
           "topics:\n  predefined: [ { id: 1, name: \"reload/t\" } ]\n"
           "clients:\n  qos_minus_one:\n    senders: [\"" +
           sender + "\"]\nlog:\n  level: " + level + "\n";
}

} // namespace

TEST_CASE("reload: SIGHUP applies a changed allow-list and log level without dropping "
          "sessions, names what needs a restart, and keeps the running configuration when "
          "the file is broken") {
    test::temp_dir dir;
    const auto udp = test::free_udp_port(false);
    const auto tcp = test::free_tcp_port();
    const auto file = dir.write("snbridge.yaml", config_text(udp, tcp, "10.0.0.0/8", "info"));
    test::process gw(test::binary_path("gateway/snbridge"), {"-c", file.string()});
    REQUIRE(gw.wait_for_output(" running", 10s));

    auto keeper = test::open_sn_client(udp);
    test::sn_connect(keeper, "keeper");
    auto sender = test::open_sn_client(udp);
    const auto publish_minus_one = [&](const std::string& text) {
        REQUIRE(sender.publish(tools::topic_ref::predefined(1), test::text(text),
                               test::sn::qos::minus_one));
    };

    // 127.0.0.1 is not allowed to send QoS -1 yet.
    test::process early("/usr/bin/mosquitto_sub", {"-h", "127.0.0.1", "-p", std::to_string(tcp),
                                                   "-t", "reload/t", "-C", "1", "-W", "3"});
    std::this_thread::sleep_for(300ms);
    publish_minus_one("refused");
    CHECK(early.wait_exit(10s) != std::optional<int>(0)); // timed out: nothing came

    // Allow it, and raise the log level to warning.
    dir.write("snbridge.yaml", config_text(udp, tcp, "127.0.0.1/32", "warning"));
    gw.send_signal(SIGHUP);
    REQUIRE(gw.wait_for_output("Reloaded " + file.string(), 10s));
    test::process late("/usr/bin/mosquitto_sub", {"-h", "127.0.0.1", "-p", std::to_string(tcp),
                                                  "-t", "reload/t", "-C", "1", "-W", "10"});
    std::this_thread::sleep_for(300ms);
    publish_minus_one("allowed");
    REQUIRE(late.wait_exit(15s) == std::optional<int>(0));
    CHECK(late.output() == "allowed\n");
    CHECK(keeper.ping().has_value()); // the session was kept
    // Level warning: a new client's notice line is no longer written.
    auto newcomer = test::open_sn_client(udp);
    test::sn_connect(newcomer, "newcomer");
    CHECK(gw.count("as newcomer") == 0);

    // A listener change needs a restart: said, and not applied.
    auto moved = config_text(udp, tcp, "127.0.0.1/32", "warning");
    moved.replace(moved.find(std::to_string(udp)), std::to_string(udp).size(), "1");
    dir.write("snbridge.yaml", moved);
    gw.send_signal(SIGHUP);
    REQUIRE(gw.wait_for_output("mqttsn.listen changed; it applies after a restart.", 10s));
    CHECK(keeper.ping().has_value());

    // A broken file: its position is named and the running configuration stays.
    dir.write("snbridge.yaml", "mqttsn:\n  retry_count: lots\n");
    gw.send_signal(SIGHUP);
    REQUIRE(gw.wait_for_output("failed: the running configuration is kept.", 10s));
    CHECK(gw.count(file.string() + ":2:16: mqttsn.retry_count") == 1);
    test::process still("/usr/bin/mosquitto_sub", {"-h", "127.0.0.1", "-p", std::to_string(tcp),
                                                   "-t", "reload/t", "-C", "1", "-W", "10"});
    std::this_thread::sleep_for(300ms);
    publish_minus_one("still allowed");
    REQUIRE(still.wait_exit(15s) == std::optional<int>(0));
    CHECK(still.output() == "still allowed\n");

    gw.send_signal(SIGTERM);
    CHECK(gw.wait_exit(10s) == std::optional<int>(0));
}

TEST_CASE("reload: SIGHUP applies new MQTT listener users to the next CONNECTs; connected "
          "clients stay") {
    test::temp_dir dir;
    const auto udp = test::free_udp_port(false);
    const auto tcp = test::free_tcp_port();
    const auto text = [&](const std::string& user, const std::string& password) {
        return "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(udp) +
               "\"]\nbroker:\n  mqtt_listen: [\"127.0.0.1:" + std::to_string(tcp) +
               "\"]\n  mqtt_allow_anonymous: false\n  mqtt_users: [ { username: " + user +
               ", password: " + password + " } ]\n";
    };
    const auto file = dir.write("snbridge.yaml", text("alice", "one"));
    test::process gw(test::binary_path("gateway/snbridge"), {"-c", file.string()});
    REQUIRE(gw.wait_for_output(" running", 10s));
    const auto pub = [&](const std::string& user, const std::string& password) {
        test::process p("/usr/bin/mosquitto_pub",
                        {"-h", "127.0.0.1", "-p", std::to_string(tcp), "-u", user, "-P", password,
                         "-t", "r/u", "-m", "x"});
        return p.wait_exit(10s);
    };
    CHECK(pub("alice", "one") == std::optional<int>(0));
    CHECK(pub("bob", "two") != std::optional<int>(0));
    // A subscriber connected as alice stays connected through the reload.
    test::process sub("/usr/bin/stdbuf",
                      {"-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p",
                       std::to_string(tcp), "-u", "alice", "-P", "one", "-t", "r/u", "-d"});
    REQUIRE(sub.wait_for_output("received SUBACK", 10s));

    dir.write("snbridge.yaml", text("bob", "two"));
    gw.send_signal(SIGHUP);
    REQUIRE(gw.wait_for_output("the MQTT listener's users apply to new connections", 10s));
    CHECK(gw.count("Reload: broker keys other than") == 0);
    CHECK(pub("bob", "two") == std::optional<int>(0));
    CHECK(pub("alice", "one") != std::optional<int>(0));
    CHECK(sub.wait_for_output("r/u", 10s)); // bob's message reached alice's old session
    CHECK(sub.running());

    gw.send_signal(SIGTERM);
    CHECK(gw.wait_exit(10s) == std::optional<int>(0));
}

TEST_CASE("reload: SIGHUP gives the upstream connection new credentials for its next connect") {
    test::mosquitto broker({.users = {{"old", "secret-1"}, {"new", "secret-2"}}});
    test::temp_dir dir;
    const auto udp = test::free_udp_port(false);
    const auto text = [&](const std::string& user, const std::string& password) {
        return "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(udp) +
               "\"]\nmode: aggregating\nupstream:\n  uri: \"" + broker.uri() +
               "\"\n  reconnect_min: 100ms\n  reconnect_max: 500ms\n  username: " + user +
               "\n  password: " + password + "\n";
    };
    const auto file = dir.write("snbridge.yaml", text("old", "secret-1"));
    test::process gw(test::binary_path("gateway/snbridge"), {"-c", file.string()});
    REQUIRE(gw.wait_for_output("Upstream connection: connected to", 10s));
    CHECK(broker.log().find("u'old'") != std::string::npos);

    dir.write("snbridge.yaml", text("new", "secret-2"));
    gw.send_signal(SIGHUP);
    REQUIRE(gw.wait_for_output("the upstream credentials and TLS files apply from the next "
                               "connect.",
                               10s));
    CHECK(gw.count("Reload: upstream keys other than") == 0);
    // The broker goes away and comes back: the reconnect logs in as the new user.
    broker.restart();
    REQUIRE(gw.wait_for_output("Upstream connection: connected to", 20s, 2));
    CHECK(broker.log().find("u'new'") != std::string::npos);

    gw.send_signal(SIGTERM);
    CHECK(gw.wait_exit(10s) == std::optional<int>(0));
}
