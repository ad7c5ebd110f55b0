#pragma once

// Counted, logged drops (docs/architecture.md "Custody"). Every datagram or
// message the gateway throws away goes through drop(): the count per reason always grows, and
// a log line names the sender, the size and the reason. Logging is rate-limited per reason
// (a flood of garbage cannot flood the log): at most `lines_per_window` lines per reason per
// window; the rest are counted and reported as "... more not logged" when the next window
// opens, and in the shutdown summary. Time is injected. Loop thread only.
//
// The counts are the metrics registry's `snbridge_mqttsn_dropped_total{reason}` series (the
// one place drops are counted, read by /metrics and the exit summary alike); this class is
// their logging front end. Without a registry it keeps one of its own (tests).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/metrics/registry.hpp"
#include "common/mqttsn/packet.hpp"
#include "common/net_address.hpp"

namespace snbridge::gateway {

class drop_counter {
public:
    using clock = std::chrono::steady_clock;

    struct limits {
        std::size_t lines_per_window = 10;
        std::chrono::seconds window = std::chrono::seconds(10);
    };

    /// Counts into a registry of its own.
    drop_counter()
        : drop_counter(limits{}) {}
    explicit drop_counter(limits l);
    /// Counts into `metrics`, which must outlive it.
    explicit drop_counter(common::metrics::registry& metrics);
    drop_counter(common::metrics::registry& metrics, limits l)
        : limits_(l)
        , metrics_(&metrics) {}
    drop_counter(const drop_counter&) = delete;
    drop_counter& operator=(const drop_counter&) = delete;

    /// Counts one drop of a `size`-byte datagram from `from` for `reason` (a short stable
    /// snake_case word: a decode_error name, "session_queue_full", ...) and logs it unless the
    /// reason is over its rate limit. `detail` (optional) is appended to the log line.
    void drop(std::string_view reason, const common::net_address& from, std::size_t size,
              clock::time_point now, std::string_view detail = {});
    /// Counts one drop for `reason` without a line of its own (the caller logs the episode).
    void count_quietly(std::string_view reason);
    /// The same for a decode error (the reason is to_string(e): "truncated", ...).
    void drop(common::mqttsn::decode_error e, const common::net_address& from, std::size_t size,
              clock::time_point now);

    /// Drops counted for `reason` so far.
    [[nodiscard]] std::uint64_t count(std::string_view reason) const;
    [[nodiscard]] std::uint64_t total() const noexcept;
    /// Log lines not written because of the rate limit (all reasons).
    [[nodiscard]] std::uint64_t suppressed() const noexcept { return suppressed_total_; }

    /// "Dropped 7 datagrams: length_mismatch 2, truncated 5." (reasons in name order), or
    /// "Dropped no datagrams." Also reports suppressed lines still pending.
    [[nodiscard]] std::string summary() const;
    /// Logs summary() at notice level (shutdown).
    void log_summary() const;

private:
    struct per_reason {
        common::metrics::counter count;
        clock::time_point window_start{};
        std::size_t lines_in_window = 0;
        std::uint64_t suppressed_in_window = 0;
    };

    per_reason& entry(std::string_view reason);

    limits limits_{};
    std::unique_ptr<common::metrics::registry> own_;
    common::metrics::registry* metrics_ = nullptr;
    // Keys are reasons chosen by the code, never by the network, so this map stays small.
    std::map<std::string, per_reason, std::less<>> reasons_;
    std::uint64_t suppressed_total_ = 0;
};

} // namespace snbridge::gateway
