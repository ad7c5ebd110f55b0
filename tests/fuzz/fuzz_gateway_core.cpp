// libFuzzer target for the MQTT-SN session machine: a gateway::gateway_core wired to the real
// built-in broker (bridge::local), a recording datagram_sink and a fake clock. The input is a
// sequence of steps, so one input is a whole multi-client session:
//
//   step    = header:u8 advance:u8 length body
//   header  = bits 1-0 source address index (0..3), bits 4-2 operation:
//             0..3 datagram `body` from that address, 4 an MQTT/TCP-side publish into the
//             broker (body = topic selector:u8, qos|retain:u8, payload), 5 time passes only
//   advance = fake clock step before the operation: bits 7-6 unit (10 ms, 100 ms, 1 s, 60 s),
//             bits 5-0 count; on_tick runs whenever next_deadline() has passed
//   length  = u8, or 0xFF then u16 big-endian (for 3-byte-Length MQTT-SN messages)
//
// Properties checked after every step (a broken one aborts):
// - every datagram the gateway sends (unicast and multicast) decodes with mqttsn::decode, is a
//   gateway-to-client message type, and unicast goes to one of the four source addresses;
//   an Encapsulated answer carries a decodable, non-encapsulated inner message;
// - session_count() never exceeds core_settings::max_clients; every session seen stays within
//   its queue, topic-table and pending bounds; the broker stays within its limits (sessions,
//   retained messages);
// - after on_tick(now), next_deadline() is not in the past (else the runtime would spin);
// - one step sends a bounded number of datagrams (no amplification storm).
//
// SNB_FUZZ_WRITE_SEEDS=<dir>: write the seed corpus (sessions built with mqttsn::encode) to
// <dir> and exit. SNB_FUZZ_LOG=debug: the core's log lines and packet log on stderr (slow).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/local_mqtt_side.hpp"
#include "common/address_prefix.hpp"
#include "common/log.hpp"
#include "common/mqtt_side.hpp"
#include "common/mqttsn/packet.hpp"
#include "common/net_address.hpp"
#include "gateway/core_settings.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/gateway_core.hpp"
#include "gateway/packet_log.hpp"

namespace sn = snbridge::common::mqttsn;
namespace common = snbridge::common;
namespace gateway = snbridge::gateway;
namespace local = snbridge::bridge::local;

namespace {

using bytes = std::vector<std::uint8_t>;

constexpr std::size_t max_steps = 256;
constexpr std::size_t max_sends_per_step = 256;

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "fuzz_gateway_core: %s\n", what);
    std::abort();
}

const std::array<common::net_address, 4>& sources() {
    static const std::array<common::net_address, 4> a = [] {
        std::array<common::net_address, 4> out{
            common::net_address::v4(127, 0, 0, 1, 40001),
            common::net_address::v4(127, 0, 0, 1, 40002),
            common::net_address{},
            common::net_address::v4(10, 9, 8, 7, 40004),
        };
        out[2].fam = common::net_address::family::v6;
        out[2].ip[15] = 1; // ::1
        out[2].port = 40003;
        return out;
    }();
    return a;
}

const std::array<std::string_view, 8> broker_topics{"a/b", "a",     "p/q",    "c/1",
                                                    "ab",  "a/b/c", "$SYS/x", "t"};

gateway::core_settings fuzz_settings() {
    gateway::core_settings s;
    s.gateway_id = 7;
    s.retry_interval = std::chrono::milliseconds(1000);
    s.retry_count = 2;
    s.advertise_interval_s = 60;
    s.connect_timeout = std::chrono::milliseconds(5000);
    s.max_clients = 3;
    s.max_client_id_length = 16;
    s.max_topics_per_client = 4;
    s.max_queued_messages = 3;
    s.sleep_buffer_size = 3;
    s.max_pending_from_client = 2;
    s.predefined = {{1, "a/b"}, {2, "p/q"}};
    s.client_predefined = {{"c1", {{3, "c/1"}, {1, "a/b/c"}}}};
    if (auto p = common::parse_address_prefix("127.0.0.0/8")) {
        s.qos_minus_one_senders.push_back(*p);
    }
    return s;
}

local::broker_limits fuzz_limits() {
    return local::broker_limits{.max_sessions = 6,
                                .max_subscriptions_per_client = 4,
                                .max_queued_messages = 4,
                                .max_retained_messages = 6,
                                .max_topic_levels = 8};
}

