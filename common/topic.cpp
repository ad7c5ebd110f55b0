#include "common/topic.hpp"

#include <algorithm>
#include <cstdint>

namespace snbridge::common::topic {

namespace {

constexpr char separator = '/';
constexpr char single_level = '+';
constexpr char multi_level = '#';

[[nodiscard]] std::uint8_t byte_at(std::string_view s, std::size_t i) noexcept {
    return static_cast<std::uint8_t>(s[i]);
}

[[nodiscard]] bool valid_length(std::string_view s) noexcept {
    return !s.empty() && s.size() <= max_length;
}

} // namespace

namespace {

/// The length of the well-formed UTF-8 sequence that starts at text[i] (a non-ASCII lead
/// byte), or 0 when it is ill-formed. Unicode Table 3-7: the range of the second byte depends
/// on the first; this excludes overlong forms, surrogates (MQTT 3.1.1 §1.5.3) and code points
/// above U+10FFFF.
[[nodiscard]] std::size_t utf8_sequence(std::string_view text, std::size_t i) noexcept {
    const std::uint8_t b0 = byte_at(text, i);
    std::size_t len = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 == 0xE0) {
        len = 3;
        lo = 0xA0;
    } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
        len = 3;
    } else if (b0 == 0xED) {
        len = 3;
        hi = 0x9F; // U+D800..U+DFFF are surrogates
    } else if (b0 == 0xF0) {
        len = 4;
        lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
        len = 4;
    } else if (b0 == 0xF4) {
        len = 4;
        hi = 0x8F;
    } else {
        return 0; // 0x80..0xC1, 0xF5..0xFF
    }
    if (text.size() - i < len) {
        return 0;
    }
    const std::uint8_t b1 = byte_at(text, i + 1);
    if (b1 < lo || b1 > hi) {
        return 0;
    }
    for (std::size_t k = 2; k < len; ++k) {
        const std::uint8_t b = byte_at(text, i + k);
        if (b < 0x80 || b > 0xBF) {
            return 0;
        }
    }
    return len;
}

/// One pass over a name or filter: UTF-8 and NUL rules, where wildcards may stand, and the
/// level bound.
template <bool is_filter>
[[nodiscard]] bool valid_topic(std::string_view s, const limits& l) noexcept {
    if (!valid_length(s)) {
        return false;
    }
    const std::size_t n = s.size();
    std::size_t levels = 1;
    std::size_t i = 0;
    while (i < n) {
        const char c = s[i];
        if (static_cast<std::uint8_t>(c) >= 0x80) {
            const std::size_t len = utf8_sequence(s, i);
            if (len == 0) {
                return false;
            }
            i += len;
            continue;
        }
        if (c == '\0') {
            return false; // MQTT 3.1.1 §1.5.3: U+0000 must not appear
        }
        if (c == separator) {
            ++levels;
            if (levels > l.max_levels) {
                return false; // early: a deep topic is refused without reading the rest
            }
        }
        if (c == single_level || c == multi_level) {
            if constexpr (!is_filter) {
                return false; // MQTT 3.1.1 §4.7.1: no wildcards in a topic name
            } else {
                // MQTT 3.1.1 §4.7.1.2, §4.7.1.3: a wildcard occupies a whole level, and '#'
                // must be the last character of the filter.
                const bool starts_level = i == 0 || s[i - 1] == separator;
                const bool ends_level = i + 1 == n || s[i + 1] == separator;
                if (!starts_level || !ends_level || (c == multi_level && i + 1 != n)) {
                    return false;
                }
            }
        }
        ++i;
    }
    return levels <= l.max_levels; // max_levels 0 refuses even a one-level topic
}

} // namespace

bool valid_utf8(std::string_view text) noexcept {
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        if (byte_at(text, i) < 0x80) {
            if (text[i] == '\0') {
                return false; // MQTT 3.1.1 §1.5.3: U+0000 must not appear
            }
            ++i;
            continue;
        }
        const std::size_t len = utf8_sequence(text, i);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

std::size_t level_count(std::string_view topic) noexcept {
    return 1 + static_cast<std::size_t>(std::count(topic.begin(), topic.end(), separator));
}

bool valid_name(std::string_view name, const limits& l) noexcept {
    return valid_topic<false>(name, l);
}

bool valid_filter(std::string_view filter, const limits& l) noexcept {
    return valid_topic<true>(filter, l);
}

bool has_wildcard(std::string_view filter) noexcept {
    return filter.find_first_of("+#") != std::string_view::npos;
}

bool matches(std::string_view filter, std::string_view name) noexcept {
    // MQTT 3.1.1 §4.7.2: a filter starting with a wildcard does not match a '$' topic.
    if (!name.empty() && name.front() == '$' && !filter.empty() &&
        (filter.front() == single_level || filter.front() == multi_level)) {
        return false;
    }
    const std::size_t fn = filter.size();
    const std::size_t tn = name.size();
    std::size_t f = 0; // in the filter, at the start of a level
    std::size_t t = 0; // in the name, at the start of the same level
    for (;;) {
        const bool level_is_one_char = f < fn && (f + 1 == fn || filter[f + 1] == separator);
        if (level_is_one_char && filter[f] == multi_level) {
            return true; // MQTT 3.1.1 §4.7.1.2: '#' matches this level and all below
        }
        if (level_is_one_char && filter[f] == single_level) {
            // MQTT 3.1.1 §4.7.1.3: '+' matches exactly one level, an empty one included.
            while (t < tn && name[t] != separator) {
                ++t;
            }
            ++f;
        } else {
            while (f < fn && t < tn && filter[f] != separator && filter[f] == name[t]) {
                ++f;
                ++t;
            }
            const bool filter_level_ends = f == fn || filter[f] == separator;
            const bool name_level_ends = t == tn || name[t] == separator;
            if (!filter_level_ends || !name_level_ends) {
                return false;
            }
        }
        // Both are at a '/' or at their end.
        if (f == fn) {
            return t == tn;
        }
        if (t == tn) {
            // The name has no more levels: only a final "/#" still matches (§4.7.1.2: '#'
            // also matches the parent level).
            return f + 2 == fn && filter[f + 1] == multi_level;
        }
        ++f;
        ++t;
    }
}

} // namespace snbridge::common::topic
