#include "tools/support/sensor_farm.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <netdb.h>
#include <unordered_map>

#include <uv.h>

namespace snbridge::tools::bench {

namespace {

using tp = clock_type::time_point;

enum class sensor_state : std::uint8_t {
    idle,
    connecting,
    registering,
    subscribing,
    going_to_sleep,
    ready,
    asleep,
    waking,
    failed,
};

bool in_handshake(sensor_state s) noexcept {
    return s == sensor_state::connecting || s == sensor_state::registering ||
           s == sensor_state::subscribing || s == sensor_state::going_to_sleep;
}

} // namespace

struct sensor_farm::sensor {
    uv_udp_t udp{};
    sensor_farm::impl* owner = nullptr;
    std::uint32_t index = 0;
    sensor_spec spec;
    sensor_state st = sensor_state::idle;
    bool open = false;
    std::uint16_t topic_id = 0;
    std::uint16_t last_msg_id = 0;
    std::uint16_t pending_msg_id = 0;
    std::uint16_t handshake_msg_id = 0;
    bool in_flight = false;
    bool awaiting_pubcomp = false;
    int retries = 0;
    std::uint32_t seq = 0;
    std::uint32_t pending_seq = 0;
    tp last_send{};
    tp last_tx{};
    tp next_wake{};
    tp connect_started{};

    std::uint16_t next_msg_id() noexcept {
        ++last_msg_id;
        if (last_msg_id == 0) {
            last_msg_id = 1;
        }
        return last_msg_id;
    }
};

struct sensor_farm::impl {
    sensor_farm& self;
    farm_options opt;
    std::vector<sensor_spec> specs;
    uv_loop_t loop{};
    bool loop_open = false;
    sockaddr_storage gateway{};
    std::vector<std::unique_ptr<sensor>> sensors;
    std::vector<sensor*> publishers;
    std::array<std::uint8_t, 65536 + 64> rx{};
    std::array<std::uint8_t, 65536 + 64> tx{};
    std::vector<std::uint8_t> payload;
    uv_timer_t housekeeping{};
    uv_timer_t pump_timer{};
    uv_idle_t idle{};
    bool timers_open = false;
    std::size_t next_to_start = 0;
    std::size_t handshaking = 0;
    // load phase
    bool publishing = false;
    bool max_mode = false;
    double rate = 0;
    tp load_start{};
    std::uint64_t offered_at_start = 0;
    double debt_base = 0;
    std::size_t rr = 0;
    std::unordered_map<std::uint64_t, std::uint32_t> last_seq; ///< (receiver,sender) -> seq

    impl(sensor_farm& s, farm_options o, std::vector<sensor_spec> sp)
        : self(s)
        , opt(std::move(o))
        , specs(std::move(sp)) {}

    farm_counters& c() noexcept { return self.counters_; }

    // --- sending ---------------------------------------------------------------------------

    void send_bytes(sensor& s, std::span<const std::uint8_t> bytes) {
        uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(const_cast<std::uint8_t*>(bytes.data())),
                                   static_cast<unsigned>(bytes.size()));
        const int rc = uv_udp_try_send(&s.udp, &buf, 1, nullptr);
        if (rc < 0) {
            ++c().send_errors;
            return;
        }
        s.last_tx = clock_type::now();
    }

    void send(sensor& s, const sn::packet& p) {
        const std::size_t n = sn::encode(p, tx);
        if (n > 0) {
            send_bytes(s, std::span<const std::uint8_t>(tx.data(), n));
        }
    }

