// mqtt_connection: the MQTT 3.1.1 server state machine on the real broker_core, driven with
// packets and a fake clock through a recording transport. Asserts exact packets; no socket,
// no sleep.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/mqtt_connection.hpp"
#include "common/mqtt/packet.hpp"

using namespace snbridge::bridge::local;
namespace mqtt = snbridge::common::mqtt;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

namespace {

bytes b(std::string_view s) {
    return {s.begin(), s.end()};
}

struct fake_transport final : mqtt_transport {
    std::vector<bytes> sent;
    bool closed = false;
    bool flushed = false;
    bool refuse = false;
    bool paused = false;
    int resume_requests = 0;
    int deadline_moves = 0;

    bool send(std::span<const std::uint8_t> data) override {
        if (refuse) {
            return false;
        }
        sent.emplace_back(data.begin(), data.end());
        return true;
    }
    void close(bool flush) override {
        closed = true;
        flushed = flush;
    }
    void pause_reading() override { paused = true; }
    void request_resume() override { ++resume_requests; }
    void deadline_moved() override { ++deadline_moves; }
};

/// A client as the server sees it: a transport, the connection, and the fake clock.
struct client {
    fake_transport t;
    std::unique_ptr<mqtt_connection> c;
    mqtt_connection::clock::time_point* now;

    client(broker_core& core, const mqtt_settings& s, mqtt_connection::clock::time_point& clock)
        : c(std::make_unique<mqtt_connection>(
              core, s, t, snbridge::common::net_address::v4(127, 0, 0, 1, 40000), clock))
        , now(&clock) {}

    void send(const mqtt::packet& p) { c->on_bytes(mqtt::encode(p), *now); }
    void send_raw(const bytes& raw) { c->on_bytes(raw, *now); }

    /// Every packet the server sent since the last call, decoded.
    std::vector<mqtt::packet> take() {
        std::vector<mqtt::packet> out;
        for (const auto& w : t.sent) {
            auto p = mqtt::decode(w);
            REQUIRE(p.has_value());
            out.push_back(*p);
        }
        t.sent.clear();
        return out;
    }
    /// Drops the network connection as the listener would (transport end + detach).
    void lose() {
        c->on_transport_end();
        c->detach();
    }
    /// SUBSCRIBE one filter; the SUBACK is taken.
    void subscribe_to(const std::string& filter, std::uint8_t qos) {
        send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{filter, qos}}});
        take();
    }
    mqtt::connack connect(const std::string& id, bool clean = true, std::uint16_t keep_alive = 0,
                          std::optional<mqtt::will> will = std::nullopt) {
        send(mqtt::connect{.clean_session = clean,
                           .keep_alive_s = keep_alive,
                           .client_id = id,
                           .will = std::move(will)});
        auto got = take();
        REQUIRE(!got.empty());
        auto* ack = std::get_if<mqtt::connack>(&got.front());
        REQUIRE(ack != nullptr);
        // Whatever followed the CONNACK (re-sent or queued messages) stays for take().
        for (std::size_t i = 1; i < got.size(); ++i) {
            t.sent.push_back(mqtt::encode(got[i]));
        }
        return *ack;
    }
};

struct fixture {
    std::shared_ptr<broker_core> core = std::make_shared<broker_core>();
    mqtt_settings settings;
    mqtt_connection::clock::time_point now{std::chrono::seconds(1000)};

    std::unique_ptr<client> make() { return std::make_unique<client>(*core, settings, now); }
    /// A client connected as `id` (clean session, keep-alive 0, no will).
    std::unique_ptr<client> connected(const std::string& id) {
        auto c = make();
        c->connect(id);
        return c;
    }
};

mqtt::publish pub(std::string topic, std::string payload, std::uint8_t qos = 0,
                  std::uint16_t id = 0, bool retain = false) {
    return mqtt::publish{.qos = qos,
                         .retain = retain,
                         .topic = std::move(topic),
                         .packet_id = id,
                         .payload = b(payload)};
}

} // namespace

