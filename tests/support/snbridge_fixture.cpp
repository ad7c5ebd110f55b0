#include "tests/support/snbridge_fixture.hpp"

#include <chrono>
#include <csignal>
#include <stdexcept>

namespace snbridge::test {

snbridge_fixture::snbridge_fixture(std::string_view extra_yaml, std::string_view extra_mqttsn)
    : port_(free_udp_port(false)) {
    std::string yaml = "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(port_) +
                       "\"]\n  advertise_interval: 0s\n";
    yaml += extra_mqttsn;
    yaml += "\n";
    yaml += extra_yaml;
    yaml += "\n";
    file_ = dir_.write("snbridge.yaml", yaml).string();
    start();
}

snbridge_fixture::~snbridge_fixture() {
    if (proc_) {
        proc_->stop(std::chrono::seconds(5));
    }
}

void snbridge_fixture::start() {
    proc_.emplace(binary_path("gateway/snbridge"), std::vector<std::string>{"-c", file_, "-v"});
    if (!proc_->wait_for_output(" running", std::chrono::seconds(10))) {
        throw std::runtime_error("snbridge did not start: " + proc_->output());
    }
}

std::optional<int> snbridge_fixture::stop() {
    return proc_->stop(std::chrono::seconds(10));
}

void snbridge_fixture::kill() {
    proc_->send_signal(SIGKILL);
    (void)proc_->wait_exit(std::chrono::seconds(10));
}

void snbridge_fixture::restart() {
    earlier_ += proc_->output();
    proc_.reset();
    start();
}

} // namespace snbridge::test
