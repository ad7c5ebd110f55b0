#include "gateway/drop_counter.hpp"

#include "common/log.hpp"

namespace snbridge::gateway {

void drop_counter::drop(std::string_view reason, const common::net_address& from, std::size_t size,
                        clock::time_point now, std::string_view detail) {
    auto it = reasons_.find(reason);
    if (it == reasons_.end()) {
        it = reasons_.emplace(std::string(reason), per_reason{}).first;
        it->second.window_start = now;
    }
    auto& r = it->second;
    ++r.count;
    ++total_;
    if (now - r.window_start >= limits_.window) {
        if (r.suppressed_in_window > 0) {
            common::log::warning("Dropped ", r.suppressed_in_window, " more datagrams (", reason,
                                 ") without logging them.");
        }
        r.window_start = now;
        r.lines_in_window = 0;
        r.suppressed_in_window = 0;
    }
    if (r.lines_in_window >= limits_.lines_per_window) {
        ++r.suppressed_in_window;
        ++suppressed_total_;
        return;
    }
    ++r.lines_in_window;
    common::log::warning("Dropped datagram from ", from.to_string(), " (", size,
                         " bytes): ", reason, detail.empty() ? "" : " (", detail,
                         detail.empty() ? "" : ")",
                         r.lines_in_window == limits_.lines_per_window
                             ? "; further drops for this reason are only counted for a while"
                             : "",
                         ".");
}

void drop_counter::count_quietly(std::string_view reason) {
    auto it = reasons_.find(reason);
    if (it == reasons_.end()) {
        it = reasons_.emplace(std::string(reason), per_reason{}).first;
    }
    ++it->second.count;
    ++total_;
}

void drop_counter::drop(common::mqttsn::decode_error e, const common::net_address& from,
                        std::size_t size, clock::time_point now) {
    drop(common::mqttsn::to_string(e), from, size, now);
}

std::uint64_t drop_counter::count(std::string_view reason) const {
    const auto it = reasons_.find(reason);
    return it == reasons_.end() ? 0 : it->second.count;
}

std::string drop_counter::summary() const {
    if (total_ == 0) {
        return "Dropped no datagrams.";
    }
    std::string out =
        "Dropped " + std::to_string(total_) + (total_ == 1 ? " datagram: " : " datagrams: ");
    bool first = true;
    for (const auto& [reason, r] : reasons_) {
        if (!first) {
            out += ", ";
        }
        out += reason + " " + std::to_string(r.count);
        first = false;
    }
    out += ".";
    if (suppressed_total_ > 0) {
        out += " " + std::to_string(suppressed_total_) + " of them were not logged one by one.";
    }
    return out;
}

void drop_counter::log_summary() const {
    common::log::notice(summary());
}

} // namespace snbridge::gateway
