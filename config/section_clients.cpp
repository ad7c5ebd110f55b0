#include "config/sections.hpp"

namespace snbridge::config {

void parse_clients(section_reader& /*r*/, clients_section& /*out*/) {
    // No keys yet: any key here is reported as unknown.
}

} // namespace snbridge::config
