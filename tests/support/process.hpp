#pragma once

// A real child process for integration tests: spawned with arguments, its stdout and stderr
// captured (interleaved, in order) into a file, polled for expected output, signalled, and
// waited for with a timeout. The destructor kills (SIGKILL) and reaps a child still running,
// so a failing test never leaves a process behind.

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace snbridge::test {

/// Path of a binary built by this CMake tree, e.g. binary_path("gateway/snbridge").
[[nodiscard]] std::string binary_path(std::string_view relative);

/// Path of a file in the source tree, e.g. source_path("docs/configuration.md").
[[nodiscard]] std::string source_path(std::string_view relative);

struct process_options {
    /// Working directory of the child (empty: the test's own).
    std::filesystem::path cwd{};
    /// Extra environment entries "NAME=value", added to (or replacing in) the test's own.
    std::vector<std::string> env{};
};

class process {
public:
    using duration = std::chrono::milliseconds;

    /// Spawns `program` (a path, not searched in $PATH) with `args` (argv[1..]).
    /// Throws std::runtime_error when the program cannot be started (test set-up).
    process(std::string program, std::vector<std::string> args, process_options options = {});
    ~process();
    process(const process&) = delete;
    process& operator=(const process&) = delete;
    process(process&&) = delete;
    process& operator=(process&&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    /// The captured output file (stdout and stderr interleaved).
    [[nodiscard]] const std::filesystem::path& output_path() const noexcept { return out_path_; }
    /// Everything the child wrote so far.
    [[nodiscard]] std::string output() const;
    /// Number of (possibly overlapping-free) occurrences of `needle` in output().
    [[nodiscard]] std::size_t count(std::string_view needle) const;

    /// Polls output() until it contains `needle` at least `times` times, the child exits, or
    /// `timeout` passes. Returns true when found.
    bool wait_for_output(std::string_view needle, duration timeout = std::chrono::seconds(10),
                         std::size_t times = 1);
    /// Same with a regular expression (std::regex_search over the whole output).
    bool wait_for_output(const std::regex& pattern, duration timeout = std::chrono::seconds(10));

    /// Sends `signal` (SIGTERM, SIGINT, ...) if the child has not been reaped yet.
    void send_signal(int signal) noexcept;
    /// True while the child has not exited.
    [[nodiscard]] bool running();
    /// Waits for the child to exit. Returns its exit code (0..255), or 128+N when killed by
    /// signal N, or nullopt on timeout (the child keeps running).
    std::optional<int> wait_exit(duration timeout = std::chrono::seconds(10));
    /// SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code as wait_exit does.
    std::optional<int> stop(duration timeout = std::chrono::seconds(10));

private:
    bool reap(bool block);

    temp_dir dir_;
    std::filesystem::path out_path_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

} // namespace snbridge::test
