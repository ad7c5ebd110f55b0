// broker_core: routing, QoS downgrade, retained messages, wills, persistent sessions, take-over
// and bounds, driven through the core API with recording subscribers.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/broker_core.hpp"

using namespace snbridge::bridge::local;
using snbridge::common::close_reason;
using snbridge::common::mqtt_message;
using snbridge::common::will_message;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

mqtt_message message(std::string topic, std::string_view payload, std::uint8_t qos = 0,
                     bool retain = false) {
    return mqtt_message{
        .topic = std::move(topic), .payload = bytes(payload), .qos = qos, .retain = retain};
}

struct recorder final : subscriber {
    std::vector<message_ptr> got;
    int taken = 0;

    void deliver(const message_ptr& msg) override { got.push_back(msg); }
    void taken_over() override { ++taken; }

    /// "topic q<qos> r<retain> payload" per delivery, in order.
    [[nodiscard]] std::vector<std::string> lines() const {
        std::vector<std::string> out;
        for (const auto& m : got) {
            out.push_back(m->topic + " q" + std::to_string(m->qos) + " r" +
                          (m->retain ? "1" : "0") + " " +
                          std::string(m->payload.begin(), m->payload.end()));
        }
        return out;
    }
    std::vector<std::string> take() {
        auto out = lines();
        got.clear();
        return out;
    }
};

using lines = std::vector<std::string>;

/// connect + resume, REQUIREs success.
connection_id attach(broker_core& core, std::string_view id, recorder& sink, bool clean = true,
                     std::optional<will_message> will = std::nullopt) {
    const auto r = core.connect(id, clean, std::move(will), sink);
    REQUIRE(r.status == connect_status::accepted);
    core.resume(r.connection);
    return r.connection;
}

/// connect + resume for any sink.
connection_id attach_any(broker_core& core, std::string_view id, subscriber& sink) {
    const auto r = core.connect(id, true, std::nullopt, sink);
    REQUIRE(r.status == connect_status::accepted);
    core.resume(r.connection);
    return r.connection;
}

} // namespace

TEST_CASE("local broker_core: publish reaches matching subscribers only, one shared message") {
    broker_core core;
    recorder a, b, c;
    const auto ca = attach(core, "a", a);
    const auto cb = attach(core, "b", b);
    const auto cc = attach(core, "c", c);
    CHECK(core.subscribe(ca, "home/+/temp", 1) == 1);
    CHECK(core.subscribe(cb, "home/#", 1) == 1);
    CHECK(core.subscribe(cc, "office/#", 1) == 1);

    CHECK(core.publish(message("home/kitchen/temp", "21.5", 1)));
    CHECK(a.lines() == lines{"home/kitchen/temp q1 r0 21.5"});
    CHECK(b.lines() == lines{"home/kitchen/temp q1 r0 21.5"});
    CHECK(c.got.empty());
    // Same effective QoS: both got the very same object (no per-subscriber copy).
    CHECK(a.got[0].get() == b.got[0].get());
    CHECK(core.stats().delivered == 2);

    // Publishing needs no subscriber and no connection.
    CHECK(core.publish(message("nobody/listens", "x", 2)));
    CHECK(core.stats().published == 2);
}

TEST_CASE("local broker_core: invalid publishes and subscriptions are refused") {
    broker_core core(broker_limits{.max_topic_levels = 4});
    recorder a;
    const auto ca = attach(core, "a", a);
    CHECK_FALSE(core.publish(message("a/+", "x")));
    CHECK_FALSE(core.publish(message("", "x")));
    CHECK_FALSE(core.publish(message("a/b/c/d/e", "x"))); // 5 levels > 4
    CHECK_FALSE(core.publish(message("a", "x", 3)));
    CHECK(core.stats().rejected_publishes == 4);
    CHECK_FALSE(core.subscribe(ca, "a/#/b", 0));
    CHECK_FALSE(core.subscribe(ca, "a+", 0));
    CHECK_FALSE(core.subscribe(ca, "", 0));
    CHECK_FALSE(core.subscribe(ca, "a/b/c/d/#", 0));
    CHECK(core.subscribe(ca, "a/b/c/#", 0) == 0);
    CHECK(core.subscribe(ca, "q", 7) == 2);     // granted at most 2
    CHECK_FALSE(core.subscribe(12345, "a", 0)); // unknown connection
    recorder e;
    CHECK(core.connect("", true, std::nullopt, e).status == connect_status::invalid_client_id);
}