TEST_CASE_FIXTURE(fixture, "mqtt connection: CONNECT gets CONNACK 0 with exact bytes") {
    auto a = make();
    a->send(mqtt::connect{.client_id = "a"});
    REQUIRE(a->t.sent.size() == 1);
    CHECK(a->t.sent[0] == bytes{0x20, 0x02, 0x00, 0x00}); // CONNACK, sp 0, accepted
    CHECK(a->c->current_state() == mqtt_connection::state::connected);
    CHECK_FALSE(a->t.closed);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: CONNACK codes (table)") {
    settings.allow_anonymous = false;
    settings.users = {{"alice", "secret"}, {"bob", ""}};
    settings.max_client_id_length = 30;
    struct row {
        const char* what;
        mqtt::connect c;
        mqtt::connack_code rc;
    };
    const row rows[] = {
        {"anonymous refused", {.client_id = "x"}, mqtt::connack_code::not_authorized},
        {"unknown user",
         {.client_id = "x", .username = "eve", .password = "secret"},
         mqtt::connack_code::bad_username_or_password},
        {"wrong password",
         {.client_id = "x", .username = "alice", .password = "nope"},
         mqtt::connack_code::bad_username_or_password},
        {"missing password",
         {.client_id = "x", .username = "alice"},
         mqtt::connack_code::bad_username_or_password},
        {"right password",
         {.client_id = "x", .username = "alice", .password = "secret"},
         mqtt::connack_code::accepted},
        {"user with empty password, none sent",
         {.client_id = "y", .username = "bob"},
         mqtt::connack_code::accepted},
        {"empty client id, clean 0",
         {.clean_session = false, .username = "bob"},
         mqtt::connack_code::identifier_rejected},
        {"empty client id, clean 1: assigned",
         {.clean_session = true, .username = "bob"},
         mqtt::connack_code::accepted},
        {"client id too long",
         {.client_id = std::string(31, 'c'), .username = "bob"},
         mqtt::connack_code::identifier_rejected},
    };
    for (const auto& r : rows) {
        CAPTURE(r.what);
        auto cl = make();
        cl->send(r.c);
        const auto got = cl->take();
        REQUIRE(got.size() == 1);
        CHECK(std::get<mqtt::connack>(got[0]).rc == r.rc);
        const bool refused = r.rc != mqtt::connack_code::accepted;
        CHECK(cl->t.closed == refused);
        CHECK(cl->t.flushed == refused); // the CONNACK goes out before the close
        cl->lose();
    }
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: protocol level 5 gets CONNACK 0x01, then close") {
    auto a = make();
    a->send_raw({0x10, 0x0D, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0, 1, 'a'});
    REQUIRE(a->t.sent.size() == 1);
    CHECK(a->t.sent[0] == bytes{0x20, 0x02, 0x00, 0x01});
    CHECK(a->t.closed);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: protocol violations close without an answer") {
    SUBCASE("first packet not CONNECT") {
        auto a = make();
        a->send(mqtt::pingreq{});
        CHECK(a->t.sent.empty());
        CHECK(a->t.closed);
    }
    SUBCASE("second CONNECT") {
        auto a = make();
        a->connect("a");
        a->send(mqtt::connect{.client_id = "a"});
        CHECK(a->t.sent.empty());
        CHECK(a->t.closed);
    }
    SUBCASE("malformed packet (PUBLISH QoS 3)") {
        auto a = make();
        a->connect("a");
        a->send_raw({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01});
        CHECK(a->t.closed);
        CHECK_FALSE(a->t.flushed);
    }
    SUBCASE("packet over max_packet_size, refused from its fixed header") {
        settings.max_packet_size = 64;
        auto a = make();
        a->connect("a");
        a->send_raw({0x30, 0x7F}); // announces 129 bytes
        CHECK(a->t.closed);
    }
    SUBCASE("server-only packet from a client") {
        auto a = make();
        a->connect("a");
        a->send(mqtt::suback{.packet_id = 1, .return_codes = {0}});
        CHECK(a->t.closed);
    }
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: a malformed packet closes only that connection") {
    auto a = make();
    auto s = make();
    a->connect("a", true, 0, mqtt::will{.topic = "wills/a", .payload = b("gone"), .qos = 0});
    s->connect("s");
    s->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"#", 0}}});
    s->take();
    a->send_raw({0xF0, 0x00}); // reserved type 15
    CHECK(a->t.closed);
    a->c->detach(); // the listener detaches it: the will goes out
    const auto got = s->take();
    REQUIRE(got.size() == 1);
    CHECK(std::get<mqtt::publish>(got[0]).topic == "wills/a");
    CHECK_FALSE(s->t.closed);
    s->send(mqtt::pingreq{});
    CHECK(s->take() == std::vector<mqtt::packet>{mqtt::pingresp{}});
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: QoS 0, 1 and 2 to a subscriber at each granted QoS") {
    auto pubr = make();
    auto sub = make();
    pubr->connect("p");
    sub->connect("s");
    sub->send(mqtt::subscribe{.packet_id = 7, .subscriptions = {{"q/#", 2}, {"bad/#/x", 1}}});
    CHECK(sub->take() ==
          std::vector<mqtt::packet>{mqtt::suback{.packet_id = 7, .return_codes = {2, 0x80}}});

    // QoS 0
    pubr->send(pub("q/0", "zero"));
    CHECK(pubr->take().empty());
    CHECK(sub->take() == std::vector<mqtt::packet>{pub("q/0", "zero")});

    // QoS 1: PUBACK to the publisher; the subscriber gets a packet id of the server's own.
    pubr->send(pub("q/1", "one", 1, 42));
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::puback{42}});
    auto got = sub->take();
    REQUIRE(got.size() == 1);
    const auto p1 = std::get<mqtt::publish>(got[0]);
    CHECK(p1.qos == 1);
    CHECK(p1.packet_id != 0);
    CHECK(p1.payload == b("one"));
    CHECK(sub->c->inflight() == 1);
    sub->send(mqtt::puback{p1.packet_id});
    CHECK(sub->c->inflight() == 0);

    // QoS 2 inbound (method B): PUBREC, a duplicate is not published twice, PUBREL -> PUBCOMP.
    pubr->send(pub("q/2", "two", 2, 43));
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::pubrec{43}});
    auto dup = pub("q/2", "two", 2, 43);
    dup.dup = true;
    pubr->send(dup);
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::pubrec{43}});
    pubr->send(mqtt::pubrel{43});
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::pubcomp{43}});

    // QoS 2 outbound: exactly one PUBLISH, then PUBREC -> PUBREL, PUBCOMP frees the slot.
    got = sub->take();
    REQUIRE(got.size() == 1);
    const auto p2 = std::get<mqtt::publish>(got[0]);
    CHECK(p2.qos == 2);
    sub->send(mqtt::pubrec{p2.packet_id});
    CHECK(sub->take() == std::vector<mqtt::packet>{mqtt::pubrel{p2.packet_id}});
    CHECK(sub->c->inflight() == 1);
    sub->send(mqtt::pubcomp{p2.packet_id});
    CHECK(sub->c->inflight() == 0);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: downgrade to the granted QoS, UNSUBSCRIBE") {
    auto pubr = make();
    auto sub = make();
    pubr->connect("p");
    sub->connect("s");
    sub->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"t", 0}}});
    sub->take();
    pubr->send(pub("t", "x", 2, 5));
    CHECK(sub->take() == std::vector<mqtt::packet>{pub("t", "x")});
    sub->send(mqtt::unsubscribe{.packet_id = 2, .filters = {"t", "never/subscribed"}});
    CHECK(sub->take() == std::vector<mqtt::packet>{mqtt::unsuback{2}});
    pubr->send(pub("t", "y"));
    CHECK(sub->take().empty());
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: retained message follows the SUBACK with RETAIN=1") {
    auto pubr = make();
    auto sub = make();
    pubr->connect("p");
    pubr->send(pub("r/t", "kept", 1, 1, true));
    pubr->take();
    sub->connect("s");
    sub->send(mqtt::subscribe{.packet_id = 3, .subscriptions = {{"r/+", 0}}});
    const auto got = sub->take();
    REQUIRE(got.size() == 2);
    CHECK(got[0] == mqtt::packet{mqtt::suback{.packet_id = 3, .return_codes = {0}}});
    CHECK(got[1] == mqtt::packet{pub("r/t", "kept", 0, 0, true)});
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: in-flight window holds back QoS 1 messages") {
    settings.max_inflight = 2;
    auto pubr = make();
    auto sub = make();
    pubr->connect("p");
    sub->connect("s");
    sub->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"w", 1}}});
    sub->take();
    for (std::uint16_t i = 1; i <= 5; ++i) {
        pubr->send(pub("w", std::to_string(i), 1, i));
    }
    auto got = sub->take();
    REQUIRE(got.size() == 2);
    CHECK(sub->c->queued() == 3);
    sub->send(mqtt::puback{std::get<mqtt::publish>(got[0]).packet_id});
    got = sub->take();
    REQUIRE(got.size() == 1);
    CHECK(std::get<mqtt::publish>(got[0]).payload == b("3"));
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: keep-alive is supervised at 1.5 x, will published") {
    auto a = make();
    auto s = make();
    s->connect("s");
    s->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"wills/#", 1}}});
    s->take();
    a->connect("a", true, 10, mqtt::will{.topic = "wills/a", .payload = b("lost"), .qos = 1});
    now += 15s;
    a->c->on_tick(now);
    s->c->on_tick(now);
    CHECK_FALSE(a->t.closed);
    now += 1ms;
    a->c->on_tick(now);
    CHECK(a->t.closed);
    a->c->detach();
    const auto got = s->take();
    REQUIRE(got.size() == 1);
    CHECK(std::get<mqtt::publish>(got[0]).topic == "wills/a");
    CHECK(std::get<mqtt::publish>(got[0]).qos == 1);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: any packet restarts the keep-alive") {
    auto a = make();
    a->connect("a", true, 10);
    now += 14s;
    a->send(mqtt::pingreq{});
    CHECK(a->take() == std::vector<mqtt::packet>{mqtt::pingresp{}});
    now += 14s;
    a->c->on_tick(now);
    CHECK_FALSE(a->t.closed);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: next_deadline is the keep-alive check, none at 0") {
    // The listener sleeps until this deadline instead of ticking every second.
    auto a = make();
    REQUIRE(a->c->next_deadline().has_value()); // the CONNECT timeout while awaiting CONNECT
    a->connect("a", true, 10);
    CHECK(a->c->next_deadline() == now + 15s);
    now += 14s;
    a->send(mqtt::pingreq{});
    a->take();
    CHECK(a->c->next_deadline() == now + 15s); // any packet moves it later
    auto z = make();
    z->connect("z", true, 0);
    CHECK_FALSE(z->c->next_deadline().has_value()); // keep-alive 0: nothing to supervise
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: DISCONNECT discards the will") {
    auto a = make();
    auto s = make();
    s->connect("s");
    s->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"#", 0}}});
    s->take();
    a->connect("a", true, 0, mqtt::will{.topic = "wills/a", .payload = b("x")});
    a->send(mqtt::disconnect{});
    CHECK(a->t.closed);
    CHECK(a->t.flushed);
    a->lose();
    CHECK(s->take().empty());
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: CONNECT timeout") {
    settings.connect_timeout = 5s;
    auto a = make();
    now += 4s;
    a->c->on_tick(now);
    CHECK_FALSE(a->t.closed);
    now += 1s;
    a->c->on_tick(now);
    CHECK(a->t.closed);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: persistent session queues while offline") {
    auto pubr = make();
    pubr->connect("p");
    {
        auto sub = make();
        CHECK_FALSE(sub->connect("s", false).session_present);
        sub->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"q", 1}}});
        sub->take();
        sub->lose();
    }
    pubr->send(pub("q", "while-away-1", 1, 1));
    pubr->send(pub("q", "while-away-2", 1, 2));
    pubr->send(pub("q", "qos0-dropped", 0));
    auto sub = make();
    const auto ack = sub->connect("s", false);
    CHECK(ack.session_present);
    auto got = sub->take();
    REQUIRE(got.size() == 2);
    CHECK(std::get<mqtt::publish>(got[0]).payload == b("while-away-1"));
    CHECK(std::get<mqtt::publish>(got[1]).payload == b("while-away-2"));
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: unacknowledged messages are re-sent on reconnect") {
    auto pubr = make();
    pubr->connect("p");
    std::uint16_t id1 = 0;
    std::uint16_t id2 = 0;
    {
        auto sub = make();
        sub->connect("s", false);
        sub->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"q", 2}}});
        sub->take();
        pubr->send(pub("q", "one", 1, 1));
        pubr->send(pub("q", "two", 2, 2));
        auto got = sub->take();
        REQUIRE(got.size() == 2);
        id1 = std::get<mqtt::publish>(got[0]).packet_id;
        id2 = std::get<mqtt::publish>(got[1]).packet_id;
        sub->send(mqtt::pubrec{id2}); // QoS 2 half done
        CHECK(sub->take() == std::vector<mqtt::packet>{mqtt::pubrel{id2}});
        sub->lose();
    }
    auto sub = make();
    CHECK(sub->connect("s", false).session_present);
    // §4.4: PUBLISH again with DUP=1 and the same id; PUBREL again for the QoS 2 one.
    auto again = pub("q", "one", 1, id1);
    again.dup = true;
    CHECK(sub->take() == std::vector<mqtt::packet>{again, mqtt::pubrel{id2}});
    sub->send(mqtt::puback{id1});
    sub->send(mqtt::pubcomp{id2});
    CHECK(sub->c->inflight() == 0);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: clean session discards state") {
    auto pubr = make();
    pubr->connect("p");
    {
        auto sub = make();
        sub->connect("s", false);
        sub->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"q", 1}}});
        sub->take();
        sub->lose();
    }
    pubr->send(pub("q", "x", 1, 1));
    auto sub = make();
    CHECK_FALSE(sub->connect("s", true).session_present);
    CHECK(sub->take().empty());
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: a second connection takes the client id over") {
    auto first = make();
    first->connect("same");
    auto second = make();
    CHECK(second->connect("same").rc == mqtt::connack_code::accepted);
    CHECK(first->t.closed);
    CHECK(first->c->current_state() == mqtt_connection::state::closing);
    first->lose(); // stale: must not disturb the new connection
    second->send(mqtt::pingreq{});
    CHECK(second->take() == std::vector<mqtt::packet>{mqtt::pingresp{}});
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: a client that cannot take bytes is lost") {
    auto pubr = make();
    auto sub = make();
    pubr->connect("p");
    sub->connect("s");
    sub->send(mqtt::subscribe{.packet_id = 1, .subscriptions = {{"t", 0}}});
    sub->take();
    sub->t.refuse = true;
    pubr->send(pub("t", "x"));
    CHECK(sub->t.closed);
    CHECK(sub->c->current_state() == mqtt_connection::state::closing);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: packets split at every byte boundary") {
    auto a = make();
    bytes stream = mqtt::encode(mqtt::connect{.client_id = "split"});
    const auto sub = mqtt::encode(mqtt::subscribe{.packet_id = 9, .subscriptions = {{"a/#", 1}}});
    const auto ping = mqtt::encode(mqtt::pingreq{});
    stream.insert(stream.end(), sub.begin(), sub.end());
    stream.insert(stream.end(), ping.begin(), ping.end());
    for (const auto byte : stream) {
        a->send_raw({byte});
    }
    const auto got = a->take();
    REQUIRE(got.size() == 3);
    CHECK(std::holds_alternative<mqtt::connack>(got[0]));
    CHECK(got[1] == mqtt::packet{mqtt::suback{.packet_id = 9, .return_codes = {1}}});
    CHECK(got[2] == mqtt::packet{mqtt::pingresp{}});
}

