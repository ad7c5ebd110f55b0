// settings_from(config) as a table: YAML in, the core_settings field out. Here the topic
// level bound, which comes from `broker.max_topic_levels` whatever the mode.

#include <cstddef>
#include <string>

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "gateway/core_settings.hpp"

namespace gw = snbridge::gateway;

TEST_CASE("core_settings: topic_limits from broker.max_topic_levels in every mode") {
    struct row {
        std::string yaml;
        std::size_t max_levels;
    };
    const row table[] = {
        {"", 64}, // the default, mode broker
        {"broker:\n  max_topic_levels: 3\n", 3},
        {"mode: transparent\n", 64},
        {"mode: transparent\nbroker:\n  max_topic_levels: 5\n", 5},
        {"mode: aggregating\n", 64},
        {"mode: aggregating\nbroker:\n  max_topic_levels: 32768\n", 32768},
        {"mode: broker\nbroker:\n  max_topic_levels: 1\n", 1},
    };
    for (const auto& r : table) {
        CAPTURE(r.yaml);
        const auto c = snbridge::config::load_string(r.yaml, "test.yaml");
        REQUIRE(c.has_value());
        CHECK(gw::settings_from(*c).topic_limits.max_levels == r.max_levels);
    }
    CHECK(gw::core_settings{}.topic_limits.max_levels == 64); // as the broker's default
}
