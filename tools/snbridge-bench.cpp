// snbridge-bench: a load generator for MQTT-SN gateways. N simulated sensors (each its own
// UDP socket and ClientId, on one libuv loop) CONNECT and REGISTER/SUBSCRIBE, then publish at a
// target or maximum rate; an MQTT subscriber (or an MQTT-SN sink sensor) measures delivery and
// end-to-end latency from a timestamp in the payload. See tools/README.md and
// docs/benchmarks.md.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <poll.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common/mqtt/packet.hpp"
#include "tools/support/bench_metrics.hpp"
#include "tools/support/cli.hpp"
#include "tools/support/mqtt_tcp_client.hpp"
#include "tools/support/sensor_farm.hpp"

namespace {

using namespace snbridge::tools;
using namespace snbridge::tools::bench;
namespace mqtt = snbridge::common::mqtt;
using std::chrono::milliseconds;

enum class bench_mode : std::uint8_t { uplink, downlink, idle, native };
enum class side : std::uint8_t { mqtt, mqttsn };

struct options {
    bench_mode mode = bench_mode::uplink;
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    std::string mqtt_host = "127.0.0.1";
    std::uint16_t mqtt_port = 0;
    std::optional<side> peer; ///< sink (uplink) or source (downlink)
    std::size_t sensors = 1;
    int qos = 0;
    double rate = 0;
    double duration_s = 10;
    std::size_t payload = 32;
    int pid = 0;
    bool json = false;
    bool quiet = false;
    std::uint16_t keep_alive = 60;
    std::size_t connect_window = 200;
    double setup_timeout_s = 60;
    double drain_s = 3;
    std::string prefix = "bench";
    std::string short_topic;
    std::uint16_t predefined = 0;
    double sleepers = 0;
    std::uint16_t sleep_duration = 10;
    milliseconds wake_interval{2000};
    int mqtt_window = 1;
    int sink_qos = 0;
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int /*sig*/) {
    g_stop = 1;
}

void usage() {
    std::printf(
        "snbridge-bench: load generator for an MQTT-SN gateway (UDP), measuring delivery and\n"
        "end-to-end latency from a timestamp in each payload.\n"
        "Usage: snbridge-bench [--mode uplink|downlink|idle|native] [options]\n"
        "  --mode uplink    N sensors PUBLISH to bench/u/<i>; a sink subscribes bench/u/# "
        "(default)\n"
        "  --mode downlink  N sensors SUBSCRIBE bench/down; one source publishes (fan-out)\n"
        "  --mode idle      N sensors connect and stay idle for -D s (gateway CPU, context "
        "switches)\n"
        "  --mode native    no gateway: N native MQTT publishers to the broker (the ceiling)\n"
        "  -h HOST -p PORT  the gateway (default 127.0.0.1:1883; IPv6 host allowed)\n"
        "  --mqtt-host H --mqtt-port P  MQTT broker for the sink/source/native publishers\n"
        "  --sink mqtt|mqttsn   uplink receiver: MQTT subscriber (needs --mqtt-port) or one\n"
        "                   MQTT-SN subscriber sensor at the gateway (default: mqtt if\n"
        "                   --mqtt-port is given)\n"
        "  --source mqtt|mqttsn downlink publisher (same default rule)\n"
        "  -n N             sensors (default 1)\n"
        "  -q QOS           -1, 0, 1, 2 (default 0; -1 needs --short or --predefined)\n"
        "  -r RATE          total offered msg/s (0 = as fast as possible; default 0)\n"
        "  -D SECONDS       load duration (default 10)\n"
        "  -s BYTES         payload size (>= 16; default 32)\n"
        "  --short XY       all publishers use short topic XY (no REGISTER)\n"
        "  --predefined ID  all publishers use predefined topic ID (no REGISTER)\n"
        "  --sleepers F     downlink: fraction 0..1 of sensors that sleep and wake\n"
        "  --sleep-duration S (default 10)  --wake-interval MS (default 2000)\n"
        "  -k SECONDS       sensor keep-alive (default 60; pings at 80%%)\n"
        "  --connect-window N  handshakes in flight during setup (default 200)\n"
        "  --setup-timeout S (default 60)  --drain S  wait for stragglers (default 3)\n"
        "  --mqtt-window N  QoS 1/2 in flight per MQTT publisher connection (default 1)\n"
        "  --sink-qos Q     QoS of the MQTT sink's subscription (default 0, so the broker's\n"
        "                   outgoing in-flight limit does not throttle the measured path)\n"
        "  --prefix P       ClientId/topic prefix (default bench)\n"
        "  --pid PID        sample the gateway's RSS, CPU, context switches from /proc/PID\n"
        "  --json           print one JSON object instead of the table\n"
        "  --quiet          no progress line\n"
        "Exit codes: 0 ok, 1 bad arguments, 2 setup failed (connect/broker), 3 nothing "
        "delivered.\n");
}

bool parse(int argc, char** argv, options& o, std::string& err) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto val = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= argc) {
                err = std::string(a) + " needs a value";
                return std::nullopt;
            }
            return std::string_view(argv[++i]);
        };
        auto num = [&](long long lo, long long hi) -> std::optional<long long> {
            auto v = val();
            if (!v) {
                return std::nullopt;
            }
            auto n = cli::parse_int(*v, lo, hi);
            if (!n) {
                err = "bad value for " + std::string(a);
            }
            return n;
        };
        auto real = [&](double lo, double hi) -> std::optional<double> {
            auto v = val();
            if (!v) {
                return std::nullopt;
            }
            try {
                std::size_t used = 0;
                const double d = std::stod(std::string(*v), &used);
                if (used == v->size() && d >= lo && d <= hi) {
                    return d;
                }
            } catch (const std::exception&) {
            }
            err = "bad value for " + std::string(a);
            return std::nullopt;
        };
