#pragma once

// "ip:port" text -> common::net_address, for config values and the command line.

#include <cstdint>
#include <string_view>

#include "common/net_address.hpp"
#include "common/result.hpp"

namespace snbridge::config {

/// Parses "1.2.3.4:1883" or "[::1]:1883" (numeric addresses only, no host names, no IPv6
/// zone; port 0..65535). The error message is a short reason, e.g. "missing ':port'".
[[nodiscard]] common::result<common::net_address> parse_address(std::string_view text);

} // namespace snbridge::config
