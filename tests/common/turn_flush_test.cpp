// common::turn_flush: without persistence, what a loop iteration sends waits for the end of
// that iteration, in order, and the flusher does not keep the loop alive.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/turn_flush.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/timer.hpp"

using namespace snbridge;
using namespace snbridge::common;
using namespace std::chrono_literals;

TEST_CASE("turn_flush: a timer's sends are released once, in order, before the loop blocks") {
    uv::loop l;
    std::vector<std::string> events;
    {
        turn_flush gate(l);
        uv::timer t(l);
        t.start(1ms, [&] {
            CHECK(gate.holding());
            gate.after_commit([&](bool ok) { events.push_back(ok ? "a" : "a failed"); });
            gate.after_commit([&](bool ok) { events.push_back(ok ? "b" : "b failed"); });
            CHECK(events.empty()); // nothing leaves inside the callback
        });
        l.run(); // returns once the timer is done: the flusher's handles are unreferenced
        CHECK(events == std::vector<std::string>{"a", "b"});
        gate.after_commit([&](bool) { events.push_back("at destruction"); });
    }
    CHECK(events.back() == "at destruction"); // nothing held is lost
    l.run_nowait();
    CHECK_FALSE(l.alive());
}
