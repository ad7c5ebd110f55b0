// mode: transparent (bridge/remote/transparent_side) driven directly on a libuv loop against
// a real Mosquitto started by the test: one upstream connection per device under its own
// ClientId, both directions, will on close(lost), congestion while the broker is down,
// reconnect after a broker restart.

#include <doctest/doctest.h>

#include "bridge/remote/transparent_side.hpp"
#include "common/uv/loop.hpp"
#include "tests/bridge/remote_fixture.hpp"
#include "tests/support/run_until.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using bridge::remote::transparent_side;
using bridge::remote::upstream_options;
using common::open_status;
using test::run_until;

namespace {

upstream_options options_for(const test::remote_broker& b) {
    auto o = test::upstream_options_for(b, "gw-transparent");
    o.client_id_prefix = "sn-";
    return o;
}

struct fixture : test::side_fixture<transparent_side> {
    using side_fixture::side_fixture;
    bool open(common::session_id id, const std::string& client, bool clean = true,
              std::optional<common::will_message> will = std::nullopt) {
        side->open(id, common::open_params{client, clean, 30, std::move(will), {}, {}});
        return run_until(
            loop, [&] { return rec.open_of(id).has_value(); }, 10s);
    }
};

} // namespace

TEST_CASE("remote transparent: device ClientId at the broker, publish and subscribe both ways") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(f.open(1, "sensor-1"));
    REQUIRE(f.open(2, "sensor-2"));
    CHECK(f.rec.open_of(1)->status == open_status::accepted);
    CHECK_FALSE(f.rec.open_of(1)->session_present);
    // Each device is its own client at the broker, with the configured prefix.
    CHECK(broker.count(" as sn-sensor-1 ") == 1);
    CHECK(broker.count(" as sn-sensor-2 ") == 1);
    CHECK(f.side->device_count() == 2);

    f.side->subscribe(2, "t/+/x", 2, 10);
    REQUIRE(run_until(f.loop, [&] { return f.rec.subscribed.count(10) == 1; }));
    CHECK(f.rec.subscribed[10] == std::optional<std::uint8_t>(2));

    const std::string binary("\x00\x01\xff zero", 8);
    f.side->publish(1, test::text_message("t/a/x", binary, 1), 100);
    f.side->publish(1, test::text_message("t/b/x", "q0", 0), 101);
    f.side->publish(1, test::text_message("t/c/x", "q2", 2), 102);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(2).size() == 3; }));
    CHECK(f.rec.published == std::map<std::uint32_t, bool>{{100, true}, {102, true}});
    const auto got = f.rec.messages_of(2);
    CHECK(got[0].topic == "t/a/x");
    CHECK(test::text_of(got[0]) == binary);
    CHECK(got[0].qos == 1);
    CHECK(got[1].qos == 0);
    CHECK(got[2].qos == 2);

    f.side->unsubscribe(2, "t/+/x", 11);
    REQUIRE(run_until(f.loop, [&] { return f.rec.unsubscribed.size() == 1; }));
    f.side->publish(1, test::text_message("t/d/x", "after", 1), 103);
    REQUIRE(run_until(f.loop, [&] { return f.rec.published.count(103) == 1; }));
    f.side->close(1, common::close_reason::disconnect);
    f.side->close(2, common::close_reason::disconnect);
    CHECK(f.rec.messages_of(2).size() == 3);
}

TEST_CASE("remote transparent: retained message follows the subscription") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(f.open(1, "pub"));
    f.side->publish(1, test::text_message("ret/a", "kept", 1, true), 1);
    REQUIRE(run_until(f.loop, [&] { return f.rec.published.count(1) == 1; }));
    REQUIRE(f.open(2, "late"));
    f.side->subscribe(2, "ret/#", 1, 2);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(2).size() == 1; }));
    CHECK(f.rec.messages_of(2)[0].retain);
    CHECK(test::text_of(f.rec.messages_of(2)[0]) == "kept");
}

