// mode: aggregating (bridge/remote/aggregating_side: the built-in broker plus one upstream
// bridge) driven directly on a libuv loop against a real Mosquitto started by the test: one
// shared upstream connection, the devices' filters subscribed upstream ref-counted at the
// highest QoS, fan-out through the broker's trie (one copy at the highest QoS, MQTT 3.1.1
// §3.3.5), wills published by the local broker and bridged out, CleanSession=0 sessions kept
// by the broker, custody through a broker outage, upstream.topics rules with prefixes, and
// no echo of what the bridge itself carried.

#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "bridge/local/broker_core.hpp"
#include "bridge/remote/aggregating_side.hpp"
#include "common/uv/loop.hpp"
#include "tests/bridge/remote_fixture.hpp"
#include "tests/support/run_until.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using bridge::remote::aggregating_side;
using bridge::remote::bridge_rule;
using bridge::remote::upstream_options;
using common::open_status;
using config::bridge_direction;
using test::run_until;

namespace {

upstream_options options_for(const test::remote_broker& b) {
    return test::upstream_options_for(b, "gw-agg");
}

struct fixture : test::side_fixture<aggregating_side> {
    explicit fixture(upstream_options o,
                     std::optional<std::vector<bridge_rule>> rules = std::nullopt)
        : side_fixture(std::move(o), std::make_shared<bridge::local::broker_core>(),
                       std::move(rules)) {}
    void open(common::session_id id, const std::string& client, bool clean = true,
              std::optional<common::will_message> will = std::nullopt) {
        side->open(id, common::open_params{client, clean, 30, std::move(will), {}, {}});
        REQUIRE(rec.open_of(id).has_value()); // answered at once: sessions are local
        CHECK(rec.open_of(id)->status == open_status::accepted);
    }
    bool subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                   std::uint32_t token) {
        side->subscribe(id, filter, qos, token);
        return run_until(
            loop, [&] { return rec.subscribed.count(token) == 1; }, 10s);
    }
    /// Runs the loop for `d`: what is still on its way arrives, nothing more may come.
    void settle(std::chrono::milliseconds d = 300ms) {
        run_until(
            loop, [] { return false; }, d);
    }
};

/// mosquitto_sub on the remote broker printing "<topic> <payload>" per message.
std::unique_ptr<test::process> remote_sub(const test::remote_broker& b, const std::string& filter,
                                          const std::string& id) {
    return std::make_unique<test::process>(
        "/usr/bin/mosquitto_sub",
        std::vector<std::string>{"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-i", id, "-q",
                                 "1", "-t", filter, "-F", "%t %p"});
}

void remote_pub(const test::remote_broker& b, const std::string& topic, const std::string& text,
                int qos, bool retain = false) {
    std::vector<std::string> args{"-h", "127.0.0.1", "-p", std::to_string(b.port()), "-t", topic,
                                  "-m", text,        "-q", std::to_string(qos)};
    if (retain) {
        args.emplace_back("-r");
    }
    test::process pub("/usr/bin/mosquitto_pub", args);
    REQUIRE(pub.wait_exit(10s) == std::optional<int>(0));
}

std::size_t lines_of(const std::string& text, const std::string& line) {
    std::size_t n = 0;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        n += l == line ? 1U : 0U;
    }
    return n;
}

} // namespace