#define SNB_TAKE(expr)                                                                             \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            return false;                                                                          \
        }                                                                                          \
    } while (0)
        if (a == "--help") {
            usage();
            std::exit(0);
        } else if (a == "--mode") {
            auto v = val();
            SNB_TAKE(v);
            if (*v == "uplink") {
                o.mode = bench_mode::uplink;
            } else if (*v == "downlink") {
                o.mode = bench_mode::downlink;
            } else if (*v == "idle") {
                o.mode = bench_mode::idle;
            } else if (*v == "native") {
                o.mode = bench_mode::native;
            } else {
                err = "unknown mode '" + std::string(*v) + "'";
                return false;
            }
        } else if (a == "-h") {
            auto v = val();
            SNB_TAKE(v);
            o.host = strip_brackets(*v);
        } else if (a == "-p") {
            auto v = num(1, 65535);
            SNB_TAKE(v);
            o.port = static_cast<std::uint16_t>(*v);
        } else if (a == "--mqtt-host") {
            auto v = val();
            SNB_TAKE(v);
            o.mqtt_host = strip_brackets(*v);
        } else if (a == "--mqtt-port") {
            auto v = num(1, 65535);
            SNB_TAKE(v);
            o.mqtt_port = static_cast<std::uint16_t>(*v);
        } else if (a == "--sink" || a == "--source") {
            auto v = val();
            SNB_TAKE(v);
            if (*v == "mqtt") {
                o.peer = side::mqtt;
            } else if (*v == "mqttsn") {
                o.peer = side::mqttsn;
            } else {
                err = std::string(a) + " takes mqtt or mqttsn";
                return false;
            }
        } else if (a == "-n") {
            auto v = num(1, 100000);
            SNB_TAKE(v);
            o.sensors = static_cast<std::size_t>(*v);
        } else if (a == "-q") {
            auto v = num(-1, 2);
            SNB_TAKE(v);
            o.qos = static_cast<int>(*v);
        } else if (a == "-r") {
            auto v = real(0, 1e8);
            SNB_TAKE(v);
            o.rate = *v;
        } else if (a == "-D") {
            auto v = real(0.1, 3600);
            SNB_TAKE(v);
            o.duration_s = *v;
        } else if (a == "-s") {
            auto v = num(static_cast<long long>(min_payload_size), 60000);
            SNB_TAKE(v);
            o.payload = static_cast<std::size_t>(*v);
        } else if (a == "--short") {
            auto v = val();
            SNB_TAKE(v);
            if (v->size() != 2) {
                err = "--short takes exactly 2 characters";
                return false;
            }
            o.short_topic = std::string(*v);
        } else if (a == "--predefined") {
            auto v = num(1, 65535);
            SNB_TAKE(v);
            o.predefined = static_cast<std::uint16_t>(*v);
        } else if (a == "--sleepers") {
            auto v = real(0, 1);
            SNB_TAKE(v);
            o.sleepers = *v;
        } else if (a == "--sleep-duration") {
            auto v = num(1, 65535);
            SNB_TAKE(v);
            o.sleep_duration = static_cast<std::uint16_t>(*v);
        } else if (a == "--wake-interval") {
            auto v = num(10, 3600000);
            SNB_TAKE(v);
            o.wake_interval = milliseconds(*v);
        } else if (a == "-k") {
            auto v = num(0, 65535);
            SNB_TAKE(v);
            o.keep_alive = static_cast<std::uint16_t>(*v);
        } else if (a == "--connect-window") {
            auto v = num(1, 100000);
            SNB_TAKE(v);
            o.connect_window = static_cast<std::size_t>(*v);
        } else if (a == "--setup-timeout") {
            auto v = real(0.1, 3600);
            SNB_TAKE(v);
            o.setup_timeout_s = *v;
        } else if (a == "--drain") {
            auto v = real(0, 600);
            SNB_TAKE(v);
            o.drain_s = *v;
        } else if (a == "--sink-qos") {
            auto v = num(0, 2);
            SNB_TAKE(v);
            o.sink_qos = static_cast<int>(*v);
        } else if (a == "--mqtt-window") {
            auto v = num(1, 65535);
            SNB_TAKE(v);
            o.mqtt_window = static_cast<int>(*v);
        } else if (a == "--prefix") {
            auto v = val();
            SNB_TAKE(v);
            o.prefix = std::string(*v);
        } else if (a == "--pid") {
            auto v = num(1, 1 << 30);
            SNB_TAKE(v);
            o.pid = static_cast<int>(*v);
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--quiet") {
            o.quiet = true;
        } else {
            err = "unknown option '" + std::string(a) + "'";
            return false;
        }
