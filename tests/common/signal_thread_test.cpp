// common::signal_thread: a blocked signal sent to the process reaches the callback on the
// signal thread; after the thread has stopped, the signal stays pending and does nothing.

#include <array>
#include <atomic>
#include <chrono>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/signal_thread.hpp"

using namespace std::chrono_literals;

TEST_CASE("signal_thread: a process signal reaches the callback off the main thread; after the "
          "thread stops it stays pending, harmless") {
    constexpr std::array signals{SIGUSR2};
    snbridge::common::signal_thread::block(signals);
    std::atomic<int> got{0};
    std::atomic<bool> on_main{false};
    const auto main_id = std::this_thread::get_id();
    {
        snbridge::common::signal_thread t(signals, [&](int signum) {
            on_main = std::this_thread::get_id() == main_id;
            got = signum;
        });
        REQUIRE(::kill(::getpid(), SIGUSR2) == 0);
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (got.load() == 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        CHECK(got.load() == SIGUSR2);
        CHECK_FALSE(on_main.load());
    }
    // Stopped: the default action (end of the process) never runs; the signal waits.
    got = 0;
    REQUIRE(::kill(::getpid(), SIGUSR2) == 0);
    sigset_t pending;
    sigemptyset(&pending);
    REQUIRE(::sigpending(&pending) == 0);
    CHECK(sigismember(&pending, SIGUSR2) == 1);
    CHECK(got.load() == 0);
    // Leave the test process as it was: take the pending signal, then unblock.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    const timespec no_wait{};
    CHECK(::sigtimedwait(&set, nullptr, &no_wait) == SIGUSR2);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}
