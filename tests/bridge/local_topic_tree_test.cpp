// The built-in broker's topic rules (common::topic with the broker's level bound) and trees,
// as tables (MQTT 3.1.1 §4.7).

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/retained_store.hpp"
#include "bridge/local/subscription_tree.hpp"
#include "common/topic.hpp"

using namespace snbridge::bridge::local;
namespace topic = snbridge::common::topic;

namespace {

struct match_row {
    std::string_view filter;
    std::string_view topic;
    bool matches;
};

// MQTT 3.1.1 §4.7.1 and §4.7.2 examples, plus edge cases.
constexpr match_row match_table[] = {
    {"sport/tennis/player1", "sport/tennis/player1", true},
    {"sport/tennis/player1", "sport/tennis/player2", false},
    {"sport/tennis/player1", "sport/tennis", false},
    {"sport/tennis/player1/#", "sport/tennis/player1", true}, // '#' matches the parent
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/#", "sport", true},
    {"sport/#", "sports", false},
    {"#", "sport/tennis", true},
    {"#", "/", true},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true}, // '+' matches an empty level
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"+", "finance", true},
    {"+/tennis/#", "sport/tennis", true},
    {"+/tennis/#", "sport/tennis/x/y", true},
    {"+/tennis/#", "sport/golf", false},
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a/b", "a/b/", false},
    {"a/b/", "a/b/", true},
    {"A/b", "a/b", false}, // case-sensitive
    // MQTT 3.1.1 §4.7.2: '$' topics and first-level wildcards.
    {"#", "$SYS/broker", false},
    {"+/broker", "$SYS/broker", false},
    {"+", "$SYS", false},
    {"$SYS/#", "$SYS/broker", true},
    {"$SYS/+", "$SYS/broker", true},
    {"$SYS", "$SYS", true},
    {"a/#", "a/$b", true}, // only the first level is special
    {"a/+", "a/$b", true},
};

} // namespace

TEST_CASE("local topic rules: valid names and filters") {
    struct row {
        std::string_view text;
        bool name;
        bool filter;
    };
    const row table[] = {
        {"a", true, true},      {"a/b/c", true, true},
        {"/", true, true},      {"a//b", true, true},
        {"$SYS/x", true, true}, {"", false, false},
        {"+", false, true},     {"#", false, true},
        {"a/+/b", false, true}, {"a/#", false, true},
        {"a/b#", false, false}, {"a/#/b", false, false},
        {"a+/b", false, false}, {"a/++", false, false},
        {"##", false, false},   {std::string_view("a\0b", 3), false, false},
    };
    for (const auto& r : table) {
        CAPTURE(r.text);
        CHECK(topic::valid_name(r.text, {.max_levels = 64}) == r.name);
        CHECK(topic::valid_filter(r.text, {.max_levels = 64}) == r.filter);
    }
    CHECK(topic::valid_name(std::string(65535, 'x'), {.max_levels = 64}));
    CHECK_FALSE(topic::valid_name(std::string(65536, 'x'), {.max_levels = 64}));
    // The level bound: 3 levels allowed, 4 refused.
    CHECK(topic::valid_name("a/b/c", {.max_levels = 3}));
    CHECK_FALSE(topic::valid_name("a/b/c/d", {.max_levels = 3}));
    CHECK(topic::valid_filter("a/+/#", {.max_levels = 3}));
    CHECK_FALSE(topic::valid_filter("a/+/c/#", {.max_levels = 3}));
}

TEST_CASE("local subscription_tree: match table, one filter at a time") {
    for (const auto& r : match_table) {
        CAPTURE(r.filter);
        CAPTURE(r.topic);
        REQUIRE(topic::valid_filter(r.filter, {.max_levels = 64}));
        REQUIRE(topic::valid_name(r.topic, {.max_levels = 64}));
        subscription_tree<int> tree;
        CHECK(tree.insert(r.filter, 7, 1));
        int hits = 0;
        tree.match(r.topic, [&](int key, std::uint8_t qos) {
            CHECK(key == 7);
            CHECK(qos == 1);
            ++hits;
        });
        CHECK(hits == (r.matches ? 1 : 0));
        CHECK(tree.erase(r.filter, 7));
        CHECK(tree.size() == 0);
        CHECK(tree.pruned());
    }
}

namespace {

std::vector<std::string_view> split_levels(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto slash = s.find('/', start);
        out.push_back(s.substr(start, slash - start));
        if (slash == std::string_view::npos) {
            return out;
        }
        start = slash + 1;
    }
}

// A straightforward reference matcher (split both, compare level by level), independent of
// the tree walk, to cross-check every filter against every topic.
bool reference_match(std::string_view filter, std::string_view topic) {
    const auto f = split_levels(filter);
    const auto t = split_levels(topic);
    if (!topic.empty() && topic.front() == '$' && (f[0] == "+" || f[0] == "#")) {
        return false;
    }
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") {
            return true;
        }
        if (i >= t.size() || (f[i] != "+" && f[i] != t[i])) {
            return false;
        }
    }
    return f.size() == t.size();
}

} // namespace