TEST_CASE("local broker_core: QoS is downgraded to min(published, granted)") {
    // Rows: published QoS x granted QoS -> delivered QoS.
    for (std::uint8_t published = 0; published <= 2; ++published) {
        for (std::uint8_t granted = 0; granted <= 2; ++granted) {
            CAPTURE(published);
            CAPTURE(granted);
            broker_core core;
            recorder s;
            const auto cs = attach(core, "s", s);
            REQUIRE(core.subscribe(cs, "t", granted) == granted);
            REQUIRE(core.publish(message("t", "p", published)));
            REQUIRE(s.got.size() == 1);
            CHECK(s.got[0]->qos == std::min(published, granted));
        }
    }
}

TEST_CASE("local broker_core: one downgraded copy per QoS, shared by subscribers") {
    broker_core core;
    std::array<recorder, 4> subs;
    const std::array<std::uint8_t, 4> granted = {0, 1, 0, 2};
    for (std::size_t i = 0; i < subs.size(); ++i) {
        const auto c = attach(core, "s" + std::to_string(i), subs[i]);
        REQUIRE(core.subscribe(c, "t", granted[i]));
    }
    REQUIRE(core.publish(message("t", "p", 2)));
    CHECK(subs[0].got[0]->qos == 0);
    CHECK(subs[1].got[0]->qos == 1);
    CHECK(subs[3].got[0]->qos == 2);
    CHECK(subs[0].got[0].get() == subs[2].got[0].get());
    CHECK(subs[0].got[0].get() != subs[1].got[0].get());
}

TEST_CASE("local broker_core: overlapping subscriptions deliver once at the highest QoS") {
    broker_core core;
    recorder s;
    const auto cs = attach(core, "s", s);
    REQUIRE(core.subscribe(cs, "a/#", 0));
    REQUIRE(core.subscribe(cs, "a/+", 2));
    REQUIRE(core.subscribe(cs, "a/b", 1));
    REQUIRE(core.publish(message("a/b", "x", 2)));
    CHECK(s.take() == lines{"a/b q2 r0 x"});
    REQUIRE(core.publish(message("a/c", "y", 1)));
    CHECK(s.take() == lines{"a/c q1 r0 y"});
    REQUIRE(core.publish(message("a/c/d", "z", 2)));
    CHECK(s.take() == lines{"a/c/d q0 r0 z"});
    // Re-subscribing replaces the QoS rather than adding a subscription.
    REQUIRE(core.subscribe(cs, "a/#", 2));
    CHECK(core.subscription_count() == 3);
    REQUIRE(core.publish(message("a/c/d", "z", 2)));
    CHECK(s.take() == lines{"a/c/d q2 r0 z"});
    CHECK(core.unsubscribe(cs, "a/#"));
    CHECK_FALSE(core.unsubscribe(cs, "a/#"));
    REQUIRE(core.publish(message("a/c/d", "z", 2)));
    CHECK(s.got.empty());
}

TEST_CASE("local broker_core: $ topics are not matched by first-level wildcards") {
    broker_core core;
    recorder all, sys;
    const auto c1 = attach(core, "all", all);
    const auto c2 = attach(core, "sys", sys);
    REQUIRE(core.subscribe(c1, "#", 0));
    REQUIRE(core.subscribe(c1, "+/uptime", 0));
    REQUIRE(core.subscribe(c2, "$SYS/#", 0));
    REQUIRE(core.publish(message("$SYS/uptime", "5")));
    CHECK(all.got.empty());
    CHECK(sys.take() == lines{"$SYS/uptime q0 r0 5"});
    REQUIRE(core.publish(message("x/uptime", "6")));
    CHECK(all.take() == lines{"x/uptime q0 r0 6"});
}

