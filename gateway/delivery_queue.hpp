#pragma once

// Messages from the MQTT side waiting for delivery to one client, in order: the in-flight
// one at the front (one QoS 1/2 PUBLISH in flight per device, docs/architecture.md "Custody").
// While the client is Asleep this is its sleep buffer (MQTT-SN 1.2 §6.14). Bounded by the caller;
// on overflow QoS 0 messages go first, then (drop_oldest, a sleeping client's buffer) the oldest
// QoS 1/2 message. With persistence on, QoS 1/2 messages carry the sequence number of their row
// in the store, and the queue remembers the ones it let go until the store takes them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/custody_queue.hpp"

namespace snbridge::gateway {

/// One message on its way to the client, with its delivery progress.
struct outgoing_message {
    enum class stage : std::uint8_t {
        fresh,    ///< not sent yet in this exchange (or to be re-sent after sleep/reconnect)
        sent,     ///< PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
        released, ///< QoS 2: PUBREL sent, waiting for PUBCOMP
    };
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint16_t msg_id = 0; ///< assigned at first send (QoS 1/2)
    std::uint8_t qos = 0;
    bool retain = false;
    stage progress = stage::fresh;
    bool sent_before = false;  ///< a re-send carries DUP (§5.3.4)
    bool reregistered = false; ///< a PUBACK 0x02 already triggered one REGISTER again
    std::uint64_t seq = 0;     ///< its row in the store; 0: not persisted (yet, or QoS 0)
};

class delivery_queue {
public:
    enum class push_result : std::uint8_t {
        queued,
        queued_dropped_qos0,   ///< full: the oldest waiting QoS 0 message was dropped for it
        queued_dropped_oldest, ///< full: the oldest waiting QoS 1/2 message was dropped for it
        dropped,               ///< full: the new message was dropped
    };
    enum class overflow : std::uint8_t {
        drop_new,    ///< an online client's queue: the gateway refuses before it gets here
        drop_oldest, ///< a sleeping client's buffer: an offline session's queue overflows
    };

    /// Appends `m` unless `bound` messages are queued; then the oldest QoS 0 message that is
    /// not the front (which may be in flight) makes room, else with drop_oldest the oldest
    /// QoS 1/2 message that is not in flight, else `m` itself is dropped.
    push_result push(outgoing_message&& m, std::size_t bound, overflow policy = overflow::drop_new);

    [[nodiscard]] bool empty() const noexcept { return q_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return q_.size(); }
    [[nodiscard]] outgoing_message& front() noexcept { return q_.front(); }
    [[nodiscard]] const outgoing_message& at(std::size_t i) const noexcept { return q_[i]; }
    [[nodiscard]] outgoing_message& at(std::size_t i) noexcept { return q_[i]; }
    void pop_front();
    void clear() noexcept;

    /// Sequence numbers of persisted messages that left the queue since the last call.
    [[nodiscard]] std::vector<std::uint64_t>& removed() noexcept { return removed_; }
    /// True once per overflow episode (common::custody_queue::overflow_episode_started).
    [[nodiscard]] bool overflow_episode_started() noexcept { return q_.overflow_episode_started(); }
    /// What the queue took and let go (common/custody_queue).
    [[nodiscard]] const common::custody_counters& stats() const noexcept { return q_.stats(); }

private:
    common::custody_queue<outgoing_message> q_;
    std::vector<std::uint64_t> removed_;
};

} // namespace snbridge::gateway
