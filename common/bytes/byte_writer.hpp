#pragma once

// Big-endian writer into a caller buffer, used by the MQTT-SN and MQTT 3.1.1 encoders. The
// encoders compute the exact size first and check the buffer against it, so writes are
// asserted, not validated ("reads are validated, writes are asserted").

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace snbridge::common {

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

    /// Most significant octet first (MQTT-SN 1.2 §5.2.1, MQTT 3.1.1 §1.5.2).
    void u16(std::uint16_t v) noexcept {
        assert(pos_ + 2 <= out_.size());
        out_[pos_] = static_cast<std::uint8_t>(v >> 8);
        out_[pos_ + 1] = static_cast<std::uint8_t>(v & 0xFFU);
        pos_ += 2;
    }

    void bytes(std::span<const std::uint8_t> b) noexcept { raw(b.data(), b.size()); }

    /// The characters of `s` as octets, without a length prefix.
    void chars(std::string_view s) noexcept { raw(s.data(), s.size()); }

private:
    void raw(const void* data, std::size_t n) noexcept {
        assert(pos_ + n <= out_.size());
        if (n != 0) {
            std::memcpy(out_.data() + pos_, data, n);
        }
        pos_ += n;
    }

    std::span<std::uint8_t> out_;
    std::size_t pos_ = 0;
};

} // namespace snbridge::common
