#pragma once

// MQTT topic names, topic filters and filter matching, as MQTT 3.1.1 §4.7 defines them.
// Pure functions over string_view: no allocation, no exceptions; safe on any input (network
// data included). Used on the hot path (every PUBLISH is matched against subscriptions).

#include <cstddef>
#include <string_view>

namespace snbridge::common::topic {

/// MQTT 3.1.1 §1.5.3: an MQTT string holds at most 65535 bytes.
inline constexpr std::size_t max_length = 65535;

/// MQTT 3.1.1 §1.5.3: well-formed UTF-8 (Unicode Table 3-7: no overlong forms, no surrogates
/// U+D800..U+DFFF, nothing above U+10FFFF) without U+0000. Other control characters and
/// non-characters are accepted (the spec says senders SHOULD NOT use them, not MUST NOT).
[[nodiscard]] bool valid_utf8(std::string_view text) noexcept;

/// The bounds a deployment puts on topic names and filters on top of MQTT 3.1.1 §4.7, the same
/// for the MQTT-SN gateway (REGISTER, SUBSCRIBE, PUBLISH) and the built-in broker. Filled from
/// the config's `broker.max_topic_levels` (docs/configuration.md) in every mode.
struct limits {
    /// Levels (see level_count) in a topic name or filter. It keeps the broker's topic trees,
    /// and so their recursion, shallow. Config range 1..32768.
    std::size_t max_levels = 64;

    bool operator==(const limits&) const = default;
};

/// The number of levels in a topic name or filter: one more than its '/' count, so "a" has 1,
/// "a/" and "/a" have 2 (MQTT 3.1.1 §4.7.1.1: empty levels are levels), "a/+/#" has 3.
[[nodiscard]] std::size_t level_count(std::string_view topic) noexcept;

/// A topic name a PUBLISH may carry (MQTT 3.1.1 §4.7.1, §4.7.3): 1..65535 bytes of valid
/// UTF-8 (see valid_utf8), no '+' or '#', and at most `l.max_levels` levels. Empty levels
/// ("a//b", "/a", "a/") are valid. One pass over the name.
[[nodiscard]] bool valid_name(std::string_view name, const limits& l) noexcept;

/// A topic filter a SUBSCRIBE may carry (MQTT 3.1.1 §4.7.1): 1..65535 bytes of valid UTF-8;
/// '+' only as a whole level; '#' only as a whole level and only as the last one (it counts
/// as a level); at most `l.max_levels` levels. One pass over the filter.
[[nodiscard]] bool valid_filter(std::string_view filter, const limits& l) noexcept;

/// Whether the filter has a '+' or '#' (i.e. may match more than one name).
[[nodiscard]] bool has_wildcard(std::string_view filter) noexcept;

/// Whether `filter` matches topic name `name` (MQTT 3.1.1 §4.7): levels compare byte by byte,
/// '+' matches exactly one level (which may be empty), '#' matches its parent level and any
/// number of levels below, and a filter that starts with a wildcard does not match a name
/// that starts with '$' (§4.7.2). Meaningful for a valid filter and a valid name (check them
/// once, where they arrive); never reads out of bounds on any input.
[[nodiscard]] bool matches(std::string_view filter, std::string_view name) noexcept;

} // namespace snbridge::common::topic
