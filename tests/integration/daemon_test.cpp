// Issue 13 point 3: the real snbridge as a service. Started as root with `user: nobody` it
// runs as nobody, with nobody's groups and no capability (/proc/PID/status), and still writes
// its state file; started as a non-root user it refuses another user; the pid file; systemd's
// notify protocol (READY=1, WATCHDOG=1, STOPPING=1) on a real AF_UNIX datagram socket, as
// sd_notify(3) speaks it.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/snbridge_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

const std::string snbridge_bin = test::binary_path("gateway/snbridge");

/// The tab-separated values of `field` in /proc/PID/status ("Uid" gives real, effective,
/// saved and filesystem uid).
std::vector<std::string> status_field(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream values(line.substr(field.size() + 1));
            std::vector<std::string> out;
            for (std::string v; values >> v;) {
                out.push_back(v);
            }
            return out;
        }
    }
    return {};
}

struct user_ids {
    uid_t uid;
    gid_t gid;
};

user_ids nobody() {
    const passwd* pw = getpwnam("nobody");
    REQUIRE(pw != nullptr);
    return {pw->pw_uid, pw->pw_gid};
}

/// A directory the user may write (the state file's, where the WAL comes and goes).
void hand_to(const test::temp_dir& dir, user_ids who) {
    REQUIRE(::chown(dir.path().c_str(), who.uid, who.gid) == 0);
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
}

std::string text_of(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET.
class notify_socket {
public:
    explicit notify_socket(std::string path)
        : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        REQUIRE(path_.size() < sizeof(a.sun_path));
        std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
        REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) == 0);
    }
    ~notify_socket() { ::close(fd_); }
    notify_socket(const notify_socket&) = delete;
    notify_socket& operator=(const notify_socket&) = delete;

    /// Every message received so far, appended to what came before.
    const std::vector<std::string>& poll() {
        char buf[4096];
        for (;;) {
            const auto n = ::recv(fd_, buf, sizeof(buf), 0);
            if (n <= 0) {
                return messages_;
            }
            messages_.emplace_back(buf, static_cast<std::size_t>(n));
        }
    }
    [[nodiscard]] std::size_t count(const std::string& text) {
        std::size_t c = 0;
        for (const auto& m : poll()) {
            if (m.find(text) != std::string::npos) {
                ++c;
            }
        }
        return c;
    }
    /// Waits (poll(2) on the socket, no sleeps) until `text` has come `times` times.
    bool wait_for(const std::string& text, std::size_t times, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (count(text) < times) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return false;
            }
            pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
            (void)::poll(&p, 1, static_cast<int>(left.count()));
        }
        return true;
    }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
};

} // namespace

TEST_CASE("daemon: started as root with user: nobody it runs as nobody with no capabilities") {
    if (::geteuid() != 0) {
        // Not root: the switch is refused (the other branch of drop_privileges).
        test::temp_dir dir;
        const auto file =
            dir.write("u.yaml", "mqttsn: { listen: [\"127.0.0.1:0\"] }\nuser: root\n");
        test::process p(snbridge_bin, {"-c", file.string()});
        CHECK(p.wait_exit(10s) == 1);
        CHECK(p.output().find("cannot switch to user root: not started as root") !=
              std::string::npos);
        return;
    }
    const auto who = nobody();
    test::temp_dir state;
    hand_to(state, who);
    const auto db = state.file("snbridge.db");
    const auto pid_path = state.file("snbridge.pid");
    test::snbridge_fixture gw("persistence: { path: " + db.string() + " }\nuser: nobody\n" +
                              "gateway: { pid_file: " + pid_path.string() + " }\n");
    const auto pid = gw.proc().pid();
    CHECK(gw.proc().output().find("Switched to user nobody (uid " + std::to_string(who.uid)) !=
          std::string::npos);

    const auto uid = std::to_string(who.uid);
    const auto gid = std::to_string(who.gid);
    CHECK(status_field(pid, "Uid") == std::vector<std::string>{uid, uid, uid, uid});
    CHECK(status_field(pid, "Gid") == std::vector<std::string>{gid, gid, gid, gid});
    // initgroups: nobody's groups only (root's group 0 is gone).
    const auto groups = status_field(pid, "Groups");
    CHECK(std::find(groups.begin(), groups.end(), "0") == groups.end());
    for (const char* field : {"CapEff", "CapPrm", "CapInh", "CapAmb"}) {
        CAPTURE(field);
        CHECK(status_field(pid, field) == std::vector<std::string>{"0000000000000000"});
    }

    // The state file was opened as root and handed over; as nobody it still commits.
    struct stat st {};
    REQUIRE(::stat(db.c_str(), &st) == 0);
    CHECK(st.st_uid == who.uid);
    test::process pub(test::binary_path("tools/snbridge-pub"),
                      {"-h", "127.0.0.1", "-p", std::to_string(gw.port()), "-i", "sensor-d", "-t",
                       "d/t", "-m", "after-drop", "-q", "1", "-r"});
    CHECK(pub.wait_exit(10s) == 0);

    // The pid file was written as root, before the switch.
    CHECK(text_of(pid_path) == std::to_string(pid) + "\n");
    CHECK(gw.stop() == 0);
    // nobody owns the directory, so it could remove the pid file at the clean stop.
    CHECK_FALSE(std::filesystem::exists(pid_path));
    // The retained message is in the file that nobody wrote: a restart as root reads it.
    gw.restart();
    CHECK(gw.proc().output().find("1 retained messages") != std::string::npos);
    CHECK(gw.stop() == 0);
}

