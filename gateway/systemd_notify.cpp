#include "gateway/systemd_notify.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "common/log.hpp"

namespace snbridge::gateway {

systemd_notify::systemd_notify(common::uv::loop& l)
    : watchdog_(l) {}

void systemd_notify::ready() {
    const auto status = "READY=1\nMAINPID=" + std::to_string(::getpid());
    // sd_notify returns 0 when NOTIFY_SOCKET is unset: not started by systemd.
    if (sd_notify(0, status.c_str()) <= 0) {
        return;
    }
    common::log::info("Told systemd: ready.");
    std::uint64_t usec = 0;
    // sd_watchdog_enabled(3): > 0 when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is us).
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        // Half the period, as sd_watchdog_enabled(3) advises; at least 1 ms.
        const auto half = std::chrono::microseconds(usec / 2);
        interval_ = half;
        const auto ms = std::max(std::chrono::milliseconds(1),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(half));
        watchdog_.start(
            ms, [] { sd_notify(0, "WATCHDOG=1"); }, ms);
        // The loop ends when the last listener closes, not when the watchdog is the only one.
        watchdog_.unref();
        common::log::info("systemd watchdog: WATCHDOG=1 every ", ms.count(), " ms.");
    }
}

void systemd_notify::stopping() {
    watchdog_.stop();
    sd_notify(0, "STOPPING=1");
}

} // namespace snbridge::gateway
