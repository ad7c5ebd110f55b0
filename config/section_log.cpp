#include "config/sections.hpp"

namespace snbridge::config {

void parse_log(section_reader& r, log_section& out) {
    r.read("verbose", out.verbose);
}

} // namespace snbridge::config
