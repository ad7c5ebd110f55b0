#include "bridge/remote/upstream_link.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/log.hpp"

namespace snbridge::bridge::remote {

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
    return common::log::cat(static_cast<double>(d.count()) / 1000.0, " s");
}

void* op_context(std::uint64_t op) noexcept {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(op));
}

// Paho tells why a connect failed (the TLS alert OpenSSL sent, e.g. "unknown CA", a host-name
// mismatch, a failed name lookup) only in its process-wide trace. The chatty level that has
// the TLS lines is on only while some TLS link is connecting; name lookup failures are traced
// at the error level, which is always on. The hook keeps the latest evidence for the links
// to pick up on the loop thread (connect_advice.hpp turns it into a line).
struct trace_evidence {
    std::string tls_alert;
    bool host_mismatch = false;
    bool tls_failed = false;
};
std::mutex trace_mutex;
trace_evidence tls_evidence;            // guarded by trace_mutex
std::vector<std::string> lookup_failed; // hosts, guarded by trace_mutex
std::size_t tls_connecting = 0;         // guarded by trace_mutex

/// The text after `marker` in `text`, or nullopt.
std::optional<std::string_view> after(std::string_view text, std::string_view marker) {
    const auto at = text.find(marker);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    return text.substr(at + marker.size());
}

void on_paho_trace(enum MQTTASYNC_TRACE_LEVELS /*level*/, char* message) {
    if (message == nullptr) {
        return;
    }
    const std::string_view text(message);
    const std::lock_guard lock(trace_mutex);
    if (auto alert = after(text, "SSL alert ")) {
        if (alert->find(":fatal:") != std::string_view::npos) {
            tls_evidence.tls_alert.assign(*alert); // e.g. "write:fatal:unknown CA"
        }
    } else if (auto rc = after(text, "rc from X509_check_ip_asc is ")) {
        // SSLSocket.c: X509_check_host failed, and so did this; 1 is a match.
        tls_evidence.host_mismatch = !rc->starts_with('1');
    } else if (text.find("SSLSocket error (") != std::string_view::npos &&
               text.find("in SSL_connect") != std::string_view::npos) {
        tls_evidence.tls_failed = true;
    } else if (auto addr = after(text, "getaddrinfo failed for addr ")) {
        // Socket.c: "getaddrinfo failed for addr HOST with rc -2"
        lookup_failed.emplace_back(addr->substr(0, addr->find(" with rc")));
        if (lookup_failed.size() > 64) {
            lookup_failed.erase(lookup_failed.begin());
        }
    }
}

void install_trace() {
    static std::once_flag once;
    std::call_once(once, [] {
        MQTTAsync_setTraceCallback(&on_paho_trace);
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
    });
}

void tls_connect_started() {
    install_trace();
    const std::lock_guard lock(trace_mutex);
    if (tls_connecting++ == 0) {
        tls_evidence = {};
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_MINIMUM);
    }
}

void tls_connect_ended() {
    const std::lock_guard lock(trace_mutex);
    if (tls_connecting > 0 && --tls_connecting == 0) {
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
    }
}

/// Moves the TLS evidence into `f` (and clears it).
void take_tls_evidence(connect_failure& f) {
    const std::lock_guard lock(trace_mutex);
    auto e = std::exchange(tls_evidence, trace_evidence{});
    f.tls_alert = std::move(e.tls_alert);
    f.host_mismatch = e.host_mismatch;
    f.tls_failed = e.tls_failed;
}

/// True (once) when Paho traced a failed name lookup of `host`.
bool take_lookup_failure(const std::string& host) {
    const std::lock_guard lock(trace_mutex);
    const auto it = std::find(lookup_failed.begin(), lookup_failed.end(), host);
    if (it == lookup_failed.end()) {
        return false;
    }
    lookup_failed.erase(it);
    return true;
}

} // namespace

bool uses_tls(const std::string& uri) noexcept {
    return uri.starts_with("ssl://") || uri.starts_with("mqtts://") || uri.starts_with("wss://");
}

/// What Paho calls, on its own threads. It only copies what it needs out of Paho's objects
/// and posts to the loop (docs/style.md "Threads"). It outlives the client (paho_context::retire).
struct upstream_link::sink final : mqtt::callback, mqtt::iaction_listener {
    sink(paho_context& c, std::weak_ptr<upstream_link> l)
        : ctx(c)
        , link(std::move(l)) {}

