// libFuzzer target for the built-in broker's MQTT 3.1.1 side: up to three
// bridge::local::mqtt_connection objects on one broker_core, fed arbitrary byte streams in
// arbitrary splits, with a fake clock and a recording transport. The input is a sequence of
// steps:
//
//   step    = header:u8 advance:u8 length:u8 body
//   header  = bits 1-0 connection slot (3 means slot 0), bits 4-2 operation:
//             0..3 `body` as stream bytes (a connection is created if the slot is empty),
//             4 the peer closes (on_transport_end + detach), 5 listener shutdown of the slot
//             (detach_for_shutdown), 6 the transport stops/starts accepting writes (a slow
//             client), 7 time passes only
//   advance = fake clock step before the operation, in 100 ms units
//
// Properties checked (a broken one aborts): every byte the broker writes splits into complete
// MQTT 3.1.1 packets that decode and are server-to-client types; per-connection in-flight and
// queue bounds hold; the broker stays within its session and retained-message limits.
//
// SNB_FUZZ_WRITE_SEEDS=<dir>: write the seed corpus (built with mqtt::encode) and exit.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bridge/local/broker_core.hpp"
#include "bridge/local/mqtt_connection.hpp"
#include "common/log.hpp"
#include "common/mqtt/framer.hpp"
#include "common/mqtt/packet.hpp"
#include "common/net_address.hpp"

namespace mqtt = snbridge::common::mqtt;
namespace common = snbridge::common;
namespace local = snbridge::bridge::local;

namespace {

using bytes = std::vector<std::uint8_t>;
using clock_type = local::mqtt_connection::clock;

constexpr std::size_t max_steps = 256;

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "fuzz_broker_mqtt: %s\n", what);
    std::abort();
}

local::broker_limits fuzz_limits() {
    return local::broker_limits{.max_sessions = 4,
                                .max_subscriptions_per_client = 4,
                                .max_queued_messages = 4,
                                .max_retained_messages = 4,
                                .max_topic_levels = 8};
}

local::mqtt_settings fuzz_settings() {
    local::mqtt_settings s;
    s.allow_anonymous = true;
    s.users = {{"u", "p"}};
    s.max_packet_size = 512;
    s.max_inflight = 2;
    s.max_queued = 3;
    s.connect_timeout = std::chrono::milliseconds(2000);
    s.max_client_id_length = 16;
    s.max_write_queue_bytes = 2048;
    return s;
}

bool server_may_send(const mqtt::packet& p) {
    return std::holds_alternative<mqtt::connack>(p) || std::holds_alternative<mqtt::publish>(p) ||
           std::holds_alternative<mqtt::puback>(p) || std::holds_alternative<mqtt::pubrec>(p) ||
           std::holds_alternative<mqtt::pubrel>(p) || std::holds_alternative<mqtt::pubcomp>(p) ||
           std::holds_alternative<mqtt::suback>(p) || std::holds_alternative<mqtt::unsuback>(p) ||
           std::holds_alternative<mqtt::pingresp>(p);
}

/// Checks the byte stream the broker writes to one client.
class checking_transport final : public local::mqtt_transport {
public:
    bool closed = false;
    bool stalled = false; ///< a slow client: writes pile up until the bound
    std::size_t queued_bytes = 0;

    bool send(std::span<const std::uint8_t> b) override {
        if (closed) {
            broken("send() after close()");
        }
        pending_.insert(pending_.end(), b.begin(), b.end());
        parse();
        if (stalled) {
            queued_bytes += b.size();
            if (queued_bytes > fuzz_settings().max_write_queue_bytes) {
                return false;
            }
        }
        return true;
    }
    void close(bool /*flush*/) override { closed = true; }

    /// The stream must end on a packet boundary whenever the connection is idle.
    void check_idle() const {
        if (!pending_.empty()) {
            broken("the broker left a partial packet in the stream");
        }
    }

private:
    void parse() {
        std::span<const std::uint8_t> rest(pending_);
        std::size_t used = 0;
        while (!rest.empty()) {
            const auto f = mqtt::next_frame(rest, 0);
            if (!f) {
                broken("the broker wrote an unframeable packet");
            }
            if (!f->complete) {
                break;
            }
            const auto p = mqtt::decode(rest.first(f->total_size));
            if (!p) {
                broken("the broker wrote a packet that does not decode");
            }
            if (!server_may_send(*p)) {
                broken("the broker wrote a client-to-server packet type");
            }
            used += f->total_size;
            rest = rest.subspan(f->total_size);
        }
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    }

