#pragma once

// Big-endian writer into a caller buffer, used by the MQTT-SN encoder. The encoder computes
// the exact size first and checks the buffer against it, so writes are asserted, not
// validated ("reads are validated, writes are asserted").

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace snbridge::common::mqttsn {

/// A cursor over a borrowed output buffer. The buffer must outlive the writer.
class byte_writer {
public:
    explicit byte_writer(std::span<std::uint8_t> out) noexcept
        : out_(out) {}

    /// Bytes written so far.
    [[nodiscard]] std::size_t written() const noexcept { return pos_; }

    void u8(std::uint8_t v) noexcept {
        assert(pos_ + 1 <= out_.size());
        out_[pos_++] = v;
    }

    /// Most significant octet first (MQTT-SN 1.2 §5.2.1).
    void u16(std::uint16_t v) noexcept {
        assert(pos_ + 2 <= out_.size());
        out_[pos_] = static_cast<std::uint8_t>(v >> 8);
        out_[pos_ + 1] = static_cast<std::uint8_t>(v & 0xFFU);
        pos_ += 2;
    }

    void bytes(const void* data, std::size_t n) noexcept {
        assert(pos_ + n <= out_.size());
        if (n != 0) {
            std::memcpy(out_.data() + pos_, data, n);
        }
        pos_ += n;
    }

private:
    std::span<std::uint8_t> out_;
    std::size_t pos_ = 0;
};

} // namespace snbridge::common::mqttsn