#undef SNB_TAKE
    }
    if (!o.peer) {
        o.peer = o.mqtt_port != 0 ? side::mqtt : side::mqttsn;
    }
    if ((o.peer == side::mqtt || o.mode == bench_mode::native) && o.mqtt_port == 0) {
        err = "this mode needs --mqtt-port";
        return false;
    }
    if (o.qos == -1 && o.short_topic.empty() && o.predefined == 0) {
        err = "-q -1 needs --short XY or --predefined ID";
        return false;
    }
    if (o.qos == -1 && o.mode != bench_mode::uplink) {
        err = "-q -1 is for uplink only";
        return false;
    }
    return true;
}

/// The MQTT side of a run, on its own thread: a subscriber counting deliveries, or a publisher
/// (downlink source, native publishers) pacing PUBLISHes.
struct mqtt_side {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> duplicates{0};
    std::atomic<std::uint64_t> offered{0};
    std::atomic<std::uint64_t> acked{0};
    std::string error;
    latency_log latencies;
    std::thread thread;
};

void run_subscriber(mqtt_tcp_client& c, mqtt_side& s, std::uint8_t qos) {
    std::vector<std::uint32_t> last_seq;
    while (!s.stop.load(std::memory_order_relaxed)) {
        auto r = c.read(milliseconds(50), [&](const mqtt::packet& p) {
            if (const auto* pub = std::get_if<mqtt::publish>(&p)) {
                bool fresh = true;
                if (const auto st = read_stamp(pub->payload)) {
                    if (last_seq.size() <= st->sender) {
                        last_seq.resize(st->sender + 1U, 0);
                    }
                    if (st->seq <= last_seq[st->sender]) {
                        fresh = false;
                    } else {
                        last_seq[st->sender] = st->seq;
                        const std::uint64_t t = now_ns();
                        s.latencies.add(t > st->sent_ns ? t - st->sent_ns : 0);
                    }
                }
                (fresh ? s.delivered : s.duplicates).fetch_add(1, std::memory_order_relaxed);
                if (pub->qos == 1) {
                    c.queue(mqtt::puback{pub->packet_id});
                } else if (pub->qos == 2) {
                    c.queue(mqtt::pubrec{pub->packet_id});
                }
            } else if (const auto* rel = std::get_if<mqtt::pubrel>(&p)) {
                c.queue(mqtt::pubcomp{rel->packet_id});
            }
        });
        if (!r) {
            s.error = r.error().message;
            return;
        }
        (void)qos;
        if (auto f = c.flush(); !f) {
            s.error = f.error().message;
            return;
        }
    }
}

