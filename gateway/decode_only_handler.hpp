#pragma once

// A datagram_handler that only decodes (issue 2's UDP reactor): each datagram is decoded, a
// valid one is logged in verbose mode, a malformed one is dropped with a counted, logged
// reason. It keeps no state and sends nothing. gateway_core replaces it in main.cpp.

#include "gateway/datagram_handler.hpp"
#include "gateway/drop_counter.hpp"

namespace snbridge::gateway {

class decode_only_handler final : public datagram_handler {
public:
    explicit decode_only_handler(drop_counter& drops)
        : drops_(drops) {}

    void on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                     time_point now) override;
    void on_tick(time_point /*now*/) override {}
    [[nodiscard]] std::optional<time_point> next_deadline() const override { return std::nullopt; }
    void shutdown(time_point /*now*/) override {}

    /// Datagrams that decoded.
    [[nodiscard]] std::uint64_t decoded() const noexcept { return decoded_; }

private:
    drop_counter& drops_;
    std::uint64_t decoded_ = 0;
};

} // namespace snbridge::gateway
