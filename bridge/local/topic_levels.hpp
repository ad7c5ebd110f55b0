#pragma once

// Small helpers shared by the built-in broker's two topic trees: a cursor that walks a topic
// name or filter one level at a time without allocating, and a transparent string hash for
// heterogeneous lookup. The topic rules themselves (MQTT 3.1.1 §4.7, and the level bound
// that keeps these trees shallow) are common::topic's, shared with the MQTT-SN gateway.

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

} // namespace snbridge::bridge::local
