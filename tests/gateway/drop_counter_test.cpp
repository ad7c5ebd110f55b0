// gateway/drop_counter: counts per reason, rate-limited log lines, shutdown summary.

#include <doctest/doctest.h>

#include "gateway/drop_counter.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using gateway::drop_counter;

namespace {
const auto from = common::net_address::v4(127, 0, 0, 1, 40001);
}

TEST_CASE("drop_counter: counts per reason and in total") {
    drop_counter drops;
    const auto t0 = drop_counter::clock::time_point{} + 1h;
    CHECK(drops.summary() == "Dropped no datagrams.");
    drops.drop(common::mqttsn::decode_error::truncated, from, 3, t0);
    drops.drop(common::mqttsn::decode_error::truncated, from, 1, t0);
    drops.drop(common::mqttsn::decode_error::reserved_type, from, 2, t0);
    drops.drop("qos_minus_one_not_allowed", from, 9, t0, "sender not configured");
    CHECK(drops.count("truncated") == 2);
    CHECK(drops.count("reserved_type") == 1);
    CHECK(drops.count("qos_minus_one_not_allowed") == 1);
    CHECK(drops.count("empty") == 0);
    CHECK(drops.total() == 4);
    CHECK(drops.suppressed() == 0);
    CHECK(drops.summary() ==
          "Dropped 4 datagrams: qos_minus_one_not_allowed 1, reserved_type 1, truncated 2.");
}

TEST_CASE("drop_counter: logging is rate-limited per reason and per window, counting is not") {
    drop_counter drops({.lines_per_window = 3, .window = 10s});
    const auto t0 = drop_counter::clock::time_point{} + 1h;
    for (int i = 0; i < 100; ++i) {
        drops.drop("truncated", from, 1, t0 + std::chrono::milliseconds(i));
    }
    CHECK(drops.count("truncated") == 100);
    CHECK(drops.suppressed() == 97);
    // Another reason has its own budget.
    drops.drop("empty", from, 0, t0);
    CHECK(drops.suppressed() == 97);
    // A new window: logged again (and the suppressed count is reported).
    drops.drop("truncated", from, 1, t0 + 10s);
    CHECK(drops.suppressed() == 97);
    drops.drop("truncated", from, 1, t0 + 10s);
    drops.drop("truncated", from, 1, t0 + 10s);
    drops.drop("truncated", from, 1, t0 + 10s);
    CHECK(drops.suppressed() == 98);
    CHECK(drops.summary() ==
          "Dropped 105 datagrams: empty 1, truncated 104. 98 of them were not logged one by one.");
}
