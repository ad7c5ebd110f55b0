// gateway_core under a deterministic stream of random (mostly well-formed) datagrams, MQTT-side
// events and clock steps: every table and queue stays within its configured bound
// (docs/architecture.md "Custody": memory never grows without limit, whatever arrives on the
// UDP port), every datagram sent decodes, and the timer never asks to be called in the past.

#include <random>

#include "common/mqttsn/packet.hpp"
#include "tests/gateway/core_scenario.hpp"

using namespace snbridge;
using namespace snbridge::gateway;
using namespace snbridge::gateway::test;
namespace sn = snbridge::common::mqttsn;

namespace {

struct generator {
    std::mt19937 rng{12345};

    unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng); }
    std::uint16_t small_id() { return static_cast<std::uint16_t>(pick(6)); }
    std::string client() { return "c" + std::to_string(pick(12)); }
    std::string topic() {
        static const char* names[] = {"a/b", "a/c", "t1", "a/#", "+/b", "x", "long/topic/name/1"};
        return names[pick(7)];
    }
    sn::flags flag() {
        sn::flags f;
        f.dup = pick(4) == 0;
        f.qos_level = static_cast<sn::qos>(pick(4));
        f.retain = pick(3) == 0;
        f.will = pick(3) == 0;
        f.clean_session = pick(2) == 0;
        f.topic_type = static_cast<sn::topic_id_type>(pick(3));
        return f;
    }
    std::vector<std::uint8_t> payload() { return std::vector<std::uint8_t>(pick(5), 0x55); }

    sn::packet packet() {
        switch (pick(22)) {
        case 0:
            return sn::connect{flag(), static_cast<std::uint16_t>(pick(3) * 10), client()};
        case 1:
            return sn::willtopic{flag(), pick(3) == 0 ? std::string() : topic()};
        case 2:
            return sn::willmsg{payload()};
        case 3:
            return sn::register_{0, small_id(), topic()};
        case 4:
            return sn::regack{small_id(), small_id(), static_cast<sn::return_code>(pick(3))};
        case 5:
        case 6:
        case 7: {
            auto f = flag();
            return sn::publish{
                f,
                static_cast<std::uint16_t>(
                    f.topic_type == sn::topic_id_type::short_name ? 0x7431 : small_id()),
                small_id(), payload()};
        }
        case 8:
            return sn::puback{small_id(), small_id(), static_cast<sn::return_code>(pick(3))};
        case 9:
            return sn::pubrec{small_id()};
        case 10:
            return sn::pubrel{small_id()};
        case 11:
            return sn::pubcomp{small_id()};
        case 12: {
            auto f = flag();
            const bool id_type = f.topic_type == sn::topic_id_type::predefined;
            const std::string t = f.topic_type == sn::topic_id_type::short_name ? "t1" : topic();
            return sn::subscribe{f, small_id(), id_type ? std::string() : t, small_id()};
        }
        case 13:
            return sn::unsubscribe{sn::flags{}, small_id(), topic(), 0};
        case 14:
            return sn::pingreq{pick(2) == 0 ? std::string() : client()};
        case 15:
            return sn::disconnect{pick(2) == 0 ? std::nullopt
                                               : std::optional<std::uint16_t>(pick(100))};
        case 16:
            return sn::willtopicupd{flag(), pick(3) == 0 ? std::string() : topic()};
        case 17:
            return sn::willmsgupd{payload()};
        case 18:
            return sn::searchgw{static_cast<std::uint8_t>(pick(4))};
        case 19:
            return sn::connack{};
        case 20:
            return sn::advertise{3, 60};
        default:
            return sn::pingresp{};
        }
    }
};

} // namespace

