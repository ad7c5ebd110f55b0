#include "config/files.hpp"
#include "config/sections.hpp"

namespace snbridge::config {

void parse_log(section_reader& r, log_section& out) {
    r.read("verbose", out.verbose);
    r.read_enum("level", out.level,
                {{"debug", common::log::level::debug},
                 {"info", common::log::level::info},
                 {"notice", common::log::level::notice},
                 {"warning", common::log::level::warning},
                 {"error", common::log::level::error}});
    std::vector<std::string> where;
    if (!r.read("destinations", where, 1, 3, 1, 4096)) {
        return;
    }
    log_section parsed = out;
    parsed.to_stderr = false;
    parsed.to_syslog = false;
    parsed.file.clear();
    for (const auto& d : where) {
        if (d == "stderr" && !parsed.to_stderr) {
            parsed.to_stderr = true;
        } else if (d == "syslog" && !parsed.to_syslog) {
            parsed.to_syslog = true;
        } else if (d.starts_with("file:") && d.size() > 5 && parsed.file.empty()) {
            parsed.file = d.substr(5);
        } else {
            r.error("destinations",
                    "each must be stderr, syslog or file:PATH, at most once, got \"" + d + "\"");
            return;
        }
    }
    if (!parsed.file.empty()) {
        if (auto why = unwritable(parsed.file); !why.empty()) {
            r.error("destinations",
                    "file:" + parsed.file + " cannot be opened for appending (" + why + ")");
            return;
        }
    }
    out = parsed;
}

} // namespace snbridge::config
