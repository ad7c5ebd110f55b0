#pragma once

// Splits an MQTT 3.1.1 TCP byte stream into packets. Pure: it looks at the bytes received so
// far and says whether the first packet in them is complete, still incomplete, or impossible
// (a Remaining Length that is malformed or bigger than the configured maximum). The decision
// is made as soon as the fixed header is in, so an oversized packet is refused before its
// body arrives.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.hpp"

namespace snbridge::common::mqtt {

/// Where the first packet of a stream buffer stands.
struct frame_info {
    /// False while more bytes are needed; then the sizes below are 0 unless the fixed header
    /// is already complete (then total_size tells how many bytes the packet needs in all).
    bool complete = false;
    /// Bytes of the fixed header (1 type byte + 1..4 Remaining Length bytes).
    std::size_t header_size = 0;
    /// header_size + Remaining Length.
    std::size_t total_size = 0;
    bool operator==(const frame_info&) const = default;
};

enum class frame_error : std::uint8_t {
    bad_remaining_length, ///< a 5th Remaining Length byte (§2.2.3)
    too_large,            ///< total packet size above the configured maximum
};

[[nodiscard]] std::string_view to_string(frame_error e) noexcept;

/// Looks at the start of `stream`. max_packet_size bounds the whole packet (fixed header
/// included); 0 means the protocol limit only (§2.2.3: 268,435,455 + 5).
[[nodiscard]] result<frame_info, frame_error> next_frame(std::span<const std::uint8_t> stream,
                                                         std::size_t max_packet_size) noexcept;

} // namespace snbridge::common::mqtt
