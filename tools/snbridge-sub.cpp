// snbridge-sub: subscribe at an MQTT-SN gateway and print what arrives, like mosquitto_sub.
// With --sleep it is a sleeping client (MQTT-SN 1.2 §6.14): it sleeps, wakes with
// PINGREQ(ClientId) on an interval and prints what the gateway buffered meanwhile.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/support/cli.hpp"
#include "tools/support/sn_client.hpp"

namespace {

using namespace snbridge::tools;
using cli::exit_code;
using clock_type = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int /*sig*/) {
    g_stop = 1;
}

void usage(std::FILE* out) {
    std::fprintf(out, "%s",
                 "snbridge-sub: subscribe at an MQTT-SN v1.2 gateway (UDP) and print messages.\n"
                 "Usage: snbridge-sub {-t TOPIC | -T ID}... [options]\n"
                 "  -v               print the topic before each payload ('topic payload')\n"
                 "                   (predefined ids without a name print as predefined:ID)\n"
                 "  -C COUNT         exit after COUNT messages\n"
                 "  -W SECONDS       exit (code 4) after SECONDS if -C was not reached first;\n"
                 "                   also the timeout of each exchange (default 5 s)\n"
                 "  --sleep SECONDS  sleep (DISCONNECT with duration) after subscribing; wake\n"
                 "                   with PINGREQ(ClientId) every --wake-interval and print the\n"
                 "                   buffered messages (MQTT-SN 1.2 §6.14)\n"
                 "  --wake-interval MS  default: 80% of the sleep duration\n");
    std::fprintf(out, "%s", std::string(cli::common_help()).c_str());
    std::fprintf(out, "  --help           this text\n\n%s",
                 std::string(cli::exit_codes_help()).c_str());
}

int fail(exit_code c, const std::string& msg) {
    std::fprintf(stderr, "snbridge-sub: %s\n", msg.c_str());
    return cli::to_int(c);
}

