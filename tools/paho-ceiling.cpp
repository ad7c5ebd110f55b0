// paho-ceiling: Paho MQTT C++ alone, with no gateway, publishing to a broker the way the
// gateway's remote modes do (issue 12): N async clients, QoS 1 with one message in flight per
// client (transparent mode: one upstream session per device) or QoS 0 with a window of 64 per
// client, 32-byte payloads; one Paho subscriber counts what the broker delivers. Its figures are
// the library's ceiling, measured beside snbridge's in one run (docs/benchmarks.md), so that
// every remote-mode figure splits into snbridge's share and Paho's.
//
//   paho-ceiling --uri tcp://127.0.0.1:1883 [-n CLIENTS] [-q 0|1] [-D SECONDS] [-s BYTES]
//                [--window N] [--prefix P] [--no-sink] [--json]
//
// Each client's CONNECT..CONNACK time (connect() called to its token's success) is reported as
// connect p50/p99, and the time until all N are connected as setup_s: Paho's own connect
// ceiling beside the transparent mode's. --no-sink leaves the subscriber out, so that Paho's
// threads carry only the publishers; "delivered" is then what completed (QoS 1: PUBACKed by
// the broker).
//
// Exit codes: 0 ok, 1 bad arguments, 2 could not connect, 3 nothing delivered.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <mqtt/async_client.h>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
    std::string uri = "tcp://127.0.0.1:1883";
    int clients = 100;
    int qos = 1;
    double duration_s = 10;
    std::size_t payload = 32;
    int window = 0; ///< 0: 1 for QoS 1 (a device's one in flight), 64 for QoS 0
    std::string prefix = "paho";
    bool json = false;
    bool sink = true;
};

bool parse(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto value = [&]() -> const char* {
            return i + 1 < argc ? argv[++i] : nullptr;
        };
        const char* v = nullptr;
        if (a == "--json") {
            o.json = true;
            continue;
        }
        if (a == "--no-sink") {
            o.sink = false;
            continue;
        }
        if ((v = value()) == nullptr) {
            std::fprintf(stderr, "paho-ceiling: %s needs a value\n", argv[i]);
            return false;
        }
        if (a == "--uri") {
            o.uri = v;
        } else if (a == "-n") {
            o.clients = std::atoi(v);
        } else if (a == "-q") {
            o.qos = std::atoi(v);
        } else if (a == "-D") {
            o.duration_s = std::atof(v);
        } else if (a == "-s") {
            o.payload = static_cast<std::size_t>(std::atoi(v));
        } else if (a == "--window") {
            o.window = std::atoi(v);
        } else if (a == "--prefix") {
            o.prefix = v;
        } else {
            std::fprintf(stderr, "paho-ceiling: unknown option %s\n", argv[i - 1]);
            return false;
        }
    }
    if (o.window == 0) {
        o.window = o.qos == 1 ? 1 : 64;
    }
    return o.clients > 0 && (o.qos == 0 || o.qos == 1) && o.duration_s > 0 && o.window > 0;
}

/// One publishing client: keeps `window` messages handed to Paho and not yet completed.
class publisher final : public mqtt::iaction_listener {
public:
    publisher(const options& o, int index, std::atomic<bool>& running,
              std::atomic<std::uint64_t>& acked)
        : client_(o.uri, o.prefix + "-pub-" + std::to_string(index), mqtt::create_options(4))
        , topic_(o.prefix + "/" + std::to_string(index))
        , payload_(o.payload, 'x')
        , qos_(o.qos)
        , running_(running)
        , acked_(acked) {}

