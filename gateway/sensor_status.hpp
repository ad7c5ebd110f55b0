#pragma once

// What an operator sees of each sensor (docs/monitoring.md): one JSON object per MQTT-SN
// session - state, last seen, address, keep-alive or sleep duration, registered topics,
// queued messages, retransmissions - for the retained status topics on $SYS and the status
// page. As a session_observer it notes which sessions changed during the core's turns;
// flush() then reports those whose status changed: state, address, timers or topics (the
// queue depth, retransmissions and last seen move with the traffic; they are brought up to
// date by the periodic flush(all)). Loop thread only.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "gateway/session.hpp"
#include "gateway/session_observer.hpp"

namespace snbridge::gateway {

class gateway_core;

/// `s` as a JSON object. `now` is the core's clock, `wall_now` the same instant in UTC (for
/// last_seen as an ISO 8601 time).
[[nodiscard]] std::string sensor_json(const session& s, time_point now,
                                      std::chrono::system_clock::time_point wall_now);

class sensor_status final : public session_observer {
public:
    /// `report(client_id, json)`: the new status, or nullopt when the session ended.
    using report_fn = std::function<void(std::string_view, const std::optional<std::string>&)>;

    /// `core` is read at flush(); `first_change` is called when a change is noted while none
    /// was pending (the owner schedules flush() then, outside the core's turn).
    sensor_status(const gateway_core& core, report_fn report, std::function<void()> first_change);

    /// Called by the core only when s.status_changed() (core_context::touch).
    void session_changed(const session& s) override;
    void session_ended(std::string_view client_id) override;

    /// Reports every noted change. `all`: every session, changed or not (a periodic refresh,
    /// so that last_seen does not grow old on the subscribers' side).
    void flush(time_point now, bool all = false);
    [[nodiscard]] bool pending() const noexcept { return !dirty_.empty(); }

private:
    const gateway_core& core_;
    report_fn report_;
    std::function<void()> first_change_;
    /// ClientIds changed since the last flush (at most the sessions plus those that ended).
    std::set<std::string, std::less<>> dirty_;
    /// The status last reported per live session (its stable fields).
    std::map<std::string, std::string, std::less<>> reported_;
};

} // namespace snbridge::gateway
