#pragma once

// Measurement pieces of snbridge-bench: the timestamped payload, a latency log with
// percentiles, and samples of another process from /proc (RSS, CPU, context switches) and of
// a UDP port's kernel receive drops from /proc/net/udp{,6}.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace snbridge::tools::bench {

using clock_type = std::chrono::steady_clock;

/// Nanoseconds of the monotonic clock (CLOCK_MONOTONIC: the same in every process and thread).
[[nodiscard]] std::uint64_t now_ns() noexcept;

/// Smallest payload: 8-byte send time (ns), 4-byte sender index, 4-byte sequence number.
inline constexpr std::size_t min_payload_size = 16;

/// Fills `out` (>= min_payload_size bytes; the rest is 'x' padding).
void stamp_payload(std::span<std::uint8_t> out, std::uint32_t sender, std::uint32_t seq) noexcept;

struct stamp {
    std::uint64_t sent_ns = 0;
    std::uint32_t sender = 0;
    std::uint32_t seq = 0;
};
/// nullopt if the payload is too short to carry a stamp.
[[nodiscard]] std::optional<stamp> read_stamp(std::span<const std::uint8_t> payload) noexcept;

/// Latencies in nanoseconds; percentile() sorts lazily.
class latency_log {
public:
    void add(std::uint64_t ns) {
        samples_.push_back(ns);
        sorted_ = false;
    }
    void merge(const latency_log& other);
    [[nodiscard]] std::size_t size() const noexcept { return samples_.size(); }
    /// p in [0,100]; 0 when empty. Nearest-rank.
    [[nodiscard]] double percentile_ms(double p);
    [[nodiscard]] double max_ms();
    void reserve(std::size_t n) { samples_.reserve(n); }

private:
    std::vector<std::uint64_t> samples_;
    bool sorted_ = true;
};

/// Counters of one process from /proc/<pid>/{stat,status}.
struct proc_sample {
    bool valid = false;
    std::uint64_t rss_kb = 0;
    std::uint64_t hwm_kb = 0;    ///< peak RSS
    std::uint64_t cpu_ticks = 0; ///< utime + stime, in clock ticks
    std::uint64_t voluntary_ctxt = 0;
    std::uint64_t nonvoluntary_ctxt = 0;
    clock_type::time_point at;
};
[[nodiscard]] proc_sample sample_process(int pid);
/// CPU use between two samples, in percent of one core.
[[nodiscard]] double cpu_percent(const proc_sample& a, const proc_sample& b) noexcept;

/// Sum of the "drops" column of /proc/net/udp and /proc/net/udp6 over sockets bound to
/// local `port` (all processes; on a test machine that is the gateway).
[[nodiscard]] std::uint64_t udp_drops(std::uint16_t port);

} // namespace snbridge::tools::bench
