#pragma once

// A one-shot or repeating libuv timer. Loop thread only.

#include <chrono>
#include <functional>

#include "common/uv/handle.hpp"

namespace snbridge::common::uv {

class timer final : public handle {
public:
    explicit timer(loop& owner);
    ~timer() = default;

    /// (Re)arms the timer: `callback` runs after `timeout`, then every `repeat` if non-zero.
    /// Replaces any previous callback. No-op once closed. Callbacks that reach objects that
    /// may be gone by then should capture a weak_ptr (docs/style.md).
    void start(std::chrono::milliseconds timeout, std::function<void()> callback,
               std::chrono::milliseconds repeat = std::chrono::milliseconds(0));
    void stop() noexcept;
    [[nodiscard]] bool active() const noexcept;

private:
    static void on_timer(uv_timer_s* t) noexcept;
    std::function<void()> callback_;
};

} // namespace snbridge::common::uv