    /// Hand-encoded PUBLISH (MQTT-SN 1.2 §5.4.12) so the load path allocates nothing.
    void send_publish(sensor& s, bool dup) {
        stamp_payload(payload, s.index, s.pending_seq);
        sn::flags f;
        f.dup = dup;
        f.qos_level = opt.qos_level;
        f.topic_type = s.spec.topic_type;
        const std::size_t body = 6 + payload.size();
        std::size_t off = 0;
        if (body + 1 <= 255) {
            tx[0] = static_cast<std::uint8_t>(body + 1);
            off = 1;
        } else {
            const std::size_t total = body + 3;
            tx[0] = 0x01;
            tx[1] = static_cast<std::uint8_t>(total >> 8U);
            tx[2] = static_cast<std::uint8_t>(total & 0xFFU);
            off = 3;
        }
        tx[off] = static_cast<std::uint8_t>(sn::msg_type::publish);
        tx[off + 1] = f.encode();
        tx[off + 2] = static_cast<std::uint8_t>(s.topic_id >> 8U);
        tx[off + 3] = static_cast<std::uint8_t>(s.topic_id & 0xFFU);
        tx[off + 4] = static_cast<std::uint8_t>(s.pending_msg_id >> 8U);
        tx[off + 5] = static_cast<std::uint8_t>(s.pending_msg_id & 0xFFU);
        std::memcpy(tx.data() + off + 6, payload.data(), payload.size());
        send_bytes(s, std::span<const std::uint8_t>(tx.data(), off + body));
        s.last_send = clock_type::now();
    }

    /// First transmission of the next message of `s`.
    void publish_next(sensor& s) {
        s.pending_seq = ++s.seq;
        const bool needs_ack = opt.qos_level == sn::qos::one || opt.qos_level == sn::qos::two;
        s.pending_msg_id = needs_ack ? s.next_msg_id() : 0;
        s.in_flight = needs_ack;
        s.awaiting_pubcomp = false;
        s.retries = 0;
        ++c().offered;
        send_publish(s, false);
    }

    // --- handshakes --------------------------------------------------------------------------

    void send_handshake(sensor& s) {
        s.last_send = clock_type::now();
        switch (s.st) {
        case sensor_state::connecting: {
            sn::connect con;
            con.flag.clean_session = true;
            con.duration = opt.keep_alive_s;
            con.client_id = s.spec.client_id;
            send(s, con);
            break;
        }
        case sensor_state::registering:
            send(s, sn::register_{0, s.handshake_msg_id, s.spec.topic});
            break;
        case sensor_state::subscribing: {
            sn::subscribe sub;
            sub.flag.qos_level =
                opt.qos_level == sn::qos::minus_one ? sn::qos::zero : opt.qos_level;
            sub.flag.topic_type = s.spec.topic_type;
            sub.flag.dup = s.retries > 0;
            sub.msg_id = s.handshake_msg_id;
            if (s.spec.topic_type == sn::topic_id_type::predefined) {
                sub.topic_id = s.spec.predefined_id;
            } else {
                sub.topic_name = s.spec.topic;
            }
            send(s, sub);
            break;
        }
        case sensor_state::going_to_sleep:
            send(s, sn::disconnect{opt.sleep_duration_s});
            break;
        case sensor_state::waking:
            send(s, sn::pingreq{s.spec.client_id});
            break;
        default:
            break;
        }
    }

    void start_sensor(sensor& s) {
        if (s.spec.connectionless) {
            // MQTT-SN 1.2 §6.8: QoS −1 needs no connection and no REGISTER.
            s.topic_id = topic_id_of(s);
            become_ready(s, false);
            return;
        }
        s.st = sensor_state::connecting;
        s.retries = 0;
        s.connect_started = clock_type::now();
        ++handshaking;
        send_handshake(s);
    }

    std::uint16_t topic_id_of(const sensor& s) const noexcept {
        if (s.spec.topic_type == sn::topic_id_type::predefined) {
            return s.spec.predefined_id;
        }
        if (s.spec.topic_type == sn::topic_id_type::short_name && s.spec.topic.size() == 2) {
            return static_cast<std::uint16_t>(
                (static_cast<unsigned>(static_cast<std::uint8_t>(s.spec.topic[0])) << 8U) |
                static_cast<std::uint8_t>(s.spec.topic[1]));
        }
        return 0;
    }

    void become_ready(sensor& s, bool was_handshaking) {
        s.st = s.spec.sleeper ? sensor_state::asleep : sensor_state::ready;
        ++c().ready;
        if (was_handshaking) {
            --handshaking;
        }
        start_more();
    }

    void fail_sensor(sensor& s) {
        if (in_handshake(s.st)) {
            --handshaking;
        }
        s.st = sensor_state::failed;
        ++c().setup_failed;
        start_more();
    }

    void start_more() {
        while (handshaking < opt.connect_window && next_to_start < sensors.size()) {
            start_sensor(*sensors[next_to_start++]);
        }
    }

