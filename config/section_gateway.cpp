#include "config/sections.hpp"

namespace snbridge::config {

void parse_gateway(section_reader& r, gateway_section& out) {
    // MQTT-SN 1.2 §5.4.1: GwId is one octet; 0 is kept out so that "no gateway" stays distinct.
    r.read("id", out.id, 1, 255);
    r.read("name", out.name, 1, 64);
    // Under gateway: (the top-level keys are fixed): the pid file names this running gateway.
    if (auto v = r.value("pid_file"); v && !v->is_null()) {
        if (auto path = v->as_string(1, 4096)) {
            out.pid_file = std::move(*path);
        }
    }
}

} // namespace snbridge::config