TEST_CASE("remote aggregating: one connection, ref-counted filters, fan-out to all matches") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "s1");
    f.open(2, "s2");
    f.open(3, "s3");
    f.open(9, "publisher");
    REQUIRE(f.subscribe(1, "f/#", 0, 1));
    REQUIRE(f.subscribe(2, "f/+/a", 2, 2));
    REQUIRE(f.subscribe(3, "f/x/a", 1, 3));
    REQUIRE(f.subscribe(3, "f/+/a", 1, 4)); // same filter as s2, lower QoS: still one
    CHECK(f.rec.subscribed[1] == std::optional<std::uint8_t>(0));
    CHECK(f.rec.subscribed[2] == std::optional<std::uint8_t>(2));
    CHECK(f.rec.subscribed[4] == std::optional<std::uint8_t>(1));
    const auto& table = f.side->subscriptions();
    CHECK(table.filter_count() == 3);
    CHECK(table.refcount("f/+/a") == 2);
    CHECK(table.upstream_qos("f/+/a") == 2);

    f.side->publish(9, test::text_message("f/x/a", "one", 2), 50);
    f.side->publish(9, test::text_message("f/y/b", "two", 1), 51);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages.size() == 4; }));
    run_until(
        f.loop, [] { return false; }, 300ms); // nothing more may come
    REQUIRE(f.rec.messages.size() == 4);
    // s1: both (f/#, QoS 0); s2: f/x/a at QoS 2; s3: f/x/a once (two filters match) at QoS 1.
    CHECK(f.rec.count_topic(1, "f/x/a") == 1);
    CHECK(f.rec.count_topic(1, "f/y/b") == 1);
    CHECK(f.rec.messages_of(1)[0].qos == 0);
    REQUIRE(f.rec.messages_of(2).size() == 1);
    CHECK(f.rec.messages_of(2)[0].qos == 2); // routed by the local broker: its own QoS
    REQUIRE(f.rec.messages_of(3).size() == 1);
    CHECK(f.rec.messages_of(3)[0].qos == 1);
    CHECK(test::text_of(f.rec.messages_of(3)[0]) == "one");

    // Raising the highest QoS re-subscribes upstream; the last one out unsubscribes upstream.
    REQUIRE(f.subscribe(1, "f/x/a", 2, 5));
    CHECK(table.upstream_qos("f/x/a") == 2);
    f.side->unsubscribe(2, "f/+/a", 6);
    f.side->unsubscribe(3, "f/+/a", 7);
    CHECK(table.refcount("f/+/a") == 0);
    REQUIRE(
        run_until(f.loop, [&] { return broker.count("Received UNSUBSCRIBE from gw-agg") == 1; }));
    CHECK(f.rec.unsubscribed == std::vector<std::uint32_t>{6, 7});
    // One upstream connection for all of it.
    CHECK(broker.count("New client connected from 127.0.0.1") == 1);
}

TEST_CASE("remote aggregating: retained message for a later subscriber of a known filter") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "first");
    f.open(2, "second");
    f.open(3, "pub");
    REQUIRE(f.subscribe(1, "r/#", 1, 1));
    f.side->publish(3, test::text_message("r/state", "on", 1, true), 10);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 1; }));
    REQUIRE(f.subscribe(2, "r/#", 1, 2));
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(2).size() == 1; }));
    CHECK(f.rec.messages_of(2)[0].retain);
    CHECK(test::text_of(f.rec.messages_of(2)[0]) == "on");
    run_until(
        f.loop, [] { return false; }, 300ms);
    CHECK(f.rec.messages_of(1).size() == 1); // the old subscriber does not get it twice
}

