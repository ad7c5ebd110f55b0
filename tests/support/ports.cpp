#include "tests/support/ports.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace snbridge::test {

namespace {

/// Binds a socket of `type` on the loopback of `family` at `port` (0: any). Returns the
/// bound port, or 0 on failure. With `keep_fd`, the socket stays open and is returned there.
std::uint16_t bind_loopback(int family, int type, std::uint16_t port, int* keep_fd = nullptr) {
    const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        std::memcpy(&ss, &sa, sizeof sa);
        len = sizeof sa;
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        sa.sin6_addr = in6addr_loopback;
        std::memcpy(&ss, &sa, sizeof sa);
        len = sizeof sa;
    }
    std::uint16_t bound = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        if (family == AF_INET) {
            sockaddr_in sa{};
            std::memcpy(&sa, &ss, sizeof sa);
            bound = ntohs(sa.sin_port);
        } else {
            sockaddr_in6 sa{};
            std::memcpy(&sa, &ss, sizeof sa);
            bound = ntohs(sa.sin6_port);
        }
    }
    if (keep_fd != nullptr && bound != 0) {
        *keep_fd = fd;
    } else {
        ::close(fd);
    }
    return bound;
}

} // namespace

bool ipv6_loopback_available() {
    static const bool available = bind_loopback(AF_INET6, SOCK_DGRAM, 0) != 0;
    return available;
}

std::uint16_t free_udp_port(bool also_v6) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int fd = -1;
        const auto port = bind_loopback(AF_INET, SOCK_DGRAM, 0, &fd);
        if (port == 0) {
            continue;
        }
        const bool ok = !also_v6 || !ipv6_loopback_available() ||
                        bind_loopback(AF_INET6, SOCK_DGRAM, port) == port;
        ::close(fd);
        if (ok) {
            return port;
        }
    }
    throw std::runtime_error("no free UDP port on loopback");
}

std::uint16_t free_tcp_port() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (const auto port = bind_loopback(AF_INET, SOCK_STREAM, 0); port != 0) {
            return port;
        }
    }
    throw std::runtime_error("no free TCP port on loopback");
}

} // namespace snbridge::test
