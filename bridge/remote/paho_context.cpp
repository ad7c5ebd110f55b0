#include "bridge/remote/paho_context.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "common/log.hpp"

namespace snbridge::bridge::remote {

namespace {
// Paho calls remove_token() on the client just after our listener returns; give it this long
// before the client is destroyed.
constexpr std::chrono::milliseconds grace{200};
constexpr std::chrono::milliseconds disconnect_timeout{2000};
} // namespace

struct paho_context::retiree final : mqtt::iaction_listener {
    retiree(paho_context& ctx_, std::shared_ptr<mqtt::async_client> c, std::shared_ptr<void> k)
        : ctx(ctx_)
        , client(std::move(c))
        , keep(std::move(k))
        , timer(ctx_.loop()) {}
    ~retiree() override {
        // Destroying the client fails its pending operations through their listeners (the
        // sink, and this): both must still be alive, so the client goes first.
        client.reset();
        keep.reset();
    }
    retiree(const retiree&) = delete;
    retiree& operator=(const retiree&) = delete;
    retiree(retiree&&) = delete;
    retiree& operator=(retiree&&) = delete;

    // Paho threads: only post (docs/style.md "Threads").
    void on_success(const mqtt::token& /*tok*/) override { done(); }
    void on_failure(const mqtt::token& /*tok*/) override { done(); }
    void done() {
        ctx.post([c = &ctx, self = this] { c->finish(self); });
    }

