#pragma once

// What the monitoring HTTP listener serves (docs/monitoring.md): `/metrics` (the Prometheus
// text exposition of the metrics registry), `/` (the status page, self-contained: no external
// scripts, fonts or styles) and `/status.json` (what the page shows: the gateway, its upstream,
// every sensor, the counters). Everything else is 404. Loop thread only.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/http/server.hpp"
#include "common/metrics/registry.hpp"

namespace snbridge::gateway {

class gateway_core;

struct status_sources {
    const gateway_core* core = nullptr;
    const common::metrics::registry* metrics = nullptr;
    std::string gateway_name;
    std::string version;
    std::string mode;
    /// nullopt: there is no upstream broker (mode broker).
    std::function<std::optional<bool>()> upstream_connected;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// The answer to `req`.
[[nodiscard]] common::http::response serve_status(const common::http::request& req,
                                                  const status_sources& sources);
/// The body of /status.json.
[[nodiscard]] std::string status_json(const status_sources& sources);
/// The status page (HTML with its style and script inline).
[[nodiscard]] std::string_view status_page_html() noexcept;

} // namespace snbridge::gateway
