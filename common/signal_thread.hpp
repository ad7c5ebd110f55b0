#pragma once

// Process signals taken by a thread of their own (sigwait), never by a handler. The signals
// are blocked in every thread, first in the main thread before any other thread exists (the
// others inherit its mask), so none of them can ever take its default action: not before the
// thread starts, not while the loop shuts down, not after the thread has stopped (they stay
// pending until exit). libuv's signal handles cannot promise that: closing a signal's last
// handle restores SIG_DFL, and a second SIGTERM then ends the process mid-shutdown.

#include <atomic>
#include <functional>
#include <signal.h>
#include <span>
#include <thread>

namespace snbridge::common {

class signal_thread {
public:
    /// Blocks `signals` in the calling thread, and so in every thread it starts afterwards.
    /// Call it on the main thread before any other thread exists.
    static void block(std::span<const int> signals) noexcept;

    /// Starts the thread: `on_signal(signum)` runs on it for each of `signals` that arrives.
    /// The signals must be blocked in every thread (block()). `on_signal` must only hand the
    /// signal over (e.g. uv::mailbox::post) and must stay callable until the destructor ends.
    signal_thread(std::span<const int> signals, std::function<void(int)> on_signal);
    /// Stops and joins the thread. The signals stay blocked: from here to exit they do
    /// nothing at all.
    ~signal_thread();
    signal_thread(const signal_thread&) = delete;
    signal_thread& operator=(const signal_thread&) = delete;
    signal_thread(signal_thread&&) = delete;
    signal_thread& operator=(signal_thread&&) = delete;

private:
    void run() noexcept;

    sigset_t set_{};
    int wake_signal_ = 0;
    std::function<void(int)> on_signal_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace snbridge::common
