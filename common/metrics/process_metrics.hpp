#pragma once

// The process's own figures in the metrics registry (docs/monitoring.md): build info, start
// time, uptime and resident memory (Prometheus' process_* names where they exist).

#include <string_view>

#include "common/metrics/registry.hpp"

namespace snbridge::common::metrics {

/// Registers snbridge_build_info{version, allocator}, process_start_time_seconds,
/// snbridge_uptime_seconds and process_resident_memory_bytes (read from /proc/self/statm at
/// each read).
void add_process_metrics(registry& r, std::string_view version, std::string_view allocator);

} // namespace snbridge::common::metrics
