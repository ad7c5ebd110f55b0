#pragma once

// Reconnect delays: exponential backoff with jitter, so that many gateways (or many device
// connections in transparent mode) do not hammer a broker that comes back all at once.

#include <chrono>
#include <cstdint>

namespace snbridge::bridge::remote {

class reconnect_backoff {
public:
    using duration = std::chrono::milliseconds;

    /// Delays grow from `min` (first retry) doubling up to `max`. Requires 0 < min <= max.
    reconnect_backoff(duration min, duration max) noexcept;

    /// The delay before the next attempt. `unit_random` in [0, 1) picks the jitter: the delay
    /// is uniformly in [d/2, d] where d is the exponential step ("equal jitter").
    [[nodiscard]] duration next(double unit_random) noexcept;
    /// After a successful connection: the next failure starts again from `min`.
    void reset() noexcept { attempt_ = 0; }
    [[nodiscard]] std::uint32_t attempts() const noexcept { return attempt_; }

private:
    duration min_;
    duration max_;
    std::uint32_t attempt_ = 0;
};

} // namespace snbridge::bridge::remote
