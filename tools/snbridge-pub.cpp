// snbridge-pub: publish one message to an MQTT-SN gateway, like mosquitto_pub.

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/support/cli.hpp"
#include "tools/support/sn_client.hpp"

namespace {

using namespace snbridge::tools;
using cli::exit_code;

void usage(std::FILE* out) {
    std::fprintf(out, "%s",
                 "snbridge-pub: publish one message to an MQTT-SN v1.2 gateway (UDP).\n"
                 "Usage: snbridge-pub {-t TOPIC | -T ID} {-m MSG | -f FILE | -n} [options]\n"
                 "  -m MSG           message payload\n"
                 "  -f FILE          send the contents of FILE as the payload\n"
                 "  -n               send a null (zero-length) payload\n"
                 "  -r               retain the message\n"
                 "  -W SECONDS       timeout of each exchange with the gateway (default 5)\n");
    std::fprintf(out, "%s", std::string(cli::common_help()).c_str());
    std::fprintf(out, "  --help           this text\n\n%s",
                 std::string(cli::exit_codes_help()).c_str());
}

int fail(exit_code c, const std::string& msg) {
    std::fprintf(stderr, "snbridge-pub: %s\n", msg.c_str());
    return cli::to_int(c);
}

} // namespace

int main(int argc, char** argv) {
    cli::common_options o;
    std::optional<std::vector<std::uint8_t>> payload;
    std::optional<std::string> file;
    int payload_sources = 0;
    bool retain = false;
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
        if (a == "--help") {
            usage(stdout);
            return 0;
        }
        if (a == "-m" || a == "--message") {
            if (i + 1 >= argc) {
                return fail(exit_code::usage, "-m needs a value (see --help)");
            }
            const std::string_view m = argv[i + 1];
            payload = std::vector<std::uint8_t>(m.begin(), m.end());
            ++payload_sources;
            i += 2;
        } else if (a == "-f" || a == "--file") {
            if (i + 1 >= argc) {
                return fail(exit_code::usage, "-f needs a value (see --help)");
            }
            file = argv[i + 1];
            ++payload_sources;
            i += 2;
        } else if (a == "-n" || a == "--null-message") {
            payload = std::vector<std::uint8_t>{};
            ++payload_sources;
            ++i;
        } else if (a == "-r" || a == "--retain") {
            retain = true;
            ++i;
        } else if (a == "-W") {
            if (i + 1 >= argc) {
                return fail(exit_code::usage, "-W needs a value (see --help)");
            }
            const auto v = cli::parse_int(argv[i + 1], 1, 3600);
            if (!v) {
                return fail(exit_code::usage, "invalid value for -W (1..3600 seconds)");
            }
            o.endpoint.timeout = std::chrono::seconds(*v);
            i += 2;
        } else {
            return fail(exit_code::usage, "unknown option '" + std::string(a) + "' (see --help)");
        }
    }
    std::string err;
    if (!cli::finish_common(o, "snbpub", err)) {
        return fail(exit_code::usage, err);
    }
    if (o.topics.size() + o.predefined.size() != 1) {
        return fail(exit_code::usage, "give exactly one topic: -t TOPIC or -T ID (see --help)");
    }
    if (payload_sources != 1) {
        return fail(exit_code::usage, "give exactly one of -m, -f, -n (see --help)");
    }
    if (file) {
        std::ifstream in(*file, std::ios::binary);
        if (!in) {
            return fail(exit_code::protocol, "cannot read '" + *file + "'");
        }
        payload = std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in),
                                            std::istreambuf_iterator<char>());
    }
    const topic_ref topic = o.predefined.empty() ? cli::topic_for_name(o, o.topics.front())
                                                 : topic_ref::predefined(o.predefined.front());
    if (o.qos == -1 && topic.type == sn::topic_id_type::normal) {
        return fail(exit_code::usage,
                    "QoS -1 needs a predefined topic id (-T) or a short topic name (-S)");
    }

    auto client = sn_client::open(o.endpoint);
    if (!client) {
        return fail(cli::exit_code_for(client.error(), false), client.error().message);
    }
    if (o.qos == -1) {
        // MQTT-SN 1.2 §6.8: QoS −1 needs no connection; the message is simply sent.
        if (auto r = client->publish(topic, *payload, sn::qos::minus_one, retain); !r) {
            return fail(cli::exit_code_for(r.error(), false), r.error().message);
        }
        return 0;
    }
    if (auto r = client->connect(o.connect); !r) {
        return fail(cli::exit_code_for(r.error(), true), r.error().message);
    }
    if (auto r = client->publish(topic, *payload, cli::to_qos(o.qos), retain); !r) {
        return fail(cli::exit_code_for(r.error(), false), r.error().message);
    }
    if (auto r = client->disconnect(); !r) {
        return fail(cli::exit_code_for(r.error(), false), r.error().message);
    }
    return 0;
}
