#pragma once

// Mosquitto-style log lines: "<unix time>: <text>", one write per line, on stderr (the
// default), and/or to syslog (facility daemon, the level as its priority, no time prefix)
// and/or appended to a file (config `log.destinations`).

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace snbridge::common::log {

enum class level : std::uint8_t { debug, info, notice, warning, error };

/// Lines below this level are dropped. Default: info. Loop thread and startup only.
void set_level(level min) noexcept;
[[nodiscard]] level current_level() noexcept;
[[nodiscard]] inline bool enabled(level l) noexcept {
    return l >= current_level();
}

/// Where lines go. At start-up, before other threads log.
struct destinations {
    bool to_stderr = true;
    bool to_syslog = false;
    /// Appended to when not empty (opened by set_destinations).
    std::string file;
};
/// Opens the file destination (O_APPEND, created 0640) and syslog; an error names the file
/// and the cause, and leaves the destinations as they were.
[[nodiscard]] std::optional<std::string> set_destinations(const destinations& d);
/// Opens the log file again (after logrotate moved it; SIGHUP). Any thread.
void reopen_file() noexcept;

/// Writes one line (a trailing newline is added). Any thread.
void write(level l, std::string_view text) noexcept;

/// Concatenates anything streamable: cat("port ", 1883) -> "port 1883".
template <class... Args>
[[nodiscard]] std::string cat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

template <class... Args>
void debug(const Args&... args) {
    if (enabled(level::debug))
        write(level::debug, cat(args...));
}
template <class... Args>
void info(const Args&... args) {
    if (enabled(level::info))
        write(level::info, cat(args...));
}
template <class... Args>
void notice(const Args&... args) {
    if (enabled(level::notice))
        write(level::notice, cat(args...));
}
template <class... Args>
void warning(const Args&... args) {
    if (enabled(level::warning))
        write(level::warning, cat(args...));
}
template <class... Args>
void error(const Args&... args) {
    if (enabled(level::error))
        write(level::error, cat(args...));
}

} // namespace snbridge::common::log
