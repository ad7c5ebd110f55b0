// Reconnect backoff of the remote modes (bridge/remote/backoff.hpp): exponential growth,
// cap, jitter bounds, reset. Tables of input -> expected output.

#include <doctest/doctest.h>

#include "bridge/remote/backoff.hpp"

using snbridge::bridge::remote::reconnect_backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("remote backoff: doubles from min up to max, without jitter at r=1") {
    reconnect_backoff b(ms(1000), ms(10000));
    const ms expected[] = {ms(1000), ms(2000), ms(4000), ms(8000), ms(10000), ms(10000)};
    for (const auto e : expected) {
        CHECK(b.next(1.0) == e);
    }
    CHECK(b.attempts() == 6);
}

TEST_CASE("remote backoff: jitter keeps each delay in [d/2, d]") {
    struct row {
        double r;
        ms first;
    };
    const row rows[] = {{0.0, ms(500)}, {0.5, ms(750)}, {0.999, ms(999)}, {1.0, ms(1000)}};
    for (const auto& r : rows) {
        reconnect_backoff b(ms(1000), ms(60000));
        CAPTURE(r.r);
        CHECK(b.next(r.r) == r.first);
    }
    reconnect_backoff b(ms(1000), ms(60000));
    for (int i = 0; i < 40; ++i) {
        const auto d = b.next(0.0);
        CHECK(d >= ms(500));
        CHECK(d <= ms(60000));
    }
    CHECK(b.next(0.0) == ms(30000)); // capped step 60 s, lower half
}

TEST_CASE("remote backoff: reset starts again from min") {
    reconnect_backoff b(ms(200), ms(5000));
    (void)b.next(1.0);
    (void)b.next(1.0);
    CHECK(b.next(1.0) == ms(800));
    b.reset();
    CHECK(b.attempts() == 0);
    CHECK(b.next(1.0) == ms(200));
}

TEST_CASE("remote backoff: degenerate bounds stay positive") {
    reconnect_backoff b(ms(0), ms(0));
    CHECK(b.next(0.0) >= ms(1));
    reconnect_backoff c(ms(5000), ms(100)); // max below min: min wins
    CHECK(c.next(1.0) == ms(5000));
    CHECK(c.next(1.0) == ms(5000));
}
