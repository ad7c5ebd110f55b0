// MQTT topic rules (MQTT 3.1.1 §4.7) as tables: filter/name matching, valid and invalid topic
// names and filters, UTF-8 rules; plus a randomized comparison with a straightforward
// split-into-levels reference matcher.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "common/topic.hpp"

namespace topic = snbridge::common::topic;
using namespace std::string_view_literals;

namespace {

/// The default bound (broker.max_topic_levels: 64).
constexpr topic::limits defaults{};
/// No bound at all: 65535 bytes hold at most 65536 levels. The syntax tables use it, so they
/// test MQTT 3.1.1 §4.7 alone.
constexpr topic::limits unbounded{.max_levels = topic::max_length + 1};

struct match_case {
    std::string_view filter;
    std::string_view name;
    bool expected;
};

// (§) marks the spec's own examples, MQTT 3.1.1 §4.7.1.2, §4.7.1.3, §4.7.2, §4.7.3.
constexpr match_case match_table[] = {
    // '#' (§4.7.1.2)
    {"sport/tennis/player1/#", "sport/tennis/player1", true},                 // (§)
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},         // (§)
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true}, // (§)
    {"sport/tennis/player1/#", "sport/tennis", false},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/#", "sport", true}, // (§) '#' matches the parent level
    {"sport/#", "sports", false},
    {"sport/#", "sport/", true},
    {"#", "sport", true},
    {"#", "sport/tennis/player1/score", true},
    {"#", "/", true},
    {"#", "/finance", true},
    {"/#", "/", true},
    {"/#", "/finance/x", true},
    {"/#", "finance", false},
    // '+' (§4.7.1.3)
    {"sport/tennis/+", "sport/tennis/player1", true},          // (§)
    {"sport/tennis/+", "sport/tennis/player2", true},          // (§)
    {"sport/tennis/+", "sport/tennis/player1/ranking", false}, // (§)
    {"sport/+", "sport", false},                               // (§)
    {"sport/+", "sport/", true},                               // (§) empty level
    {"+/+", "/finance", true},                                 // (§)
    {"/+", "/finance", true},                                  // (§)
    {"+", "/finance", false},                                  // (§)
    {"+/tennis/#", "sport/tennis/player1", true},              // (§) valid filter, used
    {"+/tennis/#", "sport/tennis", true},
    {"sport/+/player1", "sport/tennis/player1", true}, // (§) valid filter, used
    {"sport/+/player1", "sport/tennis/player2", false},
    {"sport/+/player1", "sport//player1", true},
    {"+", "sport", true},
    {"+", "/", false},
    {"+/+", "/", true},
    {"+/+/+", "a/b", false},
    {"+/+/+", "a/b/c", true},
    {"a/+/#", "a/b", true},
    {"a/+/#", "a", false},
    {"a/+/#", "a/b/c/d", true},
    // '$' topics (§4.7.2)
    {"#", "$SYS/monitor/Clients", false},                 // (§)
    {"+/monitor/Clients", "$SYS/monitor/Clients", false}, // (§)
    {"$SYS/#", "$SYS/monitor/Clients", true},             // (§)
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},     // (§)
    {"$SYS/#", "$SYS", true},
    {"$SYS/+", "$SYS", false},
    {"+", "$SYS", false},
    {"#", "$SYS", false},
    {"+/#", "$SYS/x", false},
    {"+/+", "a/$SYS", true}, // only the first level counts
    {"a/#", "a/$b", true},
    {"$SYS/monitor/Clients", "$SYS/monitor/Clients", true},
    // literal levels (§4.7.3)
    {"ACCOUNTS", "Accounts", false},                // (§) case sensitive
    {"Accounts payable", "Accounts payable", true}, // (§) spaces allowed
    {"/finance", "finance", false},                 // (§) leading '/' makes a distinct name
    {"/", "/", true},
    {"sport/tennis", "sport/tennis", true},
    {"sport/tennis", "sport/tennis/", false},
    {"sport/tennis/", "sport/tennis", false},
    {"sport//tennis", "sport//tennis", true},
    {"sport//tennis", "sport/tennis", false},
    {"a/b/c", "a/b", false},
    {"a/b", "a/b/c", false},
    {"h\xC3\xA4user/+", "h\xC3\xA4user/1", true},
    {"h/+", "h\xC3\xA4/1", false},
};

} // namespace