TEST_CASE("local broker_core: retained set, replace, clear and delivery on subscribe") {
    broker_core core;
    recorder live, late;
    const auto cl = attach(core, "live", live);
    REQUIRE(core.subscribe(cl, "home/#", 2));

    // Normal deliveries of a retained publish carry retain=0 (MQTT 3.1.1 §3.3.1.3).
    REQUIRE(core.publish(message("home/t", "20", 1, true)));
    CHECK(live.take() == lines{"home/t q1 r0 20"});
    CHECK(core.retained_count() == 1);

    const auto c2 = attach(core, "late", late);
    auto granted = core.subscribe(c2, "home/+", 2);
    REQUIRE(granted == 2);
    CHECK(late.got.empty()); // retained messages wait for send_retained (after SUBACK)
    core.send_retained(c2, "home/+", *granted);
    CHECK(late.take() == lines{"home/t q1 r1 20"});

    // Replace.
    REQUIRE(core.publish(message("home/t", "21", 2, true)));
    CHECK(live.take() == lines{"home/t q2 r0 21"});
    CHECK(late.take() == lines{"home/t q2 r0 21"});
    core.send_retained(c2, "home/+", 2);
    CHECK(late.take() == lines{"home/t q2 r1 21"});
    CHECK(core.retained_count() == 1);

    // Downgrade on subscribe: granted 0.
    recorder low;
    const auto c3 = attach(core, "low", low);
    REQUIRE(core.subscribe(c3, "home/t", 0) == 0);
    core.send_retained(c3, "home/t", 0);
    CHECK(low.take() == lines{"home/t q0 r1 21"});

    // A non-retained publish does not touch the retained message.
    REQUIRE(core.publish(message("home/t", "22", 0)));
    live.got.clear();
    late.got.clear();
    low.got.clear();
    core.send_retained(c3, "home/t", 0);
    CHECK(low.take() == lines{"home/t q0 r1 21"});

    // Clear with an empty payload: still delivered to current subscribers, retain=0.
    REQUIRE(core.publish(message("home/t", "", 1, true)));
    CHECK(live.take() == lines{"home/t q1 r0 "});
    CHECK(core.retained_count() == 0);
    core.send_retained(c3, "home/t", 0);
    core.send_retained(c2, "#", 2);
    CHECK(low.got.size() == 1); // only the live clear message
    CHECK(late.got.size() == 1);
}

TEST_CASE("local broker_core: retained store bound") {
    broker_core core(broker_limits{.max_retained_messages = 2});
    REQUIRE(core.publish(message("r/1", "a", 0, true)));
    REQUIRE(core.publish(message("r/2", "b", 0, true)));
    REQUIRE(core.publish(message("r/3", "c", 0, true))); // routed, not stored
    CHECK(core.retained_count() == 2);
    CHECK(core.stats().retained_dropped == 1);
    REQUIRE(core.publish(message("r/1", "A", 0, true))); // replacing is always allowed
    CHECK(core.stats().retained_dropped == 1);
    recorder s;
    const auto c = attach(core, "s", s);
    REQUIRE(core.subscribe(c, "r/#", 0));
    core.send_retained(c, "r/#", 0);
    auto got = s.take();
    std::sort(got.begin(), got.end());
    CHECK(got == lines{"r/1 q0 r1 A", "r/2 q0 r1 b"});
}

TEST_CASE("local broker_core: will on lost, not on disconnect or shutdown") {
    broker_core core;
    recorder watcher;
    const auto cw = attach(core, "watcher", watcher);
    REQUIRE(core.subscribe(cw, "wills/#", 2));
    const will_message will{.topic = "wills/dev", .payload = bytes("gone"), .qos = 1};

    SUBCASE("lost publishes the will") {
        recorder dev;
        const auto cd = attach(core, "dev", dev, true, will);
        core.disconnect(cd, close_reason::lost);
        CHECK(watcher.take() == lines{"wills/dev q1 r0 gone"});
        CHECK(core.stats().wills_published == 1);
        CHECK_FALSE(core.connected(cd));
        CHECK(core.session_count() == 1); // clean session deleted
    }
    SUBCASE("disconnect discards it") {
        recorder dev;
        const auto cd = attach(core, "dev", dev, true, will);
        core.disconnect(cd, close_reason::disconnect);
        CHECK(watcher.got.empty());
    }
    SUBCASE("shutdown discards it") {
        recorder dev;
        const auto cd = attach(core, "dev", dev, true, will);
        core.disconnect(cd, close_reason::shutdown);
        CHECK(watcher.got.empty());
    }
    SUBCASE("set_will replaces and removes; a retained will is stored") {
        recorder dev;
        const auto cd = attach(core, "dev", dev, true, will);
        core.set_will(cd,
                      will_message{.topic = "wills/dev2", .payload = bytes("bye"), .retain = true});
        core.disconnect(cd, close_reason::lost);
        CHECK(watcher.take() == lines{"wills/dev2 q0 r0 bye"});
        CHECK(core.retained_count() == 1);

        recorder dev2;
        const auto cd2 = attach(core, "dev2", dev2, true, will);
        core.set_will(cd2, std::nullopt);
        core.disconnect(cd2, close_reason::lost);
        CHECK(watcher.got.empty());
    }
    SUBCASE("stale disconnect is ignored") {
        recorder dev;
        const auto cd = attach(core, "dev", dev, true, will);
        core.disconnect(cd, close_reason::disconnect);
        core.disconnect(cd, close_reason::lost);
        CHECK(watcher.got.empty());
    }
}