TEST_CASE("remote aggregating: a reconnect does not deliver the upstream's retained messages "
          "again, a changed one it does") {
    test::remote_broker broker(true); // keeps its retained messages through the restart
    auto opts = options_for(broker);
    // At least 1.5 s (half of 3 s, jitter) before the bridge is back: what the test publishes
    // right after the restart is retained upstream before the bridge subscribes again.
    opts.reconnect_min = 3s;
    opts.reconnect_max = 3s;
    fixture f(opts);
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    remote_pub(broker, "ret/lamp", "on", 1, true);
    remote_pub(broker, "ret/door", "shut", 1, true);
    f.open(1, "device");
    REQUIRE(f.subscribe(1, "ret/#", 1, 1));
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 2; }));
    const auto& stats = f.side->bridge().stats();
    CHECK(stats.retained_known.value() == 0);

    const auto restart = [&](int subscribes) {
        broker.stop();
        REQUIRE(run_until(
            f.loop, [&] { return !f.side->upstream_connected(); }, 10s));
        broker.start();
        REQUIRE(run_until(
            f.loop,
            [&] { return broker.count("gw-agg 1 ret/#") == static_cast<std::size_t>(subscribes); },
            15s));
        f.settle(700ms); // the retained messages of the new subscription arrive by now
    };
    restart(2);
    CHECK(f.rec.messages_of(1).size() == 2);
    // Both again, after the re-subscribe; and Mosquitto may resend (DUP) one it had in flight
    // when it saved its database, before the PUBACK: a third known one.
    const auto known = stats.retained_known.value();
    CHECK(known >= 2);

    // Changed upstream while the link was down: that one comes, as retained.
    broker.stop();
    REQUIRE(run_until(
        f.loop, [&] { return !f.side->upstream_connected(); }, 10s));
    broker.start();
    remote_pub(broker, "ret/lamp", "off", 1, true);
    REQUIRE(run_until(
        f.loop, [&] { return broker.count("gw-agg 1 ret/#") == 3; }, 15s));
    // The upstream session (CleanSession=0) also queued the live copy (retain=0), so "off"
    // may come twice (at least once); what did not change does not come again.
    REQUIRE(run_until(f.loop, [&] { return f.rec.count_topic(1, "ret/lamp") >= 2; }));
    f.settle(700ms);
    CHECK(test::text_of(f.rec.messages_of(1).back()) == "off");
    CHECK(f.rec.count_topic(1, "ret/door") == 1);
    CHECK(stats.retained_known.value() >= known + 1); // ret/door again
    // A later local subscriber gets the current state from the local broker.
    f.open(2, "late");
    REQUIRE(f.subscribe(2, "ret/lamp", 1, 2));
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(2).size() == 1; }));
    CHECK(test::text_of(f.rec.messages_of(2)[0]) == "off");
}

TEST_CASE("remote aggregating: the gateway publishes the will of a lost session only") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "watcher");
    REQUIRE(f.subscribe(1, "will/#", 1, 1));
    f.open(2, "a", true, common::will_message{"will/a", {'x'}, 1, false});
    f.open(3, "b", true, common::will_message{"will/b", {'y'}, 1, false});
    f.side->set_will(2, common::will_message{"will/a", {'z', 'z'}, 1, false}); // WILLMSGUPD
    f.side->close(3, common::close_reason::disconnect);
    f.side->close(2, common::close_reason::lost);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 1; }));
    run_until(
        f.loop, [] { return false; }, 300ms);
    REQUIRE(f.rec.messages_of(1).size() == 1);
    CHECK(f.rec.messages_of(1)[0].topic == "will/a");
    CHECK(test::text_of(f.rec.messages_of(1)[0]) == "zz");
}

TEST_CASE("remote aggregating: CleanSession=0 keeps filters and QoS 1 messages while closed") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "sleeper", false);
    REQUIRE(f.subscribe(1, "cmd/#", 1, 1));
    f.side->close(1, common::close_reason::disconnect);
    CHECK(f.side->subscriptions().refcount("cmd/#") == 1);
    f.open(2, "pub");
    f.side->publish(2, test::text_message("cmd/1", "a", 1), 10);
    f.side->publish(2, test::text_message("cmd/2", "b", 0), 11); // QoS 0: not kept
    f.side->publish(2, test::text_message("cmd/3", "c", 1), 12);
    REQUIRE(run_until(f.loop, [&] { return f.rec.published.size() == 2; }));
    run_until(
        f.loop, [] { return false; }, 300ms);
    CHECK(f.rec.messages.empty());
    f.rec.opens.clear();
    f.open(7, "sleeper", false); // a new session id for the same ClientId
    CHECK(f.rec.open_of(7)->session_present);
    REQUIRE(f.rec.messages_of(7).size() == 2);
    CHECK(test::text_of(f.rec.messages_of(7)[0]) == "a");
    CHECK(test::text_of(f.rec.messages_of(7)[1]) == "c");
    // CleanSession=1 drops it all, and the filter upstream with it.
    f.side->close(7, common::close_reason::disconnect);
    f.open(8, "sleeper", true);
    CHECK_FALSE(f.rec.open_of(8)->session_present);
    CHECK(f.side->subscriptions().refcount("cmd/#") == 0);
}

