#pragma once

// The libuv event loop that owns all gateway state (docs/architecture.md "Threads").

#include <chrono>

struct uv_loop_s;

namespace snbridge::common::uv {

class loop {
public:
    /// Initialises a private uv loop. Throws std::runtime_error if libuv cannot (startup only).
    loop();
    /// Closes every handle still open, runs the loop until it is empty, then closes it.
    ~loop();
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;
    loop(loop&&) = delete;
    loop& operator=(loop&&) = delete;

    /// Runs until stop() or until no active handle is left (UV_RUN_DEFAULT).
    void run() noexcept;
    /// One iteration, blocking for I/O if there is anything to wait for. Returns alive().
    bool run_once() noexcept;
    /// One iteration without blocking. Returns alive().
    bool run_nowait() noexcept;
    /// Makes run() return after the current iteration.
    void stop() noexcept;
    /// True while active, referenced handles or requests (or closing handles) remain.
    [[nodiscard]] bool alive() const noexcept;

    /// Closes every handle of the loop (uv_walk + uv_close) without running the loop; wrappers
    /// that are still alive see is_open() == false afterwards.
    void close_all() noexcept;
    /// close_all(), then runs the loop until uv_loop_alive() == 0 (docs/style.md shutdown rule).
    void shutdown() noexcept;

    [[nodiscard]] uv_loop_s* raw() const noexcept { return loop_; }

private:
    uv_loop_s* loop_;
};

} // namespace snbridge::common::uv
