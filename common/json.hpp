#pragma once

// Writing JSON text (RFC 8259): strings quoted and escaped. Enough for the status reports
// (gateway/sensor_status, the status page); nothing here parses JSON.

#include <string>
#include <string_view>

namespace snbridge::common::json {

/// Appends `s` as a JSON string: quotes, backslash and control characters escaped; bytes that
/// are not valid UTF-8 become U+FFFD, so the result is always valid JSON.
void append_string(std::string& out, std::string_view s);

/// `s` as a JSON string.
[[nodiscard]] inline std::string quote(std::string_view s) {
    std::string out;
    append_string(out, s);
    return out;
}

} // namespace snbridge::common::json