TEST_CASE("topic: filter matching table (MQTT 3.1.1 §4.7)") {
    static_assert(std::size(match_table) >= 40);
    for (const auto& c : match_table) {
        CAPTURE(c.filter);
        CAPTURE(c.name);
        // Every row uses a valid filter and a valid name, so it tests matching alone.
        REQUIRE(topic::valid_filter(c.filter, defaults));
        REQUIRE(topic::valid_name(c.name, defaults));
        CHECK(topic::matches(c.filter, c.name) == c.expected);
    }
}

TEST_CASE("topic: valid and invalid topic names (MQTT 3.1.1 §4.7.1, §4.7.3, §1.5.3)") {
    const std::string longest(topic::max_length, 'a');
    const std::string too_long(topic::max_length + 1, 'a');
    const std::string_view valid[] = {
        "a",
        "/",
        "//",
        "sport/tennis",
        "sport/tennis/",
        "/finance",
        "$SYS/monitor/Clients",
        " ",
        "Accounts payable",
        "h\xC3\xA4user",            // 2-byte UTF-8
        "\xE6\x97\xA5\xE6\x9C\xAC", // 3-byte UTF-8
        "\xF0\x9F\x98\x80",         // 4-byte UTF-8 (U+1F600)
        "\xF4\x8F\xBF\xBF",         // U+10FFFF, the last code point
        "\xEF\xBF\xBF",             // U+FFFF: a non-character is a SHOULD NOT, accepted
        "a\x01z",                   // control characters are a SHOULD NOT, accepted
        "\xED\x9F\xBF",             // U+D7FF, just below the surrogates
        "\xEE\x80\x80",             // U+E000, just above the surrogates
        longest,
    };
    for (const auto name : valid) {
        CAPTURE(name);
        CHECK(topic::valid_name(name, unbounded));
    }
    const std::string_view invalid[] = {
        "",
        "sport/+",
        "+",
        "#",
        "sport/#",
        "a+b",
        "a#",
        "a\0b"sv,           // U+0000
        "\0"sv,             // U+0000
        "\xC0\xAF",         // overlong '/'
        "\xE0\x80\xAF",     // overlong, 3 bytes
        "\xF0\x80\x80\xAF", // overlong, 4 bytes
        "\xED\xA0\x80",     // U+D800, a surrogate
        "\xED\xBF\xBF",     // U+DFFF, a surrogate
        "\xF4\x90\x80\x80", // above U+10FFFF
        "\x80",             // lone continuation byte
        "a\xC3",            // truncated 2-byte sequence
        "\xE2\x82",         // truncated 3-byte sequence
        "\xF0\x9F\x98",     // truncated 4-byte sequence
        "\xC3\x28",         // bad continuation byte
        "\xFF",
        "\xF5\x80\x80\x80",
        too_long,
    };
    for (const auto name : invalid) {
        CAPTURE(name);
        CHECK_FALSE(topic::valid_name(name, unbounded));
    }
}

TEST_CASE("topic: valid and invalid topic filters (MQTT 3.1.1 §4.7.1)") {
    const std::string longest(topic::max_length, '+');
    std::string longest_levels; // "+/+/.../+" of 65535 bytes
    while (longest_levels.size() + 2 <= topic::max_length) {
        longest_levels += "+/";
    }
    longest_levels += "#";
    REQUIRE(longest_levels.size() == topic::max_length);
    const std::string too_long(topic::max_length + 1, 'a');
    const std::string_view valid[] = {
        "#",
        "+",
        "+/+",
        "/+",
        "+/",
        "sport/tennis/player1/#", // (§)
        "sport/#",                // (§)
        "sport/tennis/+",         // (§)
        "+/tennis/#",             // (§)
        "sport/+/player1",        // (§)
        "/",
        "$SYS/#",
        "a//b",
        "//#",
        "+/+/#",
        "sport",
        "h\xC3\xA4user/+",
        longest_levels,
    };
    for (const auto filter : valid) {
        CAPTURE(filter);
        CHECK(topic::valid_filter(filter, unbounded));
    }
    const std::string_view invalid[] = {
        "",
        "sport/tennis#",          // (§)
        "sport/tennis/#/ranking", // (§)
        "sport+",                 // (§)
        "+sport",
        "sport/+tennis",
        "sport/tennis+/x",
        "#/",
        "#/a",
        "##",
        "++",
        "+#",
        "a/+#",
        "a/#/b",
        "#a",
        "a\0b"sv,
        "\xC0\xAF",
        "\xED\xA0\x80/#",
        longest, // 65535 bytes, but "++..." is not a whole level
        too_long,
    };
    for (const auto filter : invalid) {
        CAPTURE(filter);
        CHECK_FALSE(topic::valid_filter(filter, unbounded));
    }
}

