#include "config/sections.hpp"

namespace snbridge::config {

void parse_upstream(section_reader& /*r*/, upstream_section& /*out*/) {
    // No keys yet: any key here is reported as unknown.
}

} // namespace snbridge::config
