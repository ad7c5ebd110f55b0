#include "common/metrics/process_metrics.hpp"

#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace snbridge::common::metrics {

namespace {

/// Resident set size in bytes (0 when /proc cannot be read).
double resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) {
        return 0;
    }
    unsigned long size = 0;
    unsigned long resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    if (n != 2) {
        return 0;
    }
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

} // namespace

void add_process_metrics(registry& r, std::string_view version, std::string_view allocator) {
    r.gauge_of("snbridge_build_info", "Always 1; the version and the allocator are the labels.",
               {{"version", version}, {"allocator", allocator}})
        .set(1);
    const auto wall =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    r.gauge_of("process_start_time_seconds", "Start time of the process since the Unix epoch.")
        .set(static_cast<double>(static_cast<long long>(wall)));
    const auto started = std::chrono::steady_clock::now();
    r.collect("snbridge_uptime_seconds", "Seconds since the gateway started.", kind::gauge,
              [started](const registry::emit& emit) {
                  emit({}, static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                                   std::chrono::steady_clock::now() - started)
                                                   .count()));
              });
    r.collect("process_resident_memory_bytes", "Resident memory size in bytes.", kind::gauge,
              [](const registry::emit& emit) { emit({}, resident_bytes()); });
}

} // namespace snbridge::common::metrics
