#include "bridge/local/mqtt_listener.hpp"

#include "bridge/local/mqtt_log.hpp"
#include "common/log.hpp"
#include "common/uv/handle.hpp"
#include "config/config.hpp"

namespace snbridge::bridge::local {

namespace {

/// How long a closing connection may take to flush its queued bytes before it is cut.
constexpr auto close_flush_limit = std::chrono::seconds(5);

} // namespace

using clock = mqtt_connection::clock;

/// One accepted TCP connection and the MQTT connection on it. It is the connection's
/// transport; closing only marks it, and reap() frees it on a later loop iteration, outside
/// any core call and any callback of the stream.
struct mqtt_listener::entry final : mqtt_transport {
    mqtt_listener* owner = nullptr;
    std::uint64_t id = 0;
    std::unique_ptr<common::uv::tcp_stream> stream;
    std::unique_ptr<mqtt_connection> conn;
    /// broker.mqtt_tls_listen: what goes over the stream is TLS (nullptr: plain TCP).
    std::unique_ptr<common::tls::session> tls;
    bool closing = false;
    bool ended = false;          ///< the stream is finished (end callback or closed)
    bool resume_pending = false; ///< conn asked request_resume()
    clock::time_point closing_since{};
    /// Bytes waiting for the turn's commit (durable before acknowledged), and a close asked
    /// meanwhile, done once they are out.
    std::vector<std::uint8_t> held;
    std::optional<bool> close_after_release;