namespace {
/// A client of the local broker, as the MQTT listener's connections are.
struct local_client final : bridge::local::subscriber {
    void deliver(const bridge::local::message_ptr& /*msg*/) override {}
    void taken_over() override {}
};
} // namespace

TEST_CASE("remote aggregating: a session taken over by a local client gives up its filters "
          "upstream when it was clean, keeps them when not") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "dev", true);
    f.open(2, "keeper", false);
    REQUIRE(f.subscribe(1, "dev/cmd", 1, 1));
    REQUIRE(f.subscribe(2, "keep/cmd", 1, 2));
    const auto& table = f.side->subscriptions();
    REQUIRE(table.refcount("dev/cmd") == 1);

    // A dashboard connects to the local broker with the devices' ClientIds.
    local_client dashboard;
    const auto taken = f.side->core().connect("dev", true, std::nullopt, dashboard);
    REQUIRE(taken.status == bridge::local::connect_status::accepted);
    const auto kept = f.side->core().connect("keeper", false, std::nullopt, dashboard);
    REQUIRE(kept.status == bridge::local::connect_status::accepted);
    CHECK(f.rec.lost == std::vector<common::session_id>{1, 2});
    CHECK(table.refcount("dev/cmd") == 0);
    CHECK(table.refcount("keep/cmd") == 1); // the session and its filter live on
    REQUIRE(
        run_until(f.loop, [&] { return broker.count("Received UNSUBSCRIBE from gw-agg") == 1; }));
    // Closing what the gateway already lost changes nothing.
    f.side->close(1, common::close_reason::lost);
    f.side->close(2, common::close_reason::lost);
    CHECK(table.refcount("keep/cmd") == 1);
    f.side->core().disconnect(taken.connection, common::close_reason::disconnect);
    f.side->core().disconnect(kept.connection, common::close_reason::disconnect);
}

TEST_CASE("remote aggregating: outage drill, QoS 1 kept through a broker restart") {
    test::remote_broker broker(true);
    test::temp_dir buffer_dir;
    auto opts = options_for(broker);
    opts.buffer.persistence_dir = (buffer_dir.path() / "paho").string();
    // The gateway waits at least 3 s (half of 6 s, jitter) before it reconnects, so what it
    // holds through the outage is its own custody (Paho's persisted buffer), and drill-sub
    // (back about 1 s after the restart, its session restored from Mosquitto's database) is
    // subscribed again before the first of it arrives.
    opts.reconnect_min = 6s;
    opts.reconnect_max = 6s;
    fixture f(opts);
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));

    // A persistent subscriber (CleanSession=0) that rides out the restart itself.
    constexpr int total = 300;
    test::process sub("/usr/bin/mosquitto_sub",
                      {"-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-i", "drill-sub",
                       "-c", "-q", "1", "-t", "drill/#"});
    REQUIRE(run_until(
        f.loop, [&] { return broker.count("drill-sub 1 drill/#") == 1; }, 10s));

    f.open(1, "sensor");
    std::uint32_t token = 0;
    auto burst = [&](int n) {
        for (int i = 0; i < n; ++i) {
            ++token;
            f.side->publish(1, test::text_message("drill/m", "m" + std::to_string(token), 1),
                            token);
        }
    };
    burst(100);
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.published.size() == 100; }, 20s));
    broker.stop();
    REQUIRE(run_until(
        f.loop, [&] { return !f.side->upstream_connected(); }, 10s));
    burst(100); // custody: acked at once from Paho's buffer
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.published.size() == 200; }, 10s));
    broker.start();
    REQUIRE(run_until(
        f.loop, [&] { return broker.count("drill-sub 1 drill/#") == 2; }, 10s));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 15s));
    burst(100);
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.published.size() == 300; }, 20s));
    for (const auto& [t, ok] : f.rec.published) {
        CHECK(ok);
    }
    // QoS 1 is at least once: a message may come twice, so poll until each one came.
    std::string missing;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    do {
        std::set<std::string> got;
        std::istringstream lines(sub.output());
        for (std::string line; std::getline(lines, line);) {
            got.insert(line);
        }
        missing.clear();
        for (int i = 1; i <= total; ++i) {
            if (got.count("m" + std::to_string(i)) == 0) {
                missing += " m" + std::to_string(i);
            }
        }
        if (!missing.empty()) {
            run_until(
                f.loop, [] { return false; }, 200ms);
        }
    } while (!missing.empty() && std::chrono::steady_clock::now() < deadline);
    CHECK_MESSAGE(missing.empty(), "missing:", missing);
}