TEST_CASE("local broker_core: persistent session keeps subscriptions and queues QoS 1/2") {
    broker_core core;
    recorder pub, dev;
    attach(core, "pub", pub);
    auto r = core.connect("dev", false, std::nullopt, dev);
    REQUIRE(r.status == connect_status::accepted);
    CHECK_FALSE(r.session_present);
    core.resume(r.connection);
    REQUIRE(core.subscribe(r.connection, "cmd/#", 2));
    core.disconnect(r.connection, close_reason::disconnect);
    CHECK(core.session_count() == 2);

    REQUIRE(core.publish(message("cmd/a", "q0", 0))); // not kept for an offline client
    REQUIRE(core.publish(message("cmd/b", "q1", 1)));
    REQUIRE(core.publish(message("cmd/c", "q2", 2)));
    CHECK(core.queued("dev") == 2);
    CHECK(dev.got.empty());

    recorder dev2;
    r = core.connect("dev", false, std::nullopt, dev2);
    REQUIRE(r.status == connect_status::accepted);
    CHECK(r.session_present);
    // Published between connect and resume: queued behind the offline messages, QoS 0 too.
    REQUIRE(core.publish(message("cmd/d", "q0-live", 0)));
    CHECK(dev2.got.empty());
    core.resume(r.connection);
    CHECK(dev2.take() == lines{"cmd/b q1 r0 q1", "cmd/c q2 r0 q2", "cmd/d q0 r0 q0-live"});
    CHECK(core.queued("dev") == 0);
    // The subscription survived: live traffic flows.
    REQUIRE(core.publish(message("cmd/e", "live", 1)));
    CHECK(dev2.take() == lines{"cmd/e q1 r0 live"});

    // Reconnecting with clean_session=true discards the session.
    core.disconnect(r.connection, close_reason::disconnect);
    REQUIRE(core.publish(message("cmd/f", "lost", 1)));
    recorder dev3;
    r = core.connect("dev", true, std::nullopt, dev3);
    CHECK_FALSE(r.session_present);
    core.resume(r.connection);
    CHECK(dev3.got.empty());
    REQUIRE(core.publish(message("cmd/g", "x", 1)));
    CHECK(dev3.got.empty());
    CHECK(core.subscription_count() == 0);
}

TEST_CASE("local broker_core: offline queue bound drops the oldest and counts") {
    broker_core core(broker_limits{.max_queued_messages = 3});
    recorder dev;
    auto r = core.connect("dev", false, std::nullopt, dev);
    core.resume(r.connection);
    REQUIRE(core.subscribe(r.connection, "t", 1));
    core.disconnect(r.connection, close_reason::lost);
    for (int i = 0; i < 5; ++i) {
        REQUIRE(core.publish(message("t", std::to_string(i), 1)));
    }
    CHECK(core.queued("dev") == 3);
    CHECK(core.stats().queue_dropped == 2);
    recorder again;
    r = core.connect("dev", false, std::nullopt, again);
    core.resume(r.connection);
    CHECK(again.take() == lines{"t q1 r0 2", "t q1 r0 3", "t q1 r0 4"});
}

TEST_CASE("local broker_core: unacked messages handed back are redelivered first") {
    broker_core core(broker_limits{.max_queued_messages = 1});
    recorder dev;
    auto r = core.connect("dev", false, std::nullopt, dev);
    core.resume(r.connection);
    REQUIRE(core.subscribe(r.connection, "t", 2));
    REQUIRE(core.publish(message("t", "in-flight-1", 2)));
    REQUIRE(core.publish(message("t", "in-flight-2", 1)));
    const std::vector<message_ptr> unacked = dev.got;
    core.disconnect(r.connection, close_reason::lost, unacked);
    REQUIRE(core.publish(message("t", "later", 1)));
    CHECK(core.queued("dev") == 3); // hand-backs do not count against the bound
    recorder again;
    r = core.connect("dev", false, std::nullopt, again);
    core.resume(r.connection);
    CHECK(again.take() == lines{"t q2 r0 in-flight-1", "t q1 r0 in-flight-2", "t q1 r0 later"});

    // A clean session ignores hand-backs.
    recorder c;
    auto rc = core.connect("clean", true, std::nullopt, c);
    core.disconnect(rc.connection, close_reason::lost, unacked);
    CHECK(core.queued("clean") == 0);
}

