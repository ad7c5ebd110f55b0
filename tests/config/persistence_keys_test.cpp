// persistence.* keys (issue 11): off when absent, good YAML -> values, bad YAML -> one
// positioned error each, and the store options built from them.

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "config/config.hpp"

namespace cfg = snbridge::config;
namespace persist = snbridge::common::persist;

namespace {

struct good_case {
    const char* yaml;
    std::optional<cfg::persistence_section> expected;
};

cfg::persistence_section at(std::string path, std::uint64_t max_size = 0,
                            persist::sync_mode sync = persist::sync_mode::full,
                            persist::bad_file_policy policy = persist::bad_file_policy::fail) {
    return {.path = std::move(path), .sync = sync, .on_bad_file = policy, .max_size = max_size};
}

constexpr std::uint64_t mib = 1024 * 1024;

const good_case good_table[] = {
    {"", std::nullopt},
    {"persistence:\n", std::nullopt},
    {"persistence: {}\n", std::nullopt},
    {"persistence:\n  path: ~\n", std::nullopt},
    {"persistence:\n  path: ~\n  sync: normal\n  max_size: 1GB\n", std::nullopt},
    {"persistence:\n  path: /tmp/snbridge.db\n", at("/tmp/snbridge.db")},
    {"persistence: {path: state.db}\n", at("state.db")},
    {"persistence:\n  path: s.db\n  sync: full\n", at("s.db")},
    {"persistence:\n  path: s.db\n  sync: normal\n", at("s.db", 0, persist::sync_mode::normal)},
    {"persistence:\n  path: s.db\n  on_bad_file: move_aside\n",
     at("s.db", 0, persist::sync_mode::full, persist::bad_file_policy::move_aside)},
    {"persistence:\n  path: s.db\n  on_bad_file: fail\n", at("s.db")},
    {"persistence:\n  path: s.db\n  max_size: 0\n", at("s.db")},
    {"persistence:\n  path: s.db\n  max_size: 67108864\n", at("s.db", 64 * mib)},
    {"persistence:\n  path: s.db\n  max_size: \"67108864\"\n", at("s.db", 64 * mib)},
    {"persistence:\n  path: s.db\n  max_size: 64MB\n", at("s.db", 64 * mib)},
    {"persistence:\n  path: s.db\n  max_size: 64mb\n", at("s.db", 64 * mib)},
    {"persistence:\n  path: s.db\n  max_size: 64 MiB\n", at("s.db", 64 * mib)},
    {"persistence:\n  path: s.db\n  max_size: 1048576B\n", at("s.db", mib)},
    {"persistence:\n  path: s.db\n  max_size: 1024KB\n", at("s.db", mib)},
    {"persistence:\n  path: s.db\n  max_size: 1GB\n", at("s.db", 1024 * mib)},
    {"persistence:\n  path: s.db\n  max_size: 2TiB\n", at("s.db", 2 * 1024 * 1024 * mib)},
};

struct bad_case {
    const char* yaml;
    const char* message;
};

const bad_case bad_table[] = {
    {"persistence:\n  path: \"\"\n",
     R"(t.yaml:2:9: persistence.path: must be the path of the state file, got "" (set it to ~ or leave persistence out to turn persistence off))"},
    {"persistence:\n  path: [a]\n",
     "t.yaml:2:9: persistence.path: must be a string of at most 4096 bytes, got a list"},
    {"persistence:\n  sync: normal\n",
     "t.yaml:2:3: persistence.path: is required: the state file, e.g. "
     "/var/lib/snbridge/snbridge.db"},
    {"persistence:\n  path: s.db\n  sync: fast\n",
     R"(t.yaml:3:9: persistence.sync: must be one of full, normal, got "fast")"},
    {"persistence:\n  path: s.db\n  sync: FULL\n",
     R"(t.yaml:3:9: persistence.sync: must be one of full, normal, got "FULL")"},
    {"persistence:\n  path: s.db\n  on_bad_file: delete\n",
     R"(t.yaml:3:16: persistence.on_bad_file: must be one of fail, move_aside, got "delete")"},
    {"persistence:\n  path: s.db\n  max_size: 64XB\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got "64XB")"},
    {"persistence:\n  path: s.db\n  max_size: -1\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got "-1")"},
    {"persistence:\n  path: s.db\n  max_size: MB\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got "MB")"},
    {"persistence:\n  path: s.db\n  max_size: 1.5GB\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got "1.5GB")"},
    {"persistence:\n  path: s.db\n  max_size: 99999999999999999999\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got "99999999999999999999")"},
    {"persistence:\n  path: s.db\n  max_size: 17179869184TB\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got "17179869184TB")"},
    {"persistence:\n  path: s.db\n  max_size: [1]\n",
     R"(t.yaml:3:13: persistence.max_size: must be a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit), got a list)"},
    {"persistence:\n  path: s.db\n  max_size: 4096\n",
     R"(t.yaml:3:13: persistence.max_size: must be 0 (no limit) or at least 1MB, got "4096")"},
    {"persistence:\n  path: s.db\n  max_sise: 1GB\n",
     "t.yaml:3:3: unknown key 'max_sise' in persistence (did you mean 'max_size'?)"},
    {"persistence: /var/lib/snbridge/snbridge.db\n",
     R"(t.yaml:1:14: persistence: must be a map, got "/var/lib/snbridge/snbridge.db")"},
};

} // namespace

TEST_CASE("config persistence: off by default") {
    CHECK_FALSE(cfg::defaults().persistence.has_value());
}

TEST_CASE("config persistence: good YAML gives the expected section") {
    for (const auto& c : good_table) {
        CAPTURE(c.yaml);
        const auto loaded = cfg::load_string(c.yaml, "t.yaml");
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
        CHECK(loaded->persistence == c.expected);
    }
}

TEST_CASE("config persistence: each bad value gives one positioned error") {
    for (const auto& c : bad_table) {
        CAPTURE(c.yaml);
        const auto loaded = cfg::load_string(c.yaml, "t.yaml");
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error().message == c.message);
    }
}

TEST_CASE("config persistence: store_options carries every key") {
    const auto loaded = cfg::load_string("persistence:\n  path: /tmp/s.db\n  sync: normal\n"
                                         "  on_bad_file: move_aside\n  max_size: 2MB\n",
                                         "t.yaml");
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
    const auto o = loaded->persistence->store_options();
    CHECK(o.path == "/tmp/s.db");
    CHECK(o.sync == persist::sync_mode::normal);
    CHECK(o.on_bad_file == persist::bad_file_policy::move_aside);
    CHECK(o.max_size_bytes == 2 * mib);
}

TEST_CASE("persistence keys: in the remote modes Paho's buffer goes beside the state file unless "
          "upstream.buffer.persistence_dir names another") {
    const auto beside = snbridge::config::load_string(
        "mode: transparent\npersistence:\n  path: /tmp/state.db\n", "t.yaml");
    REQUIRE(beside.has_value());
    CHECK(beside->upstream.buffer.persistence_dir == "/tmp/paho");
    const auto named = snbridge::config::load_string(
        "mode: aggregating\nupstream:\n  buffer:\n    persistence_dir: /srv/paho\n"
        "persistence:\n  path: /tmp/state.db\n",
        "a.yaml");
    REQUIRE(named.has_value());
    CHECK(named->upstream.buffer.persistence_dir == "/srv/paho");
    const auto broker =
        snbridge::config::load_string("persistence:\n  path: /tmp/state.db\n", "b.yaml");
    REQUIRE(broker.has_value());
    CHECK(broker->upstream.buffer.persistence_dir.empty()); // no Paho in broker mode
}
