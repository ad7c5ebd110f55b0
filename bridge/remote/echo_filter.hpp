#pragma once

// Loop prevention of the upstream bridge for what MQTT 3.1.1 cannot say (it has no no-local
// subscription option): a message the bridge publishes upstream on a topic it also subscribes
// to upstream comes back from the broker. The bridge records each such publish (topic and a
// hash of the payload) and drops the first copy that comes back, and further copies of it for
// `linger` after (a broker may send one copy per overlapping subscription, MQTT 3.1.1
// §3.3.5). A message from another client with the same topic and payload in that moment
// is dropped too: the price of a heuristic, documented in docs/configuration.md. Bounded:
// beyond `capacity` records the oldest is forgotten (spent ones included). Pure: time is injected.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace snbridge::bridge::remote {

class echo_filter {
public:
    using clock = std::chrono::steady_clock;

    explicit echo_filter(std::size_t capacity = 4096,
                         std::chrono::milliseconds linger = std::chrono::milliseconds(1000))
        : capacity_(capacity)
        , linger_(linger) {}

    /// The bridge hands `payload` on `topic` to the upstream broker and is subscribed there
    /// to a filter that matches it: one copy is expected back.
    void expect(std::string_view topic, std::span<const std::uint8_t> payload);
    /// A message arrived from upstream: true when it is the echo of one the bridge sent (drop
    /// it). Forgets records whose linger ran out.
    [[nodiscard]] bool is_echo(std::string_view topic, std::span<const std::uint8_t> payload,
                               clock::time_point now);

    /// Records held (tests).
    [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }

private:
    struct record {
        std::size_t expected = 0;       ///< copies sent and not yet seen back
        clock::time_point linger_until; ///< set once every expected copy came back
    };
    [[nodiscard]] static std::string key_of(std::string_view topic,
                                            std::span<const std::uint8_t> payload);

    std::size_t capacity_;
    std::chrono::milliseconds linger_;
    std::unordered_map<std::string, record> records_;
    std::deque<std::string> order_; ///< keys by first expect, for the bound
};

} // namespace snbridge::bridge::remote