TEST_CASE("local broker_core: a second connect of the same client id takes over") {
    broker_core core;
    recorder watcher;
    const auto cw = attach(core, "watcher", watcher);
    REQUIRE(core.subscribe(cw, "wills/#", 0));
    const will_message will{.topic = "wills/dev", .payload = bytes("old")};

    SUBCASE("persistent -> persistent keeps the session") {
        recorder first, second;
        const auto c1 = attach(core, "dev", first, false, will);
        REQUIRE(core.subscribe(c1, "x", 1));
        const auto r = core.connect("dev", false, std::nullopt, second);
        REQUIRE(r.status == connect_status::accepted);
        CHECK(first.taken == 1);
        CHECK(r.session_present);
        CHECK_FALSE(core.connected(c1));
        // The old connection ended without DISCONNECT: its will is published.
        CHECK(watcher.take() == lines{"wills/dev q0 r0 old"});
        core.resume(r.connection);
        REQUIRE(core.publish(message("x", "hi", 1)));
        CHECK(first.got.empty());
        CHECK(second.take() == lines{"x q1 r0 hi"});
        // Calls on the stale id do nothing.
        CHECK_FALSE(core.subscribe(c1, "y", 0));
        core.disconnect(c1, close_reason::lost);
        CHECK(core.connected(r.connection));
        CHECK(core.stats().takeovers == 1);
    }
    SUBCASE("a clean old session is not kept") {
        recorder first, second;
        const auto c1 = attach(core, "dev", first, true);
        REQUIRE(core.subscribe(c1, "x", 1));
        const auto r = core.connect("dev", false, std::nullopt, second);
        CHECK(first.taken == 1);
        CHECK_FALSE(r.session_present);
        core.resume(r.connection);
        REQUIRE(core.publish(message("x", "hi", 1)));
        CHECK(second.got.empty());
    }
    SUBCASE("clean new session discards the old one") {
        recorder first, second;
        const auto c1 = attach(core, "dev", first, false);
        REQUIRE(core.subscribe(c1, "x", 1));
        const auto r = core.connect("dev", true, std::nullopt, second);
        CHECK(first.taken == 1);
        CHECK_FALSE(r.session_present);
        CHECK(core.subscription_count() == 1); // only the watcher's
    }
}

TEST_CASE("local broker_core: subscription and session bounds") {
    broker_core core(broker_limits{.max_sessions = 2, .max_subscriptions_per_client = 2});
    recorder a, b, c;
    const auto ca = attach(core, "a", a);
    CHECK(core.subscribe(ca, "1", 0));
    CHECK(core.subscribe(ca, "2", 0));
    CHECK_FALSE(core.subscribe(ca, "3", 0));
    CHECK(core.subscribe(ca, "2", 1) == 1); // replacing is not a new subscription
    CHECK(core.stats().refused_subscriptions == 1);
    CHECK(core.unsubscribe(ca, "1"));
    CHECK(core.subscribe(ca, "3", 0));

    // A persistent offline session still counts against max_sessions.
    auto rb = core.connect("b", false, std::nullopt, b);
    REQUIRE(rb.status == connect_status::accepted);
    core.disconnect(rb.connection, close_reason::disconnect);
    CHECK(core.connect("c", true, std::nullopt, c).status == connect_status::server_full);
    CHECK(core.stats().refused_connects == 1);
    // The kept session itself can come back.
    rb = core.connect("b", false, std::nullopt, b);
    CHECK(rb.status == connect_status::accepted);
    CHECK(rb.session_present);
    // Once "a" (clean) leaves, there is room.
    core.disconnect(ca, close_reason::disconnect);
    CHECK(core.connect("c", true, std::nullopt, c).status == connect_status::accepted);
}

