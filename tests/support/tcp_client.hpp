#pragma once

// Raw TCP clients on 127.0.0.1 for tests of the TCP listeners (MQTT, HTTP): a non-blocking one
// that a run_until predicate polls (the test drives the loop itself), and a blocking connect
// with a receive timeout (the listener runs in another process).

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace snbridge::test {

/// A non-blocking TCP client of 127.0.0.1:port; poll() reads what has arrived into `in`.
struct raw_tcp_client {
    int fd = -1;
    std::vector<std::uint8_t> in;
    bool closed = false;

    explicit raw_tcp_client(std::uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa); // EINPROGRESS
    }
    ~raw_tcp_client() { ::close(fd); }
    raw_tcp_client(const raw_tcp_client&) = delete;
    raw_tcp_client& operator=(const raw_tcp_client&) = delete;

    /// Whether all of `b` was sent at once.
    bool send(const std::vector<std::uint8_t>& b) const {
        return ::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size());
    }
    bool send_text(const std::string& s) const {
        return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
    }
    /// Reads what is there without blocking; sets `closed` on EOF or reset. Returns `closed`.
    bool poll() {
        std::uint8_t buf[4096];
        for (;;) {
            const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                in.insert(in.end(), buf, buf + n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                closed = true;
            }
            return closed;
        }
    }
    [[nodiscard]] std::string text() const { return {in.begin(), in.end()}; }
};

/// A blocking TCP connection to 127.0.0.1:port whose reads time out after `timeout_s`; -1
/// when the connect fails.
inline int connect_loopback(std::uint16_t port, long timeout_s) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    timeval tv{.tv_sec = timeout_s, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace snbridge::test
