#include "tests/support/snbridge_fixture.hpp"

#include <chrono>
#include <stdexcept>

#include "tests/support/ports.hpp"

namespace snbridge::test {

snbridge_fixture::snbridge_fixture(std::string_view extra_yaml, std::string_view extra_mqttsn)
    : port_(free_udp_port(false)) {
    std::string yaml = "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(port_) +
                       "\"]\n  advertise_interval: 0s\n";
    yaml += extra_mqttsn;
    yaml += "\n";
    yaml += extra_yaml;
    yaml += "\n";
    const auto file = dir_.write("snbridge.yaml", yaml);
    proc_.emplace(binary_path("gateway/snbridge"),
                  std::vector<std::string>{"-c", file.string(), "-v"});
    if (!proc_->wait_for_output(" running", std::chrono::seconds(10))) {
        throw std::runtime_error("snbridge did not start: " + proc_->output());
    }
}

snbridge_fixture::~snbridge_fixture() {
    if (proc_) {
        proc_->stop(std::chrono::seconds(5));
    }
}

std::optional<int> snbridge_fixture::stop() {
    return proc_->stop(std::chrono::seconds(10));
}

} // namespace snbridge::test
