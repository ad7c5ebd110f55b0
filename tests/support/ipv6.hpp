#pragma once

// The run-time IPv6 check of tests that test IPv6 (issue 13): on a host or in a network
// namespace without IPv6 they run their IPv4 part and report the IPv6 part as not run, with
// doctest's MESSAGE, instead of failing. Header-only (doctest macros, test bodies only).

#include <string>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"

namespace snbridge::test {

/// ipv6_loopback_available(); when false, says with MESSAGE that `what` is not checked here.
inline bool ipv6_or_message(const char* what) {
    if (ipv6_loopback_available()) {
        return true;
    }
    const std::string text =
        std::string("no IPv6 here ([::1] cannot be bound): not checked: ") + what;
    MESSAGE(text);
    return false;
}

} // namespace snbridge::test