    bytes pending_;
};

struct slot {
    std::unique_ptr<checking_transport> transport;
    std::unique_ptr<local::mqtt_connection> conn;
};

void run(std::span<const std::uint8_t> in) {
    const auto settings = fuzz_settings();
    auto now = clock_type::time_point{} + std::chrono::hours(1000);
    local::broker_core core(fuzz_limits());
    std::array<slot, 3> slots;
    const auto peer = common::net_address::v4(127, 0, 0, 1, 50000);

    const auto drop = [&](slot& s, bool shutdown) {
        if (!s.conn) {
            return;
        }
        if (shutdown) {
            s.conn->detach_for_shutdown();
        } else {
            s.conn->on_transport_end();
            s.conn->detach();
        }
        s.conn.reset();
        s.transport.reset();
    };
    const auto check = [&] {
        for (auto& s : slots) {
            if (!s.conn) {
                continue;
            }
            s.transport->check_idle();
            if (s.conn->inflight() > settings.max_inflight) {
                broken("more messages in flight than max_inflight");
            }
            if (s.conn->queued() > settings.max_queued) {
                broken("more messages queued than max_queued");
            }
        }
        if (core.session_count() > fuzz_limits().max_sessions) {
            broken("broker holds more sessions than max_sessions");
        }
        if (core.retained_count() > fuzz_limits().max_retained_messages) {
            broken("broker holds more retained messages than max_retained_messages");
        }
    };

    std::size_t pos = 0;
    for (std::size_t step = 0; step < max_steps && pos + 3 <= in.size(); ++step) {
        const std::uint8_t header = in[pos];
        const std::uint8_t adv = in[pos + 1];
        const std::size_t len = std::min<std::size_t>(in[pos + 2], in.size() - pos - 3);
        pos += 3;
        const auto body = in.subspan(pos, len);
        pos += len;

        now += std::chrono::milliseconds(100) * adv;
        for (auto& s : slots) {
            if (s.conn) {
                s.conn->on_tick(now);
            }
        }
        auto& s = slots[(header & 3) == 3 ? 0 : header & 3];
        const unsigned op = (header >> 2) & 7;
        if (op < 4) {
            if (!s.conn) {
                s.transport = std::make_unique<checking_transport>();
                s.conn = std::make_unique<local::mqtt_connection>(core, settings, *s.transport,
                                                                  peer, now);
            }
            s.conn->on_bytes(body, now);
        } else if (op == 4) {
            drop(s, false);
        } else if (op == 5) {
            drop(s, true);
        } else if (op == 6 && s.transport) {
            s.transport->stalled = !s.transport->stalled;
            s.transport->queued_bytes = 0;
        }
        // The listener reaps closed connections outside any core call.
        for (auto& each : slots) {
            if (each.conn && each.transport->closed) {
                drop(each, false);
            }
        }
        check();
    }
    for (auto& each : slots) {
        drop(each, true);
    }
}

// --- seed corpus -------------------------------------------------------------------------

class seed_builder {
public:
    seed_builder& pkt(unsigned slot, const mqtt::packet& p, std::uint8_t advance = 0) {
        const auto b = mqtt::encode(p);
        if (b.empty() || b.size() > 255) {
            broken("seed packet does not encode in one step");
        }
        return step(static_cast<std::uint8_t>(slot & 3), advance, b);
    }
    seed_builder& end(unsigned slot) {
        return step(static_cast<std::uint8_t>(4 << 2 | slot), 0, {});
    }
    seed_builder& stall(unsigned slot) {
        return step(static_cast<std::uint8_t>(6 << 2 | slot), 0, {});
    }
    seed_builder& wait(std::uint8_t advance) { return step(7 << 2, advance, {}); }
    [[nodiscard]] const bytes& data() const noexcept { return out_; }

private:
    seed_builder& step(std::uint8_t header, std::uint8_t advance, const bytes& b) {
        out_.push_back(header);
        out_.push_back(advance);
        out_.push_back(static_cast<std::uint8_t>(b.size()));
        out_.insert(out_.end(), b.begin(), b.end());
        return *this;
    }
    bytes out_;
};