    /// Publishes handed to Paho by this link and not yet confirmed (any thread).
    std::atomic<std::size_t> unconfirmed{0};
    /// What Paho never confirmed (a client retired with messages in flight) leaves the total.
    ~sink() override {
        ctx.unconfirmed_total().fetch_sub(unconfirmed.load(std::memory_order_relaxed),
                                          std::memory_order_relaxed);
    }
    sink(const sink&) = delete;
    sink& operator=(const sink&) = delete;
    sink(sink&&) = delete;
    sink& operator=(sink&&) = delete;

    void connection_lost(const std::string& cause) override {
        ctx.post([l = link, cause] {
            if (auto self = l.lock()) {
                self->on_lost(cause);
            }
        });
    }

    void message_arrived(mqtt::const_message_ptr msg) override {
        if (!msg) {
            return;
        }
        common::mqtt_message m;
        m.topic = msg->get_topic();
        const auto& payload = msg->get_payload();
        m.payload.assign(payload.begin(), payload.end());
        m.qos = static_cast<std::uint8_t>(msg->get_qos());
        m.retain = msg->is_retained();
        ctx.post([l = link, m = std::move(m)] {
            if (auto self = l.lock(); self && self->state_ != state::stopped) {
                if (self->events_.message) {
                    self->events_.message(m);
                }
            }
        });
    }

    void on_success(const mqtt::token& tok) override { report(tok, true); }
    void on_failure(const mqtt::token& tok) override { report(tok, false); }

    void report(const mqtt::token& tok, bool ok) {
        if (tok.get_type() == mqtt::token::Type::PUBLISH) {
            unconfirmed.fetch_sub(1, std::memory_order_relaxed);
            ctx.unconfirmed_total().fetch_sub(1, std::memory_order_relaxed);
        }
        if (tok.get_user_context() == nullptr) {
            return; // QoS 0 fire and forget: only counted
        }
        op_result r;
        r.ok = ok;
        r.rc = tok.get_return_code();
        const auto op =
            static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
        try {
            if (ok && tok.get_type() == mqtt::token::Type::CONNECT) {
                r.session_present = tok.get_connect_response().is_session_present();
            } else if (ok && tok.get_type() == mqtt::token::Type::SUBSCRIBE) {
                const auto response = tok.get_subscribe_response(); // by value
                const auto& codes = response.get_reason_codes();
                if (!codes.empty()) {
                    const int code = codes.front();
                    if (code < 0x80) {
                        r.granted = static_cast<std::uint8_t>(code);
                    } else {
                        r.ok = false; // MQTT 3.1.1 §3.9.3: 0x80 = failure
                        r.rc = code;
                    }
                }
            }
        } catch (const mqtt::exception&) {
            // no response details: keep ok/rc
        }
        if (!ok && tok.get_type() == mqtt::token::Type::CONNECT) {
            // Paho C's failure text ("TCP connect timeout", ...) is kept only in the token's
            // exception; the token is complete and unlocked while Paho calls us.
            try {
                const_cast<mqtt::token&>(tok).try_wait();
            } catch (const mqtt::exception& e) {
                r.message = e.get_message();
            }
        }
        ctx.post([l = link, op, r] {
            if (auto self = l.lock()) {
                self->on_op_done(op, r);
            }
        });
    }

    paho_context& ctx;
    std::weak_ptr<upstream_link> link;
};

upstream_link::upstream_link(passkey /*only create()*/, paho_context& ctx,
                             const upstream_options& options, link_params params,
                             link_events events)
    : ctx_(ctx)
    , options_(options)
    , params_(std::move(params))
    , events_(std::move(events))
    , reconnect_timer_(std::make_unique<common::uv::timer>(ctx.loop()))
    , backoff_(options.reconnect_min, options.reconnect_max) {}

void set_availability(link_params& p, const std::string& topic) {
    if (topic.empty()) {
        return;
    }
    const auto offline = availability_message(topic, false);
    p.will = common::will_message{
        .topic = offline.topic, .payload = offline.payload, .qos = offline.qos, .retain = true};
    p.birth = availability_message(topic, true);
    // QoS 0 before the DISCONNECT: written at once, while a QoS 1 one would hold the
    // DISCONNECT until Paho's receive thread reads its PUBACK (a second or more).
    p.last_words = offline;
    p.last_words->qos = 0;
}

