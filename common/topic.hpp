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

/// A topic name a PUBLISH may carry (MQTT 3.1.1 §4.7.1, §4.7.3): 1..65535 bytes of valid
/// UTF-8 (see valid_utf8), no '+' or '#'. Empty levels ("a//b", "/a", "a/") are valid.
[[nodiscard]] bool valid_name(std::string_view name) noexcept;

/// A topic filter a SUBSCRIBE may carry (MQTT 3.1.1 §4.7.1): 1..65535 bytes of valid UTF-8;
/// '+' only as a whole level; '#' only as a whole level and only as the last one.
[[nodiscard]] bool valid_filter(std::string_view filter) noexcept;

/// Whether the filter has a '+' or '#' (i.e. may match more than one name).
[[nodiscard]] bool has_wildcard(std::string_view filter) noexcept;

/// Whether `filter` matches topic name `name` (MQTT 3.1.1 §4.7): levels compare byte by byte,
/// '+' matches exactly one level (which may be empty), '#' matches its parent level and any
/// number of levels below, and a filter that starts with a wildcard does not match a name
/// that starts with '$' (§4.7.2). Meaningful for a valid filter and a valid name (check them
/// once, where they arrive); never reads out of bounds on any input.
[[nodiscard]] bool matches(std::string_view filter, std::string_view name) noexcept;

} // namespace snbridge::common::topic
