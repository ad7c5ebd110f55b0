// snbridge-dtls-flood: one good DTLS device publishing at QoS 1 while a flood of ClientHellos
// from spoofed addresses (many 127.x.y.z source IPs and ports, all loopback) hits the same
// DTLS listener (issue 15; docs/benchmarks.md "DTLS under a ClientHello flood"). Two phases
// in one run: quiet, then flooded. Per phase: the good device's PUBLISH->PUBACK latency
// (p50/p99/max), the gateway's RSS (--pid) and CPU, the ClientHellos sent. One JSON object
// on stdout.

#include <arpa/inet.h>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "tools/support/bench_metrics.hpp"
#include "tools/support/cli.hpp"
#include "tools/support/sn_client.hpp"

using namespace snbridge::tools;
namespace bench = snbridge::tools::bench;

namespace {

struct options {
    std::uint16_t port = 8883;
    std::string psk = "00112233445566778899aabbccddeeff";
    std::string identity = "dev1";
    int pid = 0;
    int seconds = 10;
    int rate = 50;            ///< good device PUBLISHes per second
    int flood_sources = 4000; ///< distinct spoofed addresses
    int flood_rate = 0;       ///< ClientHellos per second; 0: as fast as one thread sends
};

/// A real ClientHello (no cookie), from an OpenSSL DTLS client on memory BIOs.
std::vector<std::uint8_t> client_hello() {
    SSL_CTX* ctx = SSL_CTX_new(DTLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_psk_client_callback(ssl,
                                [](SSL*, const char*, char* id, unsigned int, unsigned char* k,
                                   unsigned int) -> unsigned int {
                                    id[0] = 'x';
                                    id[1] = 0;
                                    k[0] = 0;
                                    return 1;
                                });
    SSL_connect(ssl);
    std::vector<std::uint8_t> hello(static_cast<std::size_t>(BIO_ctrl_pending(out)));
    BIO_read(out, hello.data(), static_cast<int>(hello.size()));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return hello;
}

struct flood_result {
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
};

void flood(const options& o, const std::vector<std::uint8_t>& hello, std::atomic<bool>& stop,
           flood_result& r) {
    // Spoofed senders: sockets bound to 127.(1..).x.1 - the gateway sees that many addresses.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &files);
    }
    std::vector<int> fds;
    for (int i = 0; i < o.flood_sources; ++i) {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl((127u << 24) | (static_cast<unsigned>(1 + i / 250) << 16) |
                                      (static_cast<unsigned>(i % 250 + 1) << 8) | 1u);
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            if (fd >= 0) {
                ::close(fd);
            }
            continue;
        }
        fds.push_back(fd);
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(o.port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto start = bench::clock_type::now();
    std::size_t next = 0;
    std::array<std::uint8_t, 2048> sink{};
    while (!stop.load(std::memory_order_relaxed) && !fds.empty()) {
        if (o.flood_rate > 0) {
            const auto due =
                start + std::chrono::nanoseconds(1'000'000'000LL * static_cast<long long>(r.sent) /
                                                 o.flood_rate);
            if (bench::clock_type::now() < due) {
                std::this_thread::sleep_until(due);
            }
        }
        const int fd = fds[next++ % fds.size()];
        while (::recv(fd, sink.data(), sink.size(), 0) > 0) {
            // the HelloVerifyRequests: read and thrown away, as a spoofer never sees them
        }
        if (::sendto(fd, hello.data(), hello.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) < 0) {
            ++r.failed;
        } else {
            ++r.sent;
        }
    }
    for (const int fd : fds) {
        ::close(fd);
    }
}

struct phase_result {
    bench::latency_log latency;
    std::uint64_t lost = 0;
    bench::proc_sample before;
    bench::proc_sample after;
    std::uint64_t hwm_kb = 0;
};

phase_result publish_phase(sn_client& c, const options& o) {
    phase_result r;
    r.before = bench::sample_process(o.pid);
    const auto start = bench::clock_type::now();
    const auto end = start + std::chrono::seconds(o.seconds);
    std::vector<std::uint8_t> payload(32, 'x');
    for (long n = 0;; ++n) {
        const auto due = start + std::chrono::nanoseconds(1'000'000'000LL * n / o.rate);
        if (due >= end) {
            break;
        }
        std::this_thread::sleep_until(due);
        const auto t0 = bench::now_ns();
        auto done = c.publish(topic_ref::short_name("fl"), payload, cli::to_qos(1));
        if (done) {
            r.latency.add(bench::now_ns() - t0);
        } else {
            ++r.lost;
        }
        if (n % 50 == 0) {
            r.hwm_kb = std::max(r.hwm_kb, bench::sample_process(o.pid).rss_kb);
        }
    }
    r.after = bench::sample_process(o.pid);
    r.hwm_kb = std::max(r.hwm_kb, r.after.rss_kb);
    return r;
}

void print_phase(const char* name, phase_result& r, const flood_result* f, int seconds) {
    std::printf(
        "\"%s\": {\"published\": %zu, \"lost\": %llu, \"ack_p50_ms\": %.3f, "
        "\"ack_p99_ms\": %.3f, \"ack_max_ms\": %.3f, \"rss_start_kb\": %llu, "
        "\"rss_max_kb\": %llu, \"rss_end_kb\": %llu, \"gateway_cpu_percent\": %.1f",
        name, r.latency.size(), static_cast<unsigned long long>(r.lost),
        r.latency.percentile_ms(50), r.latency.percentile_ms(99), r.latency.max_ms(),
        static_cast<unsigned long long>(r.before.rss_kb), static_cast<unsigned long long>(r.hwm_kb),
        static_cast<unsigned long long>(r.after.rss_kb), bench::cpu_percent(r.before, r.after));
    if (f != nullptr) {
        std::printf(", \"client_hellos_sent\": %llu, \"client_hellos_per_s\": %.0f",
                    static_cast<unsigned long long>(f->sent),
                    static_cast<double>(f->sent) / seconds);
    }
    std::printf("}");
}

} // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const std::string v = argv[i + 1];
        const auto num = [&](long long lo, long long hi) {
            const auto n = cli::parse_int(v, lo, hi);
            if (!n) {
                std::fprintf(stderr, "snbridge-dtls-flood: bad value for %s\n", a.c_str());
                std::exit(2);
            }
            return *n;
        };
        if (a == "-p") {
            o.port = static_cast<std::uint16_t>(num(1, 65535));
        } else if (a == "--psk") {
            o.psk = v;
        } else if (a == "--psk-identity") {
            o.identity = v;
        } else if (a == "--pid") {
            o.pid = static_cast<int>(num(1, 1 << 30));
        } else if (a == "--seconds") {
            o.seconds = static_cast<int>(num(1, 3600));
        } else if (a == "--rate") {
            o.rate = static_cast<int>(num(1, 100000));
        } else if (a == "--flood-sources") {
            o.flood_sources = static_cast<int>(num(1, 60000));
        } else if (a == "--flood-rate") {
            o.flood_rate = static_cast<int>(num(0, 10000000));
        } else {
            std::fprintf(stderr,
                         "usage: snbridge-dtls-flood -p DTLS_PORT --pid GATEWAY_PID [--psk HEX "
                         "--psk-identity ID --seconds S --rate MSG_PER_S --flood-sources N "
                         "--flood-rate HELLO_PER_S (0: max)]\n");
            return 2;
        }
    }
    endpoint_options ep;
    ep.port = o.port;
    ep.dtls.psk_hex = o.psk;
    ep.dtls.psk_identity = o.identity;
    ep.retry_interval = std::chrono::milliseconds(1000);
    ep.timeout = std::chrono::milliseconds(5000);
    auto client = sn_client::open(ep);
    if (!client) {
        std::fprintf(stderr, "snbridge-dtls-flood: %s\n", client.error().message.c_str());
        return 1;
    }
    connect_options co;
    co.client_id = o.identity;
    if (auto c = client->connect(co); !c) {
        std::fprintf(stderr, "snbridge-dtls-flood: CONNECT: %s\n", c.error().message.c_str());
        return 1;
    }
    auto quiet = publish_phase(*client, o);
    const auto hello = client_hello();
    std::atomic<bool> stop{false};
    flood_result f;
    std::thread flooder([&] { flood(o, hello, stop, f); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500)); // the flood is under way
    auto flooded = publish_phase(*client, o);
    stop = true;
    flooder.join();
    std::printf("{\"client_hello_bytes\": %zu, \"flood_sources\": %d, \"rate\": %d, ", hello.size(),
                o.flood_sources, o.rate);
    print_phase("quiet", quiet, nullptr, o.seconds);
    std::printf(", ");
    print_phase("flooded", flooded, &f, o.seconds);
    std::printf("}\n");
    (void)client->disconnect();
    return 0;
}
