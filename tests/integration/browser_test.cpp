// Issue 14: the status page in headless Chromium (tests/browser/status_page.cjs, playwright-core
// driving Debian's chromium): a connected sensor is listed as active, and after it sleeps the
// page, refreshing by itself, shows it asleep; nothing is loaded from outside the gateway.

#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

TEST_CASE("browser: the status page lists a sensor, then shows it asleep (headless Chromium)") {
    const auto http_port = test::free_tcp_port();
    test::snbridge_fixture gw("http:\n  listen: [\"127.0.0.1:" + std::to_string(http_port) +
                              "\"]\n");
    tools::endpoint_options ep;
    ep.host = "127.0.0.1";
    ep.port = gw.port();
    ep.timeout = 5s;
    auto c = tools::sn_client::open(ep);
    REQUIRE(c.has_value());
    REQUIRE(
        c->connect({.client_id = "bed-3", .keep_alive = 60, .clean_session = false, .will = {}}));
    const std::vector<std::uint8_t> payload{'2', '1'};
    REQUIRE(
        c->publish(tools::topic_ref::normal("ward/bed-3/temp"), payload, common::mqttsn::qos::one));

    test::process_options env;
    env.env = {"NODE_PATH=" SNB_SOURCE_DIR "/build/npm/node_modules"};
    const auto screenshot = gw.dir().file("status-page.png");
    test::process browser("/usr/bin/node",
                          {test::source_path("tests/browser/status_page.cjs"),
                           "http://127.0.0.1:" + std::to_string(http_port) + "/", "bed-3",
                           screenshot.string()},
                          env);
    REQUIRE_MESSAGE(browser.wait_for_output("ACTIVE\n", 60s), browser.output());
    REQUIRE(c->sleep(300));
    const auto rc = browser.wait_exit(60s);
    INFO(browser.output());
    CHECK(rc == 0);
    CHECK(browser.count("ASLEEP\n") == 1);
    CHECK(browser.count("OK\n") == 1);
    CHECK(std::filesystem::file_size(screenshot) > 1000);
    CHECK(gw.stop() == 0);
}
