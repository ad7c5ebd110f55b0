#pragma once

// Where every message the gateway sends goes through: exact-size encoding into one reused
// buffer, the verbose packet log, the forwarder wrapping (§5.5) and multicast (§6.1). Loop
// thread only.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/mqttsn/packet.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/session.hpp"

namespace snbridge::gateway {

class outbox {
public:
    /// `sink` must outlive the outbox.
    explicit outbox(datagram_sink& sink);

    /// Encodes `p` and sends it to `to`, wrapped for a forwarder's node with `radius`; under
    /// -v logged as sent to `who` (the ClientId; empty: to_string(to)), with `topic_name` for a
    /// PUBLISH. False, and nothing sent, when `p` does not fit a datagram.
    [[nodiscard]] bool send(const endpoint& to, const common::mqttsn::packet& p,
                            std::string_view who, std::string_view topic_name = {},
                            std::uint8_t radius = 0);
    /// Sends `p` to the multicast group of every listener that has one (§6.1), with `radius`
    /// as TTL (0: the configured default); logged as sent to "multicast".
    void multicast(const common::mqttsn::packet& p, std::uint8_t radius);
    /// Who the transport authenticated `from` as (a DTLS identity); empty for plain UDP.
    [[nodiscard]] std::string_view peer_identity(const endpoint& from) const {
        return sink_.peer_identity(from.address);
    }

private:
    /// `p` encoded into tx_, or empty when it does not fit.
    [[nodiscard]] std::span<const std::uint8_t> encode(const common::mqttsn::packet& p);

    datagram_sink& sink_;
    std::vector<std::uint8_t> tx_;
};

} // namespace snbridge::gateway