TEST_CASE("remote transparent: close(lost) publishes the will, close(disconnect) does not") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(f.open(1, "watcher"));
    f.side->subscribe(1, "wills/#", 1, 1);
    REQUIRE(run_until(f.loop, [&] { return f.rec.subscribed.count(1) == 1; }));

    const common::will_message will_a{"wills/a", {'g', 'o', 'n', 'e'}, 1, false};
    const common::will_message will_b{"wills/b", {'b', 'y', 'e'}, 1, false};
    REQUIRE(f.open(2, "dev-a", true, will_a));
    REQUIRE(f.open(3, "dev-b", true, will_b));
    f.side->close(3, common::close_reason::disconnect); // will discarded
    f.side->close(2, common::close_reason::lost);       // will published
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 1; }));
    // Let dev-b's disconnect settle too; still only dev-a's will.
    run_until(
        f.loop, [] { return false; }, 700ms);
    REQUIRE(f.rec.messages_of(1).size() == 1);
    CHECK(f.rec.messages_of(1)[0].topic == "wills/a");
    CHECK(test::text_of(f.rec.messages_of(1)[0]) == "gone");
}

TEST_CASE("remote transparent: CleanSession=0 keeps the broker session across close/open") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(f.open(1, "sleepy", false));
    f.side->subscribe(1, "cmd/sleepy", 1, 1);
    REQUIRE(run_until(f.loop, [&] { return f.rec.subscribed.count(1) == 1; }));
    f.side->close(1, common::close_reason::disconnect);
    REQUIRE(f.open(2, "sender"));
    f.side->publish(2, test::text_message("cmd/sleepy", "wake", 1), 5);
    REQUIRE(run_until(f.loop, [&] { return f.rec.published.count(5) == 1; }));
    f.rec.opens.clear();
    REQUIRE(f.open(1, "sleepy", false));
    CHECK(f.rec.open_of(1)->session_present);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 1; }));
    CHECK(test::text_of(f.rec.messages_of(1)[0]) == "wake");
}

TEST_CASE("remote transparent: broker down -> congestion, after restart devices connect") {
    auto broker = std::make_unique<test::remote_broker>();
    auto opts = options_for(*broker);
    fixture f(opts);
    REQUIRE(f.open(1, "early"));
    CHECK(f.rec.open_of(1)->status == open_status::accepted);
    f.side->subscribe(1, "back/#", 1, 1);
    REQUIRE(run_until(f.loop, [&] { return f.rec.subscribed.count(1) == 1; }));

    broker->stop();
    // The device asks while the broker is down: it must retry later (CONNACK 0x01).
    REQUIRE(f.open(2, "during-outage"));
    CHECK(f.rec.open_of(2)->status == open_status::congestion);
    CHECK(f.side->device_count() == 1);
    // A QoS 1 publish from the already-open device is taken into custody.
    f.side->publish(1, test::text_message("back/x", "buffered", 1, true), 7);
    REQUIRE(run_until(f.loop, [&] { return f.rec.published.count(7) == 1; }));
    CHECK(f.rec.published[7]);

    broker->start(); // same port
    f.rec.opens.clear();
    // Reconnect with backoff (max 0.8 s here); then new devices are accepted again.
    REQUIRE(run_until(
        f.loop,
        [&] {
            if (f.rec.open_of(3) && f.rec.open_of(3)->status == open_status::accepted) {
                return true;
            }
            if (f.rec.open_of(3)) {
                f.rec.opens.clear();
            }
            if (f.rec.opens.empty()) {
                f.side->open(3, common::open_params{"after", true, 30, {}, {}, {}});
            }
            return false;
        },
        15s));
    // The buffered (retained) publish reached the broker after the reconnect.
    f.side->subscribe(3, "back/x", 1, 2);
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.count_topic(3, "back/x") == 1; }, 10s));
    CHECK(test::text_of(f.rec.messages_of(3)[0]) == "buffered");
    // The early device's connection came back with a clean session: its subscription was
    // restored by the side.
    f.side->publish(3, test::text_message("back/y", "hello", 1), 8);
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.count_topic(1, "back/y") == 1; }, 10s));
    CHECK(broker->count("Received SUBSCRIBE from sn-early") == 2);
}
