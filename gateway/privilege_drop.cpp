#include "gateway/privilege_drop.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace snbridge::gateway {

namespace {

struct user_entry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

common::result<user_entry> look_up(const std::string& name) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    const int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr) {
        return common::fail(
            common::error{"cannot switch to user " + name + ": " +
                          (rc == 0 ? std::string("no such user (getpwnam)") : std::strerror(rc))});
    }
    return user_entry{.name = name, .uid = entry.pw_uid, .gid = entry.pw_gid};
}

common::error failed(const user_entry& u, const char* step) {
    return common::error{"cannot switch to user " + u.name + ": " + step + ": " +
                         std::strerror(errno)};
}

} // namespace

std::string proc_status_field(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const auto prefix = field + ":";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            const auto start = line.find_first_not_of(" \t", prefix.size());
            return start == std::string::npos ? std::string() : line.substr(start);
        }
    }
    return {};
}

common::result<privilege_outcome> drop_privileges(const std::string& user,
                                                  std::span<const std::string> owned_files) {
    if (user.empty()) {
        return privilege_outcome::none;
    }
    auto entry = look_up(user);
    if (!entry) {
        return common::fail(entry.error());
    }
    const auto& u = *entry;
    const uid_t current = geteuid();
    if (current == u.uid) {
        return u.uid == 0 ? privilege_outcome::stayed_root : privilege_outcome::already_that_user;
    }
    if (current != 0) {
        return common::fail(common::error{"cannot switch to user " + u.name +
                                          ": not started as root (running as uid " +
                                          std::to_string(current) + ")"});
    }
    for (const auto& path : owned_files) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            continue; // not created (yet): the user creates it in its own directory
        }
        if (::lchown(path.c_str(), u.uid, u.gid) != 0) {
            return common::fail(common::error{"cannot hand " + path + " to user " + u.name +
                                              ": chown: " + std::strerror(errno)});
        }
    }
    // Groups first: after setuid the process may no longer change them.
    if (::initgroups(u.name.c_str(), u.gid) != 0) {
        return common::fail(failed(u, "initgroups"));
    }
    if (::setgid(u.gid) != 0) {
        return common::fail(failed(u, "setgid"));
    }
    if (::setuid(u.uid) != 0) {
        return common::fail(failed(u, "setuid"));
    }
    // setuid from root to another user clears the permitted and effective capability sets
    // unless PR_SET_KEEPCAPS was set (capabilities(7), "Effect of user ID changes"); proven,
    // not assumed.
    if (::setuid(0) == 0) {
        return common::fail(common::error{"cannot switch to user " + u.name +
                                          ": root could be regained after setuid"});
    }
    for (const char* field : {"CapEff", "CapPrm"}) {
        const auto value = proc_status_field(field);
        if (value.empty() || value.find_first_not_of('0') != std::string::npos) {
            return common::fail(common::error{"cannot switch to user " + u.name + ": " + field +
                                              " is " + (value.empty() ? "unreadable" : value) +
                                              " after setuid, expected 0"});
        }
    }
    return privilege_outcome::switched;
}

} // namespace snbridge::gateway