common::result<std::shared_ptr<upstream_link>>
upstream_link::create(paho_context& ctx, const upstream_options& options, link_params params,
                      link_events events) {
    auto link = std::make_shared<upstream_link>(passkey{}, ctx, options, std::move(params),
                                                std::move(events));
    if (uses_tls(options.uri)) {
        const std::pair<const char*, const std::string*> files[] = {
            {"ca_file", &options.tls.ca_file},
            {"cert_file", &options.tls.cert_file},
            {"key_file", &options.tls.key_file}};
        for (const auto& [key, file] : files) {
            std::error_code ec;
            if (!file->empty() && !std::filesystem::is_regular_file(*file, ec)) {
                return common::fail(common::error{
                    common::log::cat("upstream.tls.", key, ": cannot read '", *file, "'")});
            }
        }
    }
    try {
        auto create =
            mqtt::create_options_builder()
                .send_while_disconnected(true, true)
                .max_buffered_messages(std::max(1, options.buffer.max_messages))
                .delete_oldest_messages(options.buffer.delete_oldest)
                .restore_messages(true)
                .persist_qos0(false)
                .mqtt_version(options.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1)
                .finalize();
        if (options.buffer.persistence_dir.empty()) {
            link->client_ = std::make_shared<mqtt::async_client>(
                options.uri, link->params_.client_id, create, nullptr);
        } else {
            std::error_code ec;
            std::filesystem::create_directories(options.buffer.persistence_dir, ec);
            if (ec) {
                return common::fail(common::error{
                    common::log::cat("upstream.buffer.persistence_dir '",
                                     options.buffer.persistence_dir, "': ", ec.message())});
            }
            link->client_ = std::make_shared<mqtt::async_client>(
                options.uri, link->params_.client_id, create, options.buffer.persistence_dir);
        }
    } catch (const mqtt::exception& e) {
        return common::fail(common::error{common::log::cat(
            "upstream client '", link->params_.client_id, "' for ", options.uri, ": ", e.what())});
    }
    link->sink_ = std::make_shared<sink>(ctx, link);
    link->client_->set_callback(*link->sink_);
    return link;
}

connect_target upstream_link::connect_target_of() const {
    return connect_target{
        .uri = options_.uri,
        .client_id = params_.client_id,
        .device = params_.device,
        .has_ca_file = !options_.tls.ca_file.empty(),
        .connect_timeout = std::max(std::chrono::seconds(1), options_.connect_timeout),
        .credentials_key = params_.credentials_key,
        .client_id_key = params_.device.empty() ? "upstream.client_id"
                                                : "upstream.client_id_prefix (or the device's "
                                                  "ClientId)",
    };
}

upstream_link::~upstream_link() {
    if (state_ != state::stopped) {
        stop();
    }
}

mqtt::connect_options upstream_link::connect_options() const {
    mqtt::connect_options o;
    if (options_.mqtt_version == 5) {
        o.set_mqtt_version(MQTTVERSION_5);
        o.set_clean_session(false); // MQTT 5 uses clean start (Paho refuses both)
        o.set_clean_start(params_.clean_session);
        if (!params_.clean_session) {
            // MQTT 5 §3.1.2.11.2: without an expiry the session ends with the connection.
            o.set_properties(mqtt::properties{{mqtt::property::SESSION_EXPIRY_INTERVAL,
                                               std::numeric_limits<std::int32_t>::max()}});
        }
    } else {
        o.set_mqtt_version(MQTTVERSION_3_1_1);
        o.set_clean_session(params_.clean_session);
    }
    o.set_keep_alive_interval(static_cast<int>(params_.keep_alive.count()));
    o.set_connect_timeout(
        static_cast<int>(std::max<std::int64_t>(1, options_.connect_timeout.count())));
    o.set_automatic_reconnect(false); // ours has jitter and logs (schedule_reconnect)
    if (params_.auth.username) {
        o.set_user_name(*params_.auth.username);
    }
    if (params_.auth.password) {
        o.set_password(*params_.auth.password);
    }
    if (params_.will) {
        const auto& w = *params_.will;
        o.set_will(
            mqtt::will_options(w.topic, w.payload.data(), w.payload.size(), w.qos, w.retain));
    }
    if (uses_tls(options_.uri)) {
        mqtt::ssl_options ssl;
        if (!options_.tls.ca_file.empty()) {
            ssl.set_trust_store(options_.tls.ca_file);
        }
        if (!options_.tls.cert_file.empty()) {
            ssl.set_key_store(options_.tls.cert_file);
        }
        if (!options_.tls.key_file.empty()) {
            ssl.set_private_key(options_.tls.key_file);
        }
        ssl.set_enable_server_cert_auth(true);
        ssl.set_verify(options_.tls.verify_hostname);
        o.set_ssl(std::move(ssl));
    }
    return o;
}

