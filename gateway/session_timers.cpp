#include "gateway/session_timers.hpp"

#include <algorithm>
#include <functional>

namespace snbridge::gateway {

void session_timers::arm(session& s, time_point at) {
    if (at < s.scheduled) {
        s.scheduled = at;
        heap_.push_back(entry{at, s.id});
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
    }
}

void session_timers::pop() const {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
    heap_.pop_back();
}

void session_timers::drop_stale(const session_table& sessions) const {
    while (!heap_.empty()) {
        const session* s = sessions.find(heap_.front().id);
        if (s != nullptr && s->scheduled == heap_.front().at) {
            return;
        }
        pop();
    }
}

std::optional<time_point> session_timers::next(const session_table& sessions) const {
    drop_stale(sessions);
    if (heap_.empty()) {
        return std::nullopt;
    }
    return heap_.front().at;
}

session* session_timers::pop_due(time_point now, session_table& sessions) {
    drop_stale(sessions);
    if (heap_.empty() || heap_.front().at > now) {
        return nullptr;
    }
    session* s = sessions.find(heap_.front().id);
    pop();
    s->scheduled = time_point::max();
    return s;
}

} // namespace snbridge::gateway