TEST_CASE("remote aggregating: subscriptions made before the upstream is up are sent on connect") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    f.open(1, "eager");
    f.open(2, "pub");
    REQUIRE_FALSE(f.side->upstream_connected()); // Paho connects in the background
    REQUIRE(f.subscribe(1, "early/#", 1, 1));
    CHECK(f.rec.subscribed[1] == std::optional<std::uint8_t>(1));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    REQUIRE(run_until(
        f.loop, [&] { return broker.count("gw-agg 1 early/#") == 1; }, 10s));
    f.side->publish(2, test::text_message("early/x", "late", 1), 5);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 1; }));
    CHECK(test::text_of(f.rec.messages_of(1)[0]) == "late");
}

TEST_CASE("remote aggregating: MQTT 5 upstream (mqtt_version: 5)") {
    test::remote_broker broker;
    auto opts = options_for(broker);
    opts.mqtt_version = 5;
    fixture f(opts);
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "v5-sub");
    f.open(2, "v5-pub");
    REQUIRE(f.subscribe(1, "five/+", 2, 1));
    CHECK(f.rec.subscribed[1] == std::optional<std::uint8_t>(2));
    f.side->publish(2, test::text_message("five/a", "v5", 2), 2);
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.messages_of(1).size() == 1 && f.rec.published.count(2) == 1; }));
    CHECK(f.rec.published[2]);
    CHECK(f.rec.messages_of(1)[0].qos == 2);
    CHECK(broker.count("as gw-agg (p5") == 1); // Mosquitto: protocol version 5
}

TEST_CASE("remote aggregating: what Paho has not confirmed is bounded (upstream.max_unconfirmed): "
          "beyond it QoS 1 is refused, not queued") {
    test::remote_broker broker(true);
    auto opts = options_for(broker);
    opts.max_unconfirmed = 3;
    fixture f(opts);
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "sensor");
    broker.stop();
    REQUIRE(run_until(
        f.loop, [&] { return !f.side->upstream_connected(); }, 10s));
    // Three go into Paho's send-while-disconnected buffer (custody: acked); the fourth and a
    // QoS 0 one find the bound reached.
    for (std::uint32_t token = 1; token <= 4; ++token) {
        f.side->publish(1, test::text_message("bound/m", "m" + std::to_string(token), 1), token);
    }
    f.side->publish(1, test::text_message("bound/q0", "x", 0), 0);
    REQUIRE(run_until(
        f.loop, [&] { return f.rec.published.size() == 4; }, 10s));
    CHECK(f.rec.published.at(1) == true);
    CHECK(f.rec.published.at(2) == true);
    CHECK(f.rec.published.at(3) == true);
    CHECK(f.rec.published.at(4) == false); // -> PUBACK 0x01 at the device

    // Back up: Paho sends the three, confirms them, and there is room again.
    broker.start();
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 15s));
    std::uint32_t token = 4;
    REQUIRE(run_until(
        f.loop,
        [&] {
            ++token;
            f.side->publish(1, test::text_message("bound/m", "again", 1), token);
            run_until(
                f.loop, [&] { return f.rec.published.count(token) == 1; }, 2s);
            return f.rec.published.count(token) == 1 && f.rec.published.at(token);
        },
        15s));
}

