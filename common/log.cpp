#include "common/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <syslog.h>
#include <unistd.h>

namespace snbridge::common::log {

namespace {

std::atomic<level> min_level{level::info};

struct sinks {
    std::mutex mutex;
    destinations where;
    int fd = -1;
};

sinks& out() {
    static sinks s;
    return s;
}

int syslog_priority(level l) noexcept {
    switch (l) {
    case level::debug:
        return LOG_DEBUG;
    case level::info:
        return LOG_INFO;
    case level::notice:
        return LOG_NOTICE;
    case level::warning:
        return LOG_WARNING;
    case level::error:
        return LOG_ERR;
    }
    return LOG_INFO;
}

int open_file(const std::string& path) noexcept {
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

} // namespace

void set_level(level min) noexcept {
    min_level.store(min, std::memory_order_relaxed);
}

level current_level() noexcept {
    return min_level.load(std::memory_order_relaxed);
}

std::optional<std::string> set_destinations(const destinations& d) {
    int fd = -1;
    if (!d.file.empty()) {
        fd = open_file(d.file);
        if (fd < 0) {
            return d.file + ": cannot open the log file: " + std::strerror(errno);
        }
    }
    auto& s = out();
    const std::lock_guard lock(s.mutex);
    if (s.fd >= 0) {
        ::close(s.fd);
    }
    s.fd = fd;
    if (d.to_syslog && !s.where.to_syslog) {
        ::openlog("snbridge", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    } else if (!d.to_syslog && s.where.to_syslog) {
        ::closelog();
    }
    s.where = d;
    return std::nullopt;
}

void reopen_file() noexcept {
    auto& s = out();
    const std::lock_guard lock(s.mutex);
    if (s.where.file.empty()) {
        return;
    }
    const int fd = open_file(s.where.file);
    if (fd >= 0) {
        if (s.fd >= 0) {
            ::close(s.fd);
        }
        s.fd = fd;
    }
}

void write(level l, std::string_view text) noexcept {
    if (!enabled(l)) {
        return;
    }
    char prefix[32];
    const int n =
        std::snprintf(prefix, sizeof prefix, "%lld: ", static_cast<long long>(std::time(nullptr)));
    std::string line;
    line.reserve(static_cast<std::size_t>(n) + text.size() + 1);
    line.append(prefix, static_cast<std::size_t>(n));
    line.append(text);
    line.push_back('\n');
    auto& s = out();
    const std::lock_guard lock(s.mutex);
    if (s.where.to_stderr) {
        // One fwrite per line keeps lines whole.
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
    }
    if (s.fd >= 0) {
        (void)!::write(s.fd, line.data(), line.size());
    }
    if (s.where.to_syslog) {
        ::syslog(syslog_priority(l), "%.*s", static_cast<int>(text.size()), text.data());
    }
}

} // namespace snbridge::common::log