    /// Starts connecting (all clients connect in parallel, as the gateway's do).
    mqtt::token_ptr connect() {
        connect_started_ = clock_type::now();
        return client_.connect(mqtt::connect_options_builder().clean_session(true).finalize(),
                               nullptr, connected_);
    }
    /// CONNECT..CONNACK in milliseconds (after the connect token completed).
    [[nodiscard]] double connect_ms() const {
        return std::chrono::duration<double, std::milli>(connected_.at - connect_started_).count();
    }
    void start(int window) {
        for (int i = 0; i < window; ++i) {
            send();
        }
    }
    void send() {
        if (!running_.load(std::memory_order_relaxed)) {
            return;
        }
        try {
            client_.publish(topic_, payload_.data(), payload_.size(), qos_, false, nullptr, *this);
            sent_.fetch_add(1, std::memory_order_relaxed);
        } catch (const mqtt::exception&) {
            refused_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    void disconnect() {
        try {
            client_.disconnect()->wait_for(std::chrono::seconds(2));
        } catch (const mqtt::exception&) {
        }
    }
    [[nodiscard]] std::uint64_t sent() const { return sent_.load(); }
    [[nodiscard]] std::uint64_t refused() const { return refused_.load(); }

    void on_success(const mqtt::token&) override {
        acked_.fetch_add(1, std::memory_order_relaxed);
        send(); // the next one, from Paho's thread, as a callback-driven device would
    }
    void on_failure(const mqtt::token&) override { send(); }

private:
    /// Stamps the time the connect token succeeded (from Paho's thread, before wait() returns).
    struct connect_stamp final : mqtt::iaction_listener {
        clock_type::time_point at{};
        void on_success(const mqtt::token&) override { at = clock_type::now(); }
        void on_failure(const mqtt::token&) override {}
    };

    mqtt::async_client client_;
    clock_type::time_point connect_started_{};
    connect_stamp connected_;
    std::string topic_;
    std::string payload_;
    int qos_;
    std::atomic<bool>& running_;
    std::atomic<std::uint64_t>& acked_;
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> refused_{0};
};

} // namespace

int main(int argc, char** argv) {
    options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr, "usage: paho-ceiling --uri URI [-n CLIENTS] [-q 0|1] [-D SECONDS] "
                             "[-s BYTES] [--window N] [--prefix P] [--json]\n");
        return 1;
    }
    std::atomic<std::uint64_t> delivered{0};
    mqtt::async_client sink(o.uri, o.prefix + "-sink", mqtt::create_options(4));
    sink.set_message_callback(
        [&](const mqtt::const_message_ptr&) { delivered.fetch_add(1, std::memory_order_relaxed); });
    try {
        if (o.sink) {
            sink.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
            sink.subscribe(o.prefix + "/#", o.qos)->wait();
        }
    } catch (const mqtt::exception& e) {
        std::fprintf(stderr, "paho-ceiling: sink: %s\n", e.what());
        return 2;
    }
    std::atomic<bool> running{true};
    std::atomic<std::uint64_t> acked{0};
    std::vector<std::unique_ptr<publisher>> pubs;
    const auto setup_start = clock_type::now();
    try {
        std::vector<mqtt::token_ptr> connecting;
        for (int i = 0; i < o.clients; ++i) {
            pubs.push_back(std::make_unique<publisher>(o, i, running, acked));
            connecting.push_back(pubs.back()->connect());
        }
        for (auto& t : connecting) {
            t->wait();
        }
    } catch (const mqtt::exception& e) {
        std::fprintf(stderr, "paho-ceiling: connect: %s\n", e.what());
        return 2;
    }
    const double setup_s = std::chrono::duration<double>(clock_type::now() - setup_start).count();
    std::vector<double> connect_ms;
    for (const auto& p : pubs) {
        connect_ms.push_back(p->connect_ms());
    }
    std::sort(connect_ms.begin(), connect_ms.end());
    const auto percentile = [&](double q) {
        return connect_ms[static_cast<std::size_t>(q * static_cast<double>(connect_ms.size() - 1))];
    };
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration<double>(o.duration_s);
    // Callback-driven: each completion (QoS 1: PUBACK; QoS 0: written to the socket) sends
    // the next, so Paho's queues stay at `window` per client.
    for (auto& p : pubs) {
        p->start(o.window);
    }
    std::this_thread::sleep_until(end);
    running = false;
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    std::uint64_t sent = 0;
    std::uint64_t refused = 0;
    for (auto& p : pubs) {
        sent += p->sent();
        refused += p->refused();
    }
    // Drain: what was sent may still be on its way.
    auto last = delivered.load();
    auto quiet_since = clock_type::now();
    while (clock_type::now() - quiet_since < std::chrono::milliseconds(500)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (delivered.load() != last) {
            last = delivered.load();
            quiet_since = clock_type::now();
        }
    }
    for (auto& p : pubs) {
        p->disconnect();
    }
    try {
        if (o.sink) {
            sink.disconnect()->wait_for(std::chrono::seconds(2));
        }
    } catch (const mqtt::exception&) {
    }
    const auto d = o.sink ? delivered.load() : acked.load();
    if (o.json) {
        std::printf("{\"mode\":\"paho\",\"clients\":%d,\"qos\":%d,\"payload_bytes\":%zu,"
                    "\"window\":%d,\"sink\":%s,\"setup_s\":%.3f,\"connect_p50_ms\":%.2f,"
                    "\"connect_p99_ms\":%.2f,\"duration_s\":%.3f,\"offered\":%llu,"
                    "\"offered_rate\":%.1f,\"acked\":%llu,\"refused\":%llu,\"delivered\":%llu,"
                    "\"delivered_rate\":%.1f}\n",
                    o.clients, o.qos, o.payload, o.window, o.sink ? "true" : "false", setup_s,
                    percentile(0.5), percentile(0.99), elapsed,
                    static_cast<unsigned long long>(sent), static_cast<double>(sent) / elapsed,
                    static_cast<unsigned long long>(acked.load()),
                    static_cast<unsigned long long>(refused), static_cast<unsigned long long>(d),
                    static_cast<double>(d) / elapsed);
    } else {
        std::printf("clients %d  qos %d  payload %zu  window %d  (setup %.2f s; connect p50 "
                    "%.1f ms, p99 %.1f ms)\n",
                    o.clients, o.qos, o.payload, o.window, setup_s, percentile(0.5),
                    percentile(0.99));
        std::printf("offered   %llu (%.0f msg/s), refused by Paho %llu\n",
                    static_cast<unsigned long long>(sent), static_cast<double>(sent) / elapsed,
                    static_cast<unsigned long long>(refused));
        std::printf("acked     %llu\n", static_cast<unsigned long long>(acked.load()));
        std::printf("delivered %llu (%.0f msg/s)\n", static_cast<unsigned long long>(d),
                    static_cast<double>(d) / elapsed);
    }
    return d > 0 ? 0 : 3;
}
