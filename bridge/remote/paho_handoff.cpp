#include "bridge/remote/paho_handoff.hpp"

#include <exception>
#include <pthread.h>
#include <utility>

#include "common/log.hpp"

namespace snbridge::bridge::remote {

paho_handoff::paho_handoff()
    : thread_([this] { main(); }) {}

paho_handoff::~paho_handoff() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void paho_handoff::run(std::function<void()> job) {
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
}

std::size_t paho_handoff::pending() const {
    const std::lock_guard lock(mutex_);
    return queue_.size() + running_;
}

std::size_t paho_handoff::failed() const {
    const std::lock_guard lock(mutex_);
    return failed_;
}

void paho_handoff::main() {
    // Its own name in top, perf and /proc/PID/task (at most 15 characters).
    (void)pthread_setname_np(pthread_self(), "snbridge-paho");
    std::vector<std::function<void()>> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            return; // stopping, and everything handed over has run
        }
        // One wake-up takes everything queued: the loop hands over a turn's worth at once.
        batch.swap(queue_);
        running_ = batch.size();
        lock.unlock();
        std::size_t threw = 0;
        for (auto& job : batch) {
            try {
                job();
            } catch (const std::exception& e) {
                ++threw;
                common::log::error("Upstream: a Paho call failed unexpectedly: ", e.what());
            }
            job = nullptr; // what it holds (a client, a message) goes now, not after the batch
        }
        batch.clear();
        lock.lock();
        running_ = 0;
        failed_ += threw;
    }
}

} // namespace snbridge::bridge::remote