void upstream_link::start() {
    if (state_ == state::idle) {
        connect_now();
    }
}

void upstream_link::connect_now() {
    state_ = state::connecting;
    install_trace();
    if (uses_tls(options_.uri) && !tls_tracing_) {
        tls_tracing_ = true;
        tls_connect_started();
    }
    if (!ringing_) {
        ringing_ = true;
        ctx_.connect_started();
    }
    const auto op = add_op(pending_op{op_kind::connect, {}, {}});
    if (!params_.quiet || common::log::enabled(common::log::level::debug)) {
        common::log::info("Upstream ", params_.log_name, ": connecting to ", options_.uri, " as ",
                          params_.client_id);
    }
    try {
        client_->connect(connect_options(), op_context(op), *sink_);
    } catch (const mqtt::exception& e) {
        ops_.erase(op);
        op_result r;
        r.rc = e.get_return_code();
        r.message = e.get_message();
        on_connect_done(r);
    }
}

void upstream_link::on_connect_done(const op_result& r) {
    if (state_ == state::stopped) {
        return;
    }
    if (ringing_) {
        ringing_ = false;
        ctx_.connect_ended();
    }
    if (r.ok && tls_tracing_) {
        tls_tracing_ = false;
        tls_connect_ended();
    }
    if (r.ok) {
        state_ = state::connected;
        ++ctx_.metrics().connects_ok;
        ctx_.metrics().connected.add(1);
        unreachable_ = false;
        ever_connected_ = true;
        last_advice_.clear();
        backoff_.reset();
        const auto text = common::log::cat("Upstream ", params_.log_name, ": connected to ",
                                           options_.uri, " as ", params_.client_id,
                                           " (session present: ", r.session_present ? 1 : 0, ")");
        if (params_.quiet) {
            common::log::info(text);
        } else {
            common::log::notice(text);
        }
        if (params_.birth) {
            publish(*params_.birth);
        }
        if (events_.connected) {
            events_.connected(r.session_present);
        }
        return;
    }
    // MQTT 3.1.1 CONNACK codes 1..5 and MQTT 5 reason codes >= 0x80 come from the broker;
    // Paho's own codes are negative (network, TLS, timeout).
    const bool refused = r.rc > 0;
    unreachable_ = !refused;
    ++ctx_.metrics().connects_failed;
    connect_failure failure;
    failure.rc = r.rc;
    failure.message = r.message;
    if (tls_tracing_) {
        tls_tracing_ = false;
        take_tls_evidence(failure);
        tls_connect_ended();
    }
    const auto target = connect_target_of();
    failure.lookup_failed = take_lookup_failure(uri_host(target.uri));
    const auto advice = advise(failure, target);
    const bool retry = ever_connected_ || params_.retry_first_connect;
    state_ = retry ? state::waiting : state::idle;
    std::optional<std::chrono::milliseconds> delay;
    if (retry) {
        delay = backoff_.next(ctx_.random_unit());
    }
    // The cause and what to change: once per new cause, not on every attempt.
    if (auto line = advice_line(target, advice); line != last_advice_) {
        if (params_.quiet && !ever_connected_) {
            common::log::info(line);
        } else {
            common::log::error(line);
        }
        last_advice_ = std::move(line);
    }
    if (delay) {
        common::log::info("Upstream ", params_.log_name, ": connect to ", options_.uri, " as ",
                          params_.client_id, " failed: ", advice.cause, "; retrying in ",
                          seconds_text(*delay));
    }
    if (delay) {
        std::weak_ptr<upstream_link> weak = weak_from_this();
        reconnect_timer_->start(*delay, [weak] {
            if (auto self = weak.lock(); self && self->state_ == state::waiting) {
                self->connect_now();
            }
        });
    }
    if (events_.connect_failed) {
        events_.connect_failed(r.rc, refused);
    }
}

void upstream_link::on_lost(const std::string& cause) {
    if (state_ != state::connected) {
        return;
    }
    ++ctx_.metrics().lost;
    ctx_.metrics().connected.add(-1);
    state_ = state::waiting;
    const auto delay = backoff_.next(ctx_.random_unit());
    common::log::warning("Upstream ", params_.log_name, ": connection to ", options_.uri, " lost",
                         cause.empty() ? "" : ": ", cause, "; reconnecting in ",
                         seconds_text(delay));
    std::weak_ptr<upstream_link> weak = weak_from_this();
    reconnect_timer_->start(delay, [weak] {
        if (auto self = weak.lock(); self && self->state_ == state::waiting) {
            self->connect_now();
        }
    });
    if (events_.connection_lost) {
        events_.connection_lost(cause);
    }
}

