#include "gateway/daemon.hpp"

#include <string>
#include <unistd.h>
#include <vector>

#include "common/log.hpp"
#include "gateway/privilege_drop.hpp"

namespace snbridge::gateway {

common::result<std::unique_ptr<daemon>> daemon::serve(common::uv::loop& l,
                                                      const config::config& c) {
    // As root, before the switch: the pid file may live in a root-only directory (/run).
    auto pid = pid_file::write(c.gateway.pid_file);
    if (!pid) {
        return common::fail(pid.error());
    }
    std::vector<std::string> state_files;
    if (c.persistence) {
        // SQLite's files beside the database (WAL mode; -journal if it ever rolls back).
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            state_files.push_back(c.persistence->path + suffix);
        }
    }
    const auto dropped = drop_privileges(c.user, state_files);
    if (!dropped) {
        return common::fail(dropped.error());
    }
    switch (*dropped) {
    case privilege_outcome::none:
        break;
    case privilege_outcome::already_that_user:
        common::log::notice("Already running as user ", c.user, ".");
        break;
    case privilege_outcome::stayed_root:
        common::log::notice("Running as root (user: root).");
        break;
    case privilege_outcome::switched:
        common::log::notice("Switched to user ", c.user, " (uid ", ::getuid(), ", gid ", ::getgid(),
                            "); no capabilities left.");
        break;
    }
    auto d = std::make_unique<daemon>(only_serve{}, l, std::move(*pid));
    d->notify_.ready();
    return d;
}

} // namespace snbridge::gateway
