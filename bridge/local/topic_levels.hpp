#pragma once

// Small helpers shared by the built-in broker's two topic trees: a cursor that walks a topic
// name or filter one level at a time without allocating, a transparent string hash for
// heterogeneous lookup, and the topic rules the broker enforces (MQTT 3.1.1 §4.7).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace snbridge::bridge::local {

/// Hash for unordered containers keyed by std::string and looked up by std::string_view.
struct string_hash {
    using is_transparent = void;
    [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

/// Walks "a/b/c" as "a", "b", "c". "a/" yields "a" then "" (MQTT 3.1.1 §4.7.1.1: empty levels
/// are levels). Copyable, so recursive matchers branch by copying it.
struct level_cursor {
    std::string_view rest;
    bool done = false;

    explicit level_cursor(std::string_view topic) noexcept
        : rest(topic) {}

    /// The next level. Only call while !done.
    std::string_view next() noexcept {
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos) {
            const auto level = rest;
            rest = {};
            done = true;
            return level;
        }
        const auto level = rest.substr(0, slash);
        rest.remove_prefix(slash + 1);
        return level;
    }
};

/// common::topic::valid_name (MQTT 3.1.1 §4.7.3, §1.5.3), and at most `max_levels` levels (a
/// configured bound that keeps tree depth, and so recursion depth, small).
[[nodiscard]] bool valid_topic_name(std::string_view topic, std::size_t max_levels) noexcept;

/// common::topic::valid_filter (MQTT 3.1.1 §4.7.1), and at most `max_levels` levels.
[[nodiscard]] bool valid_topic_filter(std::string_view filter, std::size_t max_levels) noexcept;

} // namespace snbridge::bridge::local
