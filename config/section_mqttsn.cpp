#include "config/sections.hpp"

namespace snbridge::config {

void parse_mqttsn(section_reader& r, mqttsn_section& out) {
    r.read("listen", out.listen, 1, 16);
}

} // namespace snbridge::config
