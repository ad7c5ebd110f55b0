#pragma once

// Bounds-checked big-endian reader over received bytes, used by the MQTT-SN and MQTT 3.1.1
// decoders ("reads are validated"). Every read either succeeds completely or returns
// std::nullopt and leaves the position unchanged, so a short input is never read past its end.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace snbridge::common {

/// A cursor over borrowed bytes. Does not own them; the span must outlive the reader. Copying
/// the reader copies the position, so a codec can read ahead on a copy and commit on success.
class byte_reader {
public:
    explicit byte_reader(std::span<const std::uint8_t> bytes) noexcept
        : bytes_(bytes) {}

    /// Bytes not yet read.
    [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
    [[nodiscard]] bool at_end() const noexcept { return pos_ == bytes_.size(); }

    /// One octet, or nullopt at the end.
    [[nodiscard]] std::optional<std::uint8_t> u8() noexcept {
        if (remaining() < 1) {
            return std::nullopt;
        }
        return bytes_[pos_++];
    }

    /// Two octets, most significant first (MQTT-SN 1.2 §5.2.1, MQTT 3.1.1 §1.5.2), or nullopt
    /// if fewer than two remain.
    [[nodiscard]] std::optional<std::uint16_t> u16() noexcept {
        if (remaining() < 2) {
            return std::nullopt;
        }
        const auto hi = bytes_[pos_];
        const auto lo = bytes_[pos_ + 1];
        pos_ += 2;
        return static_cast<std::uint16_t>((hi << 8) | lo);
    }

    /// Exactly `n` octets, or nullopt if fewer remain.
    [[nodiscard]] std::optional<std::span<const std::uint8_t>> bytes(std::size_t n) noexcept {
        if (remaining() < n) {
            return std::nullopt;
        }
        const auto out = bytes_.subspan(pos_, n);
        pos_ += n;
        return out;
    }

    /// Everything that is left (possibly empty); the reader is at the end afterwards.
    [[nodiscard]] std::span<const std::uint8_t> rest() noexcept {
        const auto out = bytes_.subspan(pos_);
        pos_ = bytes_.size();
        return out;
    }

private:
    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
};

} // namespace snbridge::common
