#include "config/sections.hpp"

namespace snbridge::config {

void parse_broker(section_reader& /*r*/, broker_section& /*out*/) {
    // No keys yet: any key here is reported as unknown.
}

} // namespace snbridge::config
