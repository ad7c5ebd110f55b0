// libFuzzer target: the MQTT 3.1.1 stream framer and packet decoder on arbitrary bytes.
// Properties checked: no crash or sanitizer report; a decoded packet re-encodes to exactly
// encoded_size() bytes and decodes again to the same packet.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/mqtt/framer.hpp"
#include "common/mqtt/packet.hpp"

namespace mqtt = snbridge::common::mqtt;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    // The whole input as one packet.
    (void)mqtt::decode(input);
    // The input as a stream: cut packets out as a TCP connection would.
    std::span<const std::uint8_t> rest = input;
    while (!rest.empty()) {
        const auto frame = mqtt::next_frame(rest, 4096);
        if (!frame || !frame->complete) {
            break;
        }
        const auto p = mqtt::decode(rest.first(frame->total_size));
        if (p) {
            const auto wire = mqtt::encode(*p);
            if (wire.size() != mqtt::encoded_size(*p)) {
                std::abort();
            }
            const auto again = mqtt::decode(wire);
            if (!again || !(*again == *p)) {
                std::abort();
            }
        }
        rest = rest.subspan(frame->total_size);
    }
    return 0;
}
