// libFuzzer target for the MQTT-SN v1.2 decoder. Any input must decode or fail cleanly
// (ASan/UBSan watch the reads); whatever decodes must encode to exactly encoded_size() octets
// and decode again to an equal message. A broken property aborts.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "common/mqttsn/packet.hpp"

namespace sn = snbridge::common::mqttsn;

namespace {

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "fuzz_mqttsn_decode: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto decoded = sn::decode(std::span<const std::uint8_t>(data, size));
    if (!decoded) {
        (void)sn::to_string(decoded.error());
        return 0;
    }
    (void)sn::to_string(sn::type_of(*decoded));
    const std::size_t expected = sn::encoded_size(*decoded);
    if (expected == 0) {
        broken("a decoded message is not encodable");
    }
    std::vector<std::uint8_t> out(expected + 1, 0xA5);
    const std::size_t written = sn::encode(*decoded, out);
    if (written != expected) {
        broken("encode() wrote a size other than encoded_size()");
    }
    if (out[expected] != 0xA5) {
        broken("encode() wrote past encoded_size()");
    }
    out.resize(written);
    const auto again = sn::decode(out);
    if (!again) {
        broken("re-encoded message does not decode");
    }
    if (!(*again == *decoded)) {
        broken("decode(encode(decode(x))) != decode(x)");
    }
    // A message in its canonical form re-encodes to the very same octets.
    if (sn::encode(*again) != out) {
        broken("encoding is not stable");
    }
    return 0;
}
