// local_mqtt_side end to end: MQTT-SN sessions as the gateway sees them, through the
// common::mqtt_side interface only, with a listener that records every event in order.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/local_mqtt_side.hpp"

using namespace snbridge::bridge::local;
using namespace snbridge::common;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

/// Records every listener event as one line, e.g. "msg 2 a/b q1 r0 'hi'".
struct recording_listener final : mqtt_side_listener {
    std::vector<std::string> events;

    void on_open(session_id id, open_status status, bool session_present) override {
        static constexpr const char* names[] = {"accepted", "congestion", "refused"};
        events.push_back("open " + std::to_string(id) + " " + names[static_cast<int>(status)] +
                         " sp" + (session_present ? "1" : "0"));
    }
    void on_message(session_id id, const mqtt_message& msg) override {
        events.push_back("msg " + std::to_string(id) + " " + msg.topic + " q" +
                         std::to_string(msg.qos) + " r" + (msg.retain ? "1" : "0") + " '" +
                         std::string(msg.payload.begin(), msg.payload.end()) + "'");
    }
    void on_publish_done(session_id id, std::uint32_t token, bool ok) override {
        events.push_back("pubdone " + std::to_string(id) + " t" + std::to_string(token) +
                         (ok ? " ok" : " fail"));
    }
    void on_subscribe_done(session_id id, std::uint32_t token,
                           std::optional<std::uint8_t> granted) override {
        events.push_back("suback " + std::to_string(id) + " t" + std::to_string(token) +
                         (granted ? " q" + std::to_string(*granted) : std::string(" fail")));
    }
    void on_unsubscribe_done(session_id id, std::uint32_t token) override {
        events.push_back("unsuback " + std::to_string(id) + " t" + std::to_string(token));
    }
    void on_session_lost(session_id id) override { events.push_back("lost " + std::to_string(id)); }

    std::vector<std::string> take() {
        auto out = std::move(events);
        events.clear();
        return out;
    }
};

using ev = std::vector<std::string>;

mqtt_message message(std::string topic, std::string_view payload, std::uint8_t qos,
                     bool retain = false) {
    return mqtt_message{
        .topic = std::move(topic), .payload = bytes(payload), .qos = qos, .retain = retain};
}

open_params params(std::string id, bool clean = true,
                   std::optional<will_message> will = std::nullopt) {
    open_params p;
    p.client_id = std::move(id);
    p.clean_session = clean;
    p.will = std::move(will);
    return p;
}

struct fixture {
    std::shared_ptr<broker_core> core;
    local_mqtt_side side;
    recording_listener listener;

    explicit fixture(broker_limits limits = {})
        : core(std::make_shared<broker_core>(limits))
        , side(core) {
        side.set_listener(listener);
    }
};

} // namespace

TEST_CASE("local_mqtt_side: two sessions publish and subscribe through the built-in broker") {
    fixture f;
    f.side.open(1, params("sensor-1"));
    f.side.open(2, params("display"));
    CHECK(f.listener.take() == ev{"open 1 accepted sp0", "open 2 accepted sp0"});

    f.side.subscribe(2, "home/+/temp", 1, 10);
    CHECK(f.listener.take() == ev{"suback 2 t10 q1"});

    // QoS 0, 1 and 2 from session 1; QoS 2 arrives downgraded to the granted 1.
    f.side.publish(1, message("home/garden/temp", "q0", 0), 20);
    f.side.publish(1, message("home/garden/temp", "q1", 1), 21);
    f.side.publish(1, message("home/garden/temp", "q2", 2), 22);
    f.side.publish(1, message("home/garden/humidity", "other", 1), 23);
    CHECK(f.listener.take() == ev{
                                   "msg 2 home/garden/temp q0 r0 'q0'",
                                   "msg 2 home/garden/temp q1 r0 'q1'",
                                   "pubdone 1 t21 ok",
                                   "msg 2 home/garden/temp q1 r0 'q2'",
                                   "pubdone 1 t22 ok",
                                   "pubdone 1 t23 ok",
                               });

    // Binary and empty payloads pass untouched.
    mqtt_message binary = message("home/x/temp", "", 1);
    binary.payload = {0x00, 0xFF, 0x10};
    f.side.publish(1, binary, 24);
    f.side.publish(1, message("home/y/temp", "", 0), 25);
    const auto events = f.listener.take();
    REQUIRE(events.size() == 3);
    CHECK(events[0] == std::string("msg 2 home/x/temp q1 r0 '\0\xFF\x10'", 29));
    CHECK(events[2] == "msg 2 home/y/temp q0 r0 ''");

    f.side.unsubscribe(2, "home/+/temp", 30);
    f.side.unsubscribe(2, "never/subscribed", 31);
    f.side.publish(1, message("home/garden/temp", "unheard", 0), 32);
    CHECK(f.listener.take() == ev{"unsuback 2 t30", "unsuback 2 t31"});
}

TEST_CASE("local_mqtt_side: retained messages follow the SUBACK with the retain flag") {
    fixture f;
    f.side.open(1, params("pub"));
    f.side.publish(1, message("status/door", "open", 2, true), 1);
    f.side.publish(1, message("status/window", "closed", 0, true), 2);
    f.side.open(2, params("sub"));
    f.listener.take();
    f.side.subscribe(2, "status/door", 1, 7);
    CHECK(f.listener.take() == ev{"suback 2 t7 q1", "msg 2 status/door q1 r1 'open'"});
    // Clearing: an empty retained payload, then a new subscriber gets nothing.
    f.side.publish(1, message("status/door", "", 0, true), 3);
    CHECK(f.listener.take() == ev{"msg 2 status/door q0 r0 ''"});
    f.side.open(3, params("sub2"));
    f.side.subscribe(3, "status/#", 2, 8);
    CHECK(f.listener.take() ==
          ev{"open 3 accepted sp0", "suback 3 t8 q2", "msg 3 status/window q0 r1 'closed'"});
}

