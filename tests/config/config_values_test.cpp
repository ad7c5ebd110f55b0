// Good YAML -> the resulting values; the defaults; the example file; the documentation covers
// every key; "ip:port" parsing.

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "config/address.hpp"
#include "config/config.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace cfg = snbridge::config;
using snbridge::common::net_address;

namespace {

net_address v6(std::initializer_list<std::uint8_t> bytes, std::uint16_t port) {
    net_address a;
    a.fam = net_address::family::v6;
    std::copy(bytes.begin(), bytes.end(), a.ip.begin());
    a.port = port;
    return a;
}

struct good_case {
    std::string yaml;
    /// Turns the defaults into what the YAML must give.
    std::function<void(cfg::config&)> expect;
};

const good_case good_table[] = {
    {"",
     [](cfg::config&) {
     }},
    {"# only a comment\n",
     [](cfg::config&) {
     }},
    {"gateway:\n",
     [](cfg::config&) {
     }},
    {"gateway: {}\nmqttsn: {}\nupstream: {}\nbroker: {}\ntopics: {}\nclients: {}\nlog: {}\n",
     [](cfg::config&) {
     }},
    {"gateway:\n  id: 255\n",
     [](cfg::config& c) {
         c.gateway.id = 255;
     }},
    {"gateway:\n  id: 1\n",
     [](cfg::config&) {
     }},
    {"gateway: {id: \"7\", name: garden-gw}\n",
     [](cfg::config& c) {
         c.gateway.id = 7;
         c.gateway.name = "garden-gw";
     }},
    {"gateway:\n  id: +5\n  name: \"x\"\n",
     [](cfg::config& c) {
         c.gateway.id = 5;
         c.gateway.name = "x";
     }},
    {"gateway:\n  name: " + std::string(64, 'n') + "\n",
     [](cfg::config& c) {
         c.gateway.name = std::string(64, 'n');
     }},
    {"mqttsn:\n  listen: [\"127.0.0.1:0\"]\n",
     [](cfg::config& c) {
         c.mqttsn.listen = {net_address::v4(127, 0, 0, 1, 0)};
     }},
    {"mqttsn:\n  listen:\n    - \"[::1]:10000\"\n    - 192.168.1.2:1884\n",
     [](cfg::config& c) {
         c.mqttsn.listen = {v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 10000),
                            net_address::v4(192, 168, 1, 2, 1884)};
     }},
    {"mqttsn:\n  listen: [\"[fe80::1:2]:65535\"]\n",
     [](cfg::config& c) {
         c.mqttsn.listen = {v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2}, 65535)};
     }},
    {"mode: broker\n",
     [](cfg::config&) {
     }},
    {"mode: transparent\n",
     [](cfg::config& c) {
         c.mode = cfg::gateway_mode::transparent;
     }},
    {"mode: \"aggregating\"\n",
     [](cfg::config& c) {
         c.mode = cfg::gateway_mode::aggregating;
     }},
    {"log: {verbose: true}\n",
     [](cfg::config& c) {
         c.log.verbose = true;
     }},
    {"log:\n  verbose: yes\n",
     [](cfg::config& c) {
         c.log.verbose = true;
     }},
    {"log:\n  verbose: Off\n",
     [](cfg::config&) {
     }},
    {"log:\n  verbose: FALSE\n",
     [](cfg::config&) {
     }},
};

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace

TEST_CASE("defaults") {
    const auto d = cfg::defaults();
    CHECK(d.gateway.id == 1);
    CHECK(d.gateway.name == "snbridge");
    REQUIRE(d.mqttsn.listen.size() == 2);
    CHECK(d.mqttsn.listen[0].to_string() == "0.0.0.0:1883");
    CHECK(d.mqttsn.listen[1].to_string() == "[::]:1883");
    CHECK(d.mode == cfg::gateway_mode::broker);
    CHECK(cfg::to_string(d.mode) == "broker");
    CHECK_FALSE(d.log.verbose);
    CHECK(d == cfg::config{});
}

TEST_CASE("good YAML gives the expected values") {
    for (const auto& c : good_table) {
        CAPTURE(c.yaml);
        auto expected = cfg::defaults();
        c.expect(expected);
        const auto loaded = cfg::load_string(c.yaml, "snbridge.yaml");
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
        CHECK(*loaded == expected);
    }
}

TEST_CASE("load_file reads a file and names it in errors") {
    const snbridge::test::temp_dir dir;
    const auto good = dir.write("good.yaml", "gateway:\n  id: 9\n");
    const auto loaded = cfg::load_file(good.string());
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
    CHECK(loaded->gateway.id == 9);

    const auto bad = dir.write("bad.yaml", "log:\n  verbose: 2\n");
    const auto failed = cfg::load_file(bad.string());
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message ==
          bad.string() + R"(:2:12: log.verbose: must be true or false, got "2")");
}