bool gateway_may_send(sn::msg_type t) {
    switch (t) {
    case sn::msg_type::connect:
    case sn::msg_type::willtopic:
    case sn::msg_type::willmsg:
    case sn::msg_type::subscribe:
    case sn::msg_type::unsubscribe:
    case sn::msg_type::searchgw:
    case sn::msg_type::willtopicupd:
    case sn::msg_type::willmsgupd:
        return false;
    default:
        return true;
    }
}

/// Checks every datagram the gateway sends.
class checking_sink final : public gateway::datagram_sink {
public:
    std::size_t sent = 0;

    void send(const common::net_address& to, std::span<const std::uint8_t> b) override {
        ++sent;
        bool known = false;
        for (const auto& a : sources()) {
            known = known || a == to;
        }
        if (!known) {
            broken("unicast to an address that never sent anything");
        }
        check(b, false);
    }
    void send_multicast(std::span<const std::uint8_t> b, std::uint8_t radius) override {
        ++sent;
        // Any radius is legal: GWINFO goes out with the SEARCHGW's 1-octet Radius (§6.1).
        (void)radius;
        const auto t = check(b, false);
        if (t != sn::msg_type::advertise && t != sn::msg_type::gwinfo) {
            broken("multicast of something other than ADVERTISE/GWINFO");
        }
    }

private:
    static sn::msg_type check(std::span<const std::uint8_t> b, bool inner) {
        const auto p = sn::decode(b);
        if (!p) {
            broken("the gateway sent a datagram that does not decode");
        }
        const auto t = sn::type_of(*p);
        if (!gateway_may_send(t)) {
            broken("the gateway sent a client-to-gateway message type");
        }
        if (const auto* e = std::get_if<sn::encapsulated>(&*p)) {
            if (inner) {
                broken("nested Encapsulated from the gateway");
            }
            (void)check(e->inner, true);
        }
        return t;
    }
};

