#pragma once

// One timer per session (its earliest deadline: retransmission, keep-alive, sleep or CONNECT
// timeout) in a min-heap. Entries are not removed when a deadline moves: an entry counts only
// while it equals its session's `scheduled` time, and stale ones are dropped lazily. Loop
// thread only.

#include <optional>
#include <vector>

#include "gateway/session_table.hpp"

namespace snbridge::gateway {

class session_timers {
public:
    /// Arms `s` at `at` unless it is already armed at that time or earlier.
    void arm(session& s, time_point at);
    /// The earliest live deadline, or nullopt.
    [[nodiscard]] std::optional<time_point> next(const session_table& sessions) const;
    /// The session of the earliest live deadline at or before `now`, disarmed; nullptr when
    /// none is due.
    [[nodiscard]] session* pop_due(time_point now, session_table& sessions);

private:
    struct entry {
        time_point at;
        common::session_id id;
        bool operator>(const entry& o) const noexcept { return at > o.at; }
    };
    void pop() const;
    void drop_stale(const session_table& sessions) const;

    mutable std::vector<entry> heap_; ///< lazily cleaned, also from the const next()
};

} // namespace snbridge::gateway
