#include "tools/support/bench_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <time.h>
#include <unistd.h>

namespace snbridge::tools::bench {

std::uint64_t now_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

void stamp_payload(std::span<std::uint8_t> out, std::uint32_t sender, std::uint32_t seq) noexcept {
    const std::uint64_t t = now_ns();
    std::memcpy(out.data(), &t, 8);
    std::memcpy(out.data() + 8, &sender, 4);
    std::memcpy(out.data() + 12, &seq, 4);
}

std::optional<stamp> read_stamp(std::span<const std::uint8_t> payload) noexcept {
    if (payload.size() < min_payload_size) {
        return std::nullopt;
    }
    stamp s;
    std::memcpy(&s.sent_ns, payload.data(), 8);
    std::memcpy(&s.sender, payload.data() + 8, 4);
    std::memcpy(&s.seq, payload.data() + 12, 4);
    return s;
}

void latency_log::merge(const latency_log& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
    sorted_ = false;
}

double latency_log::percentile_ms(double p) {
    if (samples_.empty()) {
        return 0.0;
    }
    if (!sorted_) {
        std::sort(samples_.begin(), samples_.end());
        sorted_ = true;
    }
    // The epsilon keeps 99.9 % of 1000 at rank 999 despite binary floating point.
    const double rank = std::ceil(p * static_cast<double>(samples_.size()) / 100.0 - 1e-9);
    const auto idx =
        static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(samples_.size()))) - 1;
    return static_cast<double>(samples_[idx]) / 1e6;
}

double latency_log::max_ms() {
    return percentile_ms(100.0);
}

proc_sample sample_process(int pid) {
    proc_sample s;
    s.at = clock_type::now();
    if (pid <= 0) {
        return s;
    }
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream stat(base + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return s;
    }
    // Fields after the ")" of comm: state is field 3; utime 14, stime 15 (proc(5)).
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return s;
    }
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) {
            utime = std::stoull(field);
        } else if (i == 15) {
            stime = std::stoull(field);
        }
    }
    s.cpu_ticks = utime + stime;
    std::ifstream status(base + "/status");
    while (std::getline(status, line)) {
        auto value = [&line]() {
            const auto colon = line.find(':');
            return std::stoull(line.substr(colon + 1));
        };
        if (line.rfind("VmRSS:", 0) == 0) {
            s.rss_kb = value();
        } else if (line.rfind("VmHWM:", 0) == 0) {
            s.hwm_kb = value();
        } else if (line.rfind("voluntary_ctxt_switches:", 0) == 0) {
            s.voluntary_ctxt = value();
        } else if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
            s.nonvoluntary_ctxt = value();
        }
    }
    s.valid = true;
    return s;
}

double cpu_percent(const proc_sample& a, const proc_sample& b) noexcept {
    const double secs = std::chrono::duration<double>(b.at - a.at).count();
    const auto hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    if (!a.valid || !b.valid || secs <= 0 || hz <= 0) {
        return 0.0;
    }
    return 100.0 * static_cast<double>(b.cpu_ticks - a.cpu_ticks) / hz / secs;
}

std::uint64_t udp_drops(std::uint16_t port) {
    std::uint64_t total = 0;
    for (const char* path : {"/proc/net/udp", "/proc/net/udp6"}) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line); // header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string sl;
            std::string local;
            f >> sl >> local;
            const auto colon = local.rfind(':');
            if (colon == std::string::npos ||
                std::stoul(local.substr(colon + 1), nullptr, 16) != port) {
                continue;
            }
            // The last column is "drops".
            const auto last = line.find_last_not_of(" \n");
            const auto start = line.find_last_of(' ', last);
            total += std::stoull(line.substr(start + 1, last - start));
        }
    }
    return total;
}

} // namespace snbridge::tools::bench