TEST_CASE("remote aggregating: overlapping x/+ (QoS 0) and x/# (QoS 1) give one copy at QoS 1 "
          "(MQTT 3.1.1 §3.3.5)") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    f.open(1, "both-subs");
    f.open(2, "local-pub");
    REQUIRE(f.subscribe(1, "x/+", 0, 1));
    REQUIRE(f.subscribe(1, "x/#", 1, 2));
    // Upstream, x/+ is raised to QoS 1 too: Mosquitto sends one copy for both filters, at
    // the lower QoS of the two.
    REQUIRE(run_until(f.loop, [&] {
        return broker.count("gw-agg 1 x/+") == 1 && broker.count("gw-agg 1 x/#") == 1;
    }));
    remote_pub(broker, "x/a", "from-cloud", 1);
    f.side->publish(2, test::text_message("x/b", "from-device", 1), 7);
    REQUIRE(run_until(f.loop, [&] { return f.rec.messages_of(1).size() == 2; }));
    f.settle(500ms); // the echo of x/b from upstream, and duplicates, would come by now
    const auto got = f.rec.messages_of(1);
    REQUIRE(got.size() == 2);
    for (const auto& m : got) {
        CAPTURE(m.topic);
        CHECK(m.qos == 1);
    }
    CHECK(f.rec.count_topic(1, "x/a") == 1);
    CHECK(f.rec.count_topic(1, "x/b") == 1);
}

TEST_CASE("remote aggregating: no echo loop, a message goes up once and comes down once") {
    test::remote_broker broker;
    fixture f(options_for(broker));
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    auto watch = remote_sub(broker, "loop/#", "watch");
    REQUIRE(run_until(f.loop, [&] { return broker.count("watch 1 loop/#") == 1; }));
    f.open(1, "looper");
    REQUIRE(f.subscribe(1, "loop/#", 1, 1));
    REQUIRE(run_until(f.loop, [&] { return broker.count("gw-agg 1 loop/#") == 1; }));

    // Local -> up: the device's own subscription gets it from the local broker; the copy that
    // upstream sends back to the bridge's loop/# is dropped, not injected again.
    f.side->publish(1, test::text_message("loop/a", "up", 1), 2);
    REQUIRE(run_until(f.loop, [&] { return lines_of(watch->output(), "loop/a up") == 1; }));
    // Up -> local: injected once, and not sent back up.
    remote_pub(broker, "loop/b", "down", 1);
    REQUIRE(run_until(f.loop, [&] { return f.rec.count_topic(1, "loop/b") == 1; }));
    f.settle(700ms);
    CHECK(f.rec.count_topic(1, "loop/a") == 1);
    CHECK(f.rec.count_topic(1, "loop/b") == 1);
    CHECK(lines_of(watch->output(), "loop/a up") == 1);
    CHECK(lines_of(watch->output(), "loop/b down") == 1);
    const auto& stats = f.side->bridge().stats();
    CHECK(stats.sent_up == 1);
    CHECK(stats.injected == 1);
    CHECK(stats.echoes_dropped == 1);
}

