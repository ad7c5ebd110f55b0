#include "common/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>

namespace snbridge::common::log {

namespace {
std::atomic<level> min_level{level::info};
} // namespace

void set_level(level min) noexcept { min_level.store(min, std::memory_order_relaxed); }

level current_level() noexcept { return min_level.load(std::memory_order_relaxed); }

void write(level l, std::string_view text) noexcept {
    if (!enabled(l)) {
        return;
    }
    char prefix[32];
    const int n = std::snprintf(prefix, sizeof prefix, "%lld: ",
                                static_cast<long long>(std::time(nullptr)));
    std::string line;
    line.reserve(static_cast<std::size_t>(n) + text.size() + 1);
    line.append(prefix, static_cast<std::size_t>(n));
    line.append(text);
    line.push_back('\n');
    // One fwrite per line keeps lines whole when several threads log.
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

} // namespace snbridge::common::log