/// Paces PUBLISHes over `conns` (round robin); topics[i] belongs to conns[i % size].
void run_publishers(std::vector<mqtt_tcp_client>& conns, const std::vector<std::string>& topics,
                    mqtt_side& s, std::uint8_t qos, double rate, double duration_s,
                    std::size_t payload_size, int window) {
    std::vector<std::uint8_t> payload(payload_size, 'x');
    std::vector<int> inflight(conns.size(), 0);
    std::vector<std::uint16_t> next_id(conns.size(), 0);
    std::vector<std::uint32_t> seq(topics.size(), 0);
    std::vector<pollfd> fds(conns.size());
    for (std::size_t i = 0; i < conns.size(); ++i) {
        fds[i] = pollfd{conns[i].native_handle(), POLLIN, 0};
    }
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration_cast<clock_type::duration>(
                                 std::chrono::duration<double>(duration_s));
    std::size_t rr = 0;
    std::uint64_t sent = 0;
    double debt = 0;
    while (!s.stop.load(std::memory_order_relaxed) && clock_type::now() < end) {
        std::int64_t due = 256;
        if (rate > 0) {
            const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
            double target = rate * elapsed - debt;
            if (target - static_cast<double>(sent) > rate * 0.05 + 1) {
                debt += target - static_cast<double>(sent) - (rate * 0.05 + 1);
                target = rate * elapsed - debt;
            }
            due = static_cast<std::int64_t>(target - static_cast<double>(sent));
        }
        std::size_t scanned = 0;
        while (due > 0 && scanned < topics.size()) {
            const std::size_t t = rr++ % topics.size();
            const std::size_t ci = t % conns.size();
            if (qos > 0 && inflight[ci] >= window) {
                ++scanned;
                continue;
            }
            scanned = 0;
            stamp_payload(payload, static_cast<std::uint32_t>(t), ++seq[t]);
            std::uint16_t id = 0;
            if (qos > 0) {
                if (++next_id[ci] == 0) {
                    next_id[ci] = 1;
                }
                id = next_id[ci];
                ++inflight[ci];
            }
            if (auto r = conns[ci].queue_publish(topics[t], payload, qos, id); !r) {
                s.error = r.error().message;
                return;
            }
            ++sent;
            --due;
            s.offered.fetch_add(1, std::memory_order_relaxed);
        }
        for (auto& c : conns) {
            if (auto r = c.flush(); !r) {
                s.error = r.error().message;
                return;
            }
        }
        // Acks (QoS 1/2), and a short wait when nothing is due.
        const bool idle = due <= 0 || scanned >= topics.size();
        const int wait_ms = idle && rate > 0 ? 1 : 0;
        if (qos == 0) {
            if (wait_ms > 0) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
            continue;
        }
        if (::poll(fds.data(), fds.size(), idle ? 1 : 0) <= 0) {
            continue;
        }
        for (std::size_t i = 0; i < conns.size(); ++i) {
            if ((fds[i].revents & POLLIN) == 0) {
                continue;
            }
            auto r = conns[i].read(milliseconds(0), [&](const mqtt::packet& p) {
                if (std::get_if<mqtt::puback>(&p) != nullptr ||
                    std::get_if<mqtt::pubcomp>(&p) != nullptr) {
                    --inflight[i];
                    s.acked.fetch_add(1, std::memory_order_relaxed);
                } else if (const auto* rec = std::get_if<mqtt::pubrec>(&p)) {
                    conns[i].queue(mqtt::pubrel{rec->packet_id});
                }
            });
            if (!r) {
                s.error = r.error().message;
                return;
            }
        }
    }
}

struct report {
    std::string mode;
    std::size_t sensors = 0;
    std::size_t ready = 0;
    int qos = 0;
    double rate = 0;
    double duration = 0;
    std::size_t payload = 0;
    std::uint64_t offered = 0;
    std::uint64_t expected = 0;
    std::uint64_t delivered = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t retransmits = 0;
    std::uint64_t gave_up = 0;
    std::uint64_t send_errors = 0;
    /// QoS 1/2 sensor PUBLISHes acknowledged with return code 0, and refused (0x01 congestion).
    std::uint64_t acked = 0;
    std::uint64_t rejected = 0;
    double setup_s = 0;
    double connect_p50 = 0, connect_p99 = 0, connect_max = 0;
    std::size_t connect_samples = 0;
    double p50 = 0, p99 = 0, p999 = 0, pmax = 0;
    std::size_t samples = 0;
    bool gw = false;
    double gw_cpu = 0;
    std::uint64_t gw_rss_kb = 0, gw_hwm_kb = 0;
    std::uint64_t gw_ctxt = 0;
    std::uint64_t gw_udp_drops = 0;
    std::uint64_t wakes = 0;
    std::uint64_t disconnects = 0;
};

