#pragma once

// The thread that makes the Paho publish calls of one remote mqtt_side (docs/architecture.md
// "Threads"). Paho C's MQTTAsync_send takes the library's one global mutex, which its send and
// receive threads hold while they write and read the sockets; called on the loop thread, a
// publish waited for them, and the devices' PUBACKs with it (a perf profile of aggregating
// QoS 1: the loop's most frequent reason to sleep, issue 12). The loop hands each call here
// instead and goes on. Calls run one at a time, in the order they were handed over, so one
// client's messages keep their order, and a job handed over after another sees it done.
// Bounded by its callers: upstream_link hands over only what upstream.max_unconfirmed and
// max_unconfirmed_total admit (each message is counted before it is handed over).

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace snbridge::bridge::remote {

class paho_handoff {
public:
    /// Starts the thread.
    paho_handoff();
    /// Runs what was handed over and not yet run, then joins the thread.
    ~paho_handoff();
    paho_handoff(const paho_handoff&) = delete;
    paho_handoff& operator=(const paho_handoff&) = delete;
    paho_handoff(paho_handoff&&) = delete;
    paho_handoff& operator=(paho_handoff&&) = delete;

    /// Any thread: runs `job` on the hand-off thread, after every job handed over before it.
    /// A job reaches the loop only through paho_context::post; an exception it throws is
    /// logged and counted (it is a bug: jobs catch Paho's own).
    void run(std::function<void()> job);
    /// Jobs handed over and not finished yet (any thread; a snapshot).
    [[nodiscard]] std::size_t pending() const;
    /// Jobs that threw (any thread).
    [[nodiscard]] std::size_t failed() const;

private:
    void main();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::function<void()>> queue_;
    std::size_t running_ = 0; ///< jobs taken from queue_ and not finished
    std::size_t failed_ = 0;
    bool stopping_ = false;
    std::thread thread_; ///< last: it starts once everything above exists
};

} // namespace snbridge::bridge::remote