    // --- receiving ---------------------------------------------------------------------------

    void on_datagram(sensor& s, std::span<const std::uint8_t> bytes) {
        auto decoded = sn::decode(bytes);
        if (!decoded) {
            return;
        }
        const sn::packet& p = *decoded;
        const auto now = clock_type::now();
        if (const auto* ack = std::get_if<sn::connack>(&p)) {
            if (s.st != sensor_state::connecting) {
                return;
            }
            if (ack->rc != sn::return_code::accepted) {
                fail_sensor(s);
                return;
            }
            s.retries = 0;
            self.connect_latencies_.add(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - s.connect_started)
                    .count()));
            if (s.spec.role == sensor_role::subscriber) {
                s.st = sensor_state::subscribing;
                s.handshake_msg_id = s.next_msg_id();
                send_handshake(s);
            } else if (s.spec.topic_type == sn::topic_id_type::normal) {
                s.st = sensor_state::registering;
                s.handshake_msg_id = s.next_msg_id();
                send_handshake(s);
            } else {
                s.topic_id = topic_id_of(s);
                become_ready(s, true);
            }
        } else if (const auto* rack = std::get_if<sn::regack>(&p)) {
            if (s.st != sensor_state::registering || rack->msg_id != s.handshake_msg_id) {
                return;
            }
            if (rack->rc != sn::return_code::accepted) {
                fail_sensor(s);
                return;
            }
            s.topic_id = rack->topic_id;
            become_ready(s, true);
        } else if (const auto* sack = std::get_if<sn::suback>(&p)) {
            if (s.st != sensor_state::subscribing || sack->msg_id != s.handshake_msg_id) {
                return;
            }
            if (sack->rc != sn::return_code::accepted) {
                fail_sensor(s);
                return;
            }
            if (s.spec.sleeper) {
                s.st = sensor_state::going_to_sleep;
                s.retries = 0;
                send_handshake(s);
            } else {
                become_ready(s, true);
            }
        } else if (const auto* pub = std::get_if<sn::publish>(&p)) {
            on_publish(s, *pub, now);
        } else if (const auto* pa = std::get_if<sn::puback>(&p)) {
            if (s.in_flight && pa->msg_id == s.pending_msg_id) {
                if (pa->rc != sn::return_code::accepted) {
                    ++c().rejected;
                } else {
                    ++c().acked;
                }
                complete(s);
            }
        } else if (const auto* rec = std::get_if<sn::pubrec>(&p)) {
            if (s.in_flight && rec->msg_id == s.pending_msg_id) {
                s.awaiting_pubcomp = true;
                s.retries = 0;
                s.last_send = now;
                send(s, sn::pubrel{rec->msg_id});
            }
        } else if (const auto* comp = std::get_if<sn::pubcomp>(&p)) {
            if (s.in_flight && s.awaiting_pubcomp && comp->msg_id == s.pending_msg_id) {
                ++c().acked;
                complete(s);
            }
        } else if (const auto* rel = std::get_if<sn::pubrel>(&p)) {
            send(s, sn::pubcomp{rel->msg_id});
        } else if (const auto* reg = std::get_if<sn::register_>(&p)) {
            send(s, sn::regack{reg->topic_id, reg->msg_id, sn::return_code::accepted});
        } else if (std::get_if<sn::pingresp>(&p) != nullptr) {
            if (s.st == sensor_state::waking) {
                // MQTT-SN 1.2 §6.14: PINGRESP ends the awake period; asleep again.
                s.st = sensor_state::asleep;
                ++c().wakes;
                s.next_wake = now + opt.wake_interval;
            }
        } else if (std::get_if<sn::pingreq>(&p) != nullptr) {
            send(s, sn::pingresp{});
        } else if (std::get_if<sn::disconnect>(&p) != nullptr) {
            if (s.st == sensor_state::going_to_sleep) {
                s.next_wake = now + opt.wake_interval * (s.index % 100) / 100;
                become_ready(s, true);
            } else {
                ++c().disconnects;
            }
        }
    }

    void on_publish(sensor& s, const sn::publish& pub, tp now) {
        (void)now;
        const auto q = pub.flag.qos_level;
        bool fresh = true;
        if (const auto st = read_stamp(pub.data)) {
            const std::uint64_t key = (static_cast<std::uint64_t>(s.index) << 32U) | st->sender;
            auto [it, inserted] = last_seq.try_emplace(key, st->seq);
            if (!inserted) {
                if (st->seq <= it->second) {
                    fresh = false;
                } else {
                    it->second = st->seq;
                }
            }
            if (fresh) {
                const std::uint64_t t = now_ns();
                self.latencies_.add(t > st->sent_ns ? t - st->sent_ns : 0);
            }
        }
        if (fresh) {
            ++c().received;
        } else {
            ++c().duplicates;
        }
        if (q == sn::qos::one) {
            send(s, sn::puback{pub.topic_id, pub.msg_id, sn::return_code::accepted});
        } else if (q == sn::qos::two) {
            send(s, sn::pubrec{pub.msg_id});
        }
    }

    void complete(sensor& s) {
        s.in_flight = false;
        s.awaiting_pubcomp = false;
        if (publishing && max_mode) {
            publish_next(s);
        }
    }

    // --- timers ------------------------------------------------------------------------------

    void housekeep() {
        const auto now = clock_type::now();
        const auto ping_every = std::chrono::milliseconds(opt.keep_alive_s * 800LL);
        for (auto& sp : sensors) {
            sensor& s = *sp;
            if (in_handshake(s.st) || s.st == sensor_state::waking) {
                if (now - s.last_send >= opt.retry) {
                    if (++s.retries > opt.max_retries) {
                        if (s.st == sensor_state::waking) {
                            s.st = sensor_state::asleep;
                            s.next_wake = now + opt.wake_interval;
                        } else {
                            fail_sensor(s);
                        }
                    } else {
                        send_handshake(s);
                    }
                }
                continue;
            }
            if (s.st == sensor_state::asleep && !s.spec.connectionless) {
                if (s.spec.sleeper && now >= s.next_wake) {
                    s.st = sensor_state::waking;
                    s.retries = 0;
                    send_handshake(s);
                }
                continue;
            }
            if (s.st != sensor_state::ready) {
                continue;
            }
            if (s.in_flight && now - s.last_send >= opt.retry) {
                if (++s.retries > opt.max_retries) {
                    ++c().gave_up;
                    complete(s);
                } else {
                    ++c().retransmits;
                    if (s.awaiting_pubcomp) {
                        s.last_send = now;
                        send(s, sn::pubrel{s.pending_msg_id});
                    } else {
                        send_publish(s, true);
                    }
                }
                continue;
            }
            if (publishing && max_mode && !s.in_flight && s.spec.role == sensor_role::publisher &&
                (opt.qos_level == sn::qos::one || opt.qos_level == sn::qos::two)) {
                publish_next(s);
                continue;
            }
            if (opt.keep_alive_s > 0 && !s.spec.connectionless && now - s.last_tx >= ping_every) {
                send(s, sn::pingreq{});
            }
        }
    }

    /// Rate mode: sends what is due since load_start (bounded catch-up).
    void pump() {
        if (!publishing || publishers.empty()) {
            return;
        }
        const double elapsed =
            std::chrono::duration<double>(clock_type::now() - load_start).count();
        double target = rate * elapsed - debt_base;
        const double sent = static_cast<double>(c().offered - offered_at_start);
        // Never burst more than 50 ms worth: a bench that fell behind offers less, honestly.
        if (target - sent > rate * 0.05 + 1) {
            debt_base += target - sent - (rate * 0.05 + 1);
            target = rate * elapsed - debt_base;
        }
        auto due = static_cast<std::int64_t>(target - sent);
        std::size_t scanned = 0;
        while (due > 0 && scanned < publishers.size()) {
            sensor& s = *publishers[rr++ % publishers.size()];
            if (s.st == sensor_state::ready && !s.in_flight) {
                publish_next(s);
                --due;
                scanned = 0;
            } else {
                ++scanned;
            }
        }
    }

    void blast() {
        if (!publishing || publishers.empty()) {
            return;
        }
        for (int i = 0; i < 64; ++i) {
            sensor& s = *publishers[rr++ % publishers.size()];
            if (s.st == sensor_state::ready && !s.in_flight) {
                publish_next(s);
            }
        }
    }

    // --- libuv trampolines -------------------------------------------------------------------

    static void on_alloc(uv_handle_t* h, std::size_t /*suggested*/, uv_buf_t* buf) noexcept {
        auto* s = static_cast<sensor*>(h->data);
        *buf = uv_buf_init(reinterpret_cast<char*>(s->owner->rx.data()),
                           static_cast<unsigned>(s->owner->rx.size()));
    }
    static void on_recv(uv_udp_t* u, ssize_t nread, const uv_buf_t* buf, const sockaddr* addr,
                        unsigned /*flags*/) noexcept {
        if (nread <= 0 || addr == nullptr) {
            return;
        }
        auto* s = static_cast<sensor*>(u->data);
        s->owner->on_datagram(
            *s, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf->base),
                                              static_cast<std::size_t>(nread)));
    }
    static void on_housekeeping(uv_timer_t* t) noexcept {
        static_cast<impl*>(t->data)->housekeep();
    }
    static void on_pump(uv_timer_t* t) noexcept { static_cast<impl*>(t->data)->pump(); }
    static void on_idle(uv_idle_t* i) noexcept { static_cast<impl*>(i->data)->blast(); }
    static void on_closed(uv_handle_t* /*h*/) noexcept {}

    common::result<void> open_all() {
        if (uv_loop_init(&loop) != 0) {
            return common::fail(common::error{"uv_loop_init failed"});
        }
        loop_open = true;
        addrinfo hints{};
        hints.ai_socktype = SOCK_DGRAM;
        addrinfo* res = nullptr;
        const std::string port = std::to_string(opt.port);
        if (const int rc = ::getaddrinfo(opt.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
            return common::fail(
                common::error{"cannot resolve '" + opt.host + "': " + ::gai_strerror(rc)});
        }
        std::memcpy(&gateway, res->ai_addr, res->ai_addrlen);
        ::freeaddrinfo(res);
        const bool v6 = gateway.ss_family == AF_INET6;
        sockaddr_storage local{};
        if (v6) {
            uv_ip6_addr("::1", 0, reinterpret_cast<sockaddr_in6*>(&local));
        } else {
            uv_ip4_addr("127.0.0.1", 0, reinterpret_cast<sockaddr_in*>(&local));
        }
        payload.assign(std::max(opt.payload_size, min_payload_size), 'x');
        uv_timer_init(&loop, &housekeeping);
        uv_timer_init(&loop, &pump_timer);
        uv_idle_init(&loop, &idle);
        housekeeping.data = this;
        pump_timer.data = this;
        idle.data = this;
        timers_open = true;
        uv_timer_start(&housekeeping, on_housekeeping, 50, 50);
        sensors.reserve(specs.size());
        for (std::size_t i = 0; i < specs.size(); ++i) {
            auto s = std::make_unique<sensor>();
            s->owner = this;
            s->index = static_cast<std::uint32_t>(i);
            s->spec = specs[i];
            s->udp.data = s.get();
            if (int rc = uv_udp_init(&loop, &s->udp); rc != 0) {
                return common::fail(common::error{std::string("uv_udp_init: ") + uv_strerror(rc)});
            }
            s->open = true;
            sensor& ref = *s;
            sensors.push_back(std::move(s));
            int rc = uv_udp_bind(&ref.udp, reinterpret_cast<const sockaddr*>(&local), 0);
            if (rc == 0) {
                rc = uv_udp_connect(&ref.udp, reinterpret_cast<const sockaddr*>(&gateway));
            }
            if (rc == 0 && ref.spec.role == sensor_role::subscriber && opt.subscriber_rcvbuf > 0) {
                int size = opt.subscriber_rcvbuf;
                uv_recv_buffer_size(reinterpret_cast<uv_handle_t*>(&ref.udp), &size);
            }
            if (rc == 0) {
                rc = uv_udp_recv_start(&ref.udp, on_alloc, on_recv);
            }
            if (rc != 0) {
                return common::fail(common::error{"sensor socket " + std::to_string(i) + ": " +
                                                  uv_strerror(rc) +
                                                  " (raise ulimit -n for many sensors)"});
            }
            if (ref.spec.role == sensor_role::publisher) {
                publishers.push_back(&ref);
            }
        }
        return {};
    }

    void close_all() {
        if (!loop_open) {
            return;
        }
        for (auto& s : sensors) {
            if (s->open) {
                uv_close(reinterpret_cast<uv_handle_t*>(&s->udp), on_closed);
                s->open = false;
            }
        }
        if (timers_open) {
            uv_close(reinterpret_cast<uv_handle_t*>(&housekeeping), on_closed);
            uv_close(reinterpret_cast<uv_handle_t*>(&pump_timer), on_closed);
            uv_close(reinterpret_cast<uv_handle_t*>(&idle), on_closed);
            timers_open = false;
        }
        while (uv_run(&loop, UV_RUN_DEFAULT) != 0) {
        }
        uv_loop_close(&loop);
        loop_open = false;
    }

    void run_until(tp deadline, const std::function<bool()>& done,
                   const std::function<void()>& tick, std::chrono::milliseconds tick_every) {
        auto next_tick = clock_type::now() + tick_every;
        while (clock_type::now() < deadline && !(done && done())) {
            uv_run(&loop, UV_RUN_ONCE);
            if (tick && clock_type::now() >= next_tick) {
                tick();
                next_tick += tick_every;
            }
        }
    }
};