void print_table(const report& r) {
    const double loss =
        r.expected > 0
            ? 100.0 * (1.0 - static_cast<double>(r.delivered) / static_cast<double>(r.expected))
            : 0;
    std::printf("mode            %s\n", r.mode.c_str());
    std::printf("sensors         %zu (%zu ready, setup %.2f s)\n", r.sensors, r.ready, r.setup_s);
    if (r.connect_samples > 0) {
        std::printf("connect ms      p50 %.3f   p99 %.3f   max %.3f   (CONNECT..CONNACK, %zu)\n",
                    r.connect_p50, r.connect_p99, r.connect_max, r.connect_samples);
    }
    std::printf("qos / payload   %d / %zu bytes\n", r.qos, r.payload);
    std::printf("target rate     %s\n",
                r.rate > 0 ? (std::to_string(static_cast<long long>(r.rate)) + " msg/s").c_str()
                           : "max");
    std::printf("duration        %.2f s\n", r.duration);
    std::printf("offered         %llu (%.0f msg/s)\n", static_cast<unsigned long long>(r.offered),
                static_cast<double>(r.offered) / r.duration);
    std::printf("delivered       %llu of %llu expected (%.0f msg/s), loss %.3f %%\n",
                static_cast<unsigned long long>(r.delivered),
                static_cast<unsigned long long>(r.expected),
                static_cast<double>(r.delivered) / r.duration, loss);
    if (r.qos > 0) {
        std::printf("acknowledged    %llu with 0x00, %llu refused (congestion)\n",
                    static_cast<unsigned long long>(r.acked),
                    static_cast<unsigned long long>(r.rejected));
    }
    std::printf("duplicates      %llu   retransmits %llu   gave up %llu   send errors %llu\n",
                static_cast<unsigned long long>(r.duplicates),
                static_cast<unsigned long long>(r.retransmits),
                static_cast<unsigned long long>(r.gave_up),
                static_cast<unsigned long long>(r.send_errors));
    std::printf("latency ms      p50 %.3f   p99 %.3f   p99.9 %.3f   max %.3f   (%zu samples)\n",
                r.p50, r.p99, r.p999, r.pmax, r.samples);
    if (r.wakes > 0) {
        std::printf("wakes           %llu\n", static_cast<unsigned long long>(r.wakes));
    }
    if (r.gw) {
        std::printf("gateway         cpu %.1f %%   rss %.1f MiB (peak %.1f MiB)   ctx switches "
                    "%llu   udp drops %llu\n",
                    r.gw_cpu, static_cast<double>(r.gw_rss_kb) / 1024.0,
                    static_cast<double>(r.gw_hwm_kb) / 1024.0,
                    static_cast<unsigned long long>(r.gw_ctxt),
                    static_cast<unsigned long long>(r.gw_udp_drops));
    }
}

void print_json(const report& r) {
    const double loss =
        r.expected > 0 ? 1.0 - static_cast<double>(r.delivered) / static_cast<double>(r.expected)
                       : 0;
    std::printf(
        "{\"mode\":\"%s\",\"sensors\":%zu,\"ready\":%zu,\"qos\":%d,\"payload_bytes\":%zu,"
        "\"target_rate\":%.1f,\"duration_s\":%.3f,\"setup_s\":%.3f,"
        "\"connect_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"max\":%.4f,\"samples\":%zu},"
        "\"offered\":%llu,\"offered_rate\":%.1f,\"expected\":%llu,\"delivered\":%llu,"
        "\"delivered_rate\":%.1f,\"loss\":%.6f,\"duplicates\":%llu,\"retransmits\":%llu,"
        "\"gave_up\":%llu,\"send_errors\":%llu,\"disconnects\":%llu,\"wakes\":%llu,"
        "\"acked\":%llu,\"rejected\":%llu,"
        "\"latency_ms\":{\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f,\"samples\":%zu}",
        r.mode.c_str(), r.sensors, r.ready, r.qos, r.payload, r.rate, r.duration, r.setup_s,
        r.connect_p50, r.connect_p99, r.connect_max, r.connect_samples,
        static_cast<unsigned long long>(r.offered), static_cast<double>(r.offered) / r.duration,
        static_cast<unsigned long long>(r.expected), static_cast<unsigned long long>(r.delivered),
        static_cast<double>(r.delivered) / r.duration, loss,
        static_cast<unsigned long long>(r.duplicates),
        static_cast<unsigned long long>(r.retransmits), static_cast<unsigned long long>(r.gave_up),
        static_cast<unsigned long long>(r.send_errors),
        static_cast<unsigned long long>(r.disconnects), static_cast<unsigned long long>(r.wakes),
        static_cast<unsigned long long>(r.acked), static_cast<unsigned long long>(r.rejected),
        r.p50, r.p99, r.p999, r.pmax, r.samples);
    if (r.gw) {
        std::printf(",\"gateway\":{\"cpu_percent\":%.2f,\"rss_kb\":%llu,\"peak_rss_kb\":%llu,"
                    "\"context_switches\":%llu,\"udp_drops\":%llu}",
                    r.gw_cpu, static_cast<unsigned long long>(r.gw_rss_kb),
                    static_cast<unsigned long long>(r.gw_hwm_kb),
                    static_cast<unsigned long long>(r.gw_ctxt),
                    static_cast<unsigned long long>(r.gw_udp_drops));
    }
    std::printf("}\n");
}

void progress_line(const options& o, double t, std::uint64_t offered, std::uint64_t delivered,
                   std::uint64_t& last_off, std::uint64_t& last_del) {
    if (o.quiet) {
        return;
    }
    std::fprintf(stderr, "[%5.1f s] offered %llu (+%llu/s)  delivered %llu (+%llu/s)\n", t,
                 static_cast<unsigned long long>(offered),
                 static_cast<unsigned long long>(offered - last_off),
                 static_cast<unsigned long long>(delivered),
                 static_cast<unsigned long long>(delivered - last_del));
    last_off = offered;
    last_del = delivered;
}

} // namespace

