// The aggregating mode's upstream filter table (bridge/remote/subscription_table.hpp):
// reference counts, highest QoS, fan-out to every matching session, retained only to the
// subscriber that just subscribed.

#include <doctest/doctest.h>

#include "bridge/remote/subscription_table.hpp"

using snbridge::bridge::remote::subscription_table;
using kind = subscription_table::upstream_change::kind;
using change = subscription_table::upstream_change;
using delivery = subscription_table::delivery;

TEST_CASE("remote subscription table: one upstream subscription per filter, ref-counted") {
    subscription_table t;
    CHECK(t.add("a", "home/#", 0) == change{kind::subscribe, 0});
    CHECK(t.add("b", "home/#", 0) == change{kind::none, 0});
    CHECK(t.refcount("home/#") == 2);
    CHECK(t.filter_count() == 1);
    CHECK(t.remove("a", "home/#") == change{kind::none, 0});
    CHECK(t.remove("a", "home/#") == change{kind::none, 0}); // not a member any more
    CHECK(t.remove("b", "home/#") == change{kind::unsubscribe, 0});
    CHECK(t.filter_count() == 0);
    CHECK_FALSE(t.upstream_qos("home/#").has_value());
}

TEST_CASE("remote subscription table: upstream QoS is the highest asked, raised, never lowered") {
    subscription_table t;
    struct row {
        const char* member;
        std::uint8_t qos;
        change expected;
    };
    const row rows[] = {
        {"a", 1, {kind::subscribe, 1}}, // new filter
        {"b", 0, {kind::none, 1}},      // lower: nothing upstream
        {"c", 2, {kind::subscribe, 2}}, // higher: re-subscribe at 2
        {"b", 2, {kind::none, 2}},      // equal
        {"a", 0, {kind::none, 2}},      // a lowers its own: upstream stays
    };
    for (const auto& r : rows) {
        CAPTURE(r.member);
        CHECK(t.add(r.member, "s/+/t", r.qos) == r.expected);
    }
    CHECK(t.upstream_qos("s/+/t") == 2);
    CHECK(t.remove("c", "s/+/t").what == kind::none);
    CHECK(t.upstream_qos("s/+/t") == 2);
}

TEST_CASE("remote subscription table: a message goes to ALL matching sessions, once each") {
    subscription_table t;
    t.add("a", "home/+/temp", 2);
    t.add("a", "home/#", 0);
    t.add("b", "home/kitchen/temp", 1);
    t.add("c", "office/#", 2);
    t.add("d", "#", 1);
    struct row {
        const char* topic;
        std::uint8_t qos;
        std::vector<delivery> expected;
    };
    const row rows[] = {
        // a matches two filters: once, at its highest matching QoS (2), capped by the message
        {"home/kitchen/temp", 2, {{"a", 2}, {"b", 1}, {"d", 1}}},
        {"home/kitchen/temp", 0, {{"a", 0}, {"b", 0}, {"d", 0}}},
        {"home/door", 2, {{"a", 0}, {"d", 1}}},
        {"office/x/y", 1, {{"c", 1}, {"d", 1}}},
        {"$SYS/broker/uptime", 1, {}}, // §4.7.2: wildcards at the start do not match '$'
        {"garden", 2, {{"d", 1}}},
    };
    for (const auto& r : rows) {
        CAPTURE(r.topic);
        CHECK(t.route(r.topic, r.qos, false) == r.expected);
    }
}

TEST_CASE("remote subscription table: retained messages go only to the last SUBACK's session") {
    subscription_table t;
    t.add("old", "r/#", 1);
    t.add("new", "r/+", 2);
    CHECK(t.route("r/x", 1, true).empty()); // no SUBACK waits for retained
    t.set_retained_target("new", "r/+");
    CHECK(t.route("r/x", 2, true) == std::vector<delivery>{{"new", 2}});
    CHECK(t.route("r/x/y", 1, true).empty()); // not its filter
    t.set_retained_target("old", "r/#");
    CHECK(t.route("r/x", 2, true) == std::vector<delivery>{{"old", 1}});
    t.clear_retained_target();
    CHECK(t.route("r/x", 1, true).empty());
    // live messages (retain=0 from the broker) go to everyone
    CHECK(t.route("r/x", 1, false).size() == 2);
}

TEST_CASE("remote subscription table: remove_member returns the filters nobody wants") {
    subscription_table t;
    t.add("a", "x", 0);
    t.add("a", "y", 1);
    t.add("b", "y", 2);
    CHECK(t.filters_of("a") == std::map<std::string, std::uint8_t>{{"x", 0}, {"y", 1}});
    CHECK(t.remove_member("a") == std::vector<std::string>{"x"});
    CHECK(t.refcount("y") == 1);
    CHECK(t.filters() == std::vector<std::pair<std::string, std::uint8_t>>{{"y", 2}});
}
