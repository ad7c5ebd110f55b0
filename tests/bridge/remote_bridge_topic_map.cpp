// bridge/remote/bridge_topic_map (upstream.topics) as tables, as Mosquitto tests its bridge
// topic mapping: local topic -> remote topic (out), remote topic -> local topic (in), and the
// filters the bridge subscribes to on each side.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/remote/bridge_topic_map.hpp"

using namespace snbridge;
using bridge::remote::bridge_rule;
using bridge::remote::bridge_topic_map;
using bridge::remote::mapped_topic;
using config::bridge_direction;

namespace {

const std::vector<bridge_rule> rules{
    {.pattern = "sensors/#",
     .direction = bridge_direction::out,
     .qos = 1,
     .local_prefix = "",
     .remote_prefix = "site1/"},
    {.pattern = "cmd/+",
     .direction = bridge_direction::in,
     .qos = 2,
     .local_prefix = "",
     .remote_prefix = "cloud/site1/"},
    {.pattern = "sync/#",
     .direction = bridge_direction::both,
     .qos = 0,
     .local_prefix = "loc/",
     .remote_prefix = "rem/"},
    {.pattern = "sync/#",
     .direction = bridge_direction::in,
     .qos = 1,
     .local_prefix = "loc2/",
     .remote_prefix = "rem/"}, // same remote filter: subscribed once, at the higher QoS
};

struct row {
    const char* topic;
    std::optional<mapped_topic> expected;
};

} // namespace

TEST_CASE("bridge topic map: out, local -> remote") {
    const bridge_topic_map map(rules);
    const row table[] = {
        {"sensors/t", mapped_topic{"site1/sensors/t", 1}},
        {"sensors/a/b", mapped_topic{"site1/sensors/a/b", 1}},
        {"sensors", mapped_topic{"site1/sensors", 1}}, // '#' matches its parent level
        {"cmd/on", std::nullopt},                      // in only
        {"loc/sync/x", mapped_topic{"rem/sync/x", 0}}, // both, prefixes swapped
        {"sync/x", std::nullopt},                      // without the local prefix
        {"loc/", std::nullopt},                        // the prefix alone
        {"other", std::nullopt},
    };
    for (const auto& r : table) {
        CAPTURE(r.topic);
        CHECK(map.to_remote(r.topic) == r.expected);
    }
}

TEST_CASE("bridge topic map: in, remote -> local, first matching rule") {
    const bridge_topic_map map(rules);
    const row table[] = {
        {"cloud/site1/cmd/on", mapped_topic{"cmd/on", 2}},
        {"cloud/site1/cmd/on/x", std::nullopt}, // '+' is one level
        {"cloud/site2/cmd/on", std::nullopt},
        {"rem/sync/x", mapped_topic{"loc/sync/x", 0}}, // the first of the two rules
        {"site1/sensors/t", std::nullopt},             // out only
        {"cmd/on", std::nullopt},
    };
    for (const auto& r : table) {
        CAPTURE(r.topic);
        CHECK(map.to_local(r.topic) == r.expected);
    }
}

TEST_CASE("bridge topic map: the filters of each side") {
    const bridge_topic_map map(rules);
    CHECK_FALSE(map.demand_driven());
    using filters = std::vector<std::pair<std::string, std::uint8_t>>;
    CHECK(map.local_filters() == filters{{"sensors/#", 1}, {"loc/sync/#", 0}});
    CHECK(map.remote_filters() == filters{{"cloud/site1/cmd/+", 2}, {"rem/sync/#", 1}});
    const bridge_topic_map none(std::vector<bridge_rule>{});
    CHECK(none.local_filters().empty());
    CHECK(none.remote_filters().empty());
    CHECK(none.to_remote("a") == std::nullopt);
}

TEST_CASE("bridge topic map: the default, without upstream.topics") {
    const bridge_topic_map map(std::nullopt);
    CHECK(map.demand_driven());
    using filters = std::vector<std::pair<std::string, std::uint8_t>>;
    CHECK(map.local_filters() == filters{{"#", 2}});
    CHECK(map.remote_filters().empty()); // in: the devices' filters, on demand
    CHECK(map.to_remote("a/b") == mapped_topic{"a/b", 2});
    CHECK(map.to_local("a/b") == mapped_topic{"a/b", 2});
}
