#pragma once

// One real snbridge process for an integration test: a temporary YAML config that listens on
// 127.0.0.1 only (ephemeral port), `-v` packet logging, started and waited for ("running").
// The process is stopped (SIGTERM, then SIGKILL) when the fixture goes away.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace snbridge::test {

class snbridge_fixture {
public:
    /// Starts snbridge with `mqttsn.listen: ["127.0.0.1:PORT"]`, ADVERTISE off, plus
    /// `extra_yaml` (more top-level sections; it must not repeat the `mqttsn` key — pass
    /// more `mqttsn` keys in `extra_mqttsn`, each line indented by two spaces).
    /// Throws std::runtime_error when the binary does not start or never says "running".
    explicit snbridge_fixture(std::string_view extra_yaml = {}, std::string_view extra_mqttsn = {});
    ~snbridge_fixture();
    snbridge_fixture(const snbridge_fixture&) = delete;
    snbridge_fixture& operator=(const snbridge_fixture&) = delete;
    snbridge_fixture(snbridge_fixture&&) = delete;
    snbridge_fixture& operator=(snbridge_fixture&&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] process& proc() noexcept { return *proc_; }
    /// SIGTERM and wait; the exit code (0 expected), nullopt when it had to be killed.
    std::optional<int> stop();
    /// A crash: SIGKILL, nothing flushed, and wait.
    void kill();
    /// Starts the binary again on the same port and config (after stop() or kill()), and waits
    /// for "running". The earlier runs' output stays in earlier_output(). Throws as the
    /// constructor does.
    void restart();
    [[nodiscard]] const std::string& earlier_output() const noexcept { return earlier_; }
    /// The fixture's own temporary directory (for state files named in extra_yaml).
    [[nodiscard]] const temp_dir& dir() const noexcept { return dir_; }

private:
    void start();

    temp_dir dir_;
    std::string file_;
    std::string earlier_;
    std::uint16_t port_;
    std::optional<process> proc_;
};

} // namespace snbridge::test