int main(int argc, char** argv) {
    options o;
    std::string err;
    if (!parse(argc, argv, o, err)) {
        std::fprintf(stderr, "snbridge-bench: %s (see --help)\n", err.c_str());
        return 1;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    report r;
    r.sensors = o.sensors;
    r.qos = o.qos;
    r.rate = o.rate;
    r.payload = o.payload;
    const auto duration = milliseconds(static_cast<long long>(o.duration_s * 1000));
    const auto uqos = static_cast<std::uint8_t>(std::max(o.qos, 0));
    const std::string up_filter = o.prefix + "/u/#";
    const std::string down_topic = o.prefix + "/down";
    mqtt_side ms;

    // --- native: the broker's own ingest, no gateway -----------------------------------------
    if (o.mode == bench_mode::native) {
        r.mode = "native";
        auto sub = mqtt_tcp_client::open(o.mqtt_host, o.mqtt_port, o.prefix + "-sink", 0,
                                         milliseconds(5000));
        if (!sub) {
            std::fprintf(stderr, "snbridge-bench: %s\n", sub.error().message.c_str());
            return 2;
        }
        if (auto s = sub->subscribe(up_filter, static_cast<std::uint8_t>(o.sink_qos),
                                    milliseconds(5000));
            !s) {
            std::fprintf(stderr, "snbridge-bench: %s\n", s.error().message.c_str());
            return 2;
        }
        std::vector<mqtt_tcp_client> pubs;
        std::vector<std::string> topics;
        const auto setup_start = clock_type::now();
        for (std::size_t i = 0; i < o.sensors; ++i) {
            auto c =
                mqtt_tcp_client::open(o.mqtt_host, o.mqtt_port, o.prefix + "-n" + std::to_string(i),
                                      0, milliseconds(5000));
            if (!c) {
                std::fprintf(stderr, "snbridge-bench: %s\n", c.error().message.c_str());
                return 2;
            }
            pubs.push_back(std::move(*c));
            topics.push_back(o.prefix + "/u/" + std::to_string(i));
        }
        r.setup_s = std::chrono::duration<double>(clock_type::now() - setup_start).count();
        r.ready = pubs.size();
        const auto before = sample_process(o.pid);
        ms.thread = std::thread([&] { run_subscriber(*sub, ms, uqos); });
        mqtt_side src;
        src.thread = std::thread([&] {
            run_publishers(pubs, topics, src, uqos, o.rate, o.duration_s, o.payload, o.mqtt_window);
        });
        std::uint64_t lo = 0, ld = 0;
        const auto start = clock_type::now();
        while (clock_type::now() < start + duration && g_stop == 0) {
            std::this_thread::sleep_for(milliseconds(1000));
            progress_line(o, std::chrono::duration<double>(clock_type::now() - start).count(),
                          src.offered.load(), ms.delivered.load(), lo, ld);
        }
        src.stop = true;
        src.thread.join();
        const auto after = sample_process(o.pid);
        r.offered = src.offered.load();
        r.expected = r.offered;
        std::uint64_t last = ms.delivered.load();
        auto quiet_since = clock_type::now();
        const auto drain_end =
            clock_type::now() + milliseconds(static_cast<long long>(o.drain_s * 1000));
        while (clock_type::now() < drain_end && ms.delivered.load() < r.expected &&
               clock_type::now() - quiet_since < milliseconds(500)) {
            std::this_thread::sleep_for(milliseconds(50));
            if (ms.delivered.load() != last) {
                last = ms.delivered.load();
                quiet_since = clock_type::now();
            }
        }
        ms.stop = true;
        ms.thread.join();
        for (auto& p : pubs) {
            p.close();
        }
        sub->close();
        r.duration = o.duration_s;
        r.delivered = ms.delivered.load();
        r.duplicates = ms.duplicates.load();
        r.samples = ms.latencies.size();
        r.p50 = ms.latencies.percentile_ms(50);
        r.p99 = ms.latencies.percentile_ms(99);
        r.p999 = ms.latencies.percentile_ms(99.9);
        r.pmax = ms.latencies.max_ms();
        if (before.valid && after.valid) {
            r.gw = true;
            r.gw_cpu = cpu_percent(before, after);
            r.gw_rss_kb = after.rss_kb;
            r.gw_hwm_kb = after.hwm_kb;
            r.gw_ctxt = (after.voluntary_ctxt + after.nonvoluntary_ctxt) -
                        (before.voluntary_ctxt + before.nonvoluntary_ctxt);
        }
        if (!src.error.empty() || !ms.error.empty()) {
            std::fprintf(stderr, "snbridge-bench: %s %s\n", src.error.c_str(), ms.error.c_str());
        }
        o.json ? print_json(r) : print_table(r);
        return r.delivered > 0 ? 0 : 3;
    }

    // --- the sensors ---------------------------------------------------------------------------
    farm_options fo;
    fo.host = o.host;
    fo.port = o.port;
    fo.keep_alive_s = o.keep_alive;
    fo.qos_level = cli::to_qos(o.qos);
    fo.payload_size = o.payload;
    fo.connect_window = o.connect_window;
    fo.sleep_duration_s = o.sleep_duration;
    fo.wake_interval = o.wake_interval;
    fo.subscriber_rcvbuf = 8 << 20;
    std::vector<sensor_spec> specs;
    const std::size_t sleepers =
        static_cast<std::size_t>(std::llround(o.sleepers * static_cast<double>(o.sensors)));
    for (std::size_t i = 0; i < o.sensors; ++i) {
        sensor_spec s;
        s.client_id = o.prefix + "-" + std::to_string(i);
        if (o.mode == bench_mode::downlink) {
            s.role = sensor_role::subscriber;
            s.topic = down_topic;
            s.sleeper = i < sleepers;
        } else {
            s.role = sensor_role::publisher;
            if (!o.short_topic.empty()) {
                s.topic = o.short_topic;
                s.topic_type = sn::topic_id_type::short_name;
            } else if (o.predefined != 0) {
                s.topic_type = sn::topic_id_type::predefined;
                s.predefined_id = o.predefined;
            } else {
                s.topic = o.prefix + "/u/" + std::to_string(i);
            }
            s.connectionless = o.qos == -1;
        }
        specs.push_back(std::move(s));
    }
    // An MQTT-SN peer: the uplink sink subscribes to what the publishers use; the downlink
    // source publishes to the topic the sensors subscribed.
    const bool sn_peer = o.peer == side::mqttsn && o.mode != bench_mode::idle;
    if (sn_peer) {
        sensor_spec s;
        s.client_id = o.prefix + (o.mode == bench_mode::downlink ? "-source" : "-sink");
        if (o.mode == bench_mode::downlink) {
            s.role = sensor_role::publisher;
            s.topic = down_topic;
        } else {
            s.role = sensor_role::subscriber;
            if (!o.short_topic.empty()) {
                s.topic = o.short_topic;
                s.topic_type = sn::topic_id_type::short_name;
            } else if (o.predefined != 0) {
                s.topic_type = sn::topic_id_type::predefined;
                s.predefined_id = o.predefined;
            } else {
                s.topic = up_filter;
            }
        }
        specs.push_back(std::move(s));
    }
    sensor_farm farm(fo, std::move(specs));
    const auto setup_start = clock_type::now();
    auto setup_progress = [&](const farm_counters& c) {
        if (!o.quiet) {
            std::fprintf(stderr, "[setup] %llu ready, %llu failed\n",
                         static_cast<unsigned long long>(c.ready),
                         static_cast<unsigned long long>(c.setup_failed));
        }
    };
    if (auto s = farm.setup(milliseconds(static_cast<long long>(o.setup_timeout_s * 1000)),
                            setup_progress);
        !s) {
        std::fprintf(stderr, "snbridge-bench: %s\n", s.error().message.c_str());
        return 2;
    }
    r.setup_s = std::chrono::duration<double>(clock_type::now() - setup_start).count();
    r.ready = static_cast<std::size_t>(farm.counters().ready) - (sn_peer ? 1U : 0U);
    r.connect_samples = farm.connect_latencies().size();
    r.connect_p50 = farm.connect_latencies().percentile_ms(50);
    r.connect_p99 = farm.connect_latencies().percentile_ms(99);
    r.connect_max = farm.connect_latencies().max_ms();
    if (farm.counters().setup_failed > 0 && r.ready == 0) {
        std::fprintf(stderr, "snbridge-bench: no sensor could connect\n");
        return 2;
    }

    // The MQTT peer.
    std::optional<mqtt_tcp_client> peer;
    if (o.peer == side::mqtt && o.mode != bench_mode::idle) {
        auto c = mqtt_tcp_client::open(o.mqtt_host, o.mqtt_port, o.prefix + "-mqtt", 0,
                                       milliseconds(5000));
        if (!c) {
            std::fprintf(stderr, "snbridge-bench: %s\n", c.error().message.c_str());
            return 2;
        }
        if (o.mode == bench_mode::uplink) {
            const std::string filter =
                !o.short_topic.empty() ? o.short_topic : up_filter; // predefined: by its name
            if (auto s =
                    c->subscribe(filter, static_cast<std::uint8_t>(o.sink_qos), milliseconds(5000));
                !s) {
                std::fprintf(stderr, "snbridge-bench: %s\n", s.error().message.c_str());
                return 2;
            }
        }
        peer = std::move(*c);
    }
    mqtt_side src;
    std::vector<mqtt_tcp_client> src_conns;
    if (peer && o.mode == bench_mode::uplink) {
        ms.thread = std::thread([&] { run_subscriber(*peer, ms, uqos); });
    }
    const auto before = sample_process(o.pid);
    const auto drops_before = o.pid > 0 ? udp_drops(o.port) : 0;
    std::uint64_t lo = 0, ld = 0;
    const auto start = clock_type::now();
    auto delivered_now = [&] {
        return o.peer == side::mqtt && o.mode == bench_mode::uplink ? ms.delivered.load()
                                                                    : farm.counters().received;
    };
    auto offered_now = [&] {
        return o.mode == bench_mode::downlink && o.peer == side::mqtt ? src.offered.load()
                                                                      : farm.counters().offered;
    };
    auto tick = [&](const farm_counters&) {
        progress_line(o, std::chrono::duration<double>(clock_type::now() - start).count(),
                      offered_now(), delivered_now(), lo, ld);
    };
    if (o.mode == bench_mode::idle) {
        r.mode = "idle";
        farm.run_while(duration, [&] { return g_stop != 0; });
    } else if (o.mode == bench_mode::downlink && peer) {
        r.mode = "downlink";
        src_conns.push_back(std::move(*peer));
        peer.reset();
        std::vector<std::string> topics{down_topic};
        src.thread = std::thread([&] {
            run_publishers(src_conns, topics, src, uqos, o.rate, o.duration_s, o.payload,
                           o.mqtt_window);
        });
        farm.run_while(duration, [&] { return g_stop != 0; });
        // progress for this path
        src.stop = true;
        src.thread.join();
    } else {
        r.mode = o.mode == bench_mode::downlink ? "downlink" : "uplink";
        farm.run_load(o.rate, duration, tick, milliseconds(1000));
    }
    const auto after = sample_process(o.pid);
    r.duration = std::chrono::duration<double>(clock_type::now() - start).count();
    r.offered = offered_now();
    const std::uint64_t fanout = o.mode == bench_mode::downlink ? r.ready : 1;
    r.expected = r.offered * fanout;
    // Drain: wait until deliveries stop for 500 ms (or all arrived, or --drain passes).
    if (o.mode != bench_mode::idle) {
        std::uint64_t last = delivered_now();
        auto quiet_since = clock_type::now();
        farm.run_while(milliseconds(static_cast<long long>(o.drain_s * 1000)), [&] {
            const auto d = delivered_now();
            if (d != last) {
                last = d;
                quiet_since = clock_type::now();
            }
            return d >= r.expected || clock_type::now() - quiet_since > milliseconds(500) ||
                   g_stop != 0;
        });
    }
    const auto drops_after = o.pid > 0 ? udp_drops(o.port) : 0;
    ms.stop = true;
    if (ms.thread.joinable()) {
        ms.thread.join();
    }
    if (peer) {
        peer->close();
    }
    for (auto& c : src_conns) {
        c.close();
    }
    const auto& fc = farm.counters();
    r.delivered = delivered_now();
    r.duplicates = fc.duplicates + ms.duplicates.load();
    r.retransmits = fc.retransmits;
    r.gave_up = fc.gave_up;
    r.acked = fc.acked;
    r.rejected = fc.rejected;
    r.send_errors = fc.send_errors;
    r.wakes = fc.wakes;
    r.disconnects = fc.disconnects;
    latency_log& lat =
        o.peer == side::mqtt && o.mode == bench_mode::uplink ? ms.latencies : farm.latencies();
    r.samples = lat.size();
    r.p50 = lat.percentile_ms(50);
    r.p99 = lat.percentile_ms(99);
    r.p999 = lat.percentile_ms(99.9);
    r.pmax = lat.max_ms();
    if (before.valid && after.valid) {
        r.gw = true;
        r.gw_cpu = cpu_percent(before, after);
        r.gw_rss_kb = after.rss_kb;
        r.gw_hwm_kb = after.hwm_kb;
        r.gw_ctxt = (after.voluntary_ctxt + after.nonvoluntary_ctxt) -
                    (before.voluntary_ctxt + before.nonvoluntary_ctxt);
        r.gw_udp_drops = drops_after - drops_before;
    }
    farm.shutdown();
    if (!ms.error.empty() || !src.error.empty()) {
        std::fprintf(stderr, "snbridge-bench: MQTT side: %s%s\n", ms.error.c_str(),
                     src.error.c_str());
    }
    o.json ? print_json(r) : print_table(r);
    if (o.mode != bench_mode::idle && r.delivered == 0) {
        return 3;
    }
    return 0;
}
