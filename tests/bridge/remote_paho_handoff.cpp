// The hand-off thread of the remote modes (bridge/remote/paho_handoff.hpp): jobs run off the
// calling thread, one at a time, in the order handed over; the destructor runs what is still
// queued; a job that throws is counted and does not stop the ones after it.

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/remote/paho_handoff.hpp"

using snbridge::bridge::remote::paho_handoff;
using namespace std::chrono_literals;

TEST_CASE("remote paho_handoff: jobs run on another thread, in the order handed over") {
    std::vector<int> order; // written by the hand-off thread only, read after the barrier
    std::promise<std::thread::id> ran_on;
    paho_handoff h;
    h.run([&ran_on] { ran_on.set_value(std::this_thread::get_id()); });
    for (int i = 0; i < 10000; ++i) {
        h.run([&order, i] { order.push_back(i); });
    }
    std::promise<void> barrier;
    h.run([&barrier] { barrier.set_value(); });
    REQUIRE(barrier.get_future().wait_for(10s) == std::future_status::ready);
    CHECK(ran_on.get_future().get() != std::this_thread::get_id());
    REQUIRE(order.size() == 10000);
    bool in_order = true;
    for (int i = 0; i < 10000; ++i) {
        in_order = in_order && order[static_cast<std::size_t>(i)] == i;
    }
    CHECK(in_order);
    CHECK(h.failed() == 0);
}

TEST_CASE("remote paho_handoff: pending counts what has not finished; the destructor runs it") {
    std::atomic<int> ran{0};
    std::promise<void> release;
    auto gate = release.get_future().share();
    {
        paho_handoff h;
        h.run([gate] { (void)gate.wait_for(10s); }); // holds the thread
        for (int i = 0; i < 5; ++i) {
            h.run([&ran] { ran.fetch_add(1); });
        }
        CHECK(h.pending() == 6);
        CHECK(ran.load() == 0);
        release.set_value();
    } // joins after the five
    CHECK(ran.load() == 5);
}

TEST_CASE("remote paho_handoff: a job that throws is counted, the next ones still run") {
    std::promise<void> done;
    paho_handoff h;
    h.run([] { throw std::runtime_error("boom"); });
    h.run([&done] { done.set_value(); });
    REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
    // failed() is updated after the batch; pending() reaching 0 says the batch is over.
    for (int i = 0; i < 1000 && h.pending() != 0; ++i) {
        std::this_thread::sleep_for(1ms);
    }
    CHECK(h.pending() == 0);
    CHECK(h.failed() == 1);
}
