#pragma once

// `gateway.pid_file`: the process id in a file while the gateway runs (as Mosquitto's
// pid_file). Startup and shutdown only, loop thread.

#include <memory>
#include <string>

#include "common/result.hpp"

namespace snbridge::gateway {

class pid_file {
public:
    /// Writes "PID\n" to `path` (created 0644 or truncated). Empty `path`: nothing, no error.
    [[nodiscard]] static common::result<pid_file> write(const std::string& path);

    pid_file(pid_file&& other) noexcept;
    pid_file& operator=(pid_file&&) = delete;
    pid_file(const pid_file&) = delete;
    pid_file& operator=(const pid_file&) = delete;
    /// Removes the file when this process may (after a drop to a user that cannot write its
    /// directory it stays; the next start overwrites it).
    ~pid_file();

private:
    explicit pid_file(std::string path)
        : path_(std::move(path)) {}
    std::string path_; ///< empty: nothing to remove
};

} // namespace snbridge::gateway
