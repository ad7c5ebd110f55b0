#include "bridge/local/topic_levels.hpp"

namespace snbridge::bridge::local {

namespace {

constexpr std::size_t max_topic_bytes = 65535; // MQTT 3.1.1 §1.5.3 UTF-8 string length

} // namespace

bool valid_topic_name(std::string_view topic, std::size_t max_levels) noexcept {
    if (topic.empty() || topic.size() > max_topic_bytes) {
        return false;
    }
    std::size_t levels = 1;
    for (const char c : topic) {
        if (c == '+' || c == '#' || c == '\0') {
            return false;
        }
        if (c == '/') {
            ++levels;
        }
    }
    return levels <= max_levels;
}

bool valid_topic_filter(std::string_view filter, std::size_t max_levels) noexcept {
    if (filter.empty() || filter.size() > max_topic_bytes) {
        return false;
    }
    level_cursor cursor(filter);
    std::size_t levels = 0;
    while (!cursor.done) {
        const auto level = cursor.next();
        ++levels;
        if (level.find('\0') != std::string_view::npos) {
            return false;
        }
        // MQTT 3.1.1 §4.7.1.2: '#' alone in the last level; §4.7.1.3: '+' alone in a level.
        if (level.find('#') != std::string_view::npos && (level.size() != 1 || !cursor.done)) {
            return false;
        }
        if (level.find('+') != std::string_view::npos && level.size() != 1) {
            return false;
        }
    }
    return levels <= max_levels;
}

} // namespace snbridge::bridge::local
