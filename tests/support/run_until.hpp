#pragma once

// Drives a libuv loop in a test until a condition holds or a deadline passes (CCF's
// run_until pattern): no sleeps, the loop's own I/O wakes it.

#include <chrono>
#include <functional>

#include "common/uv/loop.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::test {

/// Runs `l` until `pred()` is true (checked after every loop iteration) or `timeout` passes.
/// `pred` is called once per iteration and not again after it returned true (it may consume
/// what it checks). A 5 ms guard timer keeps the loop from blocking forever when nothing else is
/// active; it is closed again before returning. Returns pred().
inline bool run_until(common::uv::loop& l, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    common::uv::timer guard(l);
    guard.start(
        std::chrono::milliseconds(5), [] {}, std::chrono::milliseconds(5));
    bool done = pred();
    while (!done && std::chrono::steady_clock::now() < deadline) {
        l.run_once();
        done = pred();
    }
    guard.close();
    l.run_nowait(); // lets the guard's close callback free it
    return done;
}

} // namespace snbridge::test
