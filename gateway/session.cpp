#include "gateway/session.hpp"

namespace snbridge::gateway {

std::string_view to_string(session_state s) noexcept {
    switch (s) {
    case session_state::will_topic_wait:
        return "will-topic-wait";
    case session_state::will_msg_wait:
        return "will-msg-wait";
    case session_state::open_wait:
        return "open-wait";
    case session_state::active:
        return "active";
    case session_state::asleep:
        return "asleep";
    case session_state::awake:
        return "awake";
    case session_state::lost:
        return "lost";
    case session_state::disconnected:
        return "disconnected";
    }
    return "?";
}

} // namespace snbridge::gateway
