// The test harness itself (tests/support/): processes, ports, UDP client. These run real
// processes and sockets on loopback, like every integration test.

#include <signal.h>

#include <doctest/doctest.h>

#include "tests/support/ipv6.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/udp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

TEST_CASE("process: captures stdout and stderr, returns the exit code") {
    test::process p("/bin/sh", {"-c", "echo out-line; echo err-line >&2; exit 3"});
    CHECK(p.wait_for_output("err-line", 5s));
    CHECK(p.wait_exit(5s) == 3);
    CHECK(p.output().find("out-line") != std::string::npos);
    CHECK_FALSE(p.running());
}

TEST_CASE("process: signals, timeouts and regex waits") {
    test::process p("/bin/sh", {"-c", "echo ready 42; exec sleep 30"});
    CHECK(p.wait_for_output(std::regex("ready [0-9]+"), 5s));
    CHECK_FALSE(p.wait_for_output("never printed", 50ms));
    CHECK(p.running());
    CHECK_FALSE(p.wait_exit(20ms).has_value());
    p.send_signal(SIGTERM);
    CHECK(p.wait_exit(5s) == 128 + SIGTERM);
}

TEST_CASE("process: a missing program is a set-up error") {
    CHECK_THROWS(test::process("/nonexistent/snb-program", {}));
}

TEST_CASE("ports and udp_client: a datagram round trip on 127.0.0.1 and ::1") {
    for (const auto fam : {common::net_address::family::v4, common::net_address::family::v6}) {
        if (fam == common::net_address::family::v6 && !test::ipv6_or_message("udp_client on ::1")) {
            continue;
        }
        test::udp_client a(fam);
        test::udp_client b(fam);
        CHECK(a.local().port != 0);
        const std::uint8_t bytes[] = {0x03, 0x01, 0x00};
        REQUIRE(a.send_to(b.local(), bytes));
        const auto got = b.receive(2s);
        REQUIRE(got.has_value());
        CHECK(got->bytes == std::vector<std::uint8_t>{0x03, 0x01, 0x00});
        CHECK(got->from == a.local());
        CHECK_FALSE(b.receive(20ms).has_value());
    }
    const auto port = test::free_udp_port();
    test::udp_client fixed(common::net_address::family::v4, port);
    CHECK(fixed.local().port == port);
    CHECK(test::free_tcp_port() != 0);
}

TEST_CASE("temp_dir: files live under it and go away with it") {
    std::filesystem::path where;
    {
        test::temp_dir dir;
        where = dir.write("a.yaml", "x: 1\n");
        CHECK(std::filesystem::exists(where));
    }
    CHECK_FALSE(std::filesystem::exists(where));
}

TEST_CASE("mosquitto: starts on an ephemeral port, carries a message, stops cleanly") {
    test::mosquitto broker;
    CHECK(broker.port() != 0);
    CHECK(broker.running());
    CHECK(test::tcp_accepts(broker.port()));
    const auto port = std::to_string(broker.port());
    test::process sub("/usr/bin/mosquitto_sub",
                      {"-h", "127.0.0.1", "-p", port, "-t", "harness/t", "-C", "1", "-W", "10"});
    REQUIRE(broker.proc().wait_for_output("Client ", 10s)); // the subscriber connected
    REQUIRE(broker.proc().wait_for_output("SUBSCRIBE", 10s));
    test::process pub("/usr/bin/mosquitto_pub",
                      {"-h", "127.0.0.1", "-p", port, "-t", "harness/t", "-m", "hello"});
    CHECK(pub.wait_exit(10s) == 0);
    CHECK(sub.wait_exit(10s) == 0);
    CHECK(sub.output() == "hello\n");
    CHECK(broker.stop() == 0);
    CHECK_FALSE(broker.running());
}

TEST_CASE("mosquitto: password file and TLS listener") {
    test::mosquitto broker(
        {.persistence = false, .users = {{"alice", "secret"}}, .tls = true, .extra_config = ""});
    const auto port = std::to_string(broker.port());
    {
        test::process anon("/usr/bin/mosquitto_pub",
                           {"-h", "127.0.0.1", "-p", port, "-t", "t", "-m", "x"});
        CHECK(anon.wait_exit(10s) != 0);
    }
    {
        test::process ok("/usr/bin/mosquitto_pub", {"-h", "127.0.0.1", "-p", port, "-u", "alice",
                                                    "-P", "secret", "-t", "t", "-m", "x"});
        CHECK(ok.wait_exit(10s) == 0);
    }
    {
        test::process tls("/usr/bin/mosquitto_pub",
                          {"-h", "127.0.0.1", "-p", std::to_string(broker.tls_port()), "--cafile",
                           broker.tls_ca_file().string(), "-u", "alice", "-P", "secret", "-t", "t",
                           "-m", "x"});
        CHECK(tls.wait_exit(10s) == 0);
    }
    CHECK(broker.tls_uri() == "ssl://127.0.0.1:" + std::to_string(broker.tls_port()));
}

TEST_CASE("mosquitto: persistence keeps a retained message across restart") {
    test::mosquitto broker({.persistence = true, .users = {}, .tls = false, .extra_config = ""});
    // QoS 1: the PUBACK proves the broker holds the message before it is stopped (with QoS 0
    // a SIGTERM can overtake the PUBLISH on a busy machine).
    const auto port = std::to_string(broker.port());
    {
        test::process pub("/usr/bin/mosquitto_pub", {"-h", "127.0.0.1", "-p", port, "-t", "keep",
                                                     "-m", "kept", "-r", "-q", "1"});
        CHECK(pub.wait_exit(10s) == 0);
    }
    CHECK(broker.stop() == 0);
    broker.restart();
    CHECK(broker.port() == static_cast<std::uint16_t>(std::stoi(port)));
    test::process sub("/usr/bin/mosquitto_sub",
                      {"-h", "127.0.0.1", "-p", port, "-t", "keep", "-C", "1", "-W", "10"});
    CHECK(sub.wait_exit(10s) == 0);
    CHECK(sub.output() == "kept\n");
    broker.kill();
    CHECK_FALSE(broker.running());
}
