// gateway::rate_limiter: token buckets per source address (issue 15 point 4), tested with an
// injected clock: the burst passes, the rest waits for the rate, addresses are independent,
// bytes count too, and the table of addresses stays bounded.

#include <chrono>

#include <doctest/doctest.h>

#include "gateway/rate_limiter.hpp"

using snbridge::common::net_address;
using snbridge::gateway::rate_limiter;
using namespace std::chrono_literals;

namespace {

const net_address noisy = net_address::v4(10, 0, 0, 1, 5000);
const net_address quiet = net_address::v4(10, 0, 0, 2, 5000);

int admitted(rate_limiter& l, const net_address& from, int n, std::size_t bytes,
             rate_limiter::clock::time_point at) {
    int ok = 0;
    for (int i = 0; i < n; ++i) {
        ok += l.admit(from, bytes, at) ? 1 : 0;
    }
    return ok;
}

} // namespace

TEST_CASE("rate_limiter: off by default, every datagram passes") {
    rate_limiter l({});
    CHECK_FALSE(l.enabled());
    CHECK(admitted(l, noisy, 10000, 100, rate_limiter::clock::time_point{}) == 10000);
    CHECK(l.tracked() == 0);
}

TEST_CASE("rate_limiter: the burst passes, then the rate, and another address keeps its own "
          "bucket") {
    rate_limiter l({.datagrams_per_second = 100, .burst = 500ms});
    const auto t0 = rate_limiter::clock::time_point{} + 1h;
    CHECK(admitted(l, noisy, 200, 10, t0) == 50); // 0.5 s of 100/s
    CHECK(admitted(l, quiet, 10, 10, t0) == 10);  // not starved by the noisy one
    CHECK(admitted(l, noisy, 200, 10, t0 + 100ms) == 10);
    CHECK(admitted(l, noisy, 200, 10, t0 + 10s) == 50); // refilled to the burst, no more
}

TEST_CASE("rate_limiter: bytes count as well as datagrams") {
    rate_limiter l({.bytes_per_second = 1000, .burst = 1000ms});
    const auto t0 = rate_limiter::clock::time_point{} + 1h;
    CHECK(admitted(l, noisy, 100, 300, t0) == 3); // 900 of 1000 bytes
    CHECK(l.admit(noisy, 100, t0));               // the last 100 fit
    CHECK_FALSE(l.admit(noisy, 1, t0));
}

TEST_CASE("rate_limiter: the table of addresses is bounded, quiet addresses are forgotten "
          "first") {
    rate_limiter l({.datagrams_per_second = 10, .burst = 1000ms, .max_addresses = 100});
    const auto t0 = rate_limiter::clock::time_point{} + 1h;
    for (std::uint16_t port = 1; port <= 1000; ++port) {
        CHECK(l.admit(net_address::v4(10, 0, 1, 1, port), 10, t0)); // each new one has room
        CHECK(l.tracked() <= 100);
    }
    // The noisy address spent its bucket; after a quiet second the table may forget the
    // others (their buckets are full again) but the noisy one is still limited.
    CHECK(admitted(l, noisy, 20, 10, t0) == 10);
    CHECK(l.tracked() <= 100);
    CHECK_FALSE(l.admit(noisy, 10, t0));
}
