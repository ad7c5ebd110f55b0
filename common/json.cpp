#include "common/json.hpp"

#include <array>

#include "common/topic.hpp"

namespace snbridge::common::json {

void append_string(std::string& out, std::string_view s) {
    static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                              '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    out += '"';
    const bool utf8 = topic::valid_utf8(s);
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4U];
            out += hex[u & 0x0FU];
        } else if (u >= 0x80 && !utf8) {
            out += "\xEF\xBF\xBD"; // U+FFFD
        } else {
            out += c;
        }
    }
    out += '"';
}

} // namespace snbridge::common::json
