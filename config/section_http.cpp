#include "config/sections.hpp"

namespace snbridge::config {

void parse_http(section_reader& r, http_section& out) {
    r.read("listen", out.listen, 0, 16);
    r.read("max_connections", out.max_connections, 1u, 4096u);
}

} // namespace snbridge::config
