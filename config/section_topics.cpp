#include "config/sections.hpp"

namespace snbridge::config {

void parse_topics(section_reader& /*r*/, topics_section& /*out*/) {
    // No keys yet: any key here is reported as unknown.
}

} // namespace snbridge::config
