#pragma once

// Who wants to know that a session changed: the sensor status on $SYS and the status page
// (docs/monitoring.md). Called on the loop thread from inside the core's turn, so an observer
// only takes note (a ClientId in a set) and does its work later, outside the turn.

#include <string_view>

namespace snbridge::gateway {

struct session;

class session_observer {
public:
    /// `s` changed: its state, address, timers, topics or queue (called at every change the
    /// core journals; several times per turn is usual).
    virtual void session_changed(const session& s) = 0;
    /// The session of `client_id` is gone (a clean session ended, or it was evicted).
    virtual void session_ended(std::string_view client_id) = 0;

protected:
    ~session_observer() = default;
};

} // namespace snbridge::gateway
