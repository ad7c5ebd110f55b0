#pragma once

// The one way other threads (Paho's) reach the loop: a bounded queue of tasks plus a
// uv_async_t (docs/architecture.md "Threads", docs/style.md "Threads"). post() is the only member
// that may be called from another thread; tasks run on the loop thread, in post order.

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include "common/uv/handle.hpp"

namespace snbridge::common::uv {

class mailbox final : public handle {
public:
    /// `max_pending`: tasks queued and not yet run; post() refuses beyond it.
    explicit mailbox(loop& owner, std::size_t max_pending = 65536);
    /// Loop thread. Tasks still queued are discarded. Other threads must have stopped posting
    /// before the mailbox is destroyed (post() after close() is safe and returns false).
    ~mailbox();

    /// Any thread. Queues `task` and wakes the loop. Returns false (task discarded) when the
    /// mailbox is closed or full.
    bool post(std::function<void()> task);
    /// Loop thread: stops accepting tasks and closes the async handle.
    void close() noexcept;
    /// Tasks waiting to run (any thread; a snapshot).
    [[nodiscard]] std::size_t pending() const;

private:
    static void on_async(uv_async_s* a) noexcept;
    void on_closed_elsewhere() noexcept override;
    void drain() noexcept;

    mutable std::mutex mutex_;
    std::deque<std::function<void()>> queue_;
    std::size_t max_pending_;
    bool accepting_ = false;
};

} // namespace snbridge::common::uv
