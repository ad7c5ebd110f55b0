#include "tests/support/process.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace snbridge::test {

std::string binary_path(std::string_view relative) {
    return std::string(SNB_BINARY_DIR) + "/" + std::string(relative);
}

std::string source_path(std::string_view relative) {
    return std::string(SNB_SOURCE_DIR) + "/" + std::string(relative);
}

namespace {

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        bool replaced = false;
        for (const auto& x : extra) {
            if (x.substr(0, x.find('=')) == name) {
                replaced = true;
            }
        }
        if (!replaced) {
            env.emplace_back(entry);
        }
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

} // namespace

process::process(std::string program, std::vector<std::string> args, process_options options)
    : out_path_(dir_.file("output.log")) {
    const int fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot create " + out_path_.string());
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fd, 1);
    posix_spawn_file_actions_adddup2(&actions, fd, 2);
    if (!options.cwd.empty()) {
        // glibc 2.29+ (Debian 12 has 2.36).
        posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
    }
    // The child starts with default signal dispositions and an empty mask, whatever the test
    // runner blocked or ignored.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> argv_s;
    argv_s.push_back(program);
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    auto env_s = merged_environment(options.env);
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env_s);
    const int rc = ::posix_spawn(&pid_, program.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(fd);
    if (rc != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
    }
}

process::~process() {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, SIGKILL);
        reap(true);
    }
}

std::string process::output() const {
    // Plain stdio: g++ 12 -O2 reports istreambuf_iterator copies as null dereferences.
    std::string text;
    if (std::FILE* f = std::fopen(out_path_.c_str(), "rb")) {
        char chunk[4096];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
            text.append(chunk, n);
        }
        std::fclose(f);
    }
    return text;
}

std::size_t process::count(std::string_view needle) const {
    if (needle.empty()) {
        return 0;
    }
    const auto text = output();
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size())) {
        ++n;
    }
    return n;
}

bool process::wait_for_output(std::string_view needle, duration timeout, std::size_t times) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (count(needle) >= times) {
            return true;
        }
        // One more look after the child exits: it may have written its last line just before.
        if (!running()) {
            return count(needle) >= times;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool process::wait_for_output(const std::regex& pattern, duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (std::regex_search(output(), pattern)) {
            return true;
        }
        if (!running()) {
            return std::regex_search(output(), pattern);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void process::send_signal(int signal) noexcept {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, signal);
    }
}

bool process::reap(bool block) {
    if (exit_code_) {
        return true;
    }
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
        if (WIFEXITED(status)) {
            exit_code_ = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            exit_code_ = 128 + WTERMSIG(status);
        } else {
            exit_code_ = -1;
        }
        return true;
    }
    if (r < 0) {
        exit_code_ = -1; // not our child any more (cannot happen unless reaped elsewhere)
        return true;
    }
    return false;
}

bool process::running() {
    return pid_ > 0 && !reap(false);
}

std::optional<int> process::wait_exit(duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap(false)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return exit_code_;
}

std::optional<int> process::stop(duration timeout) {
    send_signal(SIGTERM);
    if (auto code = wait_exit(timeout)) {
        return code;
    }
    send_signal(SIGKILL);
    reap(true);
    return exit_code_;
}

} // namespace snbridge::test
