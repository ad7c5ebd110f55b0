// Bad YAML -> the exact error message, with file, line and column (1-based).

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace cfg = snbridge::config;

namespace {

struct bad_case {
    std::string yaml;
    std::string message;
};

const std::string long_name(65, 'n');

const bad_case bad_table[] = {
    // integers and ranges
    {"gateway:\n  id: 300\n",
     R"(snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got "300")"},
    {"gateway:\n  id: 0\n",
     R"(snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got "0")"},
    {"gateway:\n  id: -1\n",
     R"(snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got "-1")"},
    {"gateway:\n  id: abc\n",
     R"(snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got "abc")"},
    {"gateway:\n  id: 1.5\n",
     R"(snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got "1.5")"},
    {"gateway:\n  id: 0x10\n",
     R"(snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got "0x10")"},
    {"gateway:\n  id: [1]\n",
     "snbridge.yaml:2:7: gateway.id: must be an integer between 1 and 255, got a list"},
    // strings
    {"gateway:\n  name: \"\"\n",
     R"(snbridge.yaml:2:9: gateway.name: must be a string of 1 to 64 bytes, got "")"},
    {"gateway:\n  name:\n  id: 2\n",
     "snbridge.yaml:2:3: gateway.name: must be a string of 1 to 64 bytes, got nothing"},
    {"gateway:\n  name: " + long_name + "\n",
     R"(snbridge.yaml:2:9: gateway.name: must be a string of 1 to 64 bytes, got ")" + long_name +
         "\""},
    {"gateway:\n  name: {first: a}\n",
     "snbridge.yaml:2:9: gateway.name: must be a string of 1 to 64 bytes, got a map"},
    // unknown and duplicate keys
    {"gatway:\n  id: 2\n",
     "snbridge.yaml:1:1: unknown key 'gatway' in the top level (did you mean 'gateway'?)"},
    {"gateway:\n  nmae: x\n",
     "snbridge.yaml:2:3: unknown key 'nmae' in gateway (did you mean 'name'?)"},
    {"broker:\n  bogus_key_for_test: 1\n",
     "snbridge.yaml:2:3: unknown key 'bogus_key_for_test' in broker"},
    {"gateway: {id: 1}\ngateway: {id: 2}\n",
     "snbridge.yaml:2:1: duplicate key 'gateway' in the top level, first set at line 1"},
    {"gateway:\n  id: 1\n  id: 2\n",
     "snbridge.yaml:3:3: duplicate key 'id' in gateway, first set at line 2"},
    {"? [a, b]\n: 1\n", "snbridge.yaml:1:3: a key in the top level must be a name, got a list"},
    // wrong shapes
    {"gateway: [1, 2]\n", "snbridge.yaml:1:10: gateway: must be a map, got a list"},
    {"log: true\n", R"(snbridge.yaml:1:6: log: must be a map, got "true")"},
    {"upstream: 5\n", R"(snbridge.yaml:1:11: upstream: must be a map, got "5")"},
    {"mqttsn:\n  listen: \"0.0.0.0:1883\"\n",
     R"(snbridge.yaml:2:11: mqttsn.listen: must be a list, got "0.0.0.0:1883")"},
    {"mqttsn:\n  listen: {a: 1}\n", "snbridge.yaml:2:11: mqttsn.listen: must be a list, got a map"},
    {"- a\n- b\n", "snbridge.yaml:1:1: the top level must be a map of sections (gateway, mqttsn, "
                   "mode, ...), got a list"},
    {"just text\n", "snbridge.yaml:1:1: the top level must be a map of sections (gateway, "
                    "mqttsn, mode, ...), got \"just text\""},
    // addresses
    {"mqttsn:\n  listen: []\n",
     "snbridge.yaml:2:11: mqttsn.listen: must name at least one address (or give dtls_listen)"},
    {"mqttsn:\n  listen:\n",
     "snbridge.yaml:2:3: mqttsn.listen: must name at least one address (or give dtls_listen)"},
    // DTLS (docs/security.md "DTLS")
    {"mqttsn:\n  dtls_listen: [\"127.0.0.1:8883\"]\n",
     "snbridge.yaml:2:16: mqttsn.dtls_listen: needs a way for devices to authenticate: "
     "mqttsn.dtls.psk entries, or mqttsn.dtls.cert_file, key_file and ca_file"},
    {"mqttsn:\n  dtls:\n    psk:\n      - { identity: d, key: \"abc\" }\n",
     "snbridge.yaml:4:29: mqttsn.dtls.psk[0].key: must be a key of 1 to 256 bytes in hex (an "
     "even number of 0-9a-f), got \"abc\""},
    {"mqttsn:\n  dtls:\n    psk:\n      - { identity: d, key: \"0g\" }\n",
     "snbridge.yaml:4:29: mqttsn.dtls.psk[0].key: must be a key of 1 to 256 bytes in hex (an "
     "even number of 0-9a-f), got \"0g\""},
    {"mqttsn:\n  dtls:\n    psk:\n      - { key: \"00\" }\n",
     "snbridge.yaml:4:9: mqttsn.dtls.psk[0].identity: is required (the PSK identity the device "
     "sends)"},
    {"mqttsn:\n  dtls:\n    psk:\n      - { identity: d, key: \"00\" }\n      - { identity: d, "
     "key: \"01\" }\n",
     "snbridge.yaml:5:21: mqttsn.dtls.psk[1].identity: \"d\" is given twice"},
    {"mqttsn:\n  listen: [\"localhost:1883\"]\n",
     R"(snbridge.yaml:2:12: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got "localhost:1883" (not a numeric IPv4 address))"},
    {"mqttsn:\n  listen: [\"::1:1883\"]\n",
     R"(snbridge.yaml:2:12: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got "::1:1883" (an IPv6 address must be in brackets))"},
    {"mqttsn:\n  listen: [\"[::1:1883\"]\n",
     R"(snbridge.yaml:2:12: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got "[::1:1883" (missing ']' after the IPv6 address))"},
    {"mqttsn:\n  listen: [\"1.2.3.4\"]\n",
     R"(snbridge.yaml:2:12: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got "1.2.3.4" (missing ':port'))"},
    {"mqttsn:\n  listen: [\"1.2.3.4:70000\"]\n",
     R"(snbridge.yaml:2:12: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got "1.2.3.4:70000" (the port must be a number between 0 and 65535))"},
    {"mqttsn:\n  listen: [\"[1.2.3.4]:1883\"]\n",
     R"(snbridge.yaml:2:12: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got "[1.2.3.4]:1883" (not a numeric IPv6 address))"},
    {"mqttsn:\n  listen:\n    - \"0.0.0.0:1883\"\n    - \"0.0.0.0:1883\"\n",
     "snbridge.yaml:4:7: mqttsn.listen[1]: duplicate address 0.0.0.0:1883"},
    {"mqttsn:\n  listen:\n    - [a]\n",
     R"(snbridge.yaml:3:7: mqttsn.listen[0]: must be "ip:port", e.g. "0.0.0.0:1883" or "[::]:1883", got a list)"},
    // enums and booleans
    {"mode: fast\n",
     R"(snbridge.yaml:1:7: mode: must be one of broker, transparent, aggregating, got "fast")"},
    {"mode: Broker\n",
     R"(snbridge.yaml:1:7: mode: must be one of broker, transparent, aggregating, got "Broker")"},
    {"mode:\n",
     "snbridge.yaml:1:1: mode: must be one of broker, transparent, aggregating, got nothing"},
    {"log:\n  verbose: maybe\n",
     R"(snbridge.yaml:2:12: log.verbose: must be true or false, got "maybe")"},
    {"log:\n  verbose: 1\n", R"(snbridge.yaml:2:12: log.verbose: must be true or false, got "1")"},
    // upstream.tls files: "" is not "none" (that is ~ or no key), and the file must open
    {"upstream:\n  tls:\n    ca_file: \"\"\n",
     R"(snbridge.yaml:3:14: upstream.tls.ca_file: must be the path of a PEM file, got "" )"
     R"((leave ca_file out or set it to ~ for the system's CA certificates))"},
    {"upstream:\n  tls:\n    key_file: \"\"\n",
     R"(snbridge.yaml:3:15: upstream.tls.key_file: must be the path of a PEM file, got "" )"
     R"((leave key_file out or set it to ~ when there is no cert_file))"},
    {"upstream:\n  tls:\n    ca_file: /nonexistent/ca.pem\n",
     R"(snbridge.yaml:3:14: upstream.tls.ca_file: must be a readable PEM file, got )"
     R"("/nonexistent/ca.pem" (No such file or directory))"},
    {"upstream:\n  tls:\n    cert_file: /\n",
     R"(snbridge.yaml:3:16: upstream.tls.cert_file: must be a readable PEM file, got "/" )"
     R"((is a directory))"},
    {"upstream:\n  tls:\n    ca_file: [a]\n",
     "snbridge.yaml:3:14: upstream.tls.ca_file: must be a string of at most 4096 bytes, got a "
     "list"},
    // upstream.topics (aggregating bridge rules)
    {"upstream:\n  topics:\n    - { direction: in }\n",
     R"(snbridge.yaml:3:7: upstream.topics[0].pattern: is required (a topic filter, e.g. )"
     R"("sensors/#"))"},
    {"upstream:\n  topics:\n    - { pattern: \"a/#/b\" }\n",
     "snbridge.yaml:3:18: upstream.topics[0].pattern: must be a valid topic filter ('+' and '#' "
     "only as whole levels, '#' last)"},
    {"upstream:\n  topics:\n    - { pattern: a, direction: up }\n",
     R"(snbridge.yaml:3:32: upstream.topics[0].direction: must be one of in, out, both, got "up")"},
    {"upstream:\n  topics:\n    - { pattern: a, qos: 3 }\n",
     R"(snbridge.yaml:3:26: upstream.topics[0].qos: must be an integer between 0 and 2, got "3")"},
    {"upstream:\n  topics:\n    - { pattern: a, local_prefix: \"x/+/\" }\n",
     "snbridge.yaml:3:35: upstream.topics[0].local_prefix: must be a topic prefix without '+' or "
     "'#'"},
    {"upstream:\n  topics:\n    - { pattern: a, remote: x }\n",
     "snbridge.yaml:3:21: unknown key 'remote' in upstream.topics[0]"},
    {"upstream:\n  topics: sensors/#\n",
     R"(snbridge.yaml:2:11: upstream.topics: must be a list, got "sensors/#")"},
    // YAML syntax
    {"gateway:\n  id: [1\n",
     "snbridge.yaml:3:1: YAML syntax error: end of sequence flow not found"},
    {"gateway: {id: 1\n", "snbridge.yaml:2:1: YAML syntax error: end of map flow not found"},
    {"gateway:\n\tid: 1\n", "snbridge.yaml:2:4: YAML syntax error: illegal map value"},
    {std::string(3000, '['), "snbridge.yaml:1:1: YAML syntax error: nested too deeply"},
    {"gateway: {}\n---\ngateway: {}\n",
     "snbridge.yaml:2:1: only one YAML document is allowed in a config file"},
    // --check-config checks what the start would check (issue 13 point 5): a section the mode
    // does not use, a state file or log file where none can be written
    {"mode: broker\nupstream:\n  uri: \"tcp://cloud:1883\"\n",
     "snbridge.yaml:3:3: upstream: is set, but mode broker does not use it (the built-in broker "
     "is the MQTT side); set mode: transparent or aggregating, or remove it"},
    {"upstream:\n  username: u\n",
     "snbridge.yaml:2:3: upstream: is set, but mode broker does not use it (the built-in broker "
     "is the MQTT side); set mode: transparent or aggregating, or remove it"},
    {"mode: transparent\nbroker:\n  mqtt_listen: [\"127.0.0.1:1883\"]\n",
     "snbridge.yaml:3:3: broker: is set, but mode transparent has no built-in broker (every "
     "session is on the upstream broker); set mode: broker or aggregating, or remove it"},
    {"persistence:\n  path: /nonexistent/dir/state.db\n",
     R"(snbridge.yaml:2:9: persistence.path: must be a state file snbridge can create or write, )"
     R"(got "/nonexistent/dir/state.db" (its directory /nonexistent/dir does not exist))"},
    {"persistence:\n  path: /\n",
     R"(snbridge.yaml:2:9: persistence.path: must be a state file snbridge can create or write, )"
     R"(got "/" (is a directory))"},
    {"persistence:\n  path: /etc/hostname/x.db\n",
     R"(snbridge.yaml:2:9: persistence.path: must be a state file snbridge can create or write, )"
     R"(got "/etc/hostname/x.db" (/etc/hostname is not a directory))"},
    {"log:\n  destinations: [\"file:/nonexistent/snbridge.log\"]\n",
     "snbridge.yaml:2:17: log.destinations: file:/nonexistent/snbridge.log cannot be opened for "
     "appending (its directory /nonexistent does not exist)"},
    {"mode: aggregating\nupstream:\n  tls:\n    ca_file: /etc/hostname\n",
     R"(snbridge.yaml:4:14: upstream.tls.ca_file: must be a PEM file OpenSSL can read, got )"
     R"("/etc/hostname" (no PEM certificate in it))"},
    {"mode: aggregating\nupstream:\n  tls:\n    key_file: /etc/hostname\n",
     R"(snbridge.yaml:4:15: upstream.tls.key_file: must be a PEM file OpenSSL can read, got )"
     R"("/etc/hostname" (no PEM private key without a passphrase in it))"},
    {"broker:\n  mqtt_password_file: /nonexistent/passwd\n",
     R"(snbridge.yaml:2:23: broker.mqtt_password_file: must be a readable password file, got )"
     R"("/nonexistent/passwd" (No such file or directory))"},
    {"broker:\n  mqtt_password_file: /etc/hostname\n",
     "snbridge.yaml:2:23: broker.mqtt_password_file: must be a mosquitto_passwd file; "
     "/etc/hostname:1: not USER:HASH"},
    {"clients:\n  acl:\n    - { access: read }\n",
     "snbridge.yaml:3:7: clients.acl[0].topic: is required (a topic filter, %c for the "
     "ClientId, %u for the user, e.g. \"sensors/%c/#\")"},
    {"clients:\n  acl:\n    - { topic: \"a/#/b\" }\n",
     "snbridge.yaml:3:16: clients.acl[0].topic: must be a valid topic filter ('+' and '#' only "
     "as whole levels, '#' last)"},
    {"clients:\n  acl:\n    - { topic: a, access: all }\n",
     R"(snbridge.yaml:3:27: clients.acl[0].access: must be one of read, write, readwrite, got "all")"},
    // several problems: all of them, in file order
    {"lgo: {}\ngateway:\n  id: 300\n  name: \"\"\nmode: fast\n",
     "snbridge.yaml:1:1: unknown key 'lgo' in the top level (did you mean 'log'?)\n"
     R"(snbridge.yaml:3:7: gateway.id: must be an integer between 1 and 255, got "300")"
     "\n"
     R"(snbridge.yaml:4:9: gateway.name: must be a string of 1 to 64 bytes, got "")"
     "\n"
     R"(snbridge.yaml:5:7: mode: must be one of broker, transparent, aggregating, got "fast")"},
};

} // namespace

TEST_CASE("bad YAML gives the exact message with file, line and column") {
    static_assert(std::size(bad_table) >= 15);
    for (const auto& c : bad_table) {
        CAPTURE(c.yaml);
        const auto loaded = cfg::load_string(c.yaml, "snbridge.yaml");
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error().message == c.message);
    }
}

TEST_CASE("load_file: a file that cannot be a config is an error naming it (table)") {
    snbridge::test::temp_dir dir;
    struct row {
        std::string path;
        std::string message;
    };
    const std::vector<row> rows = {
        {"/nonexistent/snbridge.yaml",
         "/nonexistent/snbridge.yaml: cannot open: No such file or directory"},
        {dir.path().string(),
         dir.path().string() + ": cannot read: is a directory, not a config file"},
        {"/etc", "/etc: cannot read: is a directory, not a config file"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.path);
        const auto loaded = cfg::load_file(r.path);
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error().message == r.message);
    }
}

TEST_CASE("malformed input that makes yaml-cpp's LoadAll yield documents forever terminates") {
    // Found by feeding random YAML-ish bytes to load_string; YAML::LoadAll never returned.
    const std::string input = "-b]*3\"\t@\n]2\t#.![%&*`{%b2,*@. }|\t2\t\t\n,]'\n";
    const auto loaded = cfg::load_string(input, "h.yaml");
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().message.find(
              "h.yaml:3:1: only one YAML document is allowed in a config file") !=
          std::string::npos);
}

TEST_CASE("random YAML-ish bytes always give a value or a positioned error") {
    std::mt19937 rng(7); // fixed seed: reproducible
    const std::string_view alphabet = "[]{}:,- \n\t\"'#&*!|>%@`abc123.?";
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        const auto n = rng() % 60;
        for (std::uint32_t k = 0; k < n; ++k) {
            text += alphabet[rng() % alphabet.size()];
        }
        CAPTURE(text);
        const auto loaded = cfg::load_string(text, "r.yaml");
        if (!loaded) {
            CHECK(loaded.error().message.rfind("r.yaml:", 0) == 0);
        }
    }
}
