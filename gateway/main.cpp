// snbridge: reads the config, opens the UDP listeners, runs the loop until SIGINT/SIGTERM.
// SIGUSR1 logs the counters, SIGUSR2 the sessions and subscriptions.
// Start-up and shutdown lines follow Mosquitto's ("snbridge version X starting", "Opening ipv4
// listen socket on UDP port 1883.", ...). Exit codes: 0 clean stop or valid config, 1 config
// or socket error, 2 bad command line.

#include <array>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/local/mqtt_listener.hpp"
#include "bridge/local/mqtt_log.hpp"
#include "bridge/local/subscription_report.hpp"
#include "bridge/local/sys_tree.hpp"
#include "bridge/mqtt_side_factory.hpp"
#include "common/http/server.hpp"
#include "common/log.hpp"
#include "common/metrics/process_metrics.hpp"
#include "common/metrics/registry.hpp"
#include "common/persist/store.hpp"
#include "common/persist/turn_commit.hpp"
#include "common/signal_thread.hpp"
#include "common/turn_flush.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/mailbox.hpp"
#include "common/uv/socket_address.hpp"
#include "common/uv/timer.hpp"
#include "config/config.hpp"
#include "config/warnings.hpp"
#include "gateway/core_settings.hpp"
#include "gateway/daemon.hpp"
#include "gateway/drop_counter.hpp"
#include "gateway/dtls_layer.hpp"
#include "gateway/gateway_core.hpp"
#include "gateway/packet_log.hpp"
#include "gateway/sensor_status.hpp"
#include "gateway/session_report.hpp"
#include "gateway/status_http.hpp"
#include "gateway/udp_runtime.hpp"

namespace {

namespace log = snbridge::common::log;
namespace uv = snbridge::common::uv;
namespace gw = snbridge::gateway;
namespace cfg = snbridge::config;

constexpr std::string_view version_line = "snbridge version " SNB_VERSION;

#ifdef SNB_JEMALLOC
extern "C" int mallctl(const char* name, void* old, std::size_t* old_len, void* value,
                       std::size_t value_len);
#endif

/// The malloc the process runs on (CMakeLists.txt, SNB_JEMALLOC): "jemalloc 5.3.0-0-g…", or
/// "system": libc's malloc, or a sanitizer's in those builds.
std::string allocator_name() {
#ifdef SNB_JEMALLOC
    const char* version = nullptr;
    std::size_t len = sizeof(version);
    if (mallctl("version", static_cast<void*>(&version), &len, nullptr, 0) == 0 && version) {
        return std::string("jemalloc ") + version;
    }
    return "jemalloc";
#else
    return "system";
#endif
}

constexpr std::string_view usage_text =
    R"(snbridge is an MQTT-SN v1.2 gateway: sensors speak MQTT-SN over UDP, and each gets an
MQTT session on the built-in broker or on a remote MQTT broker.

Usage: snbridge [-c FILE] [-p PORT] [-v] [--check-config]
       snbridge --help | --version

  -c, --config FILE   read the configuration from FILE (YAML). Without it, the built-in
                      defaults are used: MQTT-SN on UDP port 1883, IPv4 and IPv6.
  -p, --port PORT     MQTT-SN UDP port of every listener (overrides the config file).
  -v, --verbose       log every MQTT-SN packet received and sent (as log.verbose: true).
      --check-config  validate the configuration (with -c FILE) and exit: 0 when valid.
  -h, --help          show this help and exit.
      --version       show the version and exit.

Signals: SIGINT and SIGTERM stop the gateway cleanly (a second one during the shutdown
changes nothing). SIGUSR1 logs the counters in one line; SIGUSR2 logs every session and the
built-in broker's subscriptions.
Configuration keys: docs/configuration.md. Exit codes: 0 success, 1 config or socket error,
2 bad command line.
)";

struct options {
    std::optional<std::string> config_file;
    std::optional<std::uint16_t> port;
    bool verbose = false;
    bool check_config = false;
    bool help = false;
    bool version = false;
};