    bool send(std::span<const std::uint8_t> bytes) override {
        if (closing) {
            return false;
        }
        if (owner->gate_ != nullptr && owner->gate_->holding()) {
            if (held.size() + bytes.size() > owner->settings_.max_write_queue_bytes) {
                return false;
            }
            owner->hold(*this);
            held.insert(held.end(), bytes.begin(), bytes.end());
            return true;
        }
        return transmit(bytes);
    }
    /// `bytes` to the client: as they are, or as TLS records.
    bool transmit(std::span<const std::uint8_t> bytes) {
        if (!tls) {
            return stream->write(bytes) == 0;
        }
        std::vector<std::uint8_t> records;
        return tls->write(bytes, records) && stream->write(records) == 0;
    }
    void close(bool flush) override {
        if (!held.empty()) {
            close_after_release = flush; // the answers before the close go first
            return;
        }
        owner->request_close(*this, flush);
    }
    void pause_reading() override { stream->stop_read(); }
    void request_resume() override { owner->schedule_resume(*this); }
    void deadline_moved() override {
        if (const auto d = conn->next_deadline()) {
            owner->arm(*d);
        }
    }
};

mqtt_settings mqtt_settings_from(const config::broker_section& broker,
                                 const config::clients_section& clients,
                                 const config::dtls_section& dtls) {
    auto s = mqtt_settings_from(broker);
    s.access = config::access_control_of(clients, dtls);
    return s;
}

mqtt_listener_stats::mqtt_listener_stats(common::metrics::registry& r) {
    const auto connections = [&r](std::string_view event) {
        return r.counter_of(
            "snbridge_mqtt_connections_total",
            "TCP connections of the MQTT listener, by event (accepted: counted "
            "before the bound; refused: closed at once, broker.mqtt_max_connections;"
            " closed: finished).",
            {{"event", event}});
    };
    accepted = connections("accepted");
    refused_full = connections("refused");
    closed = connections("closed");
    commit_failures = r.counter_of("snbridge_mqtt_commit_failures_total",
                                   "MQTT connections closed because a commit failed.");
}

mqtt_settings mqtt_settings_from(const config::broker_section& b) {
    mqtt_settings s;
    s.listen = b.mqtt_listen;
    s.tls_listen = b.mqtt_tls_listen;
    s.tls = {.cert_file = b.mqtt_tls.cert_file,
             .key_file = b.mqtt_tls.key_file,
             .ca_file = b.mqtt_tls.ca_file,
             .require_certificate = b.mqtt_tls.require_certificate};
    s.allow_anonymous = b.mqtt_allow_anonymous;
    for (const auto& u : b.mqtt_users) {
        s.users.push_back(mqtt_user{.username = u.username, .password = u.password});
    }
    for (const auto& u : b.mqtt_password_file_users) {
        s.users.push_back(mqtt_user{.username = u.username, .password = u.password});
    }
    s.max_connections = b.mqtt_max_connections;
    s.max_packet_size = b.mqtt_max_packet_size;
    s.max_inflight = b.mqtt_max_inflight;
    s.max_queued = b.mqtt_max_queued;
    s.connect_timeout = b.mqtt_connect_timeout;
    s.max_client_id_length = b.mqtt_max_client_id_length;
    s.stuck_consumer_timeout = b.stuck_consumer_timeout;
    return s;
}

mqtt_listener::mqtt_listener(private_tag, common::uv::loop& loop, std::shared_ptr<broker_core> core,
                             mqtt_settings settings)
    : loop_(loop)
    , core_(std::move(core))
    , settings_(std::move(settings))
    , tick_timer_(loop)
    , reap_timer_(loop)
    , resume_timer_(loop) {}

common::result<std::unique_ptr<mqtt_listener>>
mqtt_listener::start(common::uv::loop& loop, std::shared_ptr<broker_core> core,
                     mqtt_settings settings) {
    auto self =
        std::make_unique<mqtt_listener>(private_tag{}, loop, std::move(core), std::move(settings));
    if (!self->settings_.tls_listen.empty()) {
        auto ctx = common::tls::server_context::create(self->settings_.tls);
        if (!ctx) {
            return common::fail(common::error{"broker.mqtt_tls: " + ctx.error().message});
        }
        self->tls_ctx_ = std::move(*ctx);
    }
    std::vector<std::pair<common::net_address, bool>> all;
    for (const auto& a : self->settings_.listen) {
        all.emplace_back(a, false);
    }
    for (const auto& a : self->settings_.tls_listen) {
        all.emplace_back(a, true);
    }
    for (const auto& [address, secure] : all) {
        auto server = std::make_unique<common::uv::tcp_server>(loop);
        auto* raw = self.get();
        auto ok = server->listen(
            address,
            [raw, tls = secure](std::unique_ptr<common::uv::tcp_stream> s) {
                raw->on_accept(std::move(s), tls);
            },
            [](int status) {
                common::log::warning("MQTT listener: accept failed: ",
                                     common::uv::error_text(status));
            });
        if (!ok) {
            return common::fail(ok.error());
        }
        auto bound = server->local_address();
        if (!bound) {
            return common::fail(bound.error());
        }
        self->addresses_.push_back(*bound);
        common::log::notice("Opening MQTT ", secure ? "TLS " : "", "listen socket on ",
                            bound->to_string(), ".");
        self->servers_.push_back(std::move(server));
    }
    auto* raw = self.get();
    self->core_->metrics().collect(
        "snbridge_mqtt_connections", "Open TCP connections of the MQTT listener.",
        common::metrics::kind::gauge, [raw](const common::metrics::registry::emit& emit) {
            emit({}, static_cast<double>(raw->entries_.size()));
        });
    // No periodic tick: the timer runs only while a connection has a CONNECT timeout,
    // keep-alive or close flush to supervise, and fires at the earliest of them.
    return self;
}

mqtt_listener::~mqtt_listener() {
    stop();
}

void mqtt_listener::stop() noexcept {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    core_->metrics().forget("snbridge_mqtt_connections");
    for (auto& s : servers_) {
        s->close();
    }
    servers_.clear();
    tick_timer_.close();
    reap_timer_.close();
    resume_timer_.close();
    // Detach every connection first (a will cannot reach a connection being freed), then
    // close the sockets.
    for (auto& [id, e] : entries_) {
        e->closing = true;
        e->conn->detach_for_shutdown();
    }
    for (auto& [id, e] : entries_) {
        e->stream->close();
    }
    stats_.closed += entries_.size();
    entries_.clear();
}

void mqtt_listener::on_accept(std::unique_ptr<common::uv::tcp_stream> stream, bool secure) {
    ++stats_.accepted;
    if (mqtt_log::enabled()) {
        if (auto peer = stream->peer_address()) {
            common::log::notice("New connection from ", peer->to_string(), " on port ",
                                addresses_.empty() ? 0 : addresses_.front().port, ".");
        }
    }
    const auto peer = stream->peer_address();
    if (entries_.size() >= settings_.max_connections) {
        ++stats_.refused_full;
        if (stats_.refused_full == 1 || stats_.refused_full % 1000 == 0) {
            common::log::warning("MQTT listener: max_connections (", settings_.max_connections,
                                 ") reached, refusing ", peer ? peer->to_string() : "a client",
                                 " (", stats_.refused_full, " refused so far).");
        }
        return; // the stream closes as it goes out of scope
    }
    stream->set_no_delay(true);
    stream->set_max_queued_bytes(settings_.max_write_queue_bytes);
    auto e = std::make_unique<entry>();
    e->owner = this;
    e->id = next_id_++;
    e->stream = std::move(stream);
    e->conn = std::make_unique<mqtt_connection>(*core_, settings_, *e,
                                                peer ? *peer : common::net_address{}, clock::now());
    if (secure) {
        e->tls = std::make_unique<common::tls::session>(tls_ctx_);
    }
    entry* raw = e.get();
    const int rc = raw->stream->start_read(
        [this, raw](std::span<const std::uint8_t> bytes) {
            if (raw->tls) {
                if (raw->closing) {
                    return;
                }
                std::vector<std::uint8_t> plain;
                std::vector<std::uint8_t> records;
                const bool ok = raw->tls->on_network(bytes, plain, records);
                if (!records.empty()) {
                    (void)raw->stream->write(records);
                }
                if (!plain.empty()) {
                    raw->conn->on_bytes(plain, clock::now());
                }
                if (!ok && !raw->closing) {
                    common::log::notice("MQTT listener: TLS with ", raw->conn->peer().to_string(),
                                        " ended: ", raw->tls->error(), ".");
                    raw->conn->on_transport_end();
                    request_close(*raw, true); // the alert goes out first
                }
            } else {
                raw->conn->on_bytes(bytes, clock::now());
            }
            // A CONNECT may bring a keep-alive shorter than the CONNECT timeout armed at
            // accept; later packets only move the deadline later (no re-arm then).
            if (const auto d = raw->conn->next_deadline(); d && (!armed_ || *d < *armed_)) {
                arm(*d);
            }
        },
        [this, raw](int /*status*/) {
            raw->ended = true;
            raw->conn->on_transport_end();
            request_close(*raw, false);
        });
    if (rc < 0) {
        common::log::warning("MQTT listener: cannot read from ",
                             peer ? peer->to_string() : "a client", ": ",
                             common::uv::error_text(rc));
        return;
    }
    entries_.emplace(raw->id, std::move(e));
    if (const auto d = raw->conn->next_deadline()) {
        arm(*d);
    }
}

void mqtt_listener::arm(clock::time_point at) {
    if (stopped_ || (armed_ && *armed_ <= at)) {
        return;
    }
    armed_ = at;
    // Round up: a little late is fine (on_tick checks), early would only re-arm.
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(at - clock::now());
    if (wait.count() < 0) {
        wait = std::chrono::milliseconds(0);
    }
    tick_timer_.start(wait, [this] {
        armed_.reset();
        tick();
    });
}

void mqtt_listener::request_close(entry& e, bool flush) {
    if (!e.closing) {
        e.closing = true;
        e.closing_since = clock::now();
        if (flush && !e.ended) {
            if (e.tls) {
                std::vector<std::uint8_t> notify;
                e.tls->shutdown(notify); // close_notify before the TCP FIN
                if (!notify.empty()) {
                    (void)e.stream->write(notify);
                }
            }
            arm(e.closing_since + close_flush_limit);
            // The end callback follows once the queued bytes are out.
            e.stream->shutdown_then_close();
            return;
        }
    }
    if (!flush || e.ended) {
        e.stream->close();
        e.ended = true;
        schedule_reap();
    }
}

void mqtt_listener::hold(entry& e) {
    if (!e.held.empty()) {
        return;
    }
    if (held_.empty()) {
        gate_->after_commit([this, alive = std::weak_ptr<bool>(alive_)](bool committed) {
            if (!alive.expired()) {
                release(committed);
            }
        });
    }
    held_.push_back(e.id);
}

void mqtt_listener::release(bool committed) {
    auto ids = std::move(held_);
    held_.clear();
    for (const auto id : ids) {
        const auto it = entries_.find(id);
        if (it == entries_.end()) {
            continue;
        }
        entry& e = *it->second;
        auto bytes = std::move(e.held);
        e.held.clear();
        const auto close_after = e.close_after_release;
        e.close_after_release.reset();
        if (e.closing) {
            continue;
        }
        if (!committed) {
            // Nothing these acknowledge is on disk. An MQTT client retransmits only after a
            // reconnect (MQTT 3.1.1 §4.4), so the connection ends: it comes back with DUP.
            ++stats_.commit_failures;
            e.conn->on_transport_end();
            request_close(e, false);
            continue;
        }
        if (!e.transmit(bytes)) {
            e.conn->on_transport_end();
            request_close(e, false);
            continue;
        }
        if (close_after) {
            request_close(e, *close_after);
        }
    }
}

void mqtt_listener::schedule_reap() {
    if (!stopped_ && !reap_timer_.active()) {
        reap_timer_.start(std::chrono::milliseconds(0), [this] { reap(); });
    }
}

void mqtt_listener::schedule_resume(entry& e) {
    e.resume_pending = true;
    if (!stopped_ && !resume_timer_.active()) {
        resume_timer_.start(std::chrono::milliseconds(0), [this] { resume_paused(); });
    }
}

void mqtt_listener::resume_paused() {
    // Backpressure: a subscriber made room. Each paused connection routes its held PUBLISH
    // again; reading restarts unless it was refused again (then it waits for the next wake).
    std::vector<entry*> woken;
    for (auto& [id, e] : entries_) {
        if (e->resume_pending) {
            e->resume_pending = false;
            woken.push_back(e.get());
        }
    }
    const auto now = clock::now();
    for (entry* e : woken) {
        if (e->closing) {
            continue;
        }
        e->conn->resume_reading(now);
        if (!e->closing && !e->conn->paused()) {
            e->stream->resume_read();
        }
        if (const auto d = e->conn->next_deadline()) {
            arm(*d);
        }
    }
}

void mqtt_listener::reap() {
    std::vector<std::unique_ptr<entry>> done;
    for (auto it = entries_.begin(); it != entries_.end();) {
        entry& e = *it->second;
        if (e.ended || !e.stream->is_open()) {
            done.push_back(std::move(it->second));
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    // Outside the map walk: detach() may publish a will, whose deliveries may make other
    // connections request a close (they are reaped on the next round).
    for (auto& e : done) {
        e->conn->detach();
        e->stream->close();
        ++stats_.closed;
    }
}

void mqtt_listener::tick() {
    const auto now = clock::now();
    std::optional<clock::time_point> next;
    const auto earliest = [&next](clock::time_point t) {
        if (!next || t < *next) {
            next = t;
        }
    };
    for (auto& [id, e] : entries_) {
        if (!e->closing) {
            e->conn->on_tick(now);
        } else if (!e->ended && now - e->closing_since > close_flush_limit) {
            // A flush that never finishes (the peer does not read): give up.
            request_close(*e, false);
        }
        if (!e->closing) {
            if (const auto d = e->conn->next_deadline()) {
                earliest(*d);
            }
        } else if (!e->ended) {
            earliest(e->closing_since + close_flush_limit);
        }
    }
    if (next) {
        arm(*next);
    }
}

} // namespace snbridge::bridge::local
