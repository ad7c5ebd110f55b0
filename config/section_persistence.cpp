#include <cctype>
#include <limits>

#include "config/files.hpp"
#include "config/sections.hpp"

namespace snbridge::config {

namespace {

constexpr std::uint64_t mib = 1024 * 1024;

/// "67108864", "64MB", "512 KB", "1GiB": bytes, with 1024-based units (any letter case).
std::optional<std::uint64_t> parse_size(std::string_view text) {
    std::size_t i = 0;
    std::uint64_t n = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0; ++i) {
        const auto digit = static_cast<std::uint64_t>(text[i] - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
            return std::nullopt;
        }
        n = n * 10 + digit;
    }
    if (i == 0) {
        return std::nullopt;
    }
    while (i < text.size() && text[i] == ' ') {
        ++i;
    }
    std::string unit;
    for (; i < text.size(); ++i) {
        unit.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
    }
    std::uint64_t scale = 1;
    if (unit.empty() || unit == "B") {
        scale = 1;
    } else if (unit == "KB" || unit == "KIB") {
        scale = 1024;
    } else if (unit == "MB" || unit == "MIB") {
        scale = mib;
    } else if (unit == "GB" || unit == "GIB") {
        scale = 1024 * mib;
    } else if (unit == "TB" || unit == "TIB") {
        scale = 1024 * 1024 * mib;
    } else {
        return std::nullopt;
    }
    if (n > std::numeric_limits<std::uint64_t>::max() / scale) {
        return std::nullopt;
    }
    return n * scale;
}

} // namespace

void parse_persistence(section_reader& r, std::optional<persistence_section>& out) {
    persistence_section p;
    bool on = false;
    if (auto v = r.value("path"); v && !v->is_null()) {
        if (auto path = v->as_string(0, 4096)) {
            if (path->empty()) {
                v->error("must be the path of the state file, got \"\" (set it to ~ or leave "
                         "persistence out to turn persistence off)");
            } else {
                if (auto why = unwritable(*path); !why.empty()) {
                    v->error("must be a state file snbridge can create or write, got \"" + *path +
                             "\" (" + why + ")");
                }
                p.path = std::move(*path);
                on = true;
            }
        }
    } else if (!v && (r.has("sync") || r.has("on_bad_file") || r.has("max_size"))) {
        r.error("path", "is required: the state file, e.g. /var/lib/snbridge/snbridge.db");
    }
    r.read_enum("sync", p.sync,
                {{"full", common::persist::sync_mode::full},
                 {"normal", common::persist::sync_mode::normal}});
    r.read_enum("on_bad_file", p.on_bad_file,
                {{"fail", common::persist::bad_file_policy::fail},
                 {"move_aside", common::persist::bad_file_policy::move_aside}});
    if (auto v = r.value("max_size")) {
        const auto size =
            v->node().IsScalar() ? parse_size(v->node().Scalar()) : std::optional<std::uint64_t>();
        if (!size) {
            v->must_be(R"(a size in bytes, e.g. 67108864, "64MB" or "1GB" (0: no limit))");
        } else if (*size != 0 && *size < mib) {
            v->must_be("0 (no limit) or at least 1MB");
        } else {
            p.max_size = *size;
        }
    }
    if (on) {
        out = std::move(p);
    }
}

} // namespace snbridge::config
