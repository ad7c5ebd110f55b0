#include "gateway/drop_counter.hpp"

#include "common/log.hpp"

namespace snbridge::gateway {

drop_counter::drop_counter(limits l)
    : limits_(l)
    , own_(std::make_unique<common::metrics::registry>())
    , metrics_(own_.get()) {}

drop_counter::drop_counter(common::metrics::registry& metrics)
    : drop_counter(metrics, limits{}) {}

drop_counter::per_reason& drop_counter::entry(std::string_view reason) {
    auto it = reasons_.find(reason);
    if (it == reasons_.end()) {
        per_reason r;
        r.count = metrics_->counter_of("snbridge_mqttsn_dropped_total",
                                       "MQTT-SN datagrams and messages the gateway dropped, by "
                                       "reason (docs/monitoring.md).",
                                       {{"reason", reason}});
        it = reasons_.emplace(std::string(reason), r).first;
    }
    return it->second;
}

void drop_counter::drop(std::string_view reason, const common::net_address& from, std::size_t size,
                        clock::time_point now, std::string_view detail) {
    const bool first = reasons_.find(reason) == reasons_.end();
    auto& r = entry(reason);
    if (first) {
        r.window_start = now;
    }
    ++r.count;
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
    ++entry(reason).count;
}

void drop_counter::drop(common::mqttsn::decode_error e, const common::net_address& from,
                        std::size_t size, clock::time_point now) {
    drop(common::mqttsn::to_string(e), from, size, now);
}

std::uint64_t drop_counter::count(std::string_view reason) const {
    const auto it = reasons_.find(reason);
    return it == reasons_.end() ? 0 : it->second.count.value();
}

std::uint64_t drop_counter::total() const noexcept {
    std::uint64_t sum = 0;
    for (const auto& [reason, r] : reasons_) {
        sum += r.count.value();
    }
    return sum;
}

std::string drop_counter::summary() const {
    const auto all = total();
    if (all == 0) {
        return "Dropped no datagrams.";
    }
    std::string out =
        "Dropped " + std::to_string(all) + (all == 1 ? " datagram: " : " datagrams: ");
    bool first = true;
    for (const auto& [reason, r] : reasons_) {
        if (!first) {
            out += ", ";
        }
        out += reason + " " + std::to_string(r.count.value());
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
