#pragma once

// What every Paho client of one remote mqtt_side shares: the loop, the mailbox through which
// Paho threads reach the loop (docs/architecture.md "Threads"), jitter randomness, and the
// retirement of clients that are no longer used (disconnect, then destroy a grace period
// later, because Paho still touches the client just after it has called our listener).
// Loop thread only, except post().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <random>

#include <mqtt/async_client.h>

#include "bridge/remote/paho_doorbell.hpp"
#include "bridge/remote/paho_handoff.hpp"
#include "common/metrics/registry.hpp"
#include "common/mqtt_side.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/mailbox.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::bridge::remote {

/// The upstream counters, cells of the metrics registry (docs/monitoring.md).
struct upstream_metrics {
    explicit upstream_metrics(common::metrics::registry& r);
    common::metrics::counter connects_ok;     ///< CONNACK 0 (first connects and reconnects)
    common::metrics::counter connects_failed; ///< refused, unreachable, TLS, timeout
    common::metrics::counter lost;            ///< established connections that broke
    common::metrics::counter refused;         ///< publishes refused at upstream.max_unconfirmed
    common::metrics::gauge connected;         ///< connections up now
};

class paho_context {
public:
    explicit paho_context(common::uv::loop& loop);
    /// Destroys the clients still retiring (synchronously; they were told to disconnect), then
    /// closes the mailbox.
    ~paho_context();
    paho_context(const paho_context&) = delete;
    paho_context& operator=(const paho_context&) = delete;
    paho_context(paho_context&&) = delete;
    paho_context& operator=(paho_context&&) = delete;

    [[nodiscard]] common::uv::loop& loop() noexcept { return loop_; }
    /// Any thread: runs `task` on the loop thread. False when the mailbox is closed or full
    /// (counted: a full mailbox means the loop cannot keep up with the broker).
    bool post(std::function<void()> task) {
        if (mailbox_.post(std::move(task))) {
            return true;
        }
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    /// Paho events lost to a full (or closed) mailbox.
    [[nodiscard]] std::uint64_t dropped_events() const noexcept {
        return dropped_.load(std::memory_order_relaxed);
    }
    /// Messages handed to Paho by every link of this context and not yet confirmed by it
    /// (upstream_link::publish). Any thread.
    [[nodiscard]] std::atomic<std::size_t>& unconfirmed_total() noexcept {
        return unconfirmed_total_;
    }
    /// The thread that makes the publish calls of every link of this context, off the loop
    /// (paho_handoff.hpp).
    [[nodiscard]] paho_handoff& handoff() noexcept { return *handoff_; }
    /// Uniform in [0, 1), for reconnect jitter.
    [[nodiscard]] double random_unit() noexcept;

    /// Takes over a client nobody uses any more: disables its callbacks, publishes
    /// `last_words` first when given (a will the gateway publishes on the device's behalf),
    /// disconnects cleanly (MQTT DISCONNECT: the broker discards the will it holds), and
    /// destroys client and `keep_alive` (the object Paho calls back) a grace period after the
    /// disconnect completed. Never waits on the loop thread. What was handed to handoff() for
    /// the client before goes first: the client is told to disconnect only after that.
    void retire(std::shared_ptr<mqtt::async_client> client, std::shared_ptr<void> keep_alive,
                std::optional<common::mqtt_message> last_words = std::nullopt);
    /// An upstream connect began / ended (each start is ended exactly once). While one runs,
    /// the doorbell wakes Paho's receive thread, which otherwise notices a new connection only
    /// after up to 2.1 s (paho_doorbell.hpp). The first call starts the doorbell.
    void connect_started();
    void connect_ended();
    /// Rings so far (tests).
    [[nodiscard]] std::uint64_t doorbell_rings() const noexcept {
        return doorbell_ ? doorbell_->rings() : 0;
    }

    /// Counts into `metrics` from here on (and reports the lost Paho events there). Start-up
    /// only; `metrics` must outlive the context.
    void attach_metrics(common::metrics::registry& metrics);
    [[nodiscard]] upstream_metrics& metrics() noexcept { return metrics_; }

    /// Clients still being retired.
    [[nodiscard]] std::size_t retiring() const noexcept { return retiring_.size(); }
    /// Calls `done` (on the loop) once no client is retiring any more (now if none is).
    void when_idle(std::function<void()> done);

private:
    std::atomic<std::size_t> unconfirmed_total_{0};
    std::unique_ptr<common::metrics::registry> own_metrics_ =
        std::make_unique<common::metrics::registry>();
    common::metrics::registry* registry_ = own_metrics_.get();
    upstream_metrics metrics_{*own_metrics_};
    struct retiree;
    void disconnect(retiree* r, std::optional<common::mqtt_message> last_words);
    [[nodiscard]] bool known(const retiree* r) const;
    void finish(retiree* r);
    void check_idle();

    common::uv::loop& loop_;
    common::uv::mailbox mailbox_;
    std::minstd_rand rng_;
    std::list<std::unique_ptr<retiree>> retiring_;
    std::unique_ptr<paho_doorbell> doorbell_;
    std::vector<std::function<void()>> idle_waiters_;
    std::atomic<std::uint64_t> dropped_{0};
    /// Destroyed first (~paho_context): it runs what is queued before clients go.
    std::unique_ptr<paho_handoff> handoff_ = std::make_unique<paho_handoff>();
};

/// A Paho exception or return code as one log-friendly text.
[[nodiscard]] std::string paho_error_text(int rc);

} // namespace snbridge::bridge::remote
