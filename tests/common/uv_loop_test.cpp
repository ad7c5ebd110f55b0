// common/uv: loop, timer, signal, mailbox. Loop tests end with the loop empty (docs/style.md).

#include <atomic>
#include <signal.h>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/uv/loop.hpp"
#include "common/uv/mailbox.hpp"
#include "common/uv/signal_handle.hpp"
#include "common/uv/timer.hpp"
#include "tests/support/run_until.hpp"

using namespace snbridge;
using namespace snbridge::common;
using namespace std::chrono_literals;

TEST_CASE("uv::loop: an empty loop is not alive and run() returns at once") {
    uv::loop l;
    CHECK_FALSE(l.alive());
    l.run();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::timer: fires once, re-arms from its own callback, and stops") {
    uv::loop l;
    uv::timer t(l);
    int fired = 0;
    std::function<void()> again = [&] {
        ++fired;
        if (fired < 3) {
            t.start(1ms, again);
        }
    };
    t.start(1ms, again);
    CHECK(test::run_until(l, [&] { return fired == 3; }));
    CHECK_FALSE(t.active());
    t.close();
    l.run();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::timer: repeat, stop, and callbacks never run after close") {
    uv::loop l;
    uv::timer t(l);
    int fired = 0;
    t.start(
        1ms, [&] { ++fired; }, 1ms);
    CHECK(test::run_until(l, [&] { return fired >= 2; }));
    t.stop();
    CHECK_FALSE(t.active());
    const int seen = fired;
    t.start(0ms, [&] { ++fired; });
    t.close(); // before the loop gets to it
    l.run();
    CHECK(fired == seen);
    CHECK_FALSE(t.is_open());
    t.start(0ms, [&] { ++fired; }); // no-op once closed
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::loop: close_all closes handles behind their live wrappers") {
    uv::loop l;
    uv::timer a(l);
    uv::timer b(l);
    a.start(10s, [] {});
    b.start(10s, [] {});
    CHECK(l.alive());
    l.shutdown();
    CHECK_FALSE(l.alive());
    CHECK_FALSE(a.is_open());
    CHECK_FALSE(b.is_open());
    a.stop(); // harmless on a closed wrapper
}

TEST_CASE("uv::loop: a wrapper destroyed while its handle is closing frees it exactly once") {
    uv::loop l;
    {
        uv::timer t(l);
        t.start(10s, [] {});
        l.close_all(); // closing now, callback pending
    }                  // wrapper gone before the close callback
    l.run();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::signal_handle: a signal raised in-process arrives on the loop") {
    uv::loop l;
    uv::signal_handle s(l);
    int got = 0;
    REQUIRE(s.start(SIGUSR1, [&](int signum) { got = signum; }) == 0);
    ::raise(SIGUSR1);
    CHECK(test::run_until(l, [&] { return got != 0; }));
    CHECK(got == SIGUSR1);
    s.close();
    l.run();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::mailbox: tasks posted from other threads run on the loop, in order") {
    uv::loop l;
    uv::mailbox box(l);
    const auto loop_thread = std::this_thread::get_id();
    std::vector<int> seen;
    bool all_on_loop = true;
    constexpr int per_thread = 500;
    std::vector<std::thread> posters;
    for (int t = 0; t < 2; ++t) {
        posters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                box.post([&, v = t * per_thread + i] {
                    all_on_loop = all_on_loop && std::this_thread::get_id() == loop_thread;
                    seen.push_back(v);
                });
            }
        });
    }
    CHECK(test::run_until(l, [&] { return seen.size() == 2 * per_thread; }));
    for (auto& p : posters) {
        p.join();
    }
    CHECK(all_on_loop);
    // Per poster, order is kept.
    int last0 = -1;
    int last1 = per_thread - 1;
    bool ordered = true;
    for (const int v : seen) {
        int& last = v < per_thread ? last0 : last1;
        ordered = ordered && v == last + 1;
        last = v;
    }
    CHECK(ordered);
    box.close();
    CHECK_FALSE(box.post([] {}));
    l.run();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::mailbox: bounded, and post() after close_all is refused safely") {
    uv::loop l;
    uv::mailbox box(l, 2);
    int ran = 0;
    CHECK(box.post([&] { ++ran; }));
    CHECK(box.post([&] { ++ran; }));
    CHECK_FALSE(box.post([&] { ++ran; })); // full
    CHECK(box.pending() == 2);
    CHECK(test::run_until(l, [&] { return ran == 2; }));
    l.shutdown();
    CHECK_FALSE(box.post([&] { ++ran; }));
    CHECK_FALSE(l.alive());
}