TEST_CASE("local_mqtt_side: will on lost, none on disconnect, no events after close") {
    fixture f;
    f.side.open(1, params("watcher"));
    f.side.subscribe(1, "will/#", 2, 1);
    const will_message will{.topic = "will/dev", .payload = bytes("dead"), .qos = 1};
    f.side.open(2, params("dev", true, will));
    f.listener.take();

    f.side.close(2, close_reason::disconnect);
    CHECK(f.listener.take().empty());

    f.side.open(2, params("dev", true, will));
    f.side.set_will(2, will_message{.topic = "will/dev", .payload = bytes("updated")});
    f.side.close(2, close_reason::lost);
    CHECK(f.listener.take() == ev{"open 2 accepted sp0", "msg 1 will/dev q0 r0 'updated'"});

    // Calls for a closed session: failures where the contract has an answer, else nothing.
    f.side.publish(2, message("a", "x", 1), 5);
    f.side.publish(2, message("a", "x", 0), 6);
    f.side.subscribe(2, "a", 0, 7);
    f.side.close(2, close_reason::lost);
    CHECK(f.listener.take() == ev{"pubdone 2 t5 fail", "suback 2 t7 fail"});
}

TEST_CASE("local_mqtt_side: clean_session=false queues while closed, delivered after on_open") {
    fixture f(broker_limits{.max_queued_messages = 2});
    f.side.open(1, params("sleepy", false));
    f.side.subscribe(1, "cmd", 2, 1);
    f.side.close(1, close_reason::disconnect);
    f.side.open(2, params("pub"));
    f.listener.take();
    f.side.publish(2, message("cmd", "zero", 0), 1);
    f.side.publish(2, message("cmd", "one", 1), 2);
    f.side.publish(2, message("cmd", "two", 2), 3);
    f.side.publish(2, message("cmd", "three", 2), 4); // over the bound: the oldest dropped
    CHECK(f.listener.take() == ev{"pubdone 2 t2 ok", "pubdone 2 t3 ok", "pubdone 2 t4 ok"});
    CHECK(f.core->stats().queue_dropped == 1);

    f.side.open(1, params("sleepy", false));
    CHECK(f.listener.take() ==
          ev{"open 1 accepted sp1", "msg 1 cmd q2 r0 'two'", "msg 1 cmd q2 r0 'three'"});
}

TEST_CASE("local_mqtt_side: re-open of an open session (rule 15) and take-over") {
    fixture f;
    f.side.open(1, params("watcher"));
    f.side.subscribe(1, "will/#", 0, 1);
    const will_message will{.topic = "will/dev", .payload = bytes("w")};
    f.side.open(2, params("dev", false, will));
    f.side.subscribe(2, "x", 1, 2);
    f.listener.take();

    // spec-decisions rule 15: the same session connects again; the device is alive, so no will.
    f.side.open(2, params("dev", false, will));
    CHECK(f.listener.take() == ev{"open 2 accepted sp1"});
    f.side.publish(1, message("x", "still", 1), 3);
    CHECK(f.listener.take() == ev{"msg 2 x q1 r0 'still'", "pubdone 1 t3 ok"});

    // Another session id with the same client id takes it over: the old one is lost and its
    // will is published (MQTT 3.1.1: the old connection ended without DISCONNECT).
    f.side.open(3, params("dev", false));
    CHECK(f.listener.take() == ev{"lost 2", "msg 1 will/dev q0 r0 'w'", "open 3 accepted sp1"});
    f.side.publish(1, message("x", "to-new", 1), 4);
    CHECK(f.listener.take() == ev{"msg 3 x q1 r0 'to-new'", "pubdone 1 t4 ok"});
    f.side.close(2, close_reason::lost); // stale: nothing happens
    CHECK(f.listener.take().empty());
}

TEST_CASE("local_mqtt_side: refusals, connectionless publish, shutdown") {
    fixture f(broker_limits{.max_sessions = 2});
    f.side.open(1, params(""));
    f.side.open(2, params("a"));
    f.side.open(3, params("b"));
    f.side.open(4, params("c"));
    CHECK(f.listener.take() == ev{"open 1 refused sp0", "open 2 accepted sp0",
                                  "open 3 accepted sp0", "open 4 congestion sp0"});
    f.side.subscribe(2, "qm1/#", 2, 1);
    f.side.subscribe(2, "bad/#/x", 1, 2);
    f.listener.take();
    // MQTT-SN 1.2 §6.8: QoS -1 goes out at QoS 0.
    f.side.publish_connectionless(message("qm1/t", "fire", 1));
    CHECK(f.listener.take() == ev{"msg 2 qm1/t q0 r0 'fire'"});
    f.side.publish(2, message("bad/+", "x", 1), 3);
    CHECK(f.listener.take() == ev{"pubdone 2 t3 fail"});

    // The core outlives the side (it is shared with the MQTT/TCP listener): destroying the
    // side detaches its sessions without wills.
    auto core = f.core;
    {
        local_mqtt_side other(core);
        recording_listener l;
        other.set_listener(l);
        other.open(9, params("b2"));
        CHECK(l.events == ev{"open 9 congestion sp0"});
    }
    CHECK(core->session_count() == 2);
}
