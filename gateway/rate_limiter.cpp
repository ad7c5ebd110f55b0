#include "gateway/rate_limiter.hpp"

#include <algorithm>

namespace snbridge::gateway {

namespace {

double seconds(std::chrono::milliseconds d) noexcept {
    return static_cast<double>(d.count()) / 1000.0;
}

} // namespace

void rate_limiter::refill(bucket& b, clock::time_point now) const noexcept {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (elapsed <= 0) {
        return;
    }
    const double burst = seconds(limits_.burst);
    b.datagrams = std::min(limits_.datagrams_per_second * burst,
                           b.datagrams + elapsed * limits_.datagrams_per_second);
    b.bytes =
        std::min(limits_.bytes_per_second * burst, b.bytes + elapsed * limits_.bytes_per_second);
    b.last = now;
}

bool rate_limiter::full(const bucket& b) const noexcept {
    const double burst = seconds(limits_.burst);
    return b.datagrams >= limits_.datagrams_per_second * burst &&
           b.bytes >= limits_.bytes_per_second * burst;
}

void rate_limiter::make_room(clock::time_point now) {
    // Quiet addresses first: their buckets are full again, so forgetting them changes nothing.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        it = full(it->second) ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= limits_.max_addresses) {
        buckets_.clear(); // a flood of (spoofed) addresses: start again, holding nothing
    }
}

bool rate_limiter::admit(const common::net_address& from, std::size_t bytes,
                         clock::time_point now) {
    if (!enabled()) {
        return true;
    }
    auto it = buckets_.find(from);
    if (it == buckets_.end()) {
        if (buckets_.size() >= limits_.max_addresses) {
            make_room(now);
        }
        const double burst = seconds(limits_.burst);
        it = buckets_
                 .emplace(from, bucket{.datagrams = limits_.datagrams_per_second * burst,
                                       .bytes = limits_.bytes_per_second * burst,
                                       .last = now})
                 .first;
    }
    auto& b = it->second;
    refill(b, now);
    const auto size = static_cast<double>(bytes);
    const bool datagram_ok = limits_.datagrams_per_second <= 0 || b.datagrams >= 1;
    const bool bytes_ok = limits_.bytes_per_second <= 0 || b.bytes >= size;
    if (!datagram_ok || !bytes_ok) {
        return false;
    }
    if (limits_.datagrams_per_second > 0) {
        b.datagrams -= 1;
    }
    if (limits_.bytes_per_second > 0) {
        b.bytes -= size;
    }
    return true;
}

} // namespace snbridge::gateway
