#include "common/signal_thread.hpp"

#include <pthread.h>

namespace snbridge::common {

namespace {

sigset_t set_of(std::span<const int> signals) noexcept {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : signals) {
        sigaddset(&set, s);
    }
    return set;
}

} // namespace

void signal_thread::block(std::span<const int> signals) noexcept {
    const sigset_t set = set_of(signals);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

signal_thread::signal_thread(std::span<const int> signals, std::function<void(int)> on_signal)
    : set_(set_of(signals))
    , wake_signal_(signals.empty() ? 0 : signals.front())
    , on_signal_(std::move(on_signal)) {
    if (wake_signal_ != 0) {
        thread_ = std::thread([this] { run(); });
    }
}

signal_thread::~signal_thread() {
    if (!thread_.joinable()) {
        return;
    }
    stopping_ = true;
    // Directed at this thread only; it is blocked there, so sigwait() takes it.
    pthread_kill(thread_.native_handle(), wake_signal_);
    thread_.join();
}

void signal_thread::run() noexcept {
    while (true) {
        int signum = 0;
        if (sigwait(&set_, &signum) != 0) {
            continue;
        }
        if (stopping_) {
            return;
        }
        on_signal_(signum);
    }
}

} // namespace snbridge::common