std::uint64_t upstream_link::add_op(pending_op op) {
    const auto id = next_op_++;
    ops_.emplace(id, std::move(op));
    return id;
}

void upstream_link::on_op_done(std::uint64_t op, const op_result& r) {
    auto it = ops_.find(op);
    if (it == ops_.end() || state_ == state::stopped) {
        return; // answered already (buffered publish) or stopped
    }
    auto entry = std::move(it->second);
    ops_.erase(it);
    switch (entry.kind) {
    case op_kind::connect:
        on_connect_done(r);
        break;
    case op_kind::publish:
    case op_kind::unsubscribe:
        if (entry.done_bool) {
            entry.done_bool(r.ok);
        }
        break;
    case op_kind::subscribe:
        if (entry.done_sub) {
            entry.done_sub(r.ok ? std::optional<std::uint8_t>(r.granted.value_or(0))
                                : std::nullopt);
        }
        break;
    }
}

bool upstream_link::can_take() const noexcept {
    return state_ != state::stopped &&
           sink_->unconfirmed.load(std::memory_order_relaxed) < options_.max_unconfirmed &&
           ctx_.unconfirmed_total().load(std::memory_order_relaxed) <
               options_.max_unconfirmed_total;
}

bool upstream_link::has_room() {
    const auto mine = sink_->unconfirmed.load(std::memory_order_relaxed);
    const auto all = ctx_.unconfirmed_total().load(std::memory_order_relaxed);
    if (mine < options_.max_unconfirmed && all < options_.max_unconfirmed_total) {
        if (mine <= options_.max_unconfirmed / 2) {
            full_logged_ = false; // the episode is over
        }
        return true;
    }
    if (!full_logged_) {
        full_logged_ = true;
        common::log::warning(
            "Upstream ", params_.log_name, ": ", mine, " messages (", all,
            " in all) not yet confirmed by the broker, bound ",
            mine >= options_.max_unconfirmed
                ? common::log::cat("upstream.max_unconfirmed (", options_.max_unconfirmed, ")")
                : common::log::cat("upstream.max_unconfirmed_total (",
                                   options_.max_unconfirmed_total, ")"),
            " reached: refusing QoS 1/2 (congestion) and dropping QoS 0 "
            "until it catches up.");
    }
    return false;
}

void upstream_link::publish(const common::mqtt_message& msg, std::function<void(bool)> done) {
    if (state_ == state::stopped) {
        if (done) {
            done(false);
        }
        return;
    }
    if (!has_room()) {
        // docs/architecture.md "Custody": backpressure, not an unbounded queue inside Paho.
        ++refused_;
        ++ctx_.metrics().refused;
        if (done) {
            done(false);
        }
        return;
    }
    auto m =
        mqtt::make_message(msg.topic, msg.payload.data(), msg.payload.size(), msg.qos, msg.retain);
    // While the link is down Paho keeps the message in its send-while-disconnected buffer
    // (persistent when configured) until the link is up again: that is custody
    // (docs/architecture.md "Custody"), so `done` hears true once Paho has taken it.
    const bool buffered = state_ != state::connected;
    const std::uint64_t op =
        done ? add_op(pending_op{op_kind::publish, std::move(done), {}}) : std::uint64_t{0};
    sink_->unconfirmed.fetch_add(1, std::memory_order_relaxed);
    ctx_.unconfirmed_total().fetch_add(1, std::memory_order_relaxed);
    // What the call says comes back through the mailbox, wherever it runs. Only the sink
    // (kept alive here) and the client are touched.
    auto call = [client = client_, s = sink_, m = std::move(m), op, buffered] {
        try {
            client->publish(m, op == 0 ? nullptr : op_context(op), *s);
        } catch (const mqtt::exception& e) {
            s->unconfirmed.fetch_sub(1, std::memory_order_relaxed);
            s->ctx.unconfirmed_total().fetch_sub(1, std::memory_order_relaxed);
            s->ctx.post([l = s->link, op, topic = m->get_topic(), rc = e.get_return_code()] {
                if (auto self = l.lock()) {
                    self->on_publish_refused(op, topic, rc);
                }
            });
            return;
        }
        if (buffered && op != 0) {
            s->ctx.post([l = s->link, op] {
                if (auto self = l.lock()) {
                    op_result r;
                    r.ok = true;
                    self->on_op_done(op, r);
                }
            });
        }
    };
    // Connected: on the hand-off thread (paho_handoff.hpp), so the loop does not wait for
    // Paho's mutex. Down: on the loop, as the reconnect is, once nothing handed over is left
    // to keep order with: Paho's send-while-disconnected buffer is filled by the thread that
    // reconnects, as it was before the hand-off existed (Paho 1.3.11 has a race of its own
    // around that replay, tests/asan.supp; this keeps our side of it as it was).
    if (buffered && ctx_.handoff().pending() == 0) {
        call();
        return;
    }
    ctx_.handoff().run(std::move(call));
}

