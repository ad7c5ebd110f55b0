#include "common/uv/mailbox.hpp"

#include <uv.h>

#include "common/uv/loop.hpp"

namespace snbridge::common::uv {

mailbox::mailbox(loop& owner, std::size_t max_pending)
    : handle(owner)
    , max_pending_(max_pending) {
    accepting_ = init_done(uv_async_init(raw_loop(), as<uv_async_t>(), on_async)) == 0;
}

mailbox::~mailbox() {
    close();
}

bool mailbox::post(std::function<void()> task) {
    const std::lock_guard lock(mutex_);
    if (!accepting_ || queue_.size() >= max_pending_) {
        return false;
    }
    queue_.push_back(std::move(task));
    // Under the lock: the loop thread cannot free the handle meanwhile (it takes the lock in
    // close() and in the close callback first).
    uv_async_send(as<uv_async_t>());
    return true;
}

void mailbox::close() noexcept {
    {
        const std::lock_guard lock(mutex_);
        accepting_ = false;
        queue_.clear();
    }
    handle::close();
}

std::size_t mailbox::pending() const {
    const std::lock_guard lock(mutex_);
    return queue_.size();
}

void mailbox::on_closed_elsewhere() noexcept {
    const std::lock_guard lock(mutex_);
    accepting_ = false;
    queue_.clear();
}

void mailbox::on_async(uv_async_t* a) noexcept {
    if (auto* self = static_cast<mailbox*>(a->data)) {
        self->drain();
    }
}

void mailbox::drain() noexcept {
    // uv_async_send coalesces wake-ups, so take everything queued so far. Tasks posted while
    // these run wake the loop again.
    std::deque<std::function<void()>> batch;
    {
        const std::lock_guard lock(mutex_);
        batch.swap(queue_);
    }
    for (auto& task : batch) {
        if (task) {
            task();
        }
    }
}

} // namespace snbridge::common::uv
