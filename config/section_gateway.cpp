#include "config/sections.hpp"

namespace snbridge::config {

void parse_gateway(section_reader& r, gateway_section& out) {
    // MQTT-SN 1.2 §5.4.1: GwId is one octet; 0 is kept out so that "no gateway" stays distinct.
    r.read("id", out.id, 1, 255);
    r.read("name", out.name, 1, 64);
}

} // namespace snbridge::config
