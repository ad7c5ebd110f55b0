#include "gateway/pid_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "common/log.hpp"

namespace snbridge::gateway {

common::result<pid_file> pid_file::write(const std::string& path) {
    if (path.empty()) {
        return pid_file(std::string());
    }
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return common::fail(
            common::error{"gateway.pid_file: cannot write " + path + ": " + std::strerror(errno)});
    }
    const auto text = std::to_string(::getpid()) + "\n";
    const auto written = ::write(fd, text.data(), text.size());
    const int write_errno = errno;
    if (::close(fd) != 0 || written != static_cast<ssize_t>(text.size())) {
        ::unlink(path.c_str());
        return common::fail(common::error{"gateway.pid_file: cannot write " + path + ": " +
                                          std::strerror(written < 0 ? write_errno : EIO)});
    }
    return pid_file(path);
}

pid_file::pid_file(pid_file&& other) noexcept
    : path_(std::move(other.path_)) {
    other.path_.clear();
}

pid_file::~pid_file() {
    if (path_.empty()) {
        return;
    }
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
        common::log::info("Pid file ", path_, " left in place: ", std::strerror(errno), ".");
    }
}

} // namespace snbridge::gateway
