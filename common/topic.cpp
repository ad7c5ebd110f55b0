#include "common/topic.hpp"

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

bool valid_utf8(std::string_view text) noexcept {
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t b0 = byte_at(text, i);
        if (b0 < 0x80) {
            // MQTT 3.1.1 §1.5.3: U+0000 must not appear.
            if (b0 == 0) {
                return false;
            }
            ++i;
            continue;
        }
        // Unicode Table 3-7 (well-formed UTF-8 byte sequences): the range of the second byte
        // depends on the first; this excludes overlong forms, surrogates and > U+10FFFF.
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
            hi = 0x9F; // U+D800..U+DFFF are surrogates (MQTT 3.1.1 §1.5.3)
        } else if (b0 == 0xF0) {
            len = 4;
            lo = 0x90;
        } else if (b0 >= 0xF1 && b0 <= 0xF3) {
            len = 4;
        } else if (b0 == 0xF4) {
            len = 4;
            hi = 0x8F;
        } else {
            return false; // 0x80..0xC1, 0xF5..0xFF
        }
        if (n - i < len) {
            return false;
        }
        const std::uint8_t b1 = byte_at(text, i + 1);
        if (b1 < lo || b1 > hi) {
            return false;
        }
        for (std::size_t k = 2; k < len; ++k) {
            const std::uint8_t b = byte_at(text, i + k);
            if (b < 0x80 || b > 0xBF) {
                return false;
            }
        }
        i += len;
    }
    return true;
}

bool valid_name(std::string_view name) noexcept {
    // MQTT 3.1.1 §4.7.1: wildcards must not be used within a topic name.
    return valid_length(name) && name.find_first_of("+#") == std::string_view::npos &&
           valid_utf8(name);
}

bool valid_filter(std::string_view filter) noexcept {
    if (!valid_length(filter)) {
        return false;
    }
    const std::size_t n = filter.size();
    for (std::size_t i = filter.find_first_of("+#"); i != std::string_view::npos;
         i = filter.find_first_of("+#", i + 1)) {
        // MQTT 3.1.1 §4.7.1.2, §4.7.1.3: a wildcard occupies a whole level.
        const bool starts_level = i == 0 || filter[i - 1] == separator;
        const bool ends_level = i + 1 == n || filter[i + 1] == separator;
        if (!starts_level || !ends_level) {
            return false;
        }
        // MQTT 3.1.1 §4.7.1.2: '#' must be the last character of the filter.
        if (filter[i] == multi_level && i + 1 != n) {
            return false;
        }
    }
    return valid_utf8(filter);
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
    std::size_t f = 0; // start of the current filter level
    std::size_t t = 0; // start of the current name level
    bool name_done = false;
    for (;;) {
        std::size_t f_end = filter.find(separator, f);
        if (f_end == std::string_view::npos) {
            f_end = filter.size();
        }
        const std::string_view f_level = filter.substr(f, f_end - f);
        // MQTT 3.1.1 §4.7.1.2: '#' matches the parent level and any number of child levels.
        if (f_level.size() == 1 && f_level.front() == multi_level) {
            return true;
        }
        if (name_done) {
            return false; // the filter has more levels than the name
        }
        std::size_t t_end = name.find(separator, t);
        if (t_end == std::string_view::npos) {
            t_end = name.size();
        }
        const std::string_view t_level = name.substr(t, t_end - t);
        // MQTT 3.1.1 §4.7.1.3: '+' matches exactly one level, an empty one included.
        const bool any_level = f_level.size() == 1 && f_level.front() == single_level;
        if (!any_level && f_level != t_level) {
            return false;
        }
        const bool filter_last = f_end == filter.size();
        const bool name_last = t_end == name.size();
        if (filter_last) {
            return name_last;
        }
        f = f_end + 1;
        if (name_last) {
            name_done = true;
        } else {
            t = t_end + 1;
        }
    }
}

} // namespace snbridge::common::topic
