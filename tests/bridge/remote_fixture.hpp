#pragma once

// A remote-mode mqtt_side (transparent or aggregating) on its own libuv loop with a recording
// listener, shared by the remote-mode tests. Each test file adds its mode's own open().

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "bridge/remote/upstream_options.hpp"
#include "common/uv/loop.hpp"
#include "tests/bridge/remote_broker.hpp"
#include "tests/bridge/remote_recorder.hpp"
#include "tests/support/run_until.hpp"

namespace snbridge::test {

/// Upstream options for a test broker: fast reconnects, short connect timeout.
inline bridge::remote::upstream_options upstream_options_for(const remote_broker& b,
                                                             std::string client_id) {
    using namespace std::chrono_literals;
    bridge::remote::upstream_options o;
    o.uri = b.uri();
    o.client_id = std::move(client_id);
    o.reconnect_min = 100ms;
    o.reconnect_max = 800ms;
    o.connect_timeout = 2s;
    return o;
}

template <class Side>
struct side_fixture {
    /// `more`: what Side::create takes after the options (aggregating: the broker core...).
    template <class... More>
    explicit side_fixture(bridge::remote::upstream_options o, More&&... more) {
        auto s = Side::create(loop, std::move(o), std::forward<More>(more)...);
        REQUIRE(s.has_value());
        side = std::move(*s);
        side->set_listener(rec);
    }
    ~side_fixture() {
        using namespace std::chrono_literals;
        bool done = false;
        side->stop([&] { done = true; });
        run_until(
            loop, [&] { return done; }, 10s);
        side.reset();
    }
    side_fixture(const side_fixture&) = delete;
    side_fixture& operator=(const side_fixture&) = delete;

    common::uv::loop loop;
    recorder rec;
    std::unique_ptr<Side> side;
};

} // namespace snbridge::test
