// The section_reader framework on its own, for the value kinds no key uses yet (durations,
// optional values, lists of maps, custom converters), so that adding such a key is safe.
// (A config/ test: it may include the config-internal header and yaml-cpp.)

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "config/section_reader.hpp"

using namespace std::chrono_literals;
using snbridge::config::diagnostics;
using snbridge::config::section_reader;
using snbridge::config::value_ref;

namespace {

/// Runs `fn` on a reader for the map in `yaml` (path "s") and returns every problem.
template <class F>
std::string run(const std::string& yaml, F&& fn) {
    diagnostics diag("t.yaml");
    const YAML::Node root = YAML::Load(yaml);
    section_reader r(diag, root, "s", true);
    fn(r);
    r.finish();
    return diag.text();
}

enum class colour : std::uint8_t { red, green };

} // namespace

TEST_CASE("section_reader: durations") {
    struct row {
        std::string text;
        std::optional<std::chrono::milliseconds> expected;
    };
    const row rows[] = {
        {"10s", 10s}, {"500ms", 500ms}, {"5m", 5min}, {"1h", 1h}, {"7", 7s},  {"0s", 0ms},
        {"1.5s", {}}, {"-1s", {}},      {"10x", {}},  {"s", {}},  {"2h", {}}, {"[1]", {}},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        std::chrono::milliseconds out = 42ms;
        const auto errors =
            run("t: " + r.text + "\n", [&](section_reader& s) { s.read("t", out, 0ms, 1h); });
        if (r.expected) {
            CHECK(errors.empty());
            CHECK(out == *r.expected);
        } else {
            CHECK(out == 42ms); // unchanged on error
            CHECK(errors.find("s.t: must be a duration between 0s and 1h (e.g. \"10s\", "
                              "\"500ms\", \"5m\"), got ") == std::string("t.yaml:1:4: ").size());
        }
    }
    std::chrono::seconds secs = 1s;
    CHECK(
        run("t: 1500ms\n", [&](section_reader& s) { s.read("t", secs, 1s, 60s); }) ==
        R"(t.yaml:1:4: s.t: must be a duration between 1s and 1m in steps of 1s (e.g. "10s", "500ms", "5m"), got "1500ms")");
    CHECK(secs == 1s);
    CHECK(run("t: 2m\n", [&](section_reader& s) { s.read("t", secs, 1s, 1h); }).empty());
    CHECK(secs == 120s);
}

TEST_CASE("section_reader: optional values stay empty when absent") {
    std::optional<std::string> user;
    std::optional<std::uint16_t> port;
    CHECK(run("user: bob\n", [&](section_reader& s) {
              s.read("user", user, 1, 16);
              s.read("port", port, 1, 65535);
          }).empty());
    CHECK(user == "bob");
    CHECK_FALSE(port.has_value());
    CHECK(run("port: 0\n", [&](section_reader& s) { s.read("port", port, 1, 65535); }) ==
          R"(t.yaml:1:7: s.port: must be an integer between 1 and 65535, got "0")");
    CHECK_FALSE(port.has_value());
}

TEST_CASE("section_reader: integer types keep their full range") {
    std::int64_t big = 0;
    std::uint64_t ubig = 0;
    CHECK(run("a: -9223372036854775808\nb: 18446744073709551615\n", [&](section_reader& s) {
              s.read("a", big);
              s.read("b", ubig);
          }).empty());
    CHECK(big == INT64_MIN);
    CHECK(ubig == UINT64_MAX);
    CHECK(
        run("b: 18446744073709551616\n", [&](section_reader& s) { s.read("b", ubig); }) ==
        R"(t.yaml:1:4: s.b: must be an integer between 0 and 18446744073709551615, got "18446744073709551616")");
}

TEST_CASE("section_reader: enums, string lists and custom list converters") {
    colour c = colour::red;
    std::vector<std::string> names{"default"};
    std::vector<int> numbers;
    CHECK(run("c: green\nnames: [a, b]\nnumbers: [1, 2, 3]\n", [&](section_reader& s) {
              s.read_enum("c", c, {{"red", colour::red}, {"green", colour::green}});
              s.read("names", names, 0, 4, 1, 8);
              s.read_list("numbers", numbers, 0, 8,
                          [](value_ref& v) { return v.as_int<int>(0, 9); });
          }).empty());
    CHECK(c == colour::green);
    CHECK(names == std::vector<std::string>{"a", "b"});
    CHECK(numbers == std::vector<int>{1, 2, 3});

    CHECK(run("numbers: [1, 20, 3, x]\n",
              [&](section_reader& s) {
                  s.read_list("numbers", numbers, 0, 8,
                              [](value_ref& v) { return v.as_int<int>(0, 9); });
              }) == "t.yaml:1:14: s.numbers[1]: must be an integer between 0 and 9, got \"20\"\n"
                    "t.yaml:1:21: s.numbers[3]: must be an integer between 0 and 9, got \"x\"");
    CHECK(numbers == std::vector<int>{1, 2, 3}); // unchanged: the list had errors
    CHECK(run("names: [a, b, c]\n", [&](section_reader& s) { s.read("names", names, 0, 2); }) ==
          "t.yaml:1:8: s.names: must have at most 2 items, got 3");
}

TEST_CASE("section_reader: lists of maps and nested maps report paths and unknown keys") {
    struct item {
        int id = 0;
        std::string name;
    };
    std::vector<item> items;
    int depth = 0;
    const auto errors = run(
        "items:\n  - {id: 1, name: a}\n  - {id: 2, nmae: b}\n  - 5\ninner:\n  depth: 3\n  x: 1\n",
        [&](section_reader& s) {
            s.each("items", 0, 10, [&](section_reader& r, std::size_t) {
                item it;
                r.read("id", it.id, 1, 100);
                r.read("name", it.name, 1, 10);
                items.push_back(it);
            });
            s.section("inner", [&](section_reader& r) { r.read("depth", depth, 0, 9); });
        });
    CHECK(errors == "t.yaml:3:13: unknown key 'nmae' in s.items[1] (did you mean 'name'?)\n"
                    "t.yaml:4:5: s.items[2]: must be a map, got \"5\"\n"
                    "t.yaml:7:3: unknown key 'x' in s.inner");
    REQUIRE(items.size() == 2);
    CHECK(items[0].id == 1);
    CHECK(items[0].name == "a");
    CHECK(items[1].id == 2);
    CHECK(depth == 3);
}

TEST_CASE("section_reader: custom errors and the keys it was asked for") {
    diagnostics diag("t.yaml");
    const YAML::Node root = YAML::Load("a: 1\n");
    section_reader r(diag, root, "s", true);
    int a = 0;
    int b = 5;
    r.read("a", a);
    r.read("b", b);
    r.error("a", "must be larger than b");
    r.error("b", "must be set when a is");
    r.finish();
    // An absent key's problem is reported at its section.
    CHECK(diag.text() ==
          "t.yaml:1:1: s.b: must be set when a is\nt.yaml:1:4: s.a: must be larger than b");
    REQUIRE(diag.keys().size() == 2);
    CHECK(diag.keys()[0].path == "s.a");
    CHECK(diag.keys()[0].present);
    CHECK(diag.keys()[1].path == "s.b");
    CHECK_FALSE(diag.keys()[1].present);
}