/// Parses argv; on error prints the reason and returns nullopt.
std::optional<options> parse_args(int argc, char** argv) {
    options o;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto a = args[i];
        const auto value = [&](std::string_view name) -> std::optional<std::string_view> {
            if (i + 1 >= args.size()) {
                std::fprintf(stderr, "Error: %.*s needs a value.\n", static_cast<int>(name.size()),
                             name.data());
                return std::nullopt;
            }
            return args[++i];
        };
        if (a == "-c" || a == "--config") {
            const auto v = value(a);
            if (!v) {
                return std::nullopt;
            }
            o.config_file = std::string(*v);
        } else if (a == "-p" || a == "--port") {
            const auto v = value(a);
            if (!v) {
                return std::nullopt;
            }
            char* end = nullptr;
            const std::string text(*v);
            const long port = std::strtol(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || port < 0 || port > 65535) {
                std::fprintf(stderr, "Error: Invalid port '%s': expected a number 0..65535.\n",
                             text.c_str());
                return std::nullopt;
            }
            o.port = static_cast<std::uint16_t>(port);
        } else if (a == "-v" || a == "--verbose") {
            o.verbose = true;
        } else if (a == "--check-config") {
            o.check_config = true;
        } else if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (a == "--version") {
            o.version = true;
        } else {
            std::fprintf(stderr, "Error: Unknown option '%.*s'. See snbridge --help.\n",
                         static_cast<int>(a.size()), a.data());
            return std::nullopt;
        }
    }
    return o;
}