TEST_CASE("local subscription_tree: all filters at once, cross-checked with a reference") {
    for (const auto& r : match_table) {
        CAPTURE(r.filter);
        CAPTURE(r.topic);
        CHECK(reference_match(r.filter, r.topic) == r.matches); // the reference agrees
        CHECK(snbridge::common::topic::matches(r.filter, r.topic) == r.matches);
    }
    subscription_tree<int> tree;
    const int n = static_cast<int>(std::size(match_table));
    for (int i = 0; i < n; ++i) {
        tree.insert(match_table[i].filter, i, 0);
    }
    for (const auto& probe : match_table) {
        CAPTURE(probe.topic);
        std::vector<int> got;
        tree.match(probe.topic, [&](int key, std::uint8_t) { got.push_back(key); });
        std::sort(got.begin(), got.end());
        std::vector<int> want;
        for (int i = 0; i < n; ++i) {
            if (reference_match(match_table[i].filter, probe.topic)) {
                want.push_back(i);
            }
        }
        CHECK(got == want);
    }
    for (int i = 0; i < n; ++i) {
        CHECK(tree.erase(match_table[i].filter, i));
    }
    CHECK(tree.size() == 0);
    CHECK(tree.pruned());
}

TEST_CASE("local subscription_tree: insert replaces QoS, erase of unknown is false") {
    subscription_tree<int> tree;
    CHECK(tree.insert("a/+", 1, 0));
    CHECK_FALSE(tree.insert("a/+", 1, 2)); // replaced
    CHECK(tree.insert("a/+", 2, 1));
    CHECK(tree.size() == 2);
    std::vector<std::pair<int, int>> got;
    tree.match("a/b", [&](int k, std::uint8_t q) { got.emplace_back(k, q); });
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::pair<int, int>>{{1, 2}, {2, 1}});
    CHECK_FALSE(tree.erase("a/+", 3));
    CHECK_FALSE(tree.erase("a/b", 1));
    CHECK_FALSE(tree.erase("x/y/z", 1));
    CHECK(tree.erase("a/+", 1));
    CHECK_FALSE(tree.pruned());
    CHECK(tree.erase("a/+", 2));
    CHECK(tree.pruned());
}

namespace {

message_ptr retained(std::string topic, std::string payload, std::uint8_t qos = 0) {
    auto m = std::make_shared<snbridge::common::mqtt_message>();
    m->topic = std::move(topic);
    m->payload.assign(payload.begin(), payload.end());
    m->qos = qos;
    m->retain = true;
    return m;
}

std::vector<std::string> retained_topics(const retained_store& store, std::string_view filter) {
    std::vector<std::string> out;
    store.match(filter, [&](const message_ptr& m) { out.push_back(m->topic); });
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("local retained_store: the match table, filter walk against stored topics") {
    for (const auto& r : match_table) {
        CAPTURE(r.filter);
        CAPTURE(r.topic);
        retained_store store(10);
        REQUIRE(store.set(r.topic, retained(std::string(r.topic), "x")) ==
                retained_store::set_result::stored);
        const auto got = retained_topics(store, r.filter);
        CHECK(got.size() == (r.matches ? 1U : 0U));
    }
}

TEST_CASE("local retained_store: set, replace, clear, bound") {
    retained_store store(2);
    using sr = retained_store::set_result;
    CHECK(store.set("a/b", retained("a/b", "1")) == sr::stored);
    CHECK(store.set("a/b", retained("a/b", "2")) == sr::replaced);
    CHECK(store.size() == 1);
    std::string payload;
    store.match(
        "a/b", [&](const message_ptr& m) { payload.assign(m->payload.begin(), m->payload.end()); });
    CHECK(payload == "2");
    CHECK(store.set("a", retained("a", "p")) == sr::stored); // inner node of a/b
    CHECK(store.set("c", retained("c", "3")) == sr::full);
    CHECK(store.set("a/b/c", retained("a/b/c", "3")) == sr::full);
    CHECK(store.size() == 2);
    CHECK(retained_topics(store, "#") == std::vector<std::string>{"a", "a/b"});
    CHECK(retained_topics(store, "a/#") == std::vector<std::string>{"a", "a/b"});
    CHECK(retained_topics(store, "+") == std::vector<std::string>{"a"});
    // An empty payload clears; clearing twice is a no-op.
    CHECK(store.set("a/b", retained("a/b", "")) == sr::cleared);
    CHECK(store.set("a/b", retained("a/b", "")) == sr::absent);
    CHECK(store.set("x/y", nullptr) == sr::absent);
    CHECK(store.size() == 1);
    CHECK(retained_topics(store, "#") == std::vector<std::string>{"a"});
    CHECK(store.set("c", retained("c", "3")) == sr::stored); // room again
    CHECK(store.set("a", retained("a", "")) == sr::cleared);
    CHECK(store.set("c", retained("c", "")) == sr::cleared);
    CHECK(store.size() == 0);
    CHECK(retained_topics(store, "#").empty());
}

TEST_CASE("local retained_store: $ topics hidden from first-level wildcards") {
    retained_store store(10);
    store.set("$SYS/uptime", retained("$SYS/uptime", "1"));
    store.set("home/t", retained("home/t", "2"));
    CHECK(retained_topics(store, "#") == std::vector<std::string>{"home/t"});
    CHECK(retained_topics(store, "+/uptime").empty());
    CHECK(retained_topics(store, "$SYS/#") == std::vector<std::string>{"$SYS/uptime"});
    CHECK(retained_topics(store, "$SYS/+") == std::vector<std::string>{"$SYS/uptime"});
}
