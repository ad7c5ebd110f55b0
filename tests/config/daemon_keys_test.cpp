// The daemon keys (issue 13 point 3): `user` (an existing user, looked up at load time, so
// that --check-config catches a typo with its position) and `gateway.pid_file`.

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "config/config.hpp"

namespace cfg = snbridge::config;

namespace {

struct good_case {
    const char* yaml;
    const char* user;
    const char* pid_file;
};

// `nobody` and `root` exist on every Debian system (base-passwd).
const good_case good_table[] = {
    {"", "", ""},
    {"user: ~\n", "", ""},
    {"user: nobody\n", "nobody", ""},
    {"user: \"root\"\n", "root", ""},
    {"gateway:\n  pid_file: ~\n", "", ""},
    {"gateway:\n  pid_file: /run/snbridge.pid\n", "", "/run/snbridge.pid"},
    {"gateway: { pid_file: s.pid }\nuser: nobody\n", "nobody", "s.pid"},
};

struct bad_case {
    const char* yaml;
    const char* message;
};

const bad_case bad_table[] = {
    {"user: snbridge-no-such-user\n",
     R"(t.yaml:1:7: user: no such user on this system (getpwnam "snbridge-no-such-user"); create it (adduser --system snbridge-no-such-user) or change the key)"},
    {"user: \"\"\n", R"(t.yaml:1:7: user: must be a string of 1 to 32 bytes, got "")"},
    {"user: [nobody]\n", "t.yaml:1:7: user: must be a string of 1 to 32 bytes, got a list"},
    {"user: {name: nobody}\n", "t.yaml:1:7: user: must be a string of 1 to 32 bytes, got a map"},
    {"usr: nobody\n", "t.yaml:1:1: unknown key 'usr' in the top level (did you mean 'user'?)"},
    {"gateway:\n  pid_file: \"\"\n",
     R"(t.yaml:2:13: gateway.pid_file: must be a string of 1 to 4096 bytes, got "")"},
    {"gateway:\n  pid_file: [a]\n",
     "t.yaml:2:13: gateway.pid_file: must be a string of 1 to 4096 bytes, got a list"},
    {"gateway:\n  pidfile: /run/x.pid\n",
     "t.yaml:2:3: unknown key 'pidfile' in gateway (did you mean 'pid_file'?)"},
};

} // namespace

TEST_CASE("config user and gateway.pid_file: none by default") {
    CHECK(cfg::defaults().user.empty());
    CHECK(cfg::defaults().gateway.pid_file.empty());
}

TEST_CASE("config user and gateway.pid_file: good YAML gives the expected values") {
    for (const auto& c : good_table) {
        CAPTURE(c.yaml);
        const auto loaded = cfg::load_string(c.yaml, "t.yaml");
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
        CHECK(loaded->user == c.user);
        CHECK(loaded->gateway.pid_file == c.pid_file);
    }
}

TEST_CASE("config user and gateway.pid_file: each bad value gives one positioned error") {
    for (const auto& c : bad_table) {
        CAPTURE(c.yaml);
        const auto loaded = cfg::load_string(c.yaml, "t.yaml");
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error().message == c.message);
    }
}

TEST_CASE("the packaged /etc/snbridge/snbridge.yaml (packaging/snbridge.yaml) is what it says") {
    std::ifstream in(SNB_SOURCE_DIR "/packaging/snbridge.yaml");
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    auto yaml = text.str();
    // The snbridge user exists only where the package made it; nobody stands in for it.
    const auto at = yaml.find("\nuser: snbridge\n");
    REQUIRE(at != std::string::npos);
    yaml.replace(at, 16, "\nuser: nobody\n");
    // Nor /var/lib/snbridge: the state file's directory must exist (the package makes it).
    const auto state = yaml.find("/var/lib/snbridge/snbridge.db");
    REQUIRE(state != std::string::npos);
    yaml.replace(state, 29, "/tmp/snbridge.db");
    const auto loaded = cfg::load_string(yaml, "snbridge.yaml");
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
    CHECK(loaded->user == "nobody");
    CHECK(loaded->mode == cfg::gateway_mode::broker);
    CHECK(loaded->mqttsn.listen == cfg::mqttsn_section::default_listen());
    REQUIRE(loaded->persistence.has_value());
    CHECK(loaded->persistence->path == "/tmp/snbridge.db");
    CHECK(loaded->broker.mqtt_listen.empty());
    // issue 14: monitoring on loopback only.
    CHECK(loaded->http.listen == std::vector<snbridge::common::net_address>{
                                     snbridge::common::net_address::v4(127, 0, 0, 1, 9883)});
}
