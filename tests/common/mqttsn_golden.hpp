#pragma once

// Golden MQTT-SN v1.2 messages shared by the codec tests (and written out as the fuzz seed
// corpus). Each wire octet carries a comment naming its field (MQTT-SN 1.2 §5.4, §5.5).

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/mqttsn/packet.hpp"

namespace mqttsn_test {

struct golden {
    std::string_view name;
    std::vector<std::uint8_t> wire;
    snbridge::common::mqttsn::packet msg;
};

/// One entry per message form; at least one per Table 3 type and one Encapsulated.
const std::vector<golden>& golden_messages();

} // namespace mqttsn_test
