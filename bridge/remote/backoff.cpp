#include "bridge/remote/backoff.hpp"

#include <algorithm>

namespace snbridge::bridge::remote {

reconnect_backoff::reconnect_backoff(duration min, duration max) noexcept
    : min_(std::max(min, duration{1}))
    , max_(std::max(max, min_)) {}

reconnect_backoff::duration reconnect_backoff::next(double unit_random) noexcept {
    // d = min * 2^attempt, capped; the shift is bounded so it cannot overflow.
    const auto shift = std::min<std::uint32_t>(attempt_, 30);
    const auto cap = max_.count();
    auto step = min_.count();
    for (std::uint32_t i = 0; i < shift && step < cap; ++i) {
        step *= 2;
    }
    step = std::min(step, cap);
    if (attempt_ < UINT32_MAX) {
        ++attempt_;
    }
    const double r = std::clamp(unit_random, 0.0, 1.0);
    const auto half = step / 2;
    const auto jitter = static_cast<duration::rep>(static_cast<double>(step - half) * r);
    return duration{std::max<duration::rep>(1, half + jitter)};
}

} // namespace snbridge::bridge::remote
