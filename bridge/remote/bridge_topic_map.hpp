#pragma once

// The topic rules of the upstream bridge (aggregating mode, config `upstream.topics`), as
// Mosquitto's `topic PATTERN in|out|both QOS LOCAL_PREFIX REMOTE_PREFIX`: a local topic
// local_prefix + T is the remote topic remote_prefix + T, for every T the pattern matches.
// Pure: no I/O, no clock. docs/configuration.md "upstream.topics".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace snbridge::bridge::remote {

using bridge_rule = config::upstream_topic;

/// A topic mapped to the other side, with the QoS of the rule that mapped it.
struct mapped_topic {
    std::string topic;
    std::uint8_t qos = 0;
    bool operator==(const mapped_topic&) const = default;
};

class bridge_topic_map {
public:
    /// `rules` nullopt: the default (every local topic out at QoS 2, in as the devices
    /// subscribe, without prefixes): to_remote/to_local map every topic to itself.
    explicit bridge_topic_map(std::optional<std::vector<bridge_rule>> rules);

    /// True without `upstream.topics`: `in` is demand-driven (the devices' filters).
    [[nodiscard]] bool demand_driven() const noexcept { return !rules_; }

    /// The filters the bridge subscribes to on the local broker (out, both), with their QoS.
    [[nodiscard]] std::vector<std::pair<std::string, std::uint8_t>> local_filters() const;
    /// The filters the bridge subscribes to upstream (in, both), with their QoS; empty when
    /// demand-driven. Each distinct filter once, at the highest QoS of its rules.
    [[nodiscard]] std::vector<std::pair<std::string, std::uint8_t>> remote_filters() const;

    /// A local message's topic upstream: the first out/both rule whose local side matches.
    [[nodiscard]] std::optional<mapped_topic> to_remote(std::string_view local) const;
    /// An upstream message's topic locally: the first in/both rule whose remote side matches.
    [[nodiscard]] std::optional<mapped_topic> to_local(std::string_view remote) const;

private:
    /// The first rule that `carries` this way and whose `from` side matches `topic`.
    [[nodiscard]] std::optional<mapped_topic> map(std::string_view topic,
                                                  bool (*carries)(const bridge_rule&) noexcept,
                                                  std::string bridge_rule::*from,
                                                  std::string bridge_rule::*to) const;

    std::optional<std::vector<bridge_rule>> rules_;
};

} // namespace snbridge::bridge::remote