/// One "Error: ..." line per line of a (possibly multi-line) message.
void print_errors(const std::string& message, bool with_timestamp) {
    std::size_t start = 0;
    while (start < message.size()) {
        auto end = message.find('\n', start);
        if (end == std::string::npos) {
            end = message.size();
        }
        const auto line = "Error: " + message.substr(start, end - start);
        if (with_timestamp) {
            log::error(line);
        } else {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
        start = end + 1;
    }
}

/// The command line's overrides (-p, -v) on a loaded config.
void apply_overrides(const options& opt, cfg::config& config) {
    if (opt.port) {
        // As Mosquitto's -p: the port of every listener.
        for (auto& address : config.mqttsn.listen) {
            address.port = *opt.port;
        }
    }
    if (opt.verbose) {
        config.log.verbose = true;
    }
}

/// SIGHUP: `next` becomes `running` plus the fields `take` copies from `next` (those that can
/// change while running); a change elsewhere in the section is named (`what`) and not applied.
/// Returns whether a field `take` copies changed.
template <class Section, class Take>
bool take_reloadable(const char* what, Section& next, const Section& running, Take take) {
    auto kept = running;
    take(kept, next);
    const bool changed = !(kept == running);
    if (!(kept == next)) {
        log::warning("Reload: ", what, " changed; they apply after a restart.");
    }
    next = std::move(kept);
    return changed;
}

/// SIGHUP (issue 13 point 4): re-reads the file and applies what can change while running -
/// the log settings, timers, limits, predefined topics, the QoS -1 allow-lists, the MQTT
/// listener's users, the upstream credentials and TLS files - and names each section that
/// needs a restart. A file with errors keeps the running configuration.
void reload(const options& opt, cfg::config& running, gw::gateway_core& handler,
            snbridge::common::mqtt_side& side, snbridge::bridge::local::mqtt_listener* listener) {
    log::reopen_file(); // logrotate moved it
    if (!opt.config_file) {
        log::notice("Received SIGHUP: running with the built-in defaults, no file to reload.");
        return;
    }
    auto loaded = cfg::load_file(*opt.config_file);
    if (!loaded) {
        print_errors(loaded.error().message, true);
        log::warning("Reload of ", *opt.config_file, " failed: the running configuration is kept.");
        return;
    }
    auto next = std::move(*loaded);
    apply_overrides(opt, next);
    // What is bound, opened or switched at start stays as it is until a restart.
    const auto restart_only = [&](const char* key, auto& now, const auto& was) {
        if (!(now == was)) {
            log::warning("Reload: ", key, " changed; it applies after a restart.");
            now = was;
        }
    };
    restart_only("mqttsn.listen", next.mqttsn.listen, running.mqttsn.listen);
    restart_only("mqttsn.multicast", next.mqttsn.multicast, running.mqttsn.multicast);
    restart_only("mqttsn.multicast_radius", next.mqttsn.multicast_radius,
                 running.mqttsn.multicast_radius);
    restart_only("mqttsn.rate_limit", next.mqttsn.rate_limit, running.mqttsn.rate_limit);
    restart_only("mode", next.mode, running.mode);
    // The upstream credentials and TLS files apply at the next (re)connects, the MQTT
    // listener's users at the next CONNECTs; the rest of those sections is bound to what runs.
    const bool credentials_changed = take_reloadable(
        "upstream keys other than username, password, credentials and tls", next.upstream,
        running.upstream, [](cfg::upstream_section& to, const cfg::upstream_section& from) {
            to.username = from.username;
            to.password = from.password;
            to.credentials = from.credentials;
            to.tls = from.tls;
        });
    const bool users_changed = take_reloadable(
        "broker keys other than mqtt_users, mqtt_password_file and mqtt_allow_anonymous",
        next.broker, running.broker, [](cfg::broker_section& to, const cfg::broker_section& from) {
            to.mqtt_users = from.mqtt_users;
            to.mqtt_password_file = from.mqtt_password_file;
            to.mqtt_password_file_users = from.mqtt_password_file_users;
            to.mqtt_allow_anonymous = from.mqtt_allow_anonymous;
        });
    restart_only("http", next.http, running.http);
    restart_only("persistence", next.persistence, running.persistence);
    restart_only("user", next.user, running.user);
    restart_only("gateway", next.gateway, running.gateway);
    // Said before the new level applies (a level of warning would hide it).
    log::notice("Reloaded ", *opt.config_file, ".");
    log::set_level(next.log.level);
    if (auto failed = log::set_destinations({.to_stderr = next.log.to_stderr,
                                             .to_syslog = next.log.to_syslog,
                                             .file = next.log.file})) {
        log::warning("Reload: log.destinations: ", *failed, "; the running ones are kept.");
        next.log.to_stderr = running.log.to_stderr;
        next.log.to_syslog = running.log.to_syslog;
        next.log.file = running.log.file;
    }
    gw::packet_log::set_enabled(next.log.verbose);
    snbridge::bridge::local::mqtt_log::set_enabled(next.log.verbose);
    handler.reload(gw::settings_from(next));
    if (credentials_changed && next.mode != cfg::gateway_mode::broker) {
        snbridge::bridge::reload_upstream_credentials(side, next);
        log::notice("Reload: the upstream credentials and TLS files apply from the next connect.");
    }
    if (listener != nullptr && (users_changed || !(next.clients == running.clients))) {
        listener->reload_access(snbridge::bridge::local::mqtt_settings_from(
            next.broker, next.clients, next.mqttsn.dtls));
        log::notice("Reload: the MQTT listener's users apply to new connections, its access "
                    "rules from now on.");
    }
    running = std::move(next);
}

gw::udp_runtime_options runtime_options(const cfg::config& c) {
    gw::udp_runtime_options o;
    o.listen = c.mqttsn.listen;
    for (const auto& group : c.mqttsn.multicast) {
        (group.fam == snbridge::common::net_address::family::v4 ? o.multicast_v4 : o.multicast_v6) =
            group;
    }
    o.default_radius = c.mqttsn.multicast_radius;
    o.rate_limit = {.datagrams_per_second =
                        static_cast<double>(c.mqttsn.rate_limit.datagrams_per_second),
                    .bytes_per_second = static_cast<double>(c.mqttsn.rate_limit.bytes_per_second),
                    .burst = c.mqttsn.rate_limit.burst};
    return o;
}

gw::dtls_options dtls_options(const cfg::config& c, snbridge::common::metrics::registry& metrics) {
    const auto& d = c.mqttsn.dtls;
    gw::dtls_options o;
    for (const auto& p : d.psk) {
        o.psk.push_back({p.identity, p.key});
    }
    o.cert_file = d.cert_file;
    o.key_file = d.key_file;
    o.ca_file = d.ca_file;
    o.max_handshakes = d.max_handshakes;
    o.max_sessions = d.max_sessions;
    o.handshake_timeout = d.handshake_timeout;
    o.idle_timeout = d.idle_timeout;
    o.mtu = d.mtu;
    o.metrics = &metrics;
    return o;
}

/// SIGUSR1's one line: what the metrics registry has counted so far.
std::string status_line(const snbridge::common::metrics::registry& m, bool with_broker) {
    const auto n = [&m](std::string_view family) {
        return static_cast<unsigned long long>(m.total(family));
    };
    auto line = log::cat(n("snbridge_mqttsn_sessions"), " sessions, ",
                         n("snbridge_mqttsn_datagrams_received_total"), " datagrams received, ",
                         n("snbridge_mqttsn_datagrams_sent_total"), " sent, ",
                         n("snbridge_mqttsn_dropped_total"), " dropped");
    if (with_broker) {
        line += log::cat("; broker: ", n("snbridge_broker_sessions"), " sessions, ",
                         n("snbridge_broker_subscriptions"), " subscriptions, ",
                         n("snbridge_broker_retained_messages"), " retained, ",
                         n("snbridge_broker_messages_received_total"), " published, ",
                         n("snbridge_broker_messages_sent_total"), " delivered");
    }
    return line + ".";
}

/// SIGUSR2: the sessions, then the built-in broker's subscriptions, one log line each.
void log_state(const gw::gateway_core& core, const snbridge::bridge::local::broker_core* broker,
               cfg::gateway_mode mode) {
    for (const auto& line : gw::session_report(core.sessions())) {
        log::notice(line);
    }
    if (broker == nullptr) {
        log::notice("Subscriptions: held by the upstream broker (mode ", cfg::to_string(mode),
                    ").");
        return;
    }
    for (const auto& line : snbridge::bridge::local::subscription_report(*broker)) {
        log::notice(line);
    }
}

/// Taken by the signal thread (common/signal_thread.hpp), never by a handler: a second
/// SIGTERM during the shutdown cannot end the process, and SIGUSR1/SIGUSR2 never kill it.
constexpr std::array handled_signals{SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};

/// How long a clean stop waits for the upstream broker to answer its DISCONNECTs.
constexpr std::chrono::milliseconds stop_grace{3000};

int run(const options& opt, cfg::config config) {
    // Before any thread exists (libuv's, Paho's): every thread inherits the mask, and only
    // the signal thread below takes these signals, until exit.
    snbridge::common::signal_thread::block(handled_signals);
    log::set_level(config.log.level);
    if (auto failed = log::set_destinations({.to_stderr = config.log.to_stderr,
                                             .to_syslog = config.log.to_syslog,
                                             .file = config.log.file})) {
        print_errors("log.destinations: " + *failed, false);
        return 1;
    }
    log::info(version_line, " starting (gateway ", config.gateway.name, ", GwId ",
              static_cast<unsigned>(config.gateway.id), ", mode ", cfg::to_string(config.mode),
              ")");
    if (opt.config_file) {
        log::info("Config loaded from ", *opt.config_file, ".");
    } else {
        log::info("Using default config.");
    }
    gw::packet_log::set_enabled(config.log.verbose);
    snbridge::bridge::local::mqtt_log::set_enabled(config.log.verbose);
    for (const auto& line : cfg::exposure_warnings(config)) {
        log::warning("Warning: ", line, ".");
    }

    uv::loop loop;
    // docs/monitoring.md: every layer counts into this one registry; /metrics, $SYS, the
    // status page, SIGUSR1 and the exit summary read it.
    snbridge::common::metrics::registry metrics;
    snbridge::common::metrics::add_process_metrics(metrics, SNB_VERSION, allocator_name());
    gw::drop_counter drops(metrics);
    // docs/persistence.md: the state file is opened (and checked) before anything listens.
    namespace persist = snbridge::common::persist;
    std::unique_ptr<persist::store> store;
    persist::snapshot saved;
    if (config.persistence) {
        auto opened = persist::store::open(config.persistence->store_options());
        if (!opened) {
            print_errors(opened.error().message, true);
            return 1;
        }
        store = std::move(*opened);
        store->attach_metrics(metrics);
        auto loaded = store->load();
        if (!loaded) {
            print_errors(loaded.error().message, true);
            return 1;
        }
        saved = std::move(*loaded);
        log::info("Persistence: ", store->path(), " (", saved.gateway_sessions.size(),
                  " MQTT-SN sessions, ", saved.broker_sessions.size(), " broker sessions, ",
                  saved.retained.size(), " retained messages).");
    }
    // The MQTT side for `mode:` (the built-in broker by default).
    std::shared_ptr<snbridge::bridge::local::broker_core> broker;
    auto side = snbridge::bridge::make_mqtt_side(config, loop, broker, &metrics);
    if (!side) {
        print_errors(side.error().message, true);
        return 1;
    }
    if (broker && store) {
        broker->restore(saved); // before any client can connect
        broker->attach_store(*store);
    }
    // Without persistence, what the MQTT listener sends in one loop iteration still goes out
    // together, one write per connection (docs/benchmarks.md "Custody").
    std::optional<snbridge::common::turn_flush> coalesce;
    std::unique_ptr<snbridge::bridge::local::mqtt_listener> mqtt_listener;
    if (broker && !config.broker.mqtt_listen.empty()) {
        auto started = snbridge::bridge::local::mqtt_listener::start(
            loop, broker,
            snbridge::bridge::local::mqtt_settings_from(config.broker, config.clients,
                                                        config.mqttsn.dtls));
        if (!started) {
            print_errors(started.error().message, true);
            return 1;
        }
        mqtt_listener = std::move(*started);
        if (store) {
            mqtt_listener->set_commit_gate(store.get());
        } else {
            mqtt_listener->set_commit_gate(&coalesce.emplace(loop));
        }
    }
    auto udp_options = runtime_options(config);
    udp_options.metrics = &metrics;
    gw::udp_runtime runtime(loop, drops, udp_options);
    // DTLS (docs/security.md "DTLS"): listeners of their own, and the layer between them and
    // the core, which sends its answers through it.
    std::unique_ptr<gw::dtls_layer> dtls;
    std::unique_ptr<gw::udp_runtime> dtls_runtime;
    if (!config.mqttsn.dtls_listen.empty()) {
        auto made = gw::dtls_layer::create(dtls_options(config, metrics), drops);
        if (!made) {
            print_errors(made.error().message, true);
            return 1;
        }
        dtls = std::move(*made);
        auto o = udp_options;
        o.listen = config.mqttsn.dtls_listen;
        o.multicast_v4.reset();
        o.multicast_v6.reset();
        o.dtls = true;
        dtls_runtime = std::make_unique<gw::udp_runtime>(loop, drops, std::move(o));
    }
    gw::datagram_sink& core_sink = dtls ? static_cast<gw::datagram_sink&>(*dtls) : runtime;
    gw::gateway_core handler(gw::settings_from(config), **side, core_sink,
                             [] { return gw::clock::now(); });
    if (dtls) {
        dtls->attach(*dtls_runtime, runtime, handler);
    }
    handler.set_drop_counter(drops);
    handler.attach_metrics(metrics);
    // $SYS on the built-in broker, with a retained status per sensor (docs/monitoring.md).
    std::unique_ptr<snbridge::bridge::local::sys_tree> sys;
    std::unique_ptr<gw::sensor_status> sensors;
    uv::timer sensors_flush(loop);
    uv::timer sensors_refresh(loop);
    if (broker) {
        sys = std::make_unique<snbridge::bridge::local::sys_tree>(
            loop, broker, metrics, config.broker.sys_interval, std::string(version_line));
        sensors = std::make_unique<gw::sensor_status>(
            handler,
            [&sys](std::string_view client_id, const std::optional<std::string>& json) {
                sys->set_client_status(client_id, json);
            },
            [&] {
                // Outside the core's turn, once the loop comes round.
                sensors_flush.start(std::chrono::milliseconds(0),
                                    [&] { sensors->flush(gw::clock::now()); });
            });
        handler.set_observer(sensors.get());
    }
    if (auto started = runtime.start(handler); !started) {
        print_errors(started.error().message, true);
        return 1;
    }
    if (dtls_runtime) {
        if (auto started = dtls_runtime->start(*dtls); !started) {
            print_errors(started.error().message, true);
            return 1;
        }
    }
    std::optional<persist::turn_commit> committer;
    if (store) {
        runtime.set_commit_gate(store.get());
        if (dtls_runtime) {
            dtls_runtime->set_commit_gate(store.get());
        }
        handler.attach_store(*store);
        handler.restore(saved.gateway_sessions, gw::clock::now());
        if (broker) {
            broker->end_restore();
        }
        saved = {};
        committer.emplace(loop, *store);
    }
    std::unique_ptr<snbridge::common::http::server> http;
    const gw::status_sources status_sources{
        .core = &handler,
        .metrics = &metrics,
        .gateway_name = config.gateway.name,
        .version = std::string(version_line),
        .mode = std::string(cfg::to_string(config.mode)),
        .upstream_connected = [&side, &config]() -> std::optional<bool> {
            if (config.mode == cfg::gateway_mode::broker) {
                return std::nullopt;
            }
            return (*side)->server_connected();
        },
    };
    if (!config.http.listen.empty()) {
        auto started = snbridge::common::http::server::start(
            loop, config.http.listen,
            [&status_sources](const snbridge::common::http::request& req) {
                return gw::serve_status(req, status_sources);
            },
            {.max_connections = config.http.max_connections}, &metrics);
        if (!started) {
            print_errors(started.error().message, true);
            return 1;
        }
        http = std::move(*started);
    }
    if (sys) {
        sys->start();
        sensors->flush(gw::clock::now(), true);
        const auto every = config.broker.sys_interval.count() > 0 ? config.broker.sys_interval
                                                                  : std::chrono::seconds(60);
        sensors_refresh.start(
            every, [&] { sensors->flush(gw::clock::now(), true); }, every);
    }
    // Every socket is bound and the state file is open: the pid file, the switch to `user:`
    // and systemd's READY=1 (gateway/daemon.hpp).
    auto service = gw::daemon::serve(loop, config);
    if (!service) {
        print_errors(service.error().message, true);
        return 1;
    }

    bool stopping = false;
    bool repeat_logged = false;
    bool closed = false;
    uv::timer stop_guard(loop);
    const auto stop = [&](int signum) {
        const char* name = signum == SIGINT ? "SIGINT" : "SIGTERM";
        if (stopping) {
            // A second signal (`timeout` sends two) must not cut the shutdown short; said
            // once, however many arrive.
            if (!repeat_logged) {
                repeat_logged = true;
                log::notice("Received ", name, " again: still shutting down.");
            }
            return;
        }
        stopping = true;
        log::notice("Received ", name, ", shutting down.");
        (*service)->stopping();
        if (store) {
            // What is on disk stays as it is: the shutdown below only tears the sessions
            // down in memory, and the next start restores them.
            store->commit();
            store->freeze();
        }
        // The sensors' statuses stay as they were (the next start brings them up to date).
        handler.set_observer(nullptr);
        sensors_flush.close();
        sensors_refresh.close();
        if (sys) {
            sys->stop();
        }
        if (http) {
            http->stop();
        }
        handler.shutdown(gw::clock::now());
        if (dtls) {
            dtls->shutdown(gw::clock::now()); // close_notify after the core's DISCONNECTs
            dtls_runtime->stop();
        }
        runtime.stop();
        if (mqtt_listener) {
            mqtt_listener->stop();
        }
        // The MQTT side lets go of what it holds outside the process (the remote modes send
        // MQTT DISCONNECT upstream and wait for Paho's answers on the loop, never blocking
        // it); a broker that does not answer gets stop_grace, then the loop is closed anyway.
        const auto close_loop = [&loop, &closed] {
            if (!closed) {
                closed = true;
                // Every handle, so run() returns once empty.
                loop.close_all();
            }
        };
        stop_guard.start(stop_grace, close_loop);
        (*side)->stop(close_loop);
    };
    const auto on_signal = [&](int signum) {
        switch (signum) {
        case SIGINT:
        case SIGTERM:
            stop(signum);
            break;
        case SIGHUP:
            log::notice("Received SIGHUP, reloading the configuration.");
            reload(opt, config, handler, **side, mqtt_listener.get());
            break;
        case SIGUSR1:
            log::notice("Received SIGUSR1: ", status_line(metrics, broker != nullptr));
            break;
        case SIGUSR2:
            log::notice("Received SIGUSR2: writing the sessions and subscriptions to the log.");
            log_state(handler, broker.get(), config.mode);
            break;
        default:
            break;
        }
    };
    // Declared after what on_signal uses, so that the thread stops first.
    uv::mailbox signals_to_loop(loop);
    snbridge::common::signal_thread signals(handled_signals, [&](int signum) {
        signals_to_loop.post([&, signum] { on_signal(signum); });
    });
    std::signal(SIGPIPE, SIG_IGN);

    log::info(version_line, " running");
    loop.run();
    loop.shutdown();
    drops.log_summary();
    log::info(version_line, " terminating");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const auto opt = parse_args(argc, argv);
    if (!opt) {
        return 2;
    }
    if (opt->help) {
        std::fputs(usage_text.data(), stdout);
        return 0;
    }
    if (opt->version) {
        std::printf("%.*s\n", static_cast<int>(version_line.size()), version_line.data());
        return 0;
    }
    snbridge::common::result<cfg::config> loaded =
        opt->config_file ? cfg::load_file(*opt->config_file) : cfg::defaults();
    if (!loaded) {
        print_errors(loaded.error().message, !opt->check_config);
        return 1;
    }
    auto config = std::move(*loaded);
    apply_overrides(*opt, config);
    if (opt->check_config) {
        for (const auto& line : cfg::exposure_warnings(config)) {
            std::printf("Warning: %s.\n", line.c_str());
        }
        if (opt->config_file) {
            std::printf("Config %s is valid.\n", opt->config_file->c_str());
        } else {
            std::printf("Default config is valid.\n");
        }
        return 0;
    }
    try {
        return run(*opt, std::move(config));
    } catch (const std::exception& e) {
        // Startup only (loop creation); the I/O path does not throw.
        print_errors(e.what(), true);
        return 1;
    }
}
