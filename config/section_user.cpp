#include <cerrno>
#include <cstring>
#include <pwd.h>
#include <sys/types.h>
#include <vector>

#include "config/sections.hpp"

namespace snbridge::config {

namespace {

/// Whether the passwd database knows `name`; an error text when the lookup itself failed.
std::optional<std::string> lookup_problem(const std::string& name) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    const int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found != nullptr) {
        return std::nullopt;
    }
    if (rc == 0 || rc == ENOENT || rc == ESRCH) {
        return "no such user on this system (getpwnam \"" + name +
               "\"); create it (adduser --system " + name + ") or change the key";
    }
    return "cannot look up user \"" + name + "\": " + std::strerror(rc);
}

} // namespace

void parse_user(section_reader& top, std::string& out) {
    auto v = top.value("user");
    if (!v || v->is_null()) {
        return;
    }
    // A POSIX portable user name is at most 32 bytes on Linux (useradd's limit).
    auto name = v->as_string(1, 32);
    if (!name) {
        return;
    }
    if (auto problem = lookup_problem(*name)) {
        v->error(*problem);
        return;
    }
    out = std::move(*name);
}

} // namespace snbridge::config
