#pragma once

// The built-in broker's subscriptions as SIGUSR2 writes them to the log (as Mosquitto's
// SIGUSR2 dumps its subscription tree): one line per subscription, ordered by ClientId, then
// filter. Read-only, loop thread only.

#include <string>
#include <vector>

#include "bridge/local/broker_core.hpp"

namespace snbridge::bridge::local {

/// "Subscriptions: 2 (1 retained message)." followed by one line per subscription, e.g.
/// "Subscription sensor-7: home/# (q1, online)." ("offline" for a kept persistent session).
[[nodiscard]] std::vector<std::string> subscription_report(const broker_core& broker);

} // namespace snbridge::bridge::local
