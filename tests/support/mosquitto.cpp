#include "tests/support/mosquitto.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "tests/support/ports.hpp"

namespace snbridge::test {

namespace {

const char* const mosquitto_bin = "/usr/sbin/mosquitto";

void run_tool(const std::string& program, const std::vector<std::string>& args) {
    process p(program, args);
    const auto code = p.wait_exit(std::chrono::seconds(30));
    if (code != 0) {
        throw std::runtime_error(program + " failed: " + p.output());
    }
}

} // namespace

bool tcp_accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
    return ok;
}

mosquitto::mosquitto(mosquitto_options options)
    : options_(std::move(options)) {
    port_ = free_tcp_port();
    std::string conf;
    // Running as root, Mosquitto would switch to the 'mosquitto' user, which cannot write
    // into our temp dir.
    if (::geteuid() == 0) {
        conf += "user root\n";
    }
    conf += "log_dest stderr\nlog_type all\nlog_timestamp true\n";
    conf += "per_listener_settings false\n";
    conf += "listener " + std::to_string(port_) + " 127.0.0.1\n";
    if (options_.tls) {
        tls_port_ = free_tcp_port();
        const auto d = dir_.path().string();
        run_tool("/usr/bin/openssl",
                 {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                  "/CN=snbridge test CA", "-keyout", d + "/ca.key", "-out", d + "/ca.crt"});
        run_tool("/usr/bin/openssl",
                 {"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
                  d + "/server.key", "-out", d + "/server.csr"});
        if (options_.tls_expired) {
            dir_.write("ca-index.txt", "");
            dir_.write("ca-serial", "1000\n");
            dir_.write("ca.cnf", "[ca]\ndefault_ca = d\n[d]\ndatabase = " + d +
                                     "/ca-index.txt\nserial = " + d + "/ca-serial\n" +
                                     "new_certs_dir = " + d + "\ndefault_md = sha256\n" +
                                     "policy = p\n[p]\ncommonName = supplied\n" +
                                     "[x]\nsubjectAltName = " + options_.tls_names + "\n");
            run_tool("/usr/bin/openssl",
                     {"ca", "-batch", "-config", d + "/ca.cnf", "-cert", d + "/ca.crt", "-keyfile",
                      d + "/ca.key", "-in", d + "/server.csr", "-out", d + "/server.crt",
                      "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-extensions",
                      "x", "-notext"});
        } else {
            dir_.write("san.ext", "subjectAltName=" + options_.tls_names + "\n");
            run_tool("/usr/bin/openssl",
                     {"x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey",
                      d + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", d + "/san.ext",
                      "-out", d + "/server.crt"});
        }
        conf += "listener " + std::to_string(tls_port_) + " 127.0.0.1\n";
        conf += "cafile " + d + "/ca.crt\ncertfile " + d + "/server.crt\nkeyfile " + d +
                "/server.key\n";
    }
    if (options_.users.empty()) {
        conf += "allow_anonymous true\n";
    } else {
        const auto pw = dir_.file("passwords").string();
        dir_.write("passwords", "");
        for (const auto& [user, password] : options_.users) {
            run_tool("/usr/bin/mosquitto_passwd", {"-b", pw, user, password});
        }
        conf += "allow_anonymous false\npassword_file " + pw + "\n";
    }
    if (options_.persistence) {
        conf += "persistence true\npersistence_location " + dir_.path().string() + "/\n";
        conf += "autosave_interval 1\n";
    } else {
        conf += "persistence false\n";
    }
    conf += options_.extra_config;
    if (!conf.empty() && conf.back() != '\n') {
        conf += '\n';
    }
    dir_.write("mosquitto.conf", conf);
    start();
}

mosquitto::~mosquitto() {
    if (proc_) {
        proc_->stop(std::chrono::seconds(5));
    }
}

void mosquitto::start() {
    proc_ = std::make_unique<process>(
        mosquitto_bin, std::vector<std::string>{"-c", dir_.file("mosquitto.conf").string()},
        process_options{.cwd = dir_.path(), .env = {}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!proc_->running()) {
            break;
        }
        if (tcp_accepts(port_) && (tls_port_ == 0 || tcp_accepts(tls_port_))) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto out = proc_->output();
    proc_->stop(std::chrono::seconds(2));
    throw std::runtime_error("mosquitto did not start on 127.0.0.1:" + std::to_string(port_) +
                             ":\n" + out);
}

std::string mosquitto::uri() const {
    return "tcp://127.0.0.1:" + std::to_string(port_);
}

std::string mosquitto::tls_uri() const {
    return "ssl://127.0.0.1:" + std::to_string(tls_port_);
}

std::string mosquitto::log() const {
    return earlier_log_ + (proc_ ? proc_->output() : "");
}

bool mosquitto::running() const {
    return proc_ && proc_->running();
}

int mosquitto::stop() {
    if (!proc_) {
        return -1;
    }
    return proc_->stop(std::chrono::seconds(10)).value_or(-1);
}

void mosquitto::kill() {
    if (proc_) {
        proc_->send_signal(SIGKILL);
        proc_->wait_exit(std::chrono::seconds(10));
    }
}

void mosquitto::restart() {
    if (proc_) {
        if (proc_->running()) {
            proc_->stop(std::chrono::seconds(10));
        }
        earlier_log_ += proc_->output();
        proc_.reset();
    }
    start();
}

} // namespace snbridge::test
