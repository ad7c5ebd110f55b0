// Issue 13 point 3 with the real snbridge binary: SIGTERM or SIGINT arriving again and again
// during the shutdown never cut it short (exit 0, the whole shutdown log); SIGUSR1 logs the
// counters and keeps it running; SIGUSR2 writes the sessions and the built-in broker's
// subscriptions to the log.

#include <atomic>
#include <chrono>
#include <regex>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>

#include <doctest/doctest.h>

#include "tests/support/sn_test_helpers.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

TEST_CASE("signals: a stream of SIGTERM or SIGINT during the shutdown still exits 0 with the "
          "whole shutdown log") {
    for (const int signum : {SIGTERM, SIGINT}) {
        const std::string name = signum == SIGTERM ? "SIGTERM" : "SIGINT";
        CAPTURE(name);
        test::snbridge_fixture gw;
        auto c = test::open_sn_client(gw.port());
        test::sn_connect(c, "sensor-stop");
        // The first signal starts the shutdown; a second thread keeps sending until the
        // process has exited, so some arrive after every handle is closed (where libuv's reset
        // to the default action used to end it with 128 + signum). The child is waited for
        // without reaping it (WNOWAIT), so its pid cannot be reused while signals still go.
        auto& p = gw.proc();
        std::atomic<bool> exited{false};
        std::atomic<std::size_t> sent{0};
        std::thread flood([&] {
            while (!exited.load()) {
                ::kill(p.pid(), signum);
                sent.fetch_add(1);
            }
        });
        siginfo_t info{};
        const int waited = ::waitid(P_PID, static_cast<id_t>(p.pid()), &info, WEXITED | WNOWAIT);
        exited = true;
        flood.join();
        REQUIRE(waited == 0);
        CHECK(sent.load() > 1);
        CHECK(p.wait_exit(1s) == std::optional<int>(0));
        const auto out = p.output();
        CAPTURE(out);
        CHECK(out.find("Received " + name + ", shutting down.") != std::string::npos);
        CHECK(std::regex_search(out, std::regex("Dropped no datagrams\\.\n[0-9]+: snbridge "
                                                "version [0-9.]+ terminating\n$")));
    }
}

TEST_CASE("signals: SIGUSR1 logs the counters in one line and the gateway keeps running") {
    test::snbridge_fixture gw;
    auto c = test::open_sn_client(gw.port());
    test::sn_connect(c, "sensor-count");
    auto& p = gw.proc();
    p.send_signal(SIGUSR1);
    CHECK(p.wait_for_output(std::regex("Received SIGUSR1: 1 sessions, 1 datagrams received, 1 "
                                       "sent, 0 dropped; broker: 1 sessions, 0 subscriptions, "
                                       // $SYS figures and the sensor's status are retained
                                       "[0-9]+ retained, 0 published, 0 delivered\\.\n"),
                            10s));
    p.send_signal(SIGUSR1);
    CHECK(p.wait_for_output("Received SIGUSR1: ", 10s, 2));
    CHECK(p.running());
    // Still serving.
    const auto pinged = c.ping();
    CHECK(pinged.has_value());
    CHECK(gw.stop() == std::optional<int>(0));
}

TEST_CASE("signals: SIGUSR2 writes every session and subscription to the log") {
    test::snbridge_fixture gw;
    auto sub = test::open_sn_client(gw.port());
    auto sleeper = test::open_sn_client(gw.port());
    test::sn_connect(sub, "sensor-dump", 45);
    test::sn_connect(sleeper, "sensor-sleepy", 60, false);
    REQUIRE(sub.subscribe(tools::topic_ref::normal("home/#"), test::sn::qos::one).has_value());
    REQUIRE(
        sleeper.subscribe(tools::topic_ref::normal("cmd/sleepy"), test::sn::qos::two).has_value());
    REQUIRE(sleeper.sleep(300).has_value());
    auto& p = gw.proc();
    p.send_signal(SIGUSR2);
    REQUIRE(p.wait_for_output("Subscription sensor-sleepy: ", 10s));
    const auto out = p.output();
    CAPTURE(out);
    CHECK(std::regex_search(
        out, std::regex("Received SIGUSR2: writing the sessions and subscriptions to the log\\.\n"
                        "[0-9]+: Sessions: 2\\.\n"
                        "[0-9]+: Session sensor-dump: active, 127\\.0\\.0\\.1:[0-9]+, keep-alive "
                        "45 s, 0 queued\\.\n"
                        "[0-9]+: Session sensor-sleepy: asleep, 127\\.0\\.0\\.1:[0-9]+, "
                        "keep-alive 60 s, sleep 300 s, 0 queued\\.\n"
                        "[0-9]+: Subscriptions: 2 \\([0-9]+ retained messages\\)\\.\n"
                        "[0-9]+: Subscription sensor-dump: home/# \\(q1, online\\)\\.\n"
                        "[0-9]+: Subscription sensor-sleepy: cmd/sleepy \\(q2, online\\)\\.\n")));
    CHECK(p.running());
    CHECK(gw.stop() == std::optional<int>(0));
}
