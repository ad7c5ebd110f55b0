#include "tools/support/cli.hpp"

#include <charconv>
#include <sstream>
#include <type_traits>
#include <unistd.h>

namespace snbridge::tools::cli {

namespace {

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

std::string flag_text(const sn::flags& f, std::uint16_t msg_id) {
    std::ostringstream o;
    o << "d" << (f.dup ? 1 : 0) << ", q"
      << (f.qos_level == sn::qos::minus_one ? -1 : static_cast<int>(f.qos_level)) << ", r"
      << (f.retain ? 1 : 0) << ", m" << msg_id;
    return o.str();
}

std::string topic_text(sn::topic_id_type t, std::uint16_t id) {
    switch (t) {
    case sn::topic_id_type::predefined:
        return "predefined id " + std::to_string(id);
    case sn::topic_id_type::short_name: {
        std::string s = "short '";
        s += static_cast<char>(id >> 8U);
        s += static_cast<char>(id & 0xFFU);
        return s + "'";
    }
    case sn::topic_id_type::normal:
        break;
    }
    return "topic id " + std::to_string(id);
}

} // namespace

exit_code exit_code_for(const client_error& e, bool during_connect) noexcept {
    switch (e.code) {
    case client_errc::bad_argument:
        return exit_code::usage;
    case client_errc::network:
        return exit_code::network;
    case client_errc::timeout:
        return exit_code::timeout;
    case client_errc::refused:
        return during_connect ? exit_code::refused : exit_code::rejected;
    case client_errc::disconnected:
        return exit_code::disconnected;
    case client_errc::protocol:
        return exit_code::protocol;
    }
    return exit_code::protocol;
}

int to_int(exit_code c) noexcept {
    return static_cast<int>(c);
}

std::string_view exit_codes_help() noexcept {
    return "Exit codes:\n"
           "  0  success\n"
           "  1  bad or missing arguments\n"
           "  2  network error (cannot resolve, socket, send; ICMP port unreachable)\n"
           "  3  connection refused by the gateway (CONNACK return code != 0)\n"
           "  4  timeout: no answer from the gateway (or -W expired in snbridge-sub)\n"
           "  5  REGISTER, PUBLISH or SUBSCRIBE rejected by the gateway\n"
           "  6  the gateway sent DISCONNECT\n"
           "  7  protocol error, or the -f file cannot be read\n";
}

std::string_view common_help() noexcept {
    return "  -h HOST          gateway host (default 127.0.0.1; an IPv6 address selects IPv6)\n"
           "  -p PORT          gateway UDP port (default 1883)\n"
           "  -4 / -6          force IPv4 / IPv6\n"
           "  -i ID            ClientId (default <tool>-<pid>)\n"
           "  -k SECONDS       keep-alive (default 60)\n"
           "  -c               clean session off (persistent session)\n"
           "  -q QOS           -1, 0, 1 or 2 (default 0); -1 needs -T or -S, no connection\n"
           "  -t TOPIC         topic name (with -S: a 2-character short topic name)\n"
           "  -S, --short      treat -t values as MQTT-SN short topic names (exactly 2 chars)\n"
           "  -T ID            predefined topic id (instead of -t)\n"
           "  -d               print every MQTT-SN message sent and received (stderr)\n"
           "  --will-topic T   will topic;  --will-payload P  will message\n"
           "  --will-qos Q     will QoS 0..2 (default 0);  --will-retain  retain the will\n"
           "  --fe             forwarder encapsulation: wrap every message (MQTT-SN 1.2 §5.5)\n"
           "  --fe-node ID     wireless node id for --fe (default 'node')\n"
           "  --retry MS       retransmit unanswered requests every MS ms (default: never)\n"
           "  --psk HEX        DTLS 1.2 with this pre-shared key (hex) to a dtls_listen port\n"
           "  --psk-identity ID  the identity of --psk\n"
           "  --cafile FILE    DTLS: check the gateway's certificate against this CA\n"
           "  --cert FILE      DTLS with this client certificate (PEM; needs --key, --cafile)\n"
           "  --key FILE       the private key of --cert (PEM)\n";
}

std::optional<long long> parse_int(std::string_view s, long long lo, long long hi) {
    long long v = 0;
    const auto* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end || s.empty() || v < lo || v > hi) {
        return std::nullopt;
    }
    return v;
}

sn::qos to_qos(int q) noexcept {
    switch (q) {
    case -1:
        return sn::qos::minus_one;
    case 1:
        return sn::qos::one;
    case 2:
        return sn::qos::two;
    default:
        return sn::qos::zero;
    }
}

