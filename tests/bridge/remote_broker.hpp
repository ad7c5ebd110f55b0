#pragma once

// A Mosquitto for the remote-mode tests: own config in a temp dir, an ephemeral loopback
// port, optional persistence, stop and restart on the same port. (Stand-in until
// tests/support/mosquitto.hpp covers all of this.)

#include <chrono>
#include <memory>
#include <string>
#include <unistd.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace snbridge::test {

class remote_broker {
public:
    explicit remote_broker(bool persistence = false, std::string extra_config = {})
        : port_(free_tcp_port())
        , persistence_(persistence)
        , extra_(std::move(extra_config)) {
        start();
    }

    void start() {
        std::string conf = "listener " + std::to_string(port_) + " 127.0.0.1\n" +
                           "allow_anonymous true\n" + "log_dest stderr\n" + "log_type all\n" +
                           "connection_messages true\n" + "max_queued_messages 10000\n";
        if (persistence_) {
            // As root, Mosquitto switches to the 'mosquitto' user, which cannot write into
            // the temp dir: it would restore nothing after a restart.
            if (::geteuid() == 0) {
                conf += "user root\n";
            }
            conf += "persistence true\npersistence_location " + dir_.path().string() +
                    "/\nautosave_interval 1\n";
        }
        conf += extra_;
        const auto path = dir_.write("mosquitto.conf", conf);
        proc_ = std::make_unique<process>("/usr/sbin/mosquitto",
                                          std::vector<std::string>{"-c", path.string()});
        if (!proc_->wait_for_output(" running", std::chrono::seconds(10))) {
            throw std::runtime_error("mosquitto did not start: " + proc_->output());
        }
    }
    /// SIGTERM (Mosquitto saves its persistence file), keeps the log of this run in `log_`.
    void stop() {
        if (proc_) {
            proc_->stop();
            past_log_ += proc_->output();
            proc_.reset();
        }
    }
    [[nodiscard]] std::string log() const { return past_log_ + (proc_ ? proc_->output() : ""); }
    [[nodiscard]] std::size_t count(const std::string& needle) const {
        const auto text = log();
        std::size_t n = 0;
        for (auto pos = text.find(needle); pos != std::string::npos;
             pos = text.find(needle, pos + needle.size())) {
            ++n;
        }
        return n;
    }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] const temp_dir& dir() const noexcept { return dir_; }

private:
    temp_dir dir_;
    std::uint16_t port_;
    bool persistence_;
    std::string extra_;
    std::unique_ptr<process> proc_;
    std::string past_log_;
};

} // namespace snbridge::test
