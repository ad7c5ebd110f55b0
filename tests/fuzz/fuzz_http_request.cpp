// libFuzzer target: the monitoring listener's HTTP request parser on arbitrary bytes.
// Properties checked: no crash or sanitizer report; the verdict does not depend on how the
// bytes are split (the first byte of the input picks a split point); a complete request has
// a path starting with '/' and no control characters in it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/http/request_parser.hpp"

namespace http = snbridge::common::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::span<const std::uint8_t> input(data + 1, size - 1);
    http::request_parser whole;
    const auto verdict = whole.feed(input);
    http::request_parser split;
    const auto cut = std::min<std::size_t>(data[0], input.size());
    (void)split.feed(input.first(cut));
    const auto split_verdict = split.feed(input.subspan(cut));
    if (verdict != split_verdict) {
        std::abort();
    }
    if (verdict == http::parse_status::complete) {
        const auto& path = whole.get().path;
        if (path.empty() || path.front() != '/') {
            std::abort();
        }
        for (const char c : path) {
            if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
                std::abort();
            }
        }
        if (split.get().path != path || split.get().host != whole.get().host) {
            std::abort();
        }
    }
    return 0;
}
