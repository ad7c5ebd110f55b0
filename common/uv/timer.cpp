#include "common/uv/timer.hpp"

#include <stdexcept>

#include <uv.h>

#include "common/uv/loop.hpp"

namespace snbridge::common::uv {

timer::timer(loop& owner)
    : handle(owner) {
    init_done(uv_timer_init(raw_loop(), as<uv_timer_t>()));
}

void timer::start(std::chrono::milliseconds timeout, std::function<void()> callback,
                  std::chrono::milliseconds repeat) {
    if (!is_open()) {
        return;
    }
    callback_ = std::move(callback);
    uv_timer_start(as<uv_timer_t>(), on_timer,
                   static_cast<std::uint64_t>(std::max<std::int64_t>(timeout.count(), 0)),
                   static_cast<std::uint64_t>(std::max<std::int64_t>(repeat.count(), 0)));
}

void timer::stop() noexcept {
    if (is_open()) {
        uv_timer_stop(as<uv_timer_t>());
    }
}

bool timer::active() const noexcept {
    return is_open() && uv_is_active(reinterpret_cast<uv_handle_t*>(as<uv_timer_t>())) != 0;
}

void timer::on_timer(uv_timer_t* t) noexcept {
    auto* self = static_cast<timer*>(t->data);
    if (self != nullptr && self->callback_) {
        // A copy: the callback may re-arm this timer (replacing callback_) while it runs.
        auto cb = self->callback_;
        cb();
    }
}

} // namespace snbridge::common::uv