TEST_CASE("random traffic: every bound holds, every datagram sent decodes, no past deadline") {
    auto cfg = quiet_settings();
    cfg.advertise_interval_s = 600;
    cfg.max_clients = 6;
    cfg.max_topics_per_client = 3;
    cfg.max_queued_messages = 4;
    cfg.sleep_buffer_size = 5;
    cfg.max_pending_from_client = 2;
    cfg.predefined = {{1, "p/one"}, {2, "a/b"}};
    scenario sc(cfg);
    generator g;
    const common::net_address addrs[] = {addr_a, addr_b, addr_c,
                                         common::net_address::v4(10, 0, 0, 4, 4000)};
    for (int step = 0; step < 40000; ++step) {
        sc.side.auto_open =
            g.pick(8) == 0 ? std::nullopt : std::optional(common::open_status::accepted);
        sc.side.auto_publish = g.pick(4) != 0;
        sc.side.auto_subscribe = g.pick(4) != 0;
        const unsigned what = g.pick(10);
        if (what < 6) {
            auto bytes = sn::encode(g.packet());
            if (g.pick(10) == 0) {
                bytes = cat({hx("05 FE 00 00 07"), bytes}); // through a forwarder
            } else if (g.pick(20) == 0 && !bytes.empty()) {
                bytes.pop_back(); // truncated
            }
            sc.in(addrs[g.pick(4)], bytes);
        } else if (what < 8) {
            const auto id = static_cast<common::session_id>(g.pick(20));
            sc.side.listener->on_message(
                id, common::mqtt_message{g.topic(), g.payload(),
                                         static_cast<std::uint8_t>(g.pick(3)), g.pick(2) == 0});
        } else if (what == 8) {
            if (!sc.side.publishes.empty() && g.pick(2) == 0) {
                const auto& p =
                    sc.side.publishes[g.pick(static_cast<unsigned>(sc.side.publishes.size()))];
                sc.side.listener->on_publish_done(p.id, p.token, g.pick(4) != 0);
            } else if (!sc.side.subscribes.empty()) {
                const auto& p =
                    sc.side.subscribes[g.pick(static_cast<unsigned>(sc.side.subscribes.size()))];
                sc.side.listener->on_subscribe_done(p.id, p.token, std::uint8_t{1});
            }
            if (g.pick(50) == 0) {
                sc.side.listener->on_session_lost(static_cast<common::session_id>(g.pick(20)));
            }
            if (g.pick(20) == 0 && !sc.side.opens.empty()) {
                sc.side.listener->on_open(sc.side.opens.back().first,
                                          static_cast<common::open_status>(g.pick(3)), false);
            }
        } else {
            sc.advance(std::chrono::milliseconds(g.pick(4) == 0 ? g.pick(200'000) : g.pick(3000)));
            if (const auto d = sc.core.next_deadline()) {
                REQUIRE(*d > sc.now - std::chrono::milliseconds(1)); // advance() caught up
            }
        }
        REQUIRE(sc.core.session_count() <= cfg.max_clients);
        for (const auto& d : sc.sink.sent) {
            const auto p = sn::decode(d.data);
            REQUIRE(p.has_value());
        }
        sc.sink.sent.clear();
        sc.sink.multicasts.clear();
        for (unsigned i = 0; i < 12; ++i) {
            if (const auto* s = sc.core.find_session("c" + std::to_string(i))) {
                REQUIRE(s->queue.size() <=
                        std::max(cfg.max_queued_messages, cfg.sleep_buffer_size));
                REQUIRE(s->topics.size() <= cfg.max_topics_per_client);
                // pending may exceed by the in-flight SUBSCRIBE/UNSUBSCRIBE only via the bound
                // check
                REQUIRE(s->pending_work() <= cfg.max_pending_from_client + 1u);
            }
        }
        // The fakes' own logs stay small.
        if (sc.side.publishes.size() > 200) {
            sc.side.publishes.erase(sc.side.publishes.begin(), sc.side.publishes.begin() + 100);
        }
        if (sc.side.subscribes.size() > 200) {
            sc.side.subscribes.erase(sc.side.subscribes.begin(), sc.side.subscribes.begin() + 100);
        }
    }
}
