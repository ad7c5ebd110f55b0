#include "common/mqtt/framer.hpp"

namespace snbridge::common::mqtt {

std::string_view to_string(frame_error e) noexcept {
    switch (e) {
    case frame_error::bad_remaining_length:
        return "bad_remaining_length";
    case frame_error::too_large:
        return "too_large";
    }
    return "unknown";
}

result<frame_info, frame_error> next_frame(std::span<const std::uint8_t> stream,
                                           std::size_t max_packet_size) noexcept {
    // §2.2.3: one type byte, then 1..4 Remaining Length bytes of 7 bits each.
    std::size_t remaining = 0;
    std::size_t multiplier = 1;
    std::size_t pos = 1;
    for (;;) {
        if (pos == 5) {
            return fail(frame_error::bad_remaining_length);
        }
        if (pos >= stream.size()) {
            return frame_info{};
        }
        const std::uint8_t b = stream[pos++];
        remaining += (b & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((b & 0x80) == 0) {
            break;
        }
    }
    const std::size_t total = pos + remaining;
    if (max_packet_size != 0 && total > max_packet_size) {
        return fail(frame_error::too_large);
    }
    return frame_info{.complete = stream.size() >= total, .header_size = pos, .total_size = total};
}

} // namespace snbridge::common::mqtt