TEST_CASE("remote aggregating: upstream.topics in, out and both with prefixes") {
    test::remote_broker broker;
    std::vector<bridge_rule> rules{
        {.pattern = "sensors/#",
         .direction = bridge_direction::out,
         .qos = 1,
         .local_prefix = "",
         .remote_prefix = "site1/"},
        {.pattern = "cmd/#",
         .direction = bridge_direction::in,
         .qos = 1,
         .local_prefix = "",
         .remote_prefix = "cloud/site1/"},
        {.pattern = "sync/#",
         .direction = bridge_direction::both,
         .qos = 1,
         .local_prefix = "loc/",
         .remote_prefix = "rem/"},
    };
    fixture f(options_for(broker), rules);
    REQUIRE(run_until(
        f.loop, [&] { return f.side->upstream_connected(); }, 10s));
    REQUIRE(run_until(f.loop, [&] {
        return broker.count("gw-agg 1 cloud/site1/cmd/#") == 1 &&
               broker.count("gw-agg 1 rem/sync/#") == 1;
    }));
    CHECK(broker.count("gw-agg 1 sensors/#") == 0); // out only: nothing subscribed upstream
    auto watch = remote_sub(broker, "#", "watch");
    REQUIRE(run_until(f.loop, [&] { return broker.count("watch 1 #") == 1; }));
    f.open(1, "device");
    f.open(2, "listener");
    REQUIRE(f.subscribe(2, "cmd/#", 1, 1));
    REQUIRE(f.subscribe(2, "loc/#", 1, 2));

    f.side->publish(1, test::text_message("sensors/t", "21", 1), 10); // out
    f.side->publish(1, test::text_message("other/x", "local-only", 1), 11);
    f.side->publish(1, test::text_message("loc/sync/b", "lb", 1), 12); // both, out
    remote_pub(broker, "cloud/site1/cmd/on", "go", 1);                 // in
    remote_pub(broker, "rem/sync/a", "ra", 1);                         // both, in
    remote_pub(broker, "sensors/t", "not-in", 1);                      // out only: stays up
    REQUIRE(run_until(f.loop, [&] {
        return f.rec.messages_of(2).size() == 3 && lines_of(watch->output(), "rem/sync/b lb") == 1;
    }));
    f.settle(700ms);
    CHECK(lines_of(watch->output(), "site1/sensors/t 21") == 1);
    CHECK(lines_of(watch->output(), "rem/sync/b lb") == 1);
    CHECK(lines_of(watch->output(), "rem/sync/a ra") == 1); // not sent back up
    CHECK(watch->output().find("local-only") == std::string::npos);
    CHECK(watch->output().find("loc/") == std::string::npos);
    REQUIRE(f.rec.messages_of(2).size() == 3);
    CHECK(f.rec.count_topic(2, "cmd/on") == 1);
    CHECK(f.rec.count_topic(2, "loc/sync/a") == 1);
    CHECK(f.rec.count_topic(2, "loc/sync/b") == 1); // local, once: its echo was dropped
    CHECK(f.side->bridge().stats().echoes_dropped == 1);
}

TEST_CASE("remote aggregating: QoS 1 from upstream for a full device is held, then delivered "
          "when it has room (custody, upstream.offline_queue_max)") {
    struct full_recorder final : test::recorder {
        bool full = true;
        [[nodiscard]] bool can_take(common::session_id, std::uint8_t qos) const override {
            return qos == 0 || !full;
        }
    };
    test::remote_broker broker;
    common::uv::loop loop;
    full_recorder rec;
    auto side = aggregating_side::create(loop, options_for(broker),
                                         std::make_shared<bridge::local::broker_core>());
    REQUIRE(side.has_value());
    (*side)->set_listener(rec);
    REQUIRE(run_until(
        loop, [&] { return (*side)->upstream_connected(); }, 10s));
    (*side)->open(1, common::open_params{"slow", true, 30, {}, {}, {}});
    (*side)->subscribe(1, "held/#", 1, 1);
    REQUIRE(run_until(loop, [&] { return broker.count("gw-agg 1 held/#") == 1; }));
    remote_pub(broker, "held/a", "first", 1);
    remote_pub(broker, "held/b", "second", 1);
    const auto& stats = (*side)->bridge().stats();
    REQUIRE(run_until(loop, [&] { return (*side)->bridge().held() == 2; }));
    CHECK(rec.messages.empty());
    CHECK(stats.injected == 0);
    rec.full = false;
    (*side)->room_available(1); // the device acked: the gateway says it has room
    REQUIRE(run_until(loop, [&] { return rec.messages.size() == 2; }));
    CHECK(test::text_of(rec.messages[0].second) == "first"); // in order
    CHECK(test::text_of(rec.messages[1].second) == "second");
    CHECK((*side)->bridge().held() == 0);
    CHECK(stats.injected == 2);
    CHECK(stats.held_dropped == 0);
    bool done = false;
    (*side)->stop([&] { done = true; });
    REQUIRE(run_until(
        loop, [&] { return done; }, 10s));
}