namespace {

/// Packets of one type among `got`.
template <class T>
std::vector<T> only(const std::vector<mqtt::packet>& got) {
    std::vector<T> out;
    for (const auto& p : got) {
        if (const auto* x = std::get_if<T>(&p)) {
            out.push_back(*x);
        }
    }
    return out;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "mqtt connection: a full subscriber pauses the publisher, no PUBACK") {
    settings.max_inflight = 1;
    settings.max_queued = 1;
    auto pubr = connected("p");
    auto sub = connected("s");
    auto other = connected("o");
    sub->subscribe_to("w", 1);
    other->subscribe_to("w", 1);
    sub->take();
    other->take();

    // 1 goes out, 2 waits in the queue: s is full. 3 is refused and the bytes behind it (4
    // and a PINGREQ) are not read either.
    pubr->send(pub("w", "1", 1, 1));
    pubr->send(pub("w", "2", 1, 2));
    auto raw = mqtt::encode(pub("w", "3", 1, 3));
    const auto four = mqtt::encode(pub("w", "4", 1, 4));
    raw.insert(raw.end(), four.begin(), four.end());
    const auto ping = mqtt::encode(mqtt::pingreq{});
    raw.insert(raw.end(), ping.begin(), ping.end());
    pubr->send_raw(raw);
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::puback{1}, mqtt::puback{2}});
    CHECK(pubr->t.paused);
    CHECK(pubr->c->paused());
    CHECK(core->stats().refused_congested == 1);
    CHECK(sub->c->inflight() == 1);
    CHECK(sub->c->queued() == 1);
    // o had room but got nothing of the refused message: no partial delivery.
    const auto o_got = only<mqtt::publish>(other->take());
    REQUIRE(o_got.size() == 1);
    CHECK(o_got[0].payload == b("1"));
    CHECK(other->c->queued() == 1);

    // s acknowledges: a slot frees, the publisher is woken and 3 is routed and acked; 4 is
    // refused again (s is full once more).
    auto s_got = only<mqtt::publish>(sub->take());
    REQUIRE(s_got.size() == 1);
    other->send(mqtt::puback{1});
    other->send(mqtt::puback{2});
    sub->send(mqtt::puback{s_got[0].packet_id});
    CHECK(pubr->t.resume_requests == 1);
    pubr->c->resume_reading(now);
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::puback{3}});
    CHECK(pubr->c->paused());
    CHECK(core->stats().refused_congested == 2);

    // Each message reached each subscriber exactly once.
    s_got = only<mqtt::publish>(sub->take());
    REQUIRE(s_got.size() == 1);
    CHECK(s_got[0].payload == b("2"));
    sub->send(mqtt::puback{s_got[0].packet_id});
    CHECK(pubr->t.resume_requests == 2);
    pubr->c->resume_reading(now);
    CHECK_FALSE(pubr->c->paused());
    CHECK(pubr->take() == std::vector<mqtt::packet>{mqtt::puback{4}, mqtt::pingresp{}});
    std::vector<std::string> payloads;
    for (const auto& p : only<mqtt::publish>(other->take())) {
        payloads.emplace_back(p.payload.begin(), p.payload.end());
        other->send(mqtt::puback{p.packet_id});
    }
    for (const auto& p : only<mqtt::publish>(other->take())) {
        payloads.emplace_back(p.payload.begin(), p.payload.end());
    }
    CHECK(payloads == std::vector<std::string>{"2", "3", "4"});
    CHECK(sub->c->stats().dropped_queue_full == 0);
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: a publisher subscribed to its own topic is not "
                           "paused by its own full queue (it could never read the acks)") {
    settings.max_inflight = 1;
    settings.max_queued = 1;
    auto self = connected("self");
    self->subscribe_to("w", 1);
    self->take();
    // It acks nothing it is sent: its own queue fills (1 in flight, 1 queued) ...
    self->send(pub("w", "1", 1, 1));
    self->send(pub("w", "2", 1, 2));
    self->send(pub("w", "3", 1, 3));
    // ... but every PUBLISH of its own is acknowledged, and it keeps being read.
    const auto got = self->take();
    std::vector<mqtt::packet> acks;
    for (const auto& p : got) {
        if (std::holds_alternative<mqtt::puback>(p)) {
            acks.push_back(p);
        }
    }
    CHECK(acks == std::vector<mqtt::packet>{mqtt::puback{1}, mqtt::puback{2}, mqtt::puback{3}});
    CHECK_FALSE(self->c->paused());
    CHECK(core->stats().refused_congested == 0);
    CHECK(core->stats().congested_dropped == 1); // its own third copy, counted
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: QoS 0 to a full subscriber is dropped, counted") {
    settings.max_inflight = 1;
    settings.max_queued = 0;
    auto pubr = connected("p");
    auto sub = connected("s");
    sub->subscribe_to("w", 1);
    pubr->send(pub("w", "1", 1, 1));
    pubr->send(pub("w", "zero", 0));
    CHECK_FALSE(pubr->c->paused());
    CHECK(core->stats().qos0_dropped == 1);
    const auto got = only<mqtt::publish>(sub->take());
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == b("1"));
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: a stuck consumer is disconnected as lost") {
    settings.max_inflight = 1;
    settings.max_queued = 1;
    settings.stuck_consumer_timeout = 30s;
    auto pubr = connected("p");
    auto sub = make();
    auto watcher = connected("w");
    watcher->subscribe_to("wills/#", 0);
    sub->connect("s", true, 0, mqtt::will{.topic = "wills/s", .payload = b("gone"), .qos = 0});
    sub->subscribe_to("t", 1);
    CHECK_FALSE(sub->c->next_deadline()); // keep-alive 0, not full

    pubr->send(pub("t", "1", 1, 1));
    pubr->send(pub("t", "2", 1, 2));
    CHECK(sub->t.deadline_moves == 1);
    REQUIRE(sub->c->next_deadline());
    CHECK(*sub->c->next_deadline() <= now); // due: the stuck clock starts at the next tick
    sub->c->on_tick(now);
    CHECK(sub->c->next_deadline() == now + 30s);

    // Progress (a PUBACK, still full afterwards) restarts the clock.
    now += 20s;
    const auto first = only<mqtt::publish>(sub->take());
    REQUIRE(first.size() == 1);
    pubr->send(pub("t", "3", 1, 3)); // refused: s is full, p pauses
    CHECK(pubr->c->paused());
    sub->send(mqtt::puback{first[0].packet_id});
    pubr->c->resume_reading(now); // 3 routed; s full again
    CHECK_FALSE(pubr->c->paused());
    sub->c->on_tick(now);
    CHECK(sub->c->next_deadline() == now + 30s);

    // A paused publisher's keep-alive is not supervised (it is not read).
    now += 29s;
    sub->c->on_tick(now);
    CHECK_FALSE(sub->t.closed);
    now += 1s;
    sub->c->on_tick(now);
    CHECK(sub->t.closed);
    CHECK(sub->c->stats().stuck == 1);
    pubr->send(pub("t", "4", 1, 4)); // s is closing: it does not hold p back
    CHECK_FALSE(pubr->c->paused());
    sub->c->detach(); // as the listener does: lost, so the will is published
    const auto wills = only<mqtt::publish>(watcher->take());
    REQUIRE(wills.size() == 1);
    CHECK(wills[0].topic == "wills/s");
}

TEST_CASE_FIXTURE(fixture, "mqtt connection: a paused publisher's keep-alive is not supervised") {
    settings.max_inflight = 1;
    settings.max_queued = 0;
    auto pubr = make();
    auto sub = connected("s");
    pubr->connect("p", true, 10);
    sub->subscribe_to("t", 1);
    pubr->send(pub("t", "1", 1, 1));
    pubr->send(pub("t", "2", 1, 2));
    REQUIRE(pubr->c->paused());
    CHECK_FALSE(pubr->c->next_deadline());
    now += 20s;
    pubr->c->on_tick(now);
    CHECK_FALSE(pubr->t.closed);
    pubr->c->resume_reading(now); // still refused
    CHECK(pubr->c->paused());
    CHECK_FALSE(pubr->t.closed);
}