mqtt::connect conn(std::string id, bool clean = true, std::uint16_t keep_alive = 10) {
    mqtt::connect c;
    c.client_id = std::move(id);
    c.clean_session = clean;
    c.keep_alive_s = keep_alive;
    return c;
}

mqtt::publish pub(std::string topic, std::uint8_t qos, std::uint16_t id, std::string_view data,
                  bool retain = false) {
    return mqtt::publish{.dup = false,
                         .qos = qos,
                         .retain = retain,
                         .topic = std::move(topic),
                         .packet_id = id,
                         .payload = bytes(data.begin(), data.end())};
}

mqtt::subscribe sub(std::string filter, std::uint8_t qos, std::uint16_t id) {
    return mqtt::subscribe{.packet_id = id, .subscriptions = {{std::move(filter), qos}}};
}

std::vector<bytes> seeds() {
    std::vector<bytes> out;
    // Subscriber and publisher, QoS 0/1/2 both ways, retained, unsubscribe, ping, disconnect.
    out.push_back(seed_builder{}
                      .pkt(0, conn("s"))
                      .pkt(0, sub("a/#", 2, 1))
                      .pkt(1, conn("p"))
                      .pkt(1, pub("a/b", 0, 0, "q0", true))
                      .pkt(1, pub("a/b", 1, 1, "q1"))
                      .pkt(1, pub("a/b", 2, 2, "q2"))
                      .pkt(1, mqtt::pubrel{.packet_id = 2})
                      .pkt(0, mqtt::puback{.packet_id = 1})
                      .pkt(0, mqtt::pubrec{.packet_id = 2})
                      .pkt(0, mqtt::pubcomp{.packet_id = 2})
                      .pkt(0, mqtt::unsubscribe{.packet_id = 3, .filters = {"a/#"}})
                      .pkt(0, mqtt::pingreq{}, 20)
                      .pkt(1, mqtt::disconnect{})
                      .data());
    // Will, keep-alive expiry, persistent session with queued messages, take-over.
    {
        mqtt::connect w = conn("w", true, 2);
        w.will = mqtt::will{.topic = "w/x", .payload = {'b', 'y', 'e'}, .qos = 1, .retain = true};
        out.push_back(seed_builder{}
                          .pkt(0, conn("keep", false, 60))
                          .pkt(0, sub("w/#", 1, 1))
                          .end(0)
                          .pkt(1, w)
                          .wait(50)
                          .pkt(2, pub("w/y", 1, 7, "queued"))
                          .pkt(0, conn("keep", false, 60))
                          .pkt(0, mqtt::puback{.packet_id = 1})
                          .pkt(1, conn("keep", true, 60))
                          .data());
    }
    // Slow subscriber: window full, queue overflow, write queue bound.
    {
        seed_builder b;
        b.pkt(0, conn("slow")).pkt(0, sub("#", 1, 1)).pkt(1, conn("fast")).stall(0);
        for (std::uint16_t i = 1; i <= 8; ++i) {
            b.pkt(1, pub("t", 1, i, std::string(100, 'x')));
        }
        out.push_back(b.data());
    }
    // Refusals: bad credentials, long ClientId, empty ClientId with clean_session=0.
    {
        mqtt::connect bad = conn("c");
        bad.username = "u";
        bad.password = "wrong";
        out.push_back(seed_builder{}
                          .pkt(0, bad)
                          .pkt(1, conn(std::string(20, 'l')))
                          .pkt(2, conn("", false))
                          .pkt(2, conn("", true))
                          .pkt(2, sub("a/+/#", 0, 1))
                          .pkt(2, sub("bad/#/x", 0, 2))
                          .data());
    }
    return out;
}

void write_seeds(const char* dir) {
    const auto all = seeds();
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::ofstream f(std::string(dir) + "/seed_" + std::to_string(i), std::ios::binary);
        f.write(reinterpret_cast<const char*>(all[i].data()),
                static_cast<std::streamsize>(all[i].size()));
        if (!f) {
            broken("cannot write a seed file");
        }
    }
    std::fprintf(stderr, "fuzz_broker_mqtt: wrote %zu seeds to %s\n", all.size(), dir);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    common::log::set_level(common::log::level::error);
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