void upstream_link::on_publish_refused(std::uint64_t op, const std::string& topic, int rc) {
    common::log::warning("Upstream ", params_.log_name, ": publish to '", topic,
                         "' refused: ", paho_error_text(rc));
    op_result r;
    r.rc = rc;
    on_op_done(op, r);
}

void upstream_link::subscribe(const std::string& filter, std::uint8_t qos,
                              std::function<void(std::optional<std::uint8_t>)> done) {
    if (state_ != state::connected) {
        if (done) {
            done(std::nullopt);
        }
        return;
    }
    const auto op = add_op(pending_op{op_kind::subscribe, {}, std::move(done)});
    try {
        client_->subscribe(filter, qos, op_context(op), *sink_);
    } catch (const mqtt::exception& e) {
        common::log::warning("Upstream ", params_.log_name, ": subscribe to '", filter,
                             "' failed: ", paho_error_text(e.get_return_code()));
        auto it = ops_.find(op);
        if (it != ops_.end()) {
            auto cb = std::move(it->second.done_sub);
            ops_.erase(it);
            if (cb) {
                cb(std::nullopt);
            }
        }
    }
}

void upstream_link::subscribe_many(
    const std::vector<std::pair<std::string, std::uint8_t>>& filters) {
    if (state_ != state::connected || filters.empty()) {
        return;
    }
    // Batches keep each SUBSCRIBE packet a reasonable size.
    constexpr std::size_t batch = 64;
    for (std::size_t i = 0; i < filters.size(); i += batch) {
        std::vector<std::string> names;
        std::vector<int> qos;
        for (std::size_t j = i; j < std::min(filters.size(), i + batch); ++j) {
            names.push_back(filters[j].first);
            qos.push_back(filters[j].second);
        }
        auto topics = mqtt::string_collection::create(names);
        try {
            client_->subscribe(topics, qos);
        } catch (const mqtt::exception& e) {
            common::log::warning("Upstream ", params_.log_name,
                                 ": re-subscribe failed: ", paho_error_text(e.get_return_code()));
            return;
        }
    }
}

void upstream_link::unsubscribe(const std::string& filter, std::function<void(bool)> done) {
    if (state_ != state::connected) {
        if (done) {
            done(false);
        }
        return;
    }
    const auto op = add_op(pending_op{op_kind::unsubscribe, std::move(done), {}});
    try {
        client_->unsubscribe(filter, op_context(op), *sink_);
    } catch (const mqtt::exception& e) {
        common::log::warning("Upstream ", params_.log_name, ": unsubscribe from '", filter,
                             "' failed: ", paho_error_text(e.get_return_code()));
        auto it = ops_.find(op);
        if (it != ops_.end()) {
            auto cb = std::move(it->second.done_bool);
            ops_.erase(it);
            if (cb) {
                cb(false);
            }
        }
    }
}

std::size_t upstream_link::unconfirmed() const noexcept {
    return sink_->unconfirmed.load(std::memory_order_relaxed);
}

void upstream_link::stop(std::optional<common::mqtt_message> last_words) {
    if (state_ == state::stopped) {
        return;
    }
    if (state_ == state::connected) {
        ctx_.metrics().connected.add(-1);
    }
    state_ = state::stopped;
    ops_.clear();
    if (ringing_) {
        ringing_ = false;
        ctx_.connect_ended();
    }
    if (tls_tracing_) {
        tls_tracing_ = false;
        tls_connect_ended();
    }
    reconnect_timer_.reset();
    if (!last_words) {
        last_words = params_.last_words;
    }
    if (client_) {
        ctx_.retire(std::move(client_), sink_, std::move(last_words));
    }
}

} // namespace snbridge::bridge::remote