namespace {

/// "a/a/.../a" with `n` levels, the last one `last` (e.g. "#" for a filter).
std::string n_levels(std::size_t n, std::string_view last = "a") {
    std::string out;
    for (std::size_t i = 1; i < n; ++i) {
        out += "a/";
    }
    out += last;
    return out;
}

} // namespace

TEST_CASE("topic: level_count counts empty levels and wildcards (MQTT 3.1.1 §4.7.1.1)") {
    struct row {
        std::string_view topic;
        std::size_t levels;
    };
    const row table[] = {
        {"a", 1},     {"#", 1},           {"+", 1},     {"a/", 2},
        {"/a", 2},    {"/", 2},           {"//", 3},    {"a//b", 3},
        {"a/b/c", 3}, {"a/+/#", 3},       {"+/+/#", 3}, {"$SYS/monitor/Clients", 3},
        {"/#", 2},    {"h\xC3\xA4/x", 2},
    };
    for (const auto& r : table) {
        CAPTURE(r.topic);
        CHECK(topic::level_count(r.topic) == r.levels);
    }
    CHECK(topic::level_count(n_levels(64)) == 64);
    CHECK(topic::level_count(std::string(topic::max_length, '/')) == topic::max_length + 1);
}

TEST_CASE("topic: the level bound (topic::limits, broker.max_topic_levels)") {
    struct row {
        std::string text;
        std::size_t max_levels;
        bool name;   // valid_name
        bool filter; // valid_filter
    };
    const row table[] = {
        // Exactly max_levels is accepted; one more is refused.
        {"a/b/c", 3, true, true},
        {"a/b/c/d", 3, false, false},
        {n_levels(64), 64, true, true},
        {n_levels(65), 64, false, false},
        {n_levels(32768), 32768, true, true}, // the largest broker.max_topic_levels
        {n_levels(32769), 32768, false, false},
        {"a", 1, true, true},
        {"a/b", 1, false, false},
        // Empty levels count: "a/" and "/" have 2 levels.
        {"a/", 2, true, true},
        {"a/", 1, false, false},
        {"/", 1, false, false},
        {"//", 2, false, false},
        // Wildcards count as levels in a filter.
        {"a/+/#", 3, false, true},
        {"a/+/#", 2, false, false},
        {"a/#", 1, false, false},
        {"#", 1, false, true},
        {"+/+", 2, false, true},
        {n_levels(64, "#"), 64, false, true},
        {n_levels(65, "#"), 64, false, false},
        {n_levels(65, "+"), 64, false, false},
        // max_levels 0 refuses everything.
        {"a", 0, false, false},
        {"#", 0, false, false},
    };
    for (const auto& r : table) {
        CAPTURE(r.text.substr(0, 40));
        CAPTURE(r.text.size());
        CAPTURE(r.max_levels);
        const topic::limits l{.max_levels = r.max_levels};
        CHECK(topic::valid_name(r.text, l) == r.name);
        CHECK(topic::valid_filter(r.text, l) == r.filter);
    }
}