TEST_CASE("local broker_core: attachment survives a persistent reconnect only") {
    broker_core core;
    recorder s;
    auto r = core.connect("dev", false, std::nullopt, s);
    auto* slot = core.attachment(r.connection);
    REQUIRE(slot != nullptr);
    *slot = std::make_shared<int>(42);
    core.disconnect(r.connection, close_reason::disconnect);
    CHECK(core.attachment(r.connection) == nullptr);
    r = core.connect("dev", false, std::nullopt, s);
    REQUIRE(core.attachment(r.connection) != nullptr);
    CHECK(*std::static_pointer_cast<int>(*core.attachment(r.connection)) == 42);
    core.disconnect(r.connection, close_reason::disconnect);
    r = core.connect("dev", true, std::nullopt, s);
    CHECK(*core.attachment(r.connection) == nullptr);
}

namespace {

/// A recorder with a bound: can_take() is false once `room` deliveries are held.
struct bounded_recorder final : subscriber {
    std::vector<message_ptr> got;
    std::size_t room = 1;
    int woken = 0;

    void deliver(const message_ptr& msg) override { got.push_back(msg); }
    void taken_over() override {}
    [[nodiscard]] bool can_take(std::uint8_t /*qos*/) const override { return got.size() < room; }
    void room_available() override { ++woken; }
};

} // namespace

TEST_CASE("local broker_core: a QoS 1/2 publish is refused when an online subscriber is full") {
    broker_core core;
    bounded_recorder full_one;
    recorder roomy;
    const auto a = core.connect("full", true, std::nullopt, full_one).connection;
    core.resume(a);
    const auto b = attach(core, "roomy", roomy);
    REQUIRE(core.subscribe(a, "t", 1));
    REQUIRE(core.subscribe(b, "t", 2));

    REQUIRE(core.publish(message("t", "first", 1)));
    CHECK(full_one.got.size() == 1);
    CHECK(roomy.take() == lines{"t q1 r0 first"});

    // Room is checked in every sink before delivering to any: nobody gets the refused one,
    // and the retained store is untouched.
    auto refused = message("t", "second", 2, true);
    CHECK(core.publish_checked(std::move(refused)) == publish_status::congested);
    CHECK(full_one.got.size() == 1);
    CHECK(roomy.got.empty());
    CHECK(core.retained_count() == 0);
    CHECK(core.stats().refused_congested == 1);
    CHECK(core.stats().published == 1);

    // QoS 0 is never refused: the full sink misses it, counted.
    REQUIRE(core.publish(message("t", "zero", 0)));
    CHECK(roomy.take() == lines{"t q0 r0 zero"});
    CHECK(full_one.got.size() == 1);
    CHECK(core.stats().qos0_dropped == 1);

    // The subscriber acknowledges (room again): the waiting publisher is woken once, and the
    // retried message is accepted and delivered to both, once each.
    bounded_recorder publisher;
    const auto p = attach_any(core, "pub", publisher);
    core.wait_for_room(p);
    core.wait_for_room(p);
    full_one.got.clear();
    core.notify_room();
    CHECK(publisher.woken == 1);
    core.notify_room();
    CHECK(publisher.woken == 1);
    CHECK(core.publish(message("t", "second", 2)));
    CHECK(full_one.got.size() == 1);
    CHECK(roomy.take() == lines{"t q2 r0 second"});
}

TEST_CASE("local broker_core: full sinks do not block wills, offline or unresumed sessions") {
    broker_core core;
    bounded_recorder full_one;
    full_one.room = 0;
    const auto a = core.connect("full", true, std::nullopt, full_one).connection;
    core.resume(a);
    REQUIRE(core.subscribe(a, "w", 1));
    recorder dying;
    const auto d =
        attach(core, "dying", dying, true,
               will_message{.topic = "w", .payload = bytes("bye"), .qos = 1, .retain = false});
    core.disconnect(d, close_reason::lost);
    CHECK(core.stats().wills_published == 1);
    CHECK(core.stats().congested_dropped == 1); // nobody to retry a will: the full sink misses it
    CHECK(full_one.got.empty());

    // A disconnect wakes refused publishers (a full sink may have gone).
    bounded_recorder publisher;
    const auto p = attach_any(core, "pub", publisher);
    CHECK(core.publish_checked(message("w", "x", 1)) == publish_status::congested);
    core.wait_for_room(p);
    core.disconnect(a, close_reason::disconnect);
    CHECK(publisher.woken == 1);
    CHECK(core.publish(message("w", "x", 1)));
}
