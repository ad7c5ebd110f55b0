#pragma once

// systemd's notify protocol (sd_notify(3)) for `Type=notify` services: READY=1 once the
// listeners are open, STOPPING=1 when the clean stop begins, and WATCHDOG=1 every half of
// WATCHDOG_USEC when the unit sets WatchdogSec=. Without NOTIFY_SOCKET (not started by
// systemd) every call does nothing. Loop thread only.

#include <chrono>
#include <optional>

#include "common/uv/timer.hpp"

namespace snbridge::common::uv {
class loop;
}

namespace snbridge::gateway {

class systemd_notify {
public:
    /// Arms nothing yet; `l` must outlive this object.
    explicit systemd_notify(common::uv::loop& l);

    /// READY=1 (with the pid), and starts the watchdog timer when systemd asked for one.
    void ready();
    /// STOPPING=1; stops the watchdog (the stop has its own bound, TimeoutStopSec=).
    void stopping();

    /// The watchdog period in use (half of WATCHDOG_USEC), if any.
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const noexcept {
        return interval_;
    }

private:
    common::uv::timer watchdog_;
    std::optional<std::chrono::microseconds> interval_;
};

} // namespace snbridge::gateway