TEST_CASE("the example config/snbridge.yaml loads, sets every key, and is the defaults") {
    const std::string path = SNB_SOURCE_DIR "/config/snbridge.yaml";
    const auto loaded = cfg::load_file(path);
    REQUIRE_MESSAGE(loaded.has_value(), loaded.error().message);
    CHECK(*loaded == cfg::defaults());
    const auto unset = cfg::unset_keys(read_text(path), path);
    REQUIRE(unset.has_value());
    for (const auto& key : *unset) {
        FAIL_CHECK("config/snbridge.yaml does not set ", key);
    }
}

TEST_CASE("docs/configuration.md documents every key") {
    const auto docs = read_text(SNB_SOURCE_DIR "/docs/configuration.md");
    const auto keys = cfg::key_paths();
    CHECK(std::find(keys.begin(), keys.end(), "gateway.id") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "mqttsn.listen") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "log.verbose") != keys.end());
    for (const auto& key : keys) {
        CAPTURE(key);
        if (key.find('.') == std::string::npos) {
            // A top-level key: its own section.
            CHECK(docs.find("\n## " + key + "\n") != std::string::npos);
        } else {
            // A key inside a section: its full path in backticks (a table row, or the heading
            // of a nested map).
            CHECK(docs.find("`" + key + "`") != std::string::npos);
        }
    }
}

TEST_CASE("parse_address") {
    CHECK(cfg::parse_address("0.0.0.0:1883").value() == net_address::v4(0, 0, 0, 0, 1883));
    CHECK(cfg::parse_address("127.0.0.1:0").value() == net_address::v4(127, 0, 0, 1, 0));
    CHECK(cfg::parse_address("[::]:1883").value().to_string() == "[::]:1883");
    CHECK(cfg::parse_address("[2001:db8::7]:8883").value().to_string() == "[2001:db8::7]:8883");
    const char* const bad[] = {
        "",           ":1883",           "1.2.3.4",    "1.2.3.4:",   "1.2.3:1",   "1.2.3.4:65536",
        "1.2.3.4:-1", "1.2.3.4:+1",      "[::1]",      "[::1]1883",  "[::1:1883", "::1:1883",
        "[]:1",       "host.local:1883", "1.2.3.4:1x", "[1.2.3.4]:1"};
    for (const auto* text : bad) {
        CAPTURE(text);
        CHECK_FALSE(cfg::parse_address(text).has_value());
    }
}

TEST_CASE("upstream.tls files: ~ or absent is none, a PEM certificate is kept as given") {
    // A real certificate, made here (the loader parses it with OpenSSL).
    snbridge::test::temp_dir dir;
    const auto readable = dir.file("ca.crt").string();
    snbridge::test::process openssl("/usr/bin/openssl",
                                    {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                     dir.file("ca.key").string(), "-out", readable, "-days", "1",
                                     "-subj", "/CN=snbridge-test"});
    REQUIRE(openssl.wait_exit(std::chrono::seconds(30)) == 0);
    const auto set = cfg::load_string("mode: aggregating\nupstream:\n  tls:\n    ca_file: \"" +
                                          readable + "\"\n    cert_file: ~\n    key_file: \"" +
                                          dir.file("ca.key").string() + "\"\n",
                                      "t.yaml");
    REQUIRE_MESSAGE(set.has_value(), set.error().message);
    CHECK(set->upstream.tls.ca_file == readable);
    CHECK(set->upstream.tls.cert_file.empty());
    const auto absent = cfg::load_string("mode: aggregating\nupstream:\n  tls: {}\n", "t.yaml");
    REQUIRE(absent.has_value());
    CHECK(absent->upstream.tls == cfg::defaults().upstream.tls);
}

TEST_CASE("upstream.topics: absent or ~ is the default, [] bridges nothing, rules as given") {
    const auto absent = cfg::load_string("mode: aggregating\n"
                                         "upstream: {}\n",
                                         "t.yaml");
    REQUIRE(absent.has_value());
    CHECK_FALSE(absent->upstream.topics.has_value());
    const auto null = cfg::load_string("mode: aggregating\n"
                                       "upstream:\n  topics: ~\n",
                                       "t.yaml");
    REQUIRE(null.has_value());
    CHECK_FALSE(null->upstream.topics.has_value());
    const auto none = cfg::load_string("mode: aggregating\n"
                                       "upstream:\n  topics: []\n",
                                       "t.yaml");
    REQUIRE(none.has_value());
    REQUIRE(none->upstream.topics.has_value());
    CHECK(none->upstream.topics->empty());
    const auto rules = cfg::load_string(
        "mode: aggregating\nupstream:\n  topics:\n"
        "    - { pattern: \"sensors/#\" }\n"
        "    - { pattern: \"+/cmd\", direction: both, qos: 2, local_prefix: \"l/\", "
        "remote_prefix: \"r/\" }\n",
        "t.yaml");
    REQUIRE_MESSAGE(rules.has_value(), rules.error().message);
    REQUIRE(rules->upstream.topics.has_value());
    const std::vector<cfg::upstream_topic> expected{
        {.pattern = "sensors/#"}, // Mosquitto's defaults: out, QoS 0, no prefixes
        {.pattern = "+/cmd",
         .direction = cfg::bridge_direction::both,
         .qos = 2,
         .local_prefix = "l/",
         .remote_prefix = "r/"},
    };
    CHECK(*rules->upstream.topics == expected);
}