parse_status parse_common(int argc, char** argv, int& i, common_options& o, std::string& err) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::optional<std::string_view> {
        if (i + 1 >= argc) {
            err = std::string("option ") + std::string(a) + " needs a value";
            return std::nullopt;
        }
        ++i;
        return std::string_view(argv[i]);
    };
    auto number = [&](long long lo, long long hi) -> std::optional<long long> {
        const auto v = value();
        if (!v) {
            return std::nullopt;
        }
        auto n = parse_int(*v, lo, hi);
        if (!n) {
            err = "invalid value '" + std::string(*v) + "' for " + std::string(a) + " (" +
                  std::to_string(lo) + ".." + std::to_string(hi) + ")";
        }
        return n;
    };
    if (a == "-h" || a == "--host") {
        const auto v = value();
        if (!v) {
            return parse_status::error;
        }
        o.endpoint.host = strip_brackets(*v);
        o.host_given = true;
    } else if (a == "-p" || a == "--port") {
        const auto v = number(1, 65535);
        if (!v) {
            return parse_status::error;
        }
        o.endpoint.port = static_cast<std::uint16_t>(*v);
        o.port_given = true;
    } else if (a == "-4") {
        o.endpoint.ip_family = endpoint_options::family::v4;
    } else if (a == "-6") {
        o.endpoint.ip_family = endpoint_options::family::v6;
    } else if (a == "-i" || a == "--id") {
        const auto v = value();
        if (!v) {
            return parse_status::error;
        }
        if (v->empty()) {
            err = "empty client id";
            return parse_status::error;
        }
        o.connect.client_id = std::string(*v);
    } else if (a == "-k" || a == "--keepalive") {
        const auto v = number(0, 65535);
        if (!v) {
            return parse_status::error;
        }
        o.connect.keep_alive = static_cast<std::uint16_t>(*v);
    } else if (a == "-c" || a == "--disable-clean-session") {
        o.connect.clean_session = false;
    } else if (a == "-q" || a == "--qos") {
        const auto v = number(-1, 2);
        if (!v) {
            return parse_status::error;
        }
        o.qos = static_cast<int>(*v);
    } else if (a == "-t" || a == "--topic") {
        const auto v = value();
        if (!v) {
            return parse_status::error;
        }
        if (v->empty()) {
            err = "empty topic";
            return parse_status::error;
        }
        o.topics.emplace_back(*v);
    } else if (a == "-S" || a == "--short") {
        o.short_topics = true;
    } else if (a == "-T" || a == "--topic-id") {
        const auto v = number(1, 65535);
        if (!v) {
            return parse_status::error;
        }
        o.predefined.push_back(static_cast<std::uint16_t>(*v));
    } else if (a == "-d" || a == "--debug") {
        o.debug = true;
    } else if (a == "--will-topic") {
        const auto v = value();
        if (!v) {
            return parse_status::error;
        }
        o.will_topic = std::string(*v);
    } else if (a == "--will-payload") {
        const auto v = value();
        if (!v) {
            return parse_status::error;
        }
        o.will_payload = std::string(*v);
    } else if (a == "--will-qos") {
        const auto v = number(0, 2);
        if (!v) {
            return parse_status::error;
        }
        o.will_qos = static_cast<int>(*v);
    } else if (a == "--will-retain") {
        o.will_retain = true;
    } else if (a == "--fe") {
        o.endpoint.forwarder_encapsulation = true;
    } else if (a == "--fe-node") {
        const auto v = value();
        if (!v) {
            return parse_status::error;
        }
        if (v->empty() || v->size() > 250) {
            err = "--fe-node needs 1..250 bytes";
            return parse_status::error;
        }
        o.endpoint.wireless_node_id.assign(v->begin(), v->end());
    } else if (a == "--retry") {
        const auto v = number(1, 3600000);
        if (!v) {
            return parse_status::error;
        }
        o.endpoint.retry_interval = std::chrono::milliseconds(*v);
    } else if (a == "--psk" || a == "--psk-identity" || a == "--cafile" || a == "--cert" ||
               a == "--key") {
        // DTLS 1.2 (mosquitto_pub's option names).
        const auto v = value();
        if (!v || v->empty()) {
            err = err.empty() ? std::string(a) + " needs a value" : err;
            return parse_status::error;
        }
        auto& d = o.endpoint.dtls;
        (a == "--psk"            ? d.psk_hex
         : a == "--psk-identity" ? d.psk_identity
         : a == "--cafile"       ? d.cafile
         : a == "--cert"         ? d.cert
                                 : d.key) = std::string(*v);
    } else {
        return parse_status::not_mine;
    }
    ++i;
    return parse_status::handled;
}

