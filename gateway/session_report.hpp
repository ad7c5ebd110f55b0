#pragma once

// The sessions as SIGUSR2 writes them to the log (as Mosquitto's SIGUSR2 dumps its state):
// one line per session, ordered by ClientId. Read-only, loop thread only.

#include <string>
#include <vector>

#include "gateway/session_table.hpp"

namespace snbridge::gateway {

/// "Sessions: 2." followed by one line per session, e.g.
/// "Session sensor-7: active, 127.0.0.1:40001, keep-alive 60 s, 0 queued."
/// (", unreachable" after the address when another ClientId took it; ", sleep 300 s" for a
/// sleeping client; ", 1 in flight" while an exchange towards the client is open).
[[nodiscard]] std::vector<std::string> session_report(const session_table& sessions);

} // namespace snbridge::gateway
