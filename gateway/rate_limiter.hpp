#pragma once

// A rate limit per source address (config `mqttsn.rate_limit`, issue 15): two token buckets
// per address, datagrams and bytes per second, each holding up to `burst` seconds' worth.
// Applied by the UDP runtime before anything is decoded, so that one noisy or hostile address
// cannot starve the others; what it refuses is counted as a drop ("rate_limited"). The table
// of addresses is bounded: when full, buckets that have refilled (the address has been quiet)
// are forgotten, and if none has, the table starts again (a new address starts with a full
// bucket, so forgetting only ever lets more through). Loop thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "common/net_address.hpp"

namespace snbridge::gateway {

class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    struct limits {
        /// 0: no limit of that kind.
        double datagrams_per_second = 0;
        double bytes_per_second = 0;
        /// Bucket size, in seconds of the rate: a quiet address may send this much at once.
        std::chrono::milliseconds burst{1000};
        std::size_t max_addresses = 65536;
    };

    explicit rate_limiter(limits l) noexcept
        : limits_(l) {}

    [[nodiscard]] bool enabled() const noexcept {
        return limits_.datagrams_per_second > 0 || limits_.bytes_per_second > 0;
    }
    /// Takes one datagram of `bytes` from `from`'s buckets: false when either is empty (drop
    /// it). Always true when disabled.
    bool admit(const common::net_address& from, std::size_t bytes, clock::time_point now);
    /// Addresses currently tracked (tests).
    [[nodiscard]] std::size_t tracked() const noexcept { return buckets_.size(); }

private:
    struct bucket {
        double datagrams = 0;
        double bytes = 0;
        clock::time_point last{};
    };
    void refill(bucket& b, clock::time_point now) const noexcept;
    [[nodiscard]] bool full(const bucket& b) const noexcept;
    void make_room(clock::time_point now);

    limits limits_;
    std::unordered_map<common::net_address, bucket, common::net_address_hash> buckets_;
};

} // namespace snbridge::gateway