void print(const message& m, bool verbose) {
    if (verbose) {
        std::string topic = m.topic;
        if (topic.empty()) {
            topic = (m.topic_type == sn::topic_id_type::predefined ? "predefined:" : "topic-id:") +
                    std::to_string(m.topic_id);
        }
        std::fwrite(topic.data(), 1, topic.size(), stdout);
        std::fputc(' ', stdout);
    }
    if (!m.payload.empty()) { // fwrite's buffer must not be null, even for 0 bytes (UBSan)
        std::fwrite(m.payload.data(), 1, m.payload.size(), stdout);
    }
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    cli::common_options o;
    bool verbose = false;
    long long count_limit = 0;
    std::optional<std::chrono::seconds> run_timeout;
    std::optional<std::uint16_t> sleep_s;
    std::optional<std::chrono::milliseconds> wake_interval;
    for (int i = 1; i < argc;) {
        std::string err;
        const auto st = cli::parse_common(argc, argv, i, o, err);
        if (st == cli::parse_status::error) {
            return fail(exit_code::usage, err + " (see --help)");
        }
        if (st == cli::parse_status::handled) {
            continue;
        }
        const std::string_view a = argv[i];
        auto value = [&](long long lo, long long hi) -> std::optional<long long> {
            if (i + 1 >= argc) {
                return std::nullopt;
            }
            return cli::parse_int(argv[i + 1], lo, hi);
        };
        if (a == "--help") {
            usage(stdout);
            return 0;
        }
        if (a == "-v" || a == "--verbose") {
            verbose = true;
            ++i;
        } else if (a == "-C") {
            const auto v = value(1, 1LL << 40);
            if (!v) {
                return fail(exit_code::usage, "-C needs a positive count (see --help)");
            }
            count_limit = *v;
            i += 2;
        } else if (a == "-W") {
            const auto v = value(1, 86400);
            if (!v) {
                return fail(exit_code::usage, "-W needs 1..86400 seconds (see --help)");
            }
            run_timeout = std::chrono::seconds(*v);
            o.endpoint.timeout =
                std::min<std::chrono::milliseconds>(o.endpoint.timeout, *run_timeout);
            i += 2;
        } else if (a == "--sleep") {
            const auto v = value(1, 65535);
            if (!v) {
                return fail(exit_code::usage, "--sleep needs 1..65535 seconds (see --help)");
            }
            sleep_s = static_cast<std::uint16_t>(*v);
            i += 2;
        } else if (a == "--wake-interval") {
            const auto v = value(10, 65535000);
            if (!v) {
                return fail(exit_code::usage, "--wake-interval needs 10..65535000 ms");
            }
            wake_interval = std::chrono::milliseconds(*v);
            i += 2;
        } else {
            return fail(exit_code::usage, "unknown option '" + std::string(a) + "' (see --help)");
        }
    }
    std::string err;
    if (!cli::finish_common(o, "snbsub", err)) {
        return fail(exit_code::usage, err);
    }
    if (o.topics.empty() && o.predefined.empty()) {
        return fail(exit_code::usage, "give at least one topic: -t TOPIC or -T ID (see --help)");
    }
    if (o.qos == -1) {
        return fail(exit_code::usage, "SUBSCRIBE takes QoS 0, 1 or 2");
    }
    if (sleep_s && !wake_interval) {
        wake_interval = std::chrono::milliseconds(*sleep_s * 800);
    }

    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    auto client = sn_client::open(o.endpoint);
    if (!client) {
        return fail(cli::exit_code_for(client.error(), false), client.error().message);
    }
    if (auto r = client->connect(o.connect); !r) {
        return fail(cli::exit_code_for(r.error(), true), r.error().message);
    }
    std::vector<topic_ref> topics;
    for (const auto& t : o.topics) {
        topics.push_back(cli::topic_for_name(o, t));
    }
    for (const auto id : o.predefined) {
        topics.push_back(topic_ref::predefined(id));
    }
    for (const auto& t : topics) {
        if (auto r = client->subscribe(t, cli::to_qos(o.qos)); !r) {
            return fail(cli::exit_code_for(r.error(), false), r.error().message);
        }
    }

    const auto start = clock_type::now();
    const auto end = run_timeout ? start + *run_timeout : clock_type::time_point::max();
    const auto ping_every =
        std::chrono::milliseconds(static_cast<std::int64_t>(o.connect.keep_alive) * 750);
    auto next_ping = o.connect.keep_alive > 0 ? start + ping_every : clock_type::time_point::max();
    auto next_wake = clock_type::time_point::max();
    if (sleep_s) {
        if (auto r = client->sleep(*sleep_s); !r) {
            return fail(cli::exit_code_for(r.error(), false), r.error().message);
        }
        next_wake = clock_type::now() + *wake_interval;
        next_ping = clock_type::time_point::max(); // keep-alive is suspended while asleep
    }
    long long received = 0;
    auto done = [&] {
        return count_limit > 0 && received >= count_limit;
    };
    exit_code result = exit_code::ok;
    while (g_stop == 0 && !done()) {
        const auto now = clock_type::now();
        if (now >= end) {
            result = exit_code::timeout;
            break;
        }
        if (now >= next_wake) {
            auto msgs = client->wake();
            if (!msgs) {
                return fail(cli::exit_code_for(msgs.error(), false), msgs.error().message);
            }
            for (const auto& m : *msgs) {
                if (!done()) {
                    print(m, verbose);
                    ++received;
                }
            }
            // After PINGRESP the client is asleep again (§6.14).
            next_wake = clock_type::now() + *wake_interval;
            continue;
        }
        if (now >= next_ping) {
            if (auto r = client->ping(); !r) {
                return fail(cli::exit_code_for(r.error(), false), r.error().message);
            }
            next_ping = clock_type::now() + ping_every;
            continue;
        }
        const auto until =
            std::min({end, next_wake, next_ping, now + std::chrono::milliseconds(200)});
        auto m =
            client->receive(std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
        if (!m) {
            return fail(cli::exit_code_for(m.error(), false), m.error().message);
        }
        if (*m) {
            print(**m, verbose);
            ++received;
        }
    }
    if (auto r = client->disconnect(); !r && result == exit_code::ok) {
        return fail(cli::exit_code_for(r.error(), false), r.error().message);
    }
    if (result == exit_code::timeout) {
        std::fprintf(stderr, "snbridge-sub: -W timeout after %lld message(s)\n", received);
    }
    return cli::to_int(result);
}