bool finish_common(common_options& o, std::string_view prefix, std::string& err) {
    const auto& d = o.endpoint.dtls;
    if (d.psk_hex.empty() != d.psk_identity.empty()) {
        err = d.psk_hex.empty() ? "--psk-identity needs --psk" : "--psk needs --psk-identity";
        return false;
    }
    if (!d.cert.empty() && (d.key.empty() || d.cafile.empty())) {
        err = "--cert needs --key and --cafile";
        return false;
    }
    if ((!d.key.empty() && d.cert.empty()) || (!d.cafile.empty() && !d.enabled())) {
        err = d.cert.empty() && !d.key.empty() ? "--key needs --cert"
                                               : "--cafile needs --psk or --cert";
        return false;
    }
    if (d.enabled() && !o.port_given) {
        o.endpoint.port = 8883; // as mosquitto_pub does for TLS
    }
    if (o.connect.client_id.empty()) {
        o.connect.client_id = std::string(prefix) + "-" + std::to_string(::getpid());
    }
    if (o.endpoint.ip_family == endpoint_options::family::v6 && !o.host_given) {
        o.endpoint.host = "::1";
    }
    if (o.endpoint.ip_family == endpoint_options::family::any &&
        o.endpoint.host.find(':') != std::string::npos) {
        o.endpoint.ip_family = endpoint_options::family::v6;
    }
    if (o.short_topics) {
        for (const auto& t : o.topics) {
            if (t.size() != 2) {
                err = "short topic name '" + t + "' must have exactly 2 characters";
                return false;
            }
        }
    }
    if (o.will_payload && !o.will_topic) {
        err = "--will-payload needs --will-topic";
        return false;
    }
    if (o.will_topic) {
        will_options w;
        w.topic = *o.will_topic;
        if (o.will_payload) {
            w.payload.assign(o.will_payload->begin(), o.will_payload->end());
        }
        w.qos_level = to_qos(o.will_qos);
        w.retain = o.will_retain;
        o.connect.will = std::move(w);
    }
    if (o.debug) {
        const std::string id = o.connect.client_id;
        o.endpoint.trace = [id](bool sent, const sn::packet& p) {
            std::fprintf(stderr, "Client %s %s %s\n", id.c_str(), sent ? "sending" : "received",
                         describe(p).c_str());
        };
    }
    return true;
}

topic_ref topic_for_name(const common_options& o, const std::string& name) {
    return o.short_topics ? topic_ref::short_name(name) : topic_ref::normal(name);
}

std::string describe(const sn::packet& p) {
    std::string name(to_string(sn::type_of(p)));
    const std::string detail = std::visit(
        overloaded{
            [](const sn::connect& c) {
                return "(" + c.client_id + ", c" + (c.flag.clean_session ? "1" : "0") + ", w" +
                       (c.flag.will ? "1" : "0") + ", k" + std::to_string(c.duration) + ")";
            },
            [](const sn::connack& c) { return "(" + std::to_string(static_cast<int>(c.rc)) + ")"; },
            [](const sn::register_& r) {
                return "(m" + std::to_string(r.msg_id) + ", t" + std::to_string(r.topic_id) +
                       ", '" + r.topic_name + "')";
            },
            [](const sn::regack& r) {
                return "(m" + std::to_string(r.msg_id) + ", t" + std::to_string(r.topic_id) +
                       ", rc" + std::to_string(static_cast<int>(r.rc)) + ")";
            },
            [](const sn::publish& q) {
                return "(" + flag_text(q.flag, q.msg_id) + ", " +
                       topic_text(q.flag.topic_type, q.topic_id) + ", (" +
                       std::to_string(q.data.size()) + " bytes))";
            },
            [](const sn::puback& r) {
                return "(m" + std::to_string(r.msg_id) + ", rc" +
                       std::to_string(static_cast<int>(r.rc)) + ")";
            },
            [](const sn::pubrec& r) { return "(m" + std::to_string(r.msg_id) + ")"; },
            [](const sn::pubrel& r) { return "(m" + std::to_string(r.msg_id) + ")"; },
            [](const sn::pubcomp& r) { return "(m" + std::to_string(r.msg_id) + ")"; },
            [](const sn::subscribe& s) {
                return "(" + flag_text(s.flag, s.msg_id) + ", " +
                       (s.flag.topic_type == sn::topic_id_type::predefined
                            ? topic_text(s.flag.topic_type, s.topic_id)
                            : "'" + s.topic_name + "'") +
                       ")";
            },
            [](const sn::suback& s) {
                return "(m" + std::to_string(s.msg_id) + ", t" + std::to_string(s.topic_id) +
                       ", granted q" + std::to_string(static_cast<int>(s.flag.qos_level)) + ", rc" +
                       std::to_string(static_cast<int>(s.rc)) + ")";
            },
            [](const sn::pingreq& r) {
                return r.client_id.empty() ? std::string() : "(" + r.client_id + ")";
            },
            [](const sn::disconnect& d) {
                return d.duration ? "(duration " + std::to_string(*d.duration) + ")"
                                  : std::string();
            },
            [](const sn::willtopic& w) { return "('" + w.topic + "')"; },
            [](const sn::willmsg& w) { return "(" + std::to_string(w.message.size()) + " bytes)"; },
            [](const auto&) { return std::string(); },
        },
        p);
    return detail.empty() ? name : name + " " + detail;
}

} // namespace snbridge::tools::cli