    paho_context& ctx;
    std::shared_ptr<mqtt::async_client> client;
    std::shared_ptr<void> keep;
    common::uv::timer timer;
    mqtt::token_ptr disconnect_token;
    bool finishing = false;
};

upstream_metrics::upstream_metrics(common::metrics::registry& r) {
    const auto connects = [&r](std::string_view result) {
        return r.counter_of("snbridge_upstream_connects_total",
                            "Connect attempts to the upstream broker, by result.",
                            {{"result", result}});
    };
    connects_ok = connects("ok");
    connects_failed = connects("failed");
    lost = r.counter_of("snbridge_upstream_connections_lost_total",
                        "Upstream connections that broke (each is reconnected).");
    refused = r.counter_of("snbridge_upstream_publishes_refused_total",
                           "Messages not handed to Paho: upstream.max_unconfirmed reached.");
    connected = r.gauge_of("snbridge_upstream_connected",
                           "Upstream connections up now (aggregating: 0 or 1; transparent: one "
                           "per device session).");
}

void paho_context::attach_metrics(common::metrics::registry& metrics) {
    const auto up = metrics_.connected.value();
    registry_ = &metrics;
    metrics_ = upstream_metrics(metrics);
    metrics_.connected.set(up);
    metrics.collect("snbridge_upstream_events_lost_total",
                    "Paho events lost to a full mailbox (the loop could not keep up).",
                    common::metrics::kind::counter,
                    [this](const common::metrics::registry::emit& emit) {
                        emit({}, static_cast<double>(dropped_events()));
                    });
}

paho_context::paho_context(common::uv::loop& loop)
    : loop_(loop)
    , mailbox_(loop)
    , rng_(std::random_device{}()) {}

paho_context::~paho_context() {
    // Publishes handed over still run (into Paho's queues, for the DISCONNECTs below to wait
    // for); the thread ends before any client is destroyed here.
    handoff_.reset();
    if (registry_ != own_metrics_.get()) {
        registry_->forget("snbridge_upstream_events_lost_total");
    }
    // Normally empty (the owner ran stop() and the loop until it finished). Otherwise give the
    // DISCONNECTs already queued a bounded moment to go out, so the broker does not publish
    // wills of devices that were closed cleanly: this is teardown, the loop runs no more.
    const auto deadline = std::chrono::steady_clock::now() + disconnect_timeout;
    for (auto& r : retiring_) {
        if (r->disconnect_token && !r->finishing) {
            const auto left = deadline - std::chrono::steady_clock::now();
            try {
                if (left > std::chrono::milliseconds(0)) {
                    (void)r->disconnect_token->wait_for(
                        std::chrono::duration_cast<std::chrono::milliseconds>(left));
                }
            } catch (const mqtt::exception&) {
                // failed disconnect: nothing more to wait for
            }
        }
    }
    doorbell_.reset();
    for (auto& r : retiring_) {
        try {
            r->client->disable_callbacks();
        } catch (const mqtt::exception&) {
            // already unusable; destroying it is all that is left
        }
    }
    retiring_.clear();
    mailbox_.close();
    if (const auto n = dropped_events(); n > 0) {
        common::log::warning("Upstream: ", n, " Paho events were lost to a full mailbox");
    }
}

double paho_context::random_unit() noexcept {
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void paho_context::retire(std::shared_ptr<mqtt::async_client> client,
                          std::shared_ptr<void> keep_alive,
                          std::optional<common::mqtt_message> last_words) {
    if (!client) {
        return;
    }
    auto r = std::make_unique<retiree>(*this, std::move(client), std::move(keep_alive));
    auto* raw = r.get();
    retiring_.push_back(std::move(r));
    try {
        raw->client->disable_callbacks();
    } catch (const mqtt::exception&) {
        // Paho refuses while a connect is in progress; the callbacks then only reach objects
        // that ignore late events.
    }
    if (!handoff_ || handoff_->pending() == 0) {
        disconnect(raw, std::move(last_words));
        return;
    }
    // Publishes to this client may still wait in the hand-off: a barrier behind them, then
    // the disconnect on the loop (the retiree counts as retiring all along: when_idle waits).
    handoff_->run([this, raw, words = std::move(last_words)]() mutable {
        post([this, raw, words = std::move(words)]() mutable {
            if (known(raw)) {
                disconnect(raw, std::move(words));
            }
        });
    });
}

bool paho_context::known(const retiree* r) const {
    return std::any_of(retiring_.begin(), retiring_.end(),
                       [r](const std::unique_ptr<retiree>& p) { return p.get() == r; });
}

void paho_context::disconnect(retiree* raw, std::optional<common::mqtt_message> last_words) {
    auto& cli = *raw->client;
    try {
        if (last_words && cli.is_connected()) {
            auto msg =
                mqtt::make_message(last_words->topic, last_words->payload.data(),
                                   last_words->payload.size(), last_words->qos, last_words->retain);
            // Commands run in order: the DISCONNECT below waits (up to its timeout) for this.
            cli.publish(msg);
        }
        if (cli.is_connected()) {
            raw->disconnect_token =
                cli.disconnect(static_cast<int>(disconnect_timeout.count()), nullptr, *raw);
            return;
        }
    } catch (const mqtt::exception& e) {
        common::log::debug("Upstream client ", cli.get_client_id(), ": ", e.what());
    }
    finish(raw);
}

void paho_context::finish(retiree* r) {
    // `r` may come from a late Paho callback: only trust it while it is still in the list.
    if (!known(r) || r->finishing) {
        return;
    }
    r->finishing = true;
    r->timer.start(grace, [this, r] {
        retiring_.remove_if([r](const std::unique_ptr<retiree>& p) { return p.get() == r; });
        check_idle();
    });
}

void paho_context::connect_started() {
    if (!doorbell_) {
        std::array<char, 32> id{};
        (void)std::snprintf(id.data(), id.size(), "snbridge-doorbell-%08x",
                            static_cast<unsigned>(rng_()));
        doorbell_ = std::make_unique<paho_doorbell>(loop_, id.data());
        (void)doorbell_->start();
    }
    doorbell_->connect_started();
}

void paho_context::connect_ended() {
    if (doorbell_) {
        doorbell_->connect_ended();
    }
}

void paho_context::when_idle(std::function<void()> done) {
    if (doorbell_) {
        // Shutdown: the doorbell's own client disconnects like any other.
        retire(doorbell_->take_client(), nullptr);
    }
    idle_waiters_.push_back(std::move(done));
    check_idle();
}

void paho_context::check_idle() {
    if (!retiring_.empty()) {
        return;
    }
    auto waiters = std::move(idle_waiters_);
    idle_waiters_.clear();
    for (auto& w : waiters) {
        w();
    }
}

std::string paho_error_text(int rc) {
    if (rc > 0 && rc < 6) {
        // MQTT 3.1.1 §3.2.2.3 CONNACK return codes
        static constexpr const char* connack[] = {
            "",
            "unacceptable protocol version",
            "identifier rejected",
            "server unavailable",
            "bad user name or password",
            "not authorized",
        };
        return common::log::cat("refused by broker: ", connack[rc], " (CONNACK ", rc, ")");
    }
    auto text = mqtt::exception::error_str(rc);
    return common::log::cat(text.empty() ? "error" : text, " (", rc, ")");
}

} // namespace snbridge::bridge::remote
