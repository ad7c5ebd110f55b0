#pragma once

// What every Paho client of one remote mqtt_side shares: the loop, the mailbox through which
// Paho threads reach the loop (DESIGN.md "Process model"), jitter randomness, and the
// retirement of clients that are no longer used (disconnect, then destroy a grace period
// later, because Paho still touches the client just after it has called our listener), and
// the thread that hands publishes to Paho (publish_sender). Loop thread only, except post().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <random>

#include <mqtt/async_client.h>

#include "bridge/remote/publish_sender.hpp"
#include "common/mqtt_side.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/mailbox.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::bridge::remote {

class paho_context {
public:
    explicit paho_context(common::uv::loop& loop);
    /// Stops the publish sender (joins its thread), destroys the clients still retiring
    /// (synchronously; they were told to disconnect), then closes the mailbox.
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
    /// Where every client of this context hands its publishes to Paho, in order.
    [[nodiscard]] publish_sender& sender() noexcept { return sender_; }
    /// Jobs the sender queue holds at most (about 10 MB with small messages).
    static constexpr std::size_t max_queued_publishes = 32768;
    /// Uniform in [0, 1), for reconnect jitter.
    [[nodiscard]] double random_unit() noexcept;

    /// Takes over a client nobody uses any more: disables its callbacks, publishes
    /// `last_words` first when given (a will the gateway publishes on the device's behalf),
    /// disconnects cleanly (MQTT DISCONNECT: the broker discards the will it holds), and
    /// destroys client and `keep_alive` (the object Paho calls back) a grace period after the
    /// disconnect completed. The Paho calls run on the sender thread after the publishes
    /// queued before (so they go out before the DISCONNECT). Never waits on the loop thread.
    void retire(std::shared_ptr<mqtt::async_client> client, std::shared_ptr<void> keep_alive,
                std::optional<common::mqtt_message> last_words = std::nullopt);
    /// Clients still being retired.
    [[nodiscard]] std::size_t retiring() const noexcept { return retiring_.size(); }
    /// Calls `done` (on the loop) once no client is retiring any more (now if none is).
    void when_idle(std::function<void()> done);

private:
    struct retiree;
    /// Sender thread (or the loop thread once the sender stopped): the Paho part of retire().
    void start_retire(retiree* r, const std::optional<common::mqtt_message>& last_words);
    void finish(retiree* r);
    void check_idle();

    common::uv::loop& loop_;
    common::uv::mailbox mailbox_;
    std::minstd_rand rng_;
    std::list<std::unique_ptr<retiree>> retiring_;
    std::vector<std::function<void()>> idle_waiters_;
    std::atomic<std::uint64_t> dropped_{0};
    publish_sender sender_; // last: its thread posts to mailbox_ and reads retiring_ entries
};

/// A Paho exception or return code as one log-friendly text.
[[nodiscard]] std::string paho_error_text(int rc);

} // namespace snbridge::bridge::remote
