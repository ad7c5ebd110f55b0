#pragma once

// MQTT-SN 1.2 §5.5: a forwarder encapsulates each client message with the client's Wireless
// Node Id; the gateway answers that node through the same forwarder, wrapped the same way.
// The core sees the inner message from an endpoint that carries the node id.

#include <cstdint>
#include <span>

#include "common/mqttsn/packet.hpp"
#include "gateway/session.hpp"

namespace snbridge::gateway::forwarder {

/// The endpoint of the node behind the forwarder at `from`.
[[nodiscard]] endpoint node_endpoint(const common::net_address& from,
                                     const common::mqttsn::encapsulated& e);

/// The node of a forwarder's datagram the codec refused as a whole (its inner message is
/// bad), read from the raw bytes, so that a refusal can still reach it; nullopt when the
/// datagram is no Encapsulated message.
[[nodiscard]] std::optional<endpoint> node_of_raw(const common::net_address& from,
                                                  std::span<const std::uint8_t> bytes);

/// `inner` (an encoded message) wrapped for `to`'s node, with `radius` (§5.4.22).
[[nodiscard]] common::mqttsn::packet wrap(const endpoint& to, std::span<const std::uint8_t> inner,
                                          std::uint8_t radius);

} // namespace snbridge::gateway::forwarder