sensor_farm::sensor_farm(farm_options options, std::vector<sensor_spec> specs)
    : impl_(std::make_unique<impl>(*this, std::move(options), std::move(specs))) {}

sensor_farm::~sensor_farm() {
    impl_->close_all();
}

common::result<void> sensor_farm::setup(std::chrono::milliseconds timeout,
                                        const std::function<void(const farm_counters&)>& progress) {
    if (auto r = impl_->open_all(); !r) {
        return r;
    }
    impl_->start_more();
    const auto total = impl_->sensors.size();
    impl_->run_until(
        clock_type::now() + timeout,
        [&] { return counters_.ready + counters_.setup_failed >= total; },
        [&] {
            if (progress) {
                progress(counters_);
            }
        },
        std::chrono::milliseconds(1000));
    if (counters_.ready + counters_.setup_failed < total) {
        return common::fail(common::error{"setup timed out: " + std::to_string(counters_.ready) +
                                          " of " + std::to_string(total) + " sensors ready, " +
                                          std::to_string(counters_.setup_failed) + " failed"});
    }
    return {};
}

void sensor_farm::run_load(double rate, std::chrono::milliseconds duration,
                           const std::function<void(const farm_counters&)>& tick,
                           std::chrono::milliseconds tick_every) {
    auto& d = *impl_;
    d.publishing = true;
    d.rate = rate;
    d.max_mode = rate <= 0;
    d.load_start = clock_type::now();
    d.offered_at_start = counters_.offered;
    d.debt_base = 0;
    const bool acked = d.opt.qos_level == sn::qos::one || d.opt.qos_level == sn::qos::two;
    if (d.max_mode) {
        if (acked) {
            for (auto* s : d.publishers) {
                if (s->st == sensor_state::ready && !s->in_flight) {
                    d.publish_next(*s);
                }
            }
        } else {
            uv_idle_start(&d.idle, impl::on_idle);
        }
    } else {
        uv_timer_start(&d.pump_timer, impl::on_pump, 1, 1);
    }
    d.run_until(
        d.load_start + duration, {},
        [&] {
            if (tick) {
                tick(counters_);
            }
        },
        tick_every);
    d.publishing = false;
    uv_idle_stop(&d.idle);
    uv_timer_stop(&d.pump_timer);
}

void sensor_farm::run_while(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    impl_->run_until(clock_type::now() + timeout, done, {}, std::chrono::milliseconds(50));
}

void sensor_farm::shutdown() {
    auto& d = *impl_;
    if (!d.loop_open) {
        return;
    }
    for (auto& s : d.sensors) {
        if (s->open && s->st != sensor_state::failed && s->st != sensor_state::idle &&
            !s->spec.connectionless) {
            d.send(*s, sn::disconnect{});
        }
    }
    // Let the DISCONNECTs go out and the answers arrive.
    d.run_until(clock_type::now() + std::chrono::milliseconds(200), {}, {},
                std::chrono::milliseconds(50));
    d.close_all();
}

} // namespace snbridge::tools::bench
