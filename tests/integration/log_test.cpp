// log.level and log.destinations with the real binary (issue 13 point 3): lines below the
// level are not written, a file destination gets the lines and stderr none, and SIGHUP
// reopens the file after logrotate moved it.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/udp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool wait_for_in_file(const std::filesystem::path& p, const std::string& text) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end) {
        if (read_all(p).find(text) != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

} // namespace

TEST_CASE("log: level warning to a file - no info lines, nothing on stderr, and SIGHUP reopens "
          "the file after it was moved") {
    test::temp_dir dir;
    const auto port = test::free_udp_port(false);
    const auto log_file = dir.file("snbridge.log");
    const auto yaml =
        dir.write("log.yaml", "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(port) +
                                  "\"]\n  advertise_interval: 0s\nlog:\n"
                                  "  level: warning\n  destinations: [\"file:" +
                                  log_file.string() + "\"]\n");
    test::process gw(test::binary_path("gateway/snbridge"), {"-c", yaml.string()});
    test::udp_client probe;
    const auto gateway = test::loopback_v4(port);
    const std::vector<std::uint8_t> garbage{0x05, 0x04, 0x00}; // length 5, only 3 bytes
    // The gateway is up once a malformed datagram gets its warning line in the file.
    bool logged = false;
    for (int i = 0; i < 50 && !logged; ++i) {
        REQUIRE(probe.send_to(gateway, garbage));
        logged = wait_for_in_file(log_file, "Dropped datagram");
    }
    REQUIRE(logged);
    const auto first = read_all(log_file);
    CHECK(first.find("starting") == std::string::npos); // info: below the level
    CHECK(first.find(" running") == std::string::npos);

    // logrotate: move the file, SIGHUP, and the next line goes to a new file.
    std::filesystem::rename(log_file, dir.file("snbridge.log.1"));
    gw.send_signal(SIGHUP);
    bool reopened = false;
    for (int i = 0; i < 50 && !reopened; ++i) {
        std::this_thread::sleep_for(50ms);
        REQUIRE(probe.send_to(gateway, garbage));
        reopened = std::filesystem::exists(log_file) &&
                   read_all(log_file).find("Dropped datagram") != std::string::npos;
    }
    CHECK(reopened);
    gw.send_signal(SIGTERM);
    CHECK(gw.wait_exit(10s) == 0);
    CHECK(gw.output().empty()); // stderr is not a destination
}

TEST_CASE("log: a file destination that cannot be opened stops the start with one line") {
    test::temp_dir dir;
    const auto yaml =
        dir.write("bad.yaml", "log:\n  destinations: [\"file:" +
                                  (dir.path() / "no-such-dir" / "x.log").string() + "\"]\n");
    test::process gw(test::binary_path("gateway/snbridge"), {"-c", yaml.string(), "-p", "0"});
    const auto code = gw.wait_exit(10s);
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    // Found by the loader, with its position (also by --check-config).
    CHECK(gw.output().find(
              yaml.string() +
              ":2:17: log.destinations: file:" + (dir.path() / "no-such-dir" / "x.log").string() +
              " cannot be opened for appending (its directory " +
              (dir.path() / "no-such-dir").string() + " does not exist)") != std::string::npos);
}
