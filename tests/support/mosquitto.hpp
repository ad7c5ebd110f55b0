#pragma once

// A real Mosquitto broker (/usr/sbin/mosquitto) for integration tests: a generated config on
// an ephemeral 127.0.0.1 port in a private temp dir, started and waited for until it accepts
// TCP connections, stopped (or killed, or restarted on the same port and state) on demand.
// Options: persistence, a password file, a TLS listener (self-signed certificates made with
// openssl in the temp dir).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace snbridge::test {

struct mosquitto_options {
    /// `persistence true` with its database in the temp dir (kept across restart()).
    bool persistence = false;
    /// Users for a password file (mosquitto_passwd -b); non-empty turns anonymous access off.
    std::vector<std::pair<std::string, std::string>> users{};
    /// A second listener with TLS (tls_port()); certificates in tls_ca_file() etc.
    bool tls = false;
    /// subjectAltName of the broker's TLS certificate (a name other than 127.0.0.1 makes a
    /// host-name mismatch).
    std::string tls_names = "IP:127.0.0.1,DNS:localhost";
    /// A broker certificate that expired in 2020 (made with `openssl ca -startdate/-enddate`,
    /// since `openssl x509 -days` takes no negative count).
    bool tls_expired = false;
    /// Appended verbatim to the generated mosquitto.conf (e.g. "max_queued_messages 10").
    std::string extra_config{};
};

class mosquitto {
public:
    /// Starts the broker and waits (up to 10 s) until it accepts connections. Throws
    /// std::runtime_error on failure, with Mosquitto's output in the message.
    explicit mosquitto(mosquitto_options options = {});
    /// Stops the broker (SIGTERM, then SIGKILL).
    ~mosquitto();
    mosquitto(const mosquitto&) = delete;
    mosquitto& operator=(const mosquitto&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// 0 unless options.tls.
    [[nodiscard]] std::uint16_t tls_port() const noexcept { return tls_port_; }
    /// "tcp://127.0.0.1:PORT" (Paho style).
    [[nodiscard]] std::string uri() const;
    /// "ssl://127.0.0.1:TLS_PORT".
    [[nodiscard]] std::string tls_uri() const;
    [[nodiscard]] std::filesystem::path tls_ca_file() const { return dir_.file("ca.crt"); }
    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    /// Mosquitto's own log so far (all log types).
    [[nodiscard]] std::string log() const;
    [[nodiscard]] bool running() const;
    [[nodiscard]] process& proc() { return *proc_; }

    /// Clean stop (SIGTERM; Mosquitto saves its persistence database). Returns the exit code.
    int stop();
    /// Crash: SIGKILL, no database save.
    void kill();
    /// Starts again on the same ports with the same config and state (after stop/kill), and
    /// waits until it accepts connections. Throws like the constructor.
    void restart();

private:
    void start();

    temp_dir dir_;
    mosquitto_options options_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::unique_ptr<process> proc_;
    /// Output of earlier runs (before restart()), so log() covers the whole test.
    std::string earlier_log_;
};

/// True when a TCP connection to 127.0.0.1:port succeeds.
[[nodiscard]] bool tcp_accepts(std::uint16_t port);

} // namespace snbridge::test