TEST_CASE("daemon: a non-root start refuses another user and accepts its own") {
    if (::geteuid() != 0) {
        MESSAGE("not root: setpriv cannot start snbridge as nobody; covered by the case above");
        CHECK(::geteuid() != 0);
        return;
    }
    const auto who = nobody();
    test::temp_dir dir;
    hand_to(dir, who);
    const auto port = std::to_string(test::free_udp_port(false));
    const std::string listen = "mqttsn: { listen: [\"127.0.0.1:" + port + "\"] }\n";
    // A copy nobody can execute wherever the build tree is (CI's clone may be in a 0700 home).
    const auto bin = dir.file("snbridge");
    std::filesystem::copy_file(snbridge_bin, bin);
    REQUIRE(::chmod(bin.c_str(), 0755) == 0);
    const auto as_nobody = [&](const std::string& name, const std::string& yaml) {
        const auto file = dir.write(name, yaml);
        REQUIRE(::chmod(file.c_str(), 0644) == 0);
        return std::vector<std::string>{"--reuid=" + std::to_string(who.uid),
                                        "--regid=" + std::to_string(who.gid),
                                        "--clear-groups",
                                        bin.string(),
                                        "-c",
                                        file.string()};
    };
    {
        test::process p("/usr/bin/setpriv", as_nobody("root.yaml", listen + "user: root\n"));
        CHECK(p.wait_exit(10s) == 1);
        CHECK(p.output().find("Error: cannot switch to user root: not started as root (running "
                              "as uid " +
                              std::to_string(who.uid) + ")") != std::string::npos);
        CHECK(p.output().find(" running") == std::string::npos);
    }
    {
        test::process p("/usr/bin/setpriv", as_nobody("self.yaml", listen + "user: nobody\n"));
        REQUIRE(p.wait_for_output(" running", 10s));
        CHECK(p.output().find("Already running as user nobody.") != std::string::npos);
        CHECK(p.stop() == 0);
    }
}

TEST_CASE("daemon: an unknown user is a config error with its position, also for --check-config") {
    test::temp_dir dir;
    const auto file = dir.write("u.yaml", "log: { verbose: false }\nuser: snbridge-nobody-here\n");
    for (const bool check : {true, false}) {
        CAPTURE(check);
        std::vector<std::string> args{"-c", file.string()};
        if (check) {
            args.emplace_back("--check-config");
        }
        test::process p(snbridge_bin, args);
        CHECK(p.wait_exit(10s) == 1);
        CHECK(p.output().find("Error: " + file.string() +
                              ":2:7: user: no such user on this system (getpwnam "
                              "\"snbridge-nobody-here\")") != std::string::npos);
    }
}

TEST_CASE("daemon: a pid file that cannot be written stops the start (exit 1)") {
    test::temp_dir dir;
    const auto file = dir.write("p.yaml", "mqttsn: { listen: [\"127.0.0.1:0\"] }\n"
                                          "gateway: { pid_file: /nonexistent-dir/snbridge.pid }\n");
    test::process p(snbridge_bin, {"-c", file.string()});
    CHECK(p.wait_exit(10s) == 1);
    CHECK(p.output().find("Error: gateway.pid_file: cannot write /nonexistent-dir/snbridge.pid: "
                          "No such file or directory") != std::string::npos);
    CHECK(p.output().find(" running") == std::string::npos);
}

TEST_CASE("daemon: systemd notify - READY=1 once listening, WATCHDOG=1, STOPPING=1 at stop") {
    test::temp_dir dir;
    notify_socket systemd(dir.file("notify").string());
    const auto port = std::to_string(test::free_udp_port(false));
    const auto file = dir.write("n.yaml", "mqttsn: { listen: [\"127.0.0.1:" + port + "\"] }\n");
    test::process p(snbridge_bin, {"-c", file.string()},
                    {.env = {"NOTIFY_SOCKET=" + systemd.path(), "WATCHDOG_USEC=200000"}});
    REQUIRE(p.wait_for_output(" running", 10s));
    CHECK(systemd.wait_for("READY=1", 1, 5s));
    CHECK(systemd.count("MAINPID=" + std::to_string(p.pid())) == 1);
    CHECK(p.output().find("WATCHDOG=1 every 100 ms") != std::string::npos);
    // Half of WATCHDOG_USEC: several within a second.
    CHECK(systemd.wait_for("WATCHDOG=1", 3, 5s));
    CHECK(systemd.count("STOPPING=1") == 0);
    p.send_signal(SIGTERM);
    CHECK(p.wait_exit(10s) == 0);
    CHECK(systemd.count("STOPPING=1") == 1);
    // READY=1 came after the listener was open: the log says so before "Told systemd".
    const auto out = p.output();
    const auto opened = out.find("listen socket on UDP 127.0.0.1:" + port);
    const auto told = out.find("Told systemd: ready.");
    REQUIRE(opened != std::string::npos);
    REQUIRE(told != std::string::npos);
    CHECK(opened < told);
}

TEST_CASE("daemon: without NOTIFY_SOCKET nothing is sent and nothing is said") {
    test::temp_dir dir;
    const auto file = dir.write("n.yaml", "mqttsn: { listen: [\"127.0.0.1:0\"] }\n");
    if (std::getenv("NOTIFY_SOCKET") != nullptr) {
        MESSAGE("the tests themselves run with NOTIFY_SOCKET set: not checked here");
        return;
    }
    // WATCHDOG_USEC without NOTIFY_SOCKET: no watchdog either (nobody to tell).
    test::process p(snbridge_bin, {"-c", file.string()}, {.env = {"WATCHDOG_USEC=200000"}});
    REQUIRE(p.wait_for_output(" running", 10s));
    CHECK(p.output().find("Told systemd") == std::string::npos);
    CHECK(p.output().find("watchdog") == std::string::npos);
    CHECK(p.stop() == 0);
}
