// The log keys (issue 13 point 3): `log.level` and `log.destinations` (stderr, syslog,
// file:PATH), good values and each bad one with its position.

#include <string>

#include <doctest/doctest.h>

#include "config/config.hpp"

namespace cfg = snbridge::config;
using snbridge::common::log::level;

TEST_CASE("config log.level and log.destinations: defaults, and good YAML gives the values") {
    const auto d = cfg::load_string("", "t.yaml");
    REQUIRE(d.has_value());
    CHECK(d->log.level == level::info);
    CHECK(d->log.to_stderr);
    CHECK_FALSE(d->log.to_syslog);
    CHECK(d->log.file.empty());

    const auto all = cfg::load_string(
        "log:\n  level: warning\n  destinations: [syslog, \"file:/var/log/snbridge.log\"]\n",
        "t.yaml");
    REQUIRE_MESSAGE(all.has_value(), all.error().message);
    CHECK(all->log.level == level::warning);
    CHECK_FALSE(all->log.to_stderr);
    CHECK(all->log.to_syslog);
    CHECK(all->log.file == "/var/log/snbridge.log");

    const auto debug = cfg::load_string("log: { level: debug, destinations: [stderr] }\n", "t");
    REQUIRE(debug.has_value());
    CHECK(debug->log.level == level::debug);
    CHECK(debug->log.to_stderr);
}

TEST_CASE("config log.level and log.destinations: each bad value gives one positioned error") {
    struct bad {
        const char* yaml;
        const char* message;
    };
    const bad table[] = {
        {"log:\n  level: loud\n", "t.yaml:2:10: log.level: must be one of debug, info, notice, "
                                  "warning, error, got \"loud\""},
        {"log:\n  destinations: [stderr, stderr]\n",
         "t.yaml:2:17: log.destinations: each must be stderr, syslog or file:PATH, at most "
         "once, got \"stderr\""},
        {"log:\n  destinations: [journal]\n",
         "t.yaml:2:17: log.destinations: each must be stderr, syslog or file:PATH, at most "
         "once, got \"journal\""},
        {"log:\n  destinations: [\"file:\"]\n",
         "t.yaml:2:17: log.destinations: each must be stderr, syslog or file:PATH, at most "
         "once, got \"file:\""},
        {"log:\n  destinations: []\n", nullptr},
    };
    for (const auto& c : table) {
        CAPTURE(c.yaml);
        const auto r = cfg::load_string(c.yaml, "t.yaml");
        REQUIRE_FALSE(r.has_value());
        if (c.message != nullptr) {
            CHECK(r.error().message == c.message);
        } else {
            CHECK(r.error().message.find("log.destinations") != std::string::npos);
        }
    }
}
