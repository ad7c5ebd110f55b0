#pragma once

// Safe defaults, said out loud (issue 15 point 6, docs/security.md): what a configuration
// leaves open to anyone who can reach it. The start logs each line as a warning and
// `--check-config` prints them; neither refuses the configuration.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace snbridge::config {

/// One line per open door: a listener on a non-loopback address that takes anyone.
[[nodiscard]] std::vector<std::string> exposure_warnings(const config& cfg);

} // namespace snbridge::config
