#include <doctest/doctest.h>

#include "common/metrics/registry.hpp"

namespace metrics = snbridge::common::metrics;

TEST_CASE("metrics registry: the same series is the same cell, another label another cell") {
    metrics::registry r;
    auto a = r.counter_of("snbridge_x_total", "X.", {{"reason", "truncated"}});
    auto b = r.counter_of("snbridge_x_total", "ignored", {{"reason", "truncated"}});
    auto c = r.counter_of("snbridge_x_total", "X.", {{"reason", "reserved_type"}});
    ++a;
    b += 2;
    ++c;
    CHECK(a.value() == 3);
    CHECK(b.value() == 3);
    CHECK(c.value() == 1);
    CHECK(r.value("snbridge_x_total", {{"reason", "truncated"}}) == 3.0);
    CHECK(r.total("snbridge_x_total") == 4.0);
    CHECK_FALSE(r.value("snbridge_x_total", {{"reason", "other"}}).has_value());
    CHECK_FALSE(r.value("snbridge_missing").has_value());
}

TEST_CASE("metrics registry: Prometheus text exposition, golden") {
    metrics::registry r;
    auto drops = r.counter_of("snbridge_b_total", "Drops by reason.", {{"reason", "a\"b\\c\nd"}});
    drops += 7;
    r.gauge_of("snbridge_a_bytes", "Bytes.").set(1.5);
    auto h = r.histogram_of("snbridge_c_seconds", "Latency.", {0.01, 0.001});
    h.observe(0.0005);
    h.observe(0.005);
    h.observe(3);
    r.collect("snbridge_d", "Sessions by state.", metrics::kind::gauge,
              [](const metrics::registry::emit& emit) {
                  emit({{"state", "active"}}, 2);
                  emit({{"state", "asleep"}}, 0);
              });
    r.collect("snbridge_e", "Nothing to say.", metrics::kind::gauge,
              [](const metrics::registry::emit&) {});
    CHECK(r.prometheus_text() == "# HELP snbridge_a_bytes Bytes.\n"
                                 "# TYPE snbridge_a_bytes gauge\n"
                                 "snbridge_a_bytes 1.5\n"
                                 "# HELP snbridge_b_total Drops by reason.\n"
                                 "# TYPE snbridge_b_total counter\n"
                                 "snbridge_b_total{reason=\"a\\\"b\\\\c\\nd\"} 7\n"
                                 "# HELP snbridge_c_seconds Latency.\n"
                                 "# TYPE snbridge_c_seconds histogram\n"
                                 "snbridge_c_seconds_bucket{le=\"0.001\"} 1\n"
                                 "snbridge_c_seconds_bucket{le=\"0.01\"} 2\n"
                                 "snbridge_c_seconds_bucket{le=\"+Inf\"} 3\n"
                                 "snbridge_c_seconds_sum 3.0055\n"
                                 "snbridge_c_seconds_count 3\n"
                                 "# HELP snbridge_d Sessions by state.\n"
                                 "# TYPE snbridge_d gauge\n"
                                 "snbridge_d{state=\"active\"} 2\n"
                                 "snbridge_d{state=\"asleep\"} 0\n");
}

TEST_CASE("metrics registry: collectors are read at every read, and can be forgotten") {
    metrics::registry r;
    int sessions = 1;
    r.collect("snbridge_sessions", "Sessions.", metrics::kind::gauge,
              [&](const metrics::registry::emit& emit) { emit({}, sessions); });
    CHECK(r.value("snbridge_sessions") == 1.0);
    sessions = 5;
    CHECK(r.value("snbridge_sessions") == 5.0);
    const auto all = r.samples();
    REQUIRE(all.size() == 1);
    CHECK(all[0].family == "snbridge_sessions");
    CHECK(all[0].value == 5.0);
    r.forget("snbridge_sessions");
    CHECK_FALSE(r.value("snbridge_sessions").has_value());
    CHECK(r.prometheus_text().empty());
}

TEST_CASE("metrics registry: numbers in fixed notation, as Prometheus examples write them") {
    metrics::registry r;
    auto h = r.histogram_of("snbridge_x_seconds", "X.", {0.0001});
    h.observe(0.00005);
    r.gauge_of("snbridge_big", "Big.").set(1796181676);
    const auto text = r.prometheus_text();
    CHECK(text.find("snbridge_x_seconds_bucket{le=\"0.0001\"} 1\n") != std::string::npos);
    CHECK(text.find("snbridge_x_seconds_sum 0.00005\n") != std::string::npos);
    CHECK(text.find("snbridge_big 1796181676\n") != std::string::npos);
}