TEST_CASE("topic: invalid UTF-8 is refused in names and filters at any level (§1.5.3)") {
    const std::string_view invalid[] = {
        "\xC0\x80"sv,               // overlong U+0000 (C0 80)
        "a/\xC0\x80"sv,             // ... in a later level
        "\xED\xA0\x80"sv,           // U+D800, a surrogate (ED A0 80)
        "sensors/\xED\xA0\x80/t"sv, // ... in a middle level
        "\xF4\x90\x80\x80"sv,       // U+110000, above U+10FFFF (F4 90 80 80)
        "a/\xF4\x90\x80\x80"sv,
        "\xE2\x82"sv,   // truncated 3-byte sequence (E2 82 of U+20AC)
        "\xE2\x82/a"sv, // ... cut by the separator
        "a/\xE2\x82"sv, // ... at the end
        "\0"sv,         // U+0000
        "a\0b"sv,
        "a/\0"sv,
        "a/\0/#"sv, // a NUL is refused in a filter too
    };
    for (const auto text : invalid) {
        CAPTURE(text);
        CHECK_FALSE(topic::valid_name(text, defaults));
        CHECK_FALSE(topic::valid_filter(text, defaults));
        CHECK_FALSE(topic::valid_name(text, unbounded));
        CHECK_FALSE(topic::valid_filter(text, unbounded));
    }
    // The same sequences well-formed are accepted.
    CHECK(topic::valid_name("a/\xE2\x82\xAC", defaults));   // U+20AC
    CHECK(topic::valid_name("\xF4\x8F\xBF\xBF", defaults)); // U+10FFFF
    CHECK(topic::valid_filter("\xE2\x82\xAC/#", defaults));
}

TEST_CASE("topic: a name is a filter that matches exactly itself") {
    for (const auto& c : match_table) {
        CAPTURE(c.name);
        CHECK(topic::valid_filter(c.name, defaults));
        CHECK(topic::matches(c.name, c.name));
        CHECK_FALSE(topic::has_wildcard(c.name));
    }
    CHECK(topic::has_wildcard("a/+"));
    CHECK(topic::has_wildcard("#"));
}

namespace {

std::vector<std::string> levels(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto slash = s.find('/', start);
        if (slash == std::string_view::npos) {
            out.emplace_back(s.substr(start));
            return out;
        }
        out.emplace_back(s.substr(start, slash - start));
        start = slash + 1;
    }
}

/// The obvious matcher over split levels, as a reference for the allocation-free one.
bool reference_match(std::string_view filter, std::string_view name) {
    if (!name.empty() && name[0] == '$' && (filter[0] == '+' || filter[0] == '#')) {
        return false;
    }
    const auto f = levels(filter);
    const auto n = levels(name);
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") {
            return true;
        }
        if (i >= n.size() || (f[i] != "+" && f[i] != n[i])) {
            return false;
        }
    }
    return f.size() == n.size();
}

} // namespace

TEST_CASE("topic: matches agrees with a reference matcher on random filters and names") {
    std::mt19937 rng(20261125); // fixed seed: reproducible
    const std::string_view name_levels[] = {"", "a", "b", "$S", "ab"};
    const auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    int matched = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string name;
        const std::size_t name_len = 1 + pick(4);
        std::vector<std::string_view> parts;
        for (std::size_t l = 0; l < name_len; ++l) {
            parts.push_back(name_levels[pick(std::size(name_levels))]);
            name += (l == 0 ? "" : "/");
            name += parts.back();
        }
        if (name.empty()) {
            name = "a";
            parts = {"a"};
        }
        // A filter: mostly the name's own levels (so matches happen), some '+', maybe a '#'.
        std::string filter;
        const std::size_t filter_len = 1 + pick(5);
        for (std::size_t l = 0; l < filter_len; ++l) {
            filter += (l == 0 ? "" : "/");
            const auto roll = pick(10);
            if (roll == 0 || (l + 1 == filter_len && roll == 1)) {
                filter += "#";
                break;
            }
            if (roll < 4) {
                filter += "+";
            } else if (l < parts.size() && roll < 9) {
                filter += parts[l];
            } else {
                filter += name_levels[pick(std::size(name_levels))];
            }
        }
        if (!topic::valid_filter(filter, defaults) || !topic::valid_name(name, defaults)) {
            continue;
        }
        CAPTURE(filter);
        CAPTURE(name);
        const bool expected = reference_match(filter, name);
        REQUIRE(topic::matches(filter, name) == expected);
        matched += expected ? 1 : 0;
    }
    CHECK(matched > 1000); // the generator produces plenty of matches, not just misses
}
