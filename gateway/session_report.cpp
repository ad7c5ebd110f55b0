#include "gateway/session_report.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace snbridge::gateway {

std::vector<std::string> session_report(const session_table& sessions) {
    std::vector<const session*> ordered;
    ordered.reserve(sessions.size());
    for (const auto& entry : sessions) {
        ordered.push_back(&entry.second);
    }
    std::sort(ordered.begin(), ordered.end(),
              [](const session* a, const session* b) { return a->client_id < b->client_id; });
    std::vector<std::string> lines;
    lines.reserve(ordered.size() + 1);
    lines.push_back(common::log::cat("Sessions: ", ordered.size(), "."));
    for (const session* s : ordered) {
        std::string line = common::log::cat("Session ", s->client_id, ": ", to_string(s->state),
                                            ", ", to_string(s->peer));
        if (!s->reachable) {
            line += ", unreachable";
        }
        line += common::log::cat(", keep-alive ", s->keep_alive_s, " s");
        if (s->state == session_state::asleep || s->state == session_state::awake) {
            line += common::log::cat(", sleep ", s->sleep_s, " s");
        }
        line += common::log::cat(", ", s->queue.size(), " queued");
        if (s->inflight) {
            line += ", 1 in flight";
        }
        line += ".";
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace snbridge::gateway
