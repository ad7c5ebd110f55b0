#pragma once

// Messages from the MQTT side waiting for delivery to one client, in order: the in-flight
// one at the front (one QoS 1/2 PUBLISH in flight per device, docs/architecture.md "Custody").
// While the client is Asleep this is its sleep buffer (MQTT-SN 1.2 §6.14). Bounded by the caller;
// on overflow QoS 0 messages go first.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
};

class delivery_queue {
public:
    enum class push_result : std::uint8_t {
        queued,
        queued_dropped_qos0, ///< full: the oldest waiting QoS 0 message was dropped for it
        dropped,             ///< full: the new message was dropped
    };

    /// Appends `m` unless `bound` messages are queued; then the oldest QoS 0 message that is
    /// not the front (which may be in flight) makes room, else `m` itself is dropped.
    push_result push(outgoing_message&& m, std::size_t bound);

    [[nodiscard]] bool empty() const noexcept { return head_ == items_.size(); }
    [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }
    [[nodiscard]] outgoing_message& front() noexcept { return items_[head_]; }
    [[nodiscard]] const outgoing_message& at(std::size_t i) const noexcept {
        return items_[head_ + i];
    }
    void pop_front();
    void clear() noexcept;

private:
    std::vector<outgoing_message> items_;
    std::size_t head_ = 0;
};

} // namespace snbridge::gateway
