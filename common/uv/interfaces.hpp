#pragma once

// The host's own interface addresses (uv_interface_addresses), e.g. to recognise the gateway's
// own multicast coming back on a wildcard socket.

#include <vector>

#include "common/net_address.hpp"

namespace snbridge::common::uv {

/// Every IPv4/IPv6 address of every interface (port 0). Empty if libuv cannot list them.
[[nodiscard]] std::vector<net_address> interface_addresses();

} // namespace snbridge::common::uv
