// broker.mqtt_* keys (issue 6, the MQTT 3.1.1 listener): good YAML -> values, bad YAML ->
// one positioned error each, and the listener settings built from them.

#include <string>

#include <doctest/doctest.h>

#include "config/config.hpp"

namespace cfg = snbridge::config;
using snbridge::common::net_address;
using namespace std::chrono_literals;

TEST_CASE("config broker.mqtt_*: defaults") {
    const auto d = cfg::defaults();
    CHECK(d.broker.mqtt_listen.empty());
    CHECK(d.broker.mqtt_allow_anonymous);
    CHECK(d.broker.mqtt_users.empty());
    CHECK(d.broker.mqtt_max_connections == 1024);
    CHECK(d.broker.mqtt_max_packet_size == 1048576);
    CHECK(d.broker.mqtt_max_inflight == 20);
    CHECK(d.broker.mqtt_max_queued == 1000);
    CHECK(d.broker.mqtt_connect_timeout == 10s);
    CHECK(d.broker.mqtt_max_client_id_length == 128);
    CHECK(d.broker.stuck_consumer_timeout == 30s);
}

TEST_CASE("config broker.mqtt_*: values") {
    const auto c = cfg::load_string("broker:\n"
                                    "  mqtt_listen: [\"127.0.0.1:1883\", \"[::1]:1884\"]\n"
                                    "  mqtt_allow_anonymous: false\n"
                                    "  mqtt_users:\n"
                                    "    - { username: alice, password: secret }\n"
                                    "    - username: bob\n"
                                    "  mqtt_max_connections: 5000\n"
                                    "  mqtt_max_packet_size: 4096\n"
                                    "  mqtt_max_inflight: 1\n"
                                    "  mqtt_max_queued: 0\n"
                                    "  mqtt_connect_timeout: 500ms\n"
                                    "  mqtt_max_client_id_length: 23\n"
                                    "  stuck_consumer_timeout: 2s\n",
                                    "t.yaml");
    REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
    const auto& b = c->broker;
    REQUIRE(b.mqtt_listen.size() == 2);
    CHECK(b.mqtt_listen[0] == net_address::v4(127, 0, 0, 1, 1883));
    CHECK(b.mqtt_listen[1].fam == net_address::family::v6);
    CHECK(b.mqtt_listen[1].port == 1884);
    CHECK_FALSE(b.mqtt_allow_anonymous);
    REQUIRE(b.mqtt_users.size() == 2);
    CHECK(b.mqtt_users[0] == cfg::broker_user{"alice", "secret"});
    CHECK(b.mqtt_users[1] == cfg::broker_user{"bob", ""});
    CHECK(b.mqtt_max_connections == 5000);
    CHECK(b.mqtt_max_packet_size == 4096);
    CHECK(b.mqtt_max_inflight == 1);
    CHECK(b.mqtt_max_queued == 0);
    CHECK(b.mqtt_connect_timeout == 500ms);
    CHECK(b.mqtt_max_client_id_length == 23);
    CHECK(b.stuck_consumer_timeout == 2s);
}

TEST_CASE("config broker.mqtt_*: bad values (table)") {
    struct row {
        const char* yaml;
        const char* error; // a piece of the message, which starts with "t.yaml:LINE:COL: "
    };
    const row rows[] = {
        {"broker:\n  mqtt_listen: [\"localhost:1883\"]\n", "t.yaml:2:"},
        {"broker:\n  mqtt_listen: [\"127.0.0.1:1883\", \"127.0.0.1:1883\"]\n", "t.yaml:2:"},
        {"broker:\n  mqtt_allow_anonymous: maybe\n", "broker.mqtt_allow_anonymous"},
        {"broker:\n  mqtt_users:\n    - { password: x }\n", "username"},
        {"broker:\n  mqtt_users:\n    - { username: a, pasword: x }\n", "pasword"},
        {"broker:\n  mqtt_users: alice\n", "broker.mqtt_users"},
        {"broker:\n  mqtt_max_connections: 0\n", "broker.mqtt_max_connections"},
        {"broker:\n  mqtt_max_packet_size: 10\n", "broker.mqtt_max_packet_size"},
        {"broker:\n  mqtt_max_inflight: 0\n", "broker.mqtt_max_inflight"},
        {"broker:\n  mqtt_connect_timeout: 10ms\n", "broker.mqtt_connect_timeout"},
        {"broker:\n  mqtt_max_client_id_length: 5\n", "broker.mqtt_max_client_id_length"},
        {"broker:\n  stuck_consumer_timeout: 10ms\n", "broker.stuck_consumer_timeout"},
        {"broker:\n  mqtt_listn: []\n", "did you mean 'mqtt_listen'"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.yaml);
        const auto c = cfg::load_string(r.yaml, "t.yaml");
        REQUIRE_FALSE(c.has_value());
        CHECK_MESSAGE(c.error().message.find(r.error) != std::string::npos, c.error().message);
    }
}
