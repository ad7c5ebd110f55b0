// Issue 15 point 6: safe defaults said out loud. `--check-config` (and the start's log) warn
// about every listener on a non-loopback address that takes anyone; a table of
// configurations -> the warnings, with the real binary.

#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

TEST_CASE("security: --check-config warns about listeners open to anyone (table)") {
    test::temp_dir dir;
    const struct {
        std::string yaml;
        std::vector<std::string> warnings;
    } rows[] = {
        {"mqttsn: { listen: [\"127.0.0.1:1883\"] }\n", {}},
        {"mqttsn: { listen: [\"0.0.0.0:1883\"] }\n",
         {"Warning: MQTT-SN on 0.0.0.0:1883 takes any device with any ClientId on any topic"}},
        {"mqttsn: { listen: [\"0.0.0.0:1883\"] }\nclients: { allowed_client_ids: [\"s-*\"] }\n",
         {}},
        {"mqttsn: { listen: [\"[::1]:1883\"] }\nbroker: { mqtt_listen: [\"0.0.0.0:1883\"] }\n",
         {"Warning: the MQTT listener on 0.0.0.0:1883 accepts clients without a user name"}},
        {"mqttsn: { listen: [\"[::1]:1883\"] }\n"
         "broker: { mqtt_listen: [\"0.0.0.0:1883\"], mqtt_allow_anonymous: false }\n",
         {}},
        {"mqttsn: { listen: [\"127.0.0.1:1883\"] }\nhttp: { listen: [\"0.0.0.0:9883\"] }\n",
         {"Warning: the HTTP listener on 0.0.0.0:9883 shows every sensor and counter to anyone"}},
        {"mqttsn: { listen: [\"127.0.0.1:1883\"] }\nhttp: { listen: [\"127.0.0.1:9883\"] }\n", {}},
    };
    for (const auto& r : rows) {
        CAPTURE(r.yaml);
        const auto file = dir.write("c.yaml", r.yaml);
        test::process p(test::binary_path("gateway/snbridge"),
                        {"--check-config", "-c", file.string()});
        REQUIRE(p.wait_exit(10s) == 0);
        CHECK(p.count("Warning: ") == r.warnings.size());
        for (const auto& w : r.warnings) {
            CHECK(p.count(w) == 1);
        }
        CHECK(p.count("is valid.") == 1);
    }
}
