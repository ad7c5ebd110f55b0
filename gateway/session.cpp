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

std::string to_string(const endpoint& e) {
    std::string out = e.address.to_string();
    if (e.via_forwarder) {
        static constexpr char digits[] = "0123456789abcdef";
        out += " node ";
        for (const char ch : e.node_id) {
            const auto c = static_cast<unsigned char>(ch);
            out += digits[c >> 4];
            out += digits[c & 15];
        }
        if (e.node_id.empty()) {
            out += "-"; // §5.5 allows an empty Wireless Node Id
        }
    }
    return out;
}

} // namespace snbridge::gateway