std::chrono::milliseconds advance_of(std::uint8_t a) {
    static constexpr std::array<std::int64_t, 4> unit{10, 100, 1000, 60'000};
    return std::chrono::milliseconds(unit[a >> 6] * (a & 0x3F));
}

/// One fuzz run: builds the system, replays the steps, checks the properties.
void run(std::span<const std::uint8_t> in) {
    const auto settings = fuzz_settings();
    gateway::time_point now = gateway::time_point{} + std::chrono::hours(1000);
    auto broker = std::make_shared<local::broker_core>(fuzz_limits());
    local::local_mqtt_side side(broker);
    checking_sink sink;
    gateway::gateway_core core(settings, side, sink, [&now] { return now; });

    // ClientIds seen in CONNECTs (direct or encapsulated), to inspect their sessions.
    std::set<std::string> client_ids;
    const auto note_client_id = [&](std::span<const std::uint8_t> b) {
        auto p = sn::decode(b);
        if (p && std::holds_alternative<sn::encapsulated>(*p)) {
            const auto inner = std::get<sn::encapsulated>(*p).inner;
            p = sn::decode(inner);
        }
        if (p && std::holds_alternative<sn::connect>(*p)) {
            client_ids.insert(std::get<sn::connect>(*p).client_id);
        }
    };
    const auto check_state = [&] {
        if (core.session_count() > settings.max_clients) {
            broken("more sessions than max_clients");
        }
        if (broker->session_count() > fuzz_limits().max_sessions) {
            broken("broker holds more sessions than max_sessions");
        }
        if (broker->retained_count() > fuzz_limits().max_retained_messages) {
            broken("broker holds more retained messages than max_retained_messages");
        }
        if (sink.sent > max_sends_per_step) {
            broken("one step sent too many datagrams");
        }
        const std::size_t queue_bound =
            std::max(settings.max_queued_messages, settings.sleep_buffer_size);
        for (const auto& id : client_ids) {
            const auto* s = core.find_session(id);
            if (s == nullptr) {
                continue;
            }
            if (s->queue.size() > queue_bound) {
                broken("a delivery queue exceeds max_queued_messages/sleep_buffer_size");
            }
            if (s->topics.size() > settings.max_topics_per_client) {
                broken("a topic table exceeds max_topics_per_client");
            }
            if (s->pending_work() > settings.max_pending_from_client) {
                broken("client-side pending work exceeds max_pending_from_client");
            }
        }
    };
    const auto tick = [&] {
        for (int i = 0; i < 8; ++i) {
            const auto d = core.next_deadline();
            if (!d || *d > now) {
                return;
            }
            core.on_tick(now);
        }
        broken("next_deadline() stays in the past after on_tick");
    };

    std::size_t pos = 0;
    for (std::size_t step = 0; step < max_steps && pos + 3 <= in.size(); ++step) {
        const std::uint8_t header = in[pos];
        const std::uint8_t adv = in[pos + 1];
        std::size_t len = in[pos + 2];
        pos += 3;
        if (len == 0xFF) {
            if (pos + 2 > in.size()) {
                break;
            }
            len = static_cast<std::size_t>(in[pos]) << 8 | in[pos + 1];
            pos += 2;
        }
        len = std::min(len, in.size() - pos);
        const auto body = in.subspan(pos, len);
        pos += len;

        sink.sent = 0;
        now += advance_of(adv);
        tick();
        const auto& from = sources()[header & 3];
        const unsigned op = (header >> 2) & 7;
        if (op < 4) {
            note_client_id(body);
            core.on_datagram(from, body, now);
        } else if (op == 4 && body.size() >= 2) {
            common::mqtt_message m;
            const std::uint8_t sel = body[0];
            if (sel < broker_topics.size()) {
                m.topic = broker_topics[sel];
            } else {
                m.topic.assign(reinterpret_cast<const char*>(body.data() + 2),
                               std::min<std::size_t>(body.size() - 2, sel & 0x1F));
            }
            m.qos = body[1] & 3;
            m.retain = (body[1] & 4) != 0;
            m.payload.assign(body.begin() + 2, body.end());
            (void)broker->publish(m);
        }
        tick();
        check_state();
    }
    sink.sent = 0;
    core.shutdown(now);
    check_state();
}

// --- seed corpus -------------------------------------------------------------------------

class seed_builder {
public:
    seed_builder& dg(unsigned from, const sn::packet& p, std::uint8_t advance = 0) {
        const auto b = sn::encode(p);
        if (b.empty()) {
            broken("seed message does not encode");
        }
        return raw(from, b, advance);
    }
    seed_builder& raw(unsigned from, const bytes& b, std::uint8_t advance = 0) {
        return step(static_cast<std::uint8_t>(from & 3), advance, b);
    }
    /// Datagram wrapped in Encapsulated (§5.5) with `node` as the Wireless Node Id.
    seed_builder& fw(unsigned from, std::string_view node, const sn::packet& p,
                     std::uint8_t advance = 0) {
        sn::encapsulated e;
        e.radius = 1;
        e.wireless_node_id.assign(node.begin(), node.end());
        e.inner = sn::encode(p);
        return dg(from, e, advance);
    }
    seed_builder& broker_pub(std::uint8_t topic, std::uint8_t qos, bool retain,
                             std::string_view payload, std::uint8_t advance = 0) {
        bytes b{topic, static_cast<std::uint8_t>(qos | (retain ? 4 : 0))};
        b.insert(b.end(), payload.begin(), payload.end());
        return step(4 << 2, advance, b);
    }
    seed_builder& wait(std::uint8_t advance) { return step(5 << 2, advance, {}); }
    [[nodiscard]] const bytes& data() const noexcept { return out_; }

private:
    seed_builder& step(std::uint8_t header, std::uint8_t advance, const bytes& b) {
        out_.push_back(header);
        out_.push_back(advance);
        if (b.size() >= 0xFF) {
            out_.push_back(0xFF);
            out_.push_back(static_cast<std::uint8_t>(b.size() >> 8));
            out_.push_back(static_cast<std::uint8_t>(b.size()));
        } else {
            out_.push_back(static_cast<std::uint8_t>(b.size()));
        }
        out_.insert(out_.end(), b.begin(), b.end());
        return *this;
    }
    bytes out_;
};

constexpr std::uint8_t ms10(unsigned n) {
    return static_cast<std::uint8_t>(n & 0x3F);
}
constexpr std::uint8_t sec(unsigned n) {
    return static_cast<std::uint8_t>(0x80 | (n & 0x3F));
}
constexpr std::uint8_t mins(unsigned n) {
    return static_cast<std::uint8_t>(0xC0 | (n & 0x3F));
}

sn::flags fl(sn::qos q = sn::qos::zero, sn::topic_id_type t = sn::topic_id_type::normal,
             bool retain = false) {
    sn::flags f;
    f.qos_level = q;
    f.topic_type = t;
    f.retain = retain;
    return f;
}

sn::connect conn(std::string id, std::uint16_t keep_alive = 30, bool clean = true,
                 bool will = false) {
    sn::connect c;
    c.flag.clean_session = clean;
    c.flag.will = will;
    c.duration = keep_alive;
    c.client_id = std::move(id);
    return c;
}

bytes payload(std::string_view s) {
    return bytes(s.begin(), s.end());
}

sn::publish pub(sn::flags f, std::uint16_t topic, std::uint16_t msg_id, std::string_view data) {
    return sn::publish{.flag = f, .topic_id = topic, .msg_id = msg_id, .data = payload(data)};
}

sn::subscribe sub_name(std::string name, sn::qos q, std::uint16_t msg_id) {
    return sn::subscribe{.flag = fl(q), .msg_id = msg_id, .topic_name = std::move(name)};
}

std::vector<bytes> seeds() {
    using sn::qos;
    using sn::topic_id_type;
    std::vector<bytes> out;
    const auto short_ab = static_cast<std::uint16_t>('a' << 8 | 'b');

    // Publisher: CONNECT, REGISTER, PUBLISH QoS 0/1/2 (with PUBREL), PINGREQ, DISCONNECT.
    out.push_back(seed_builder{}
                      .dg(0, conn("c1"))
                      .dg(0, sn::register_{.topic_id = 0, .msg_id = 1, .topic_name = "a/b"})
                      .dg(0, pub(fl(qos::zero), 1, 0, "q0"), ms10(5))
                      .dg(0, pub(fl(qos::one), 1, 2, "q1"))
                      .dg(0, pub(fl(qos::two), 1, 3, "q2"))
                      .dg(0, sn::pubrel{.msg_id = 3})
                      .dg(0, pub(fl(qos::one, topic_id_type::predefined), 2, 4, "pre"))
                      .dg(0, pub(fl(qos::one, topic_id_type::short_name), short_ab, 5, "sh"))
                      .dg(0, sn::pingreq{}, sec(10))
                      .dg(0, sn::disconnect{})
                      .data());

    // Subscriber and publisher: downstream REGISTER/REGACK, PUBLISH QoS 1/2 acks, retained.
    out.push_back(seed_builder{}
                      .broker_pub(0, 1, true, "retained")
                      .dg(0, conn("sub"))
                      .dg(0, sub_name("a/#", qos::two, 1))
                      .dg(0, sn::puback{.topic_id = 1, .msg_id = 1})
                      .dg(1, conn("pub"))
                      .dg(1, sn::register_{.topic_id = 0, .msg_id = 1, .topic_name = "a/b"})
                      .dg(1, pub(fl(qos::two), 1, 2, "to sub"))
                      .dg(1, sn::pubrel{.msg_id = 2})
                      .dg(0, sn::pubrec{.msg_id = 2})
                      .dg(0, sn::pubcomp{.msg_id = 2})
                      .broker_pub(5, 1, false, "from tcp")
                      .dg(0, sn::regack{.topic_id = 1, .msg_id = 3})
                      .dg(0, sn::puback{.topic_id = 1, .msg_id = 4})
                      .dg(0, sn::unsubscribe{.flag = fl(), .msg_id = 6, .topic_name = "a/#"})
                      .wait(sec(20))
                      .data());

    // Will: CONNECT with will flag, WILLTOPIC, WILLMSG; keep-alive expiry publishes it.
    out.push_back(seed_builder{}
                      .dg(1, conn("watch", 600))
                      .dg(1, sub_name("w/#", qos::one, 1))
                      .dg(0, conn("dies", 10, true, true))
                      .dg(0, sn::willtopic{.flag = fl(qos::one), .topic = "w/dies"})
                      .dg(0, sn::willmsg{.message = payload("gone")})
                      .dg(0, sn::willtopicupd{.flag = fl(qos::zero, topic_id_type::normal, true),
                                              .topic = "w/dies2"})
                      .dg(0, sn::willmsgupd{.message = payload("gone2")})
                      .wait(sec(20))
                      .dg(1, sn::regack{.topic_id = 1, .msg_id = 1})
                      .dg(1, sn::puback{.topic_id = 1, .msg_id = 2})
                      .data());

    // Sleep and wake (§6.14): messages buffered while Asleep, flushed on PINGREQ(ClientId).
    out.push_back(seed_builder{}
                      .dg(0, conn("sleepy", 60))
                      .dg(0, sub_name("a/b", qos::one, 1))
                      .dg(0, sn::disconnect{.duration = 30})
                      .broker_pub(0, 1, false, "m1")
                      .broker_pub(0, 0, false, "m2")
                      .broker_pub(0, 1, false, "m3")
                      .broker_pub(0, 1, false, "m4")
                      .dg(0, sn::pingreq{.client_id = "sleepy"}, sec(10))
                      .dg(0, sn::puback{.topic_id = 1, .msg_id = 2})
                      .dg(0, sn::puback{.topic_id = 1, .msg_id = 3})
                      .dg(0, conn("sleepy", 60, false), sec(5))
                      .dg(0, sn::disconnect{.duration = 5})
                      .wait(sec(30))
                      .data());

    // Forwarder encapsulation (§5.5): two nodes behind one forwarder.
    out.push_back(seed_builder{}
                      .fw(1, "n1", conn("fw1"))
                      .fw(1, "n2", conn("fw2"))
                      .fw(1, "n1", sub_name("a/b", qos::one, 1))
                      .fw(1, "n2", pub(fl(qos::one, topic_id_type::predefined), 1, 1, "x"))
                      .fw(1, "n1", sn::puback{.topic_id = 1, .msg_id = 1})
                      .fw(1, "n2", sn::pingreq{})
                      .fw(1, "n1", sn::disconnect{})
                      .data());

    // QoS -1 (§6.8), discovery (§6.1), ADVERTISE ticks.
    out.push_back(seed_builder{}
                      .dg(0, pub(fl(qos::minus_one, topic_id_type::predefined), 1, 0, "m1"))
                      .dg(3, pub(fl(qos::minus_one, topic_id_type::short_name), short_ab, 0, "m"))
                      .dg(2, sn::searchgw{.radius = 1})
                      .dg(1, pub(fl(qos::minus_one, topic_id_type::normal), 5, 0, "bad"))
                      .wait(mins(2))
                      .data());

    // max_clients: more ClientIds than sessions, persistent sessions, take-over.
    out.push_back(seed_builder{}
                      .dg(0, conn("k1", 60, false))
                      .dg(1, conn("k2", 60, false))
                      .dg(2, conn("k3", 60, false))
                      .dg(3, conn("k4"))
                      .dg(0, sn::disconnect{})
                      .dg(3, conn("k5"))
                      .dg(1, conn("k1", 60, false))
                      .fw(2, "zz", conn("k6"))
                      .dg(2, conn("k2"))
                      .data());

    // Client-specific predefined topics, topic table full, long topic, 3-byte Length.
    {
        seed_builder b;
        b.dg(0, conn("c1"));
        for (std::uint16_t i = 1; i <= 6; ++i) {
            b.dg(0,
                 sn::register_{.topic_id = 0, .msg_id = i, .topic_name = "t/" + std::to_string(i)});
        }
        b.dg(0, pub(fl(qos::one, topic_id_type::predefined), 3, 7, "own"));
        b.dg(0, pub(fl(qos::two, topic_id_type::predefined), 1, 8, std::string(400, 'z')));
        b.dg(0, sub_name(std::string(300, 'l'), qos::zero, 9));
        b.dg(0, sn::subscribe{
                    .flag = fl(qos::one, topic_id_type::predefined), .msg_id = 10, .topic_id = 2});
        out.push_back(b.data());
    }

    // Retransmission: the subscriber never acks; retries then give up.
    out.push_back(seed_builder{}
                      .dg(0, conn("deaf", 100))
                      .dg(0, sub_name("a/b", qos::two, 1))
                      .dg(0, sn::regack{.topic_id = 1, .msg_id = 1})
                      .broker_pub(0, 2, false, "r1")
                      .broker_pub(0, 2, false, "r2")
                      .wait(sec(2))
                      .wait(sec(2))
                      .wait(sec(2))
                      .dg(0, sn::pubrec{.msg_id = 2})
                      .wait(sec(5))
                      .data());

    // Garbage between valid messages.
    out.push_back(seed_builder{}
                      .raw(0, bytes{0x02, 0xFF})
                      .dg(0, conn("g"))
                      .raw(0, bytes{0x01, 0x00, 0x00, 0x05, 0x0C})
                      .raw(0, bytes{0x05, 0xFE, 0x01, 0x03, 0xFE})
                      .dg(0, sn::connack{})
                      .data());
    return out;
}

void write_seeds(const char* dir) {
    const auto all = seeds();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const std::string path = std::string(dir) + "/seed_" + std::to_string(i);
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(all[i].data()),
                static_cast<std::streamsize>(all[i].size()));
        if (!f) {
            broken("cannot write a seed file");
        }
    }
    std::fprintf(stderr, "fuzz_gateway_core: wrote %zu seeds to %s\n", all.size(), dir);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    const char* log = std::getenv("SNB_FUZZ_LOG");
    const bool debug = log != nullptr && std::string_view(log) == "debug";
    snbridge::common::log::set_level(debug ? snbridge::common::log::level::debug
                                           : snbridge::common::log::level::error);
    gateway::packet_log::set_enabled(debug);
    if (const char* dir = std::getenv("SNB_FUZZ_WRITE_SEEDS")) {
        write_seeds(dir);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run(std::span<const std::uint8_t>(data, size));
    return 0;
}
