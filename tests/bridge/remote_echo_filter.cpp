// bridge/remote/echo_filter: the bridge's own messages coming back from upstream are dropped
// (once per message sent, and further copies while it lingers); others pass; bounded.

#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/remote/echo_filter.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using bridge::remote::echo_filter;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

const echo_filter::clock::time_point t0{};

} // namespace

TEST_CASE("echo filter: a sent message's copy is dropped, other messages pass") {
    echo_filter f(16, 1000ms);
    f.expect("a/b", bytes("x"));
    CHECK_FALSE(f.is_echo("a/b", bytes("y"), t0)); // another payload
    CHECK_FALSE(f.is_echo("a/c", bytes("x"), t0)); // another topic
    CHECK(f.is_echo("a/b", bytes("x"), t0));       // the echo
    // Another copy (overlapping subscriptions upstream) while it lingers, then no more.
    CHECK(f.is_echo("a/b", bytes("x"), t0 + 999ms));
    CHECK_FALSE(f.is_echo("a/b", bytes("x"), t0 + 2000ms));
}

TEST_CASE("echo filter: the same message sent twice is expected back twice") {
    echo_filter f(16, 0ms);
    f.expect("t", bytes("1"));
    f.expect("t", bytes("1"));
    CHECK(f.is_echo("t", bytes("1"), t0));
    CHECK(f.is_echo("t", bytes("1"), t0));
    CHECK_FALSE(f.is_echo("t", bytes("1"), t0)); // a third one is someone else's
}

TEST_CASE("echo filter: bounded, the oldest record is forgotten") {
    echo_filter f(2, 0ms);
    f.expect("t/1", bytes("p"));
    f.expect("t/2", bytes("p"));
    f.expect("t/3", bytes("p"));
    CHECK(f.size() == 2);
    CHECK_FALSE(f.is_echo("t/1", bytes("p"), t0));
    CHECK(f.is_echo("t/2", bytes("p"), t0));
    CHECK(f.is_echo("t/3", bytes("p"), t0));
    echo_filter off(0);
    off.expect("t", bytes("p"));
    CHECK_FALSE(off.is_echo("t", bytes("p"), t0));
}
