#include "bridge/remote/transparent_side.hpp"

#include "common/log.hpp"

namespace snbridge::bridge::remote {

namespace {

common::mqtt_message as_message(const common::will_message& w) {
    return common::mqtt_message{w.topic, w.payload, w.qos, w.retain};
}

/// CONNACK codes that mean "this device may not connect" rather than "try again later"
/// (MQTT 3.1.1 §3.2.2.3: 2 identifier rejected, 4 bad user name or password, 5 not
/// authorized; MQTT 5 reason codes 0x85..0x87 and 0x8C the same).
bool refusal_is_final(int code) {
    return code == 2 || code == 4 || code == 5 || code == 0x85 || code == 0x86 || code == 0x87 ||
           code == 0x8C;
}

} // namespace

transparent_side::transparent_side(common::uv::loop& loop, upstream_options options)
    : options_(std::move(options))
    , ctx_(loop) {}

common::result<std::unique_ptr<transparent_side>>
transparent_side::create(common::uv::loop& loop, upstream_options options) {
    auto side = std::make_unique<transparent_side>(loop, std::move(options));
    link_params p;
    p.client_id = side->options_.client_id;
    p.clean_session = true;
    p.keep_alive = side->options_.keep_alive;
    p.auth = side->options_.auth;
    p.retry_first_connect = true;
    p.log_name = "connection (QoS -1)";
    set_availability(p, side->options_.availability_topic);
    auto link = upstream_link::create(side->ctx_, side->options_, std::move(p), {});
    if (!link) {
        return common::fail(link.error());
    }
    side->gateway_link_ = std::move(*link);
    side->gateway_link_->start();
    return side;
}

transparent_side::~transparent_side() {
    // Links hand their Paho clients to ctx_, which is destroyed last and frees them.
    for (auto& [id, dev] : devices_) {
        if (dev.link) {
            dev.link->stop();
        }
    }
    devices_.clear();
    if (gateway_link_) {
        gateway_link_->stop();
    }
}

void transparent_side::set_listener(common::mqtt_side_listener& listener) {
    listener_ = &listener;
}

transparent_side::device* transparent_side::find(common::session_id id, std::uint64_t generation) {
    auto it = devices_.find(id);
    if (it == devices_.end() || it->second.generation != generation) {
        return nullptr;
    }
    return &it->second;
}

credentials transparent_side::credentials_for(const common::open_params& params) const {
    credentials c = options_.auth;
    if (auto it = options_.client_credentials.find(params.client_id);
        it != options_.client_credentials.end()) {
        c = it->second;
    }
    if (params.username) {
        c.username = params.username;
        c.password = params.password;
    }
    return c;
}

void transparent_side::drop(common::session_id id, std::optional<common::mqtt_message> last_words) {
    auto it = devices_.find(id);
    if (it == devices_.end()) {
        return;
    }
    // Keep the link alive while it may be the caller of this (a link event).
    auto link = std::move(it->second.link);
    devices_.erase(it);
    if (link) {
        link->stop(std::move(last_words));
    }
}

link_params transparent_side::link_params_for(const common::open_params& params,
                                              const credentials& creds) const {
    link_params p;
    p.client_id = options_.client_id_prefix + params.client_id;
    p.clean_session = params.clean_session;
    p.keep_alive =
        params.keep_alive_s != 0 ? std::chrono::seconds(params.keep_alive_s) : options_.keep_alive;
    p.will = params.will;
    p.auth = creds;
    p.retry_first_connect = false;
    p.log_name = common::log::cat("client ", params.client_id);
    p.quiet = true;
    p.device = params.client_id;
    if (params.username) {
        p.credentials_key = "the user name and password the device sent";
    } else if (options_.client_credentials.contains(params.client_id)) {
        p.credentials_key =
            common::log::cat("upstream.credentials (client_id ", params.client_id, ")");
    }

    return p;
}

link_events transparent_side::device_events(common::session_id id, std::uint64_t generation) {
    link_events ev;
    ev.connected = [this, id, generation](bool session_present) {
        auto* dev = find(id, generation);
        if (dev == nullptr) {
            return;
        }
        if (!dev->answered) {
            dev->answered = true;
            listener_->on_open(id, common::open_status::accepted, session_present);
            return;
        }
        // Reconnected after an outage. Without the broker's session the subscriptions are
        // gone: restore them (the device still believes in them).
        if (!session_present && !dev->subscriptions.empty()) {
            std::vector<std::pair<std::string, std::uint8_t>> subs(dev->subscriptions.begin(),
                                                                   dev->subscriptions.end());
            dev->link->subscribe_many(subs);
        }
    };
    ev.connect_failed = [this, id, generation](int code, bool refused) {
        auto* dev = find(id, generation);
        if (dev == nullptr) {
            return;
        }
        if (!dev->answered) {
            drop(id, std::nullopt);
            listener_->on_open(id,
                               refused && refusal_is_final(code) ? common::open_status::refused
                                                                 : common::open_status::congestion,
                               false);
            return;
        }
        if (refused && refusal_is_final(code)) {
            // The broker no longer accepts this device: the session is over.
            drop(id, std::nullopt);
            listener_->on_session_lost(id);
        }
    };
    ev.message = [this, id, generation](const common::mqtt_message& m) {
        if (find(id, generation) != nullptr) {
            listener_->on_message(id, m);
        }
    };

    return ev;
}

void transparent_side::open(common::session_id id, const common::open_params& params) {
    if (listener_ == nullptr) {
        return;
    }
    if (stopped_) {
        listener_->on_open(id, common::open_status::congestion, false);
        return;
    }
    const auto creds = credentials_for(params);
    if (auto it = devices_.find(id); it != devices_.end()) {
        auto& dev = it->second;
        // A reconnect with CleanSession=0 while the upstream connection is still up: keep it
        // (the session at the broker, and its subscriptions, stay as they are).
        if (!params.clean_session && dev.link && dev.link->connected() && dev.answered &&
            dev.client_id == params.client_id && dev.username == creds.username &&
            dev.password == creds.password) {
            dev.will = params.will;
            dev.link->set_will(params.will);
            dev.clean_session = false;
            listener_->on_open(id, common::open_status::accepted, true);
            return;
        }
        drop(id, std::nullopt);
    }
    if (gateway_link_ && gateway_link_->unreachable()) {
        // The broker is down: the device retries later (CONNACK 0x01, docs/architecture.md
        // "Custody").
        listener_->on_open(id, common::open_status::congestion, false);
        return;
    }

    const auto generation = next_generation_++;
    auto p = link_params_for(params, creds);
    auto ev = device_events(id, generation);
    auto link = upstream_link::create(ctx_, options_, std::move(p), std::move(ev));
    if (!link) {
        common::log::error("Upstream client ", params.client_id, ": ", link.error().message);
        listener_->on_open(id, common::open_status::refused, false);
        return;
    }
    device dev;
    dev.client_id = params.client_id;
    dev.generation = generation;
    dev.link = *link;
    dev.clean_session = params.clean_session;
    dev.will = params.will;
    dev.username = creds.username;
    dev.password = creds.password;
    devices_.insert_or_assign(id, std::move(dev));
    auto keep = *link; // start() may answer (and drop the device) synchronously
    keep->start();
}

void transparent_side::publish(common::session_id id, const common::mqtt_message& msg,
                               std::uint32_t token) {
    auto it = devices_.find(id);
    if (it == devices_.end() || !it->second.link) {
        if (msg.qos > 0 && listener_ != nullptr) {
            listener_->on_publish_done(id, token, false);
        }
        return;
    }
    if (msg.qos == 0) {
        it->second.link->publish(msg);
        return;
    }
    const auto generation = it->second.generation;
    it->second.link->publish(msg, [this, id, generation, token](bool ok) {
        if (find(id, generation) != nullptr) {
            listener_->on_publish_done(id, token, ok);
        }
    });
}

void transparent_side::subscribe(common::session_id id, const std::string& filter, std::uint8_t qos,
                                 std::uint32_t token) {
    auto it = devices_.find(id);
    if (it == devices_.end() || !it->second.link) {
        listener_->on_subscribe_done(id, token, std::nullopt);
        return;
    }
    auto& dev = it->second;
    if (!dev.link->connected()) {
        // Upstream outage: remember it and subscribe after the reconnect (connected event).
        dev.subscriptions[filter] = qos;
        listener_->on_subscribe_done(id, token, qos);
        return;
    }
    const auto generation = dev.generation;
    dev.link->subscribe(filter, qos,
                        [this, id, generation, token, filter](std::optional<std::uint8_t> g) {
                            auto* d = find(id, generation);
                            if (d == nullptr) {
                                return;
                            }
                            if (g) {
                                d->subscriptions[filter] = *g;
                            }
                            listener_->on_subscribe_done(id, token, g);
                        });
}

void transparent_side::unsubscribe(common::session_id id, const std::string& filter,
                                   std::uint32_t token) {
    auto it = devices_.find(id);
    if (it == devices_.end() || !it->second.link) {
        listener_->on_unsubscribe_done(id, token);
        return;
    }
    auto& dev = it->second;
    dev.subscriptions.erase(filter);
    if (!dev.link->connected()) {
        listener_->on_unsubscribe_done(id, token);
        return;
    }
    const auto generation = dev.generation;
    dev.link->unsubscribe(filter, [this, id, generation, token](bool /*ok*/) {
        if (find(id, generation) != nullptr) {
            listener_->on_unsubscribe_done(id, token);
        }
    });
}

void transparent_side::set_will(common::session_id id, std::optional<common::will_message> will) {
    auto it = devices_.find(id);
    if (it == devices_.end()) {
        return;
    }
    // Takes effect at once for close(lost) (the gateway publishes it), and at the next upstream
    // (re)connect for the copy the broker holds (MQTT 3.1.1 cannot change a will in place).
    it->second.will = will;
    if (it->second.link) {
        it->second.link->set_will(std::move(will));
    }
}

void transparent_side::close(common::session_id id, common::close_reason reason) {
    auto it = devices_.find(id);
    if (it == devices_.end()) {
        return;
    }
    std::optional<common::mqtt_message> last_words;
    if (reason == common::close_reason::lost && it->second.will) {
        // MQTT-SN 1.2 §6.3: a lost client's will is published. Paho cannot drop a connection
        // without DISCONNECT, so the gateway publishes it on the device's connection first.
        last_words = as_message(*it->second.will);
    }
    drop(id, std::move(last_words));
}

void transparent_side::publish_connectionless(const common::mqtt_message& msg) {
    if (!gateway_link_) {
        return;
    }
    // MQTT-SN 1.2 §6.8: QoS −1 goes on at QoS 0.
    auto m = msg;
    m.qos = 0;
    gateway_link_->publish(m);
}

void transparent_side::stop(std::function<void()> done) {
    stopped_ = true;
    for (auto& [id, dev] : devices_) {
        if (dev.link) {
            dev.link->stop();
        }
    }
    devices_.clear();
    if (gateway_link_) {
        gateway_link_->stop();
    }
    ctx_.when_idle(std::move(done));
}

} // namespace snbridge::bridge::remote
