#include "tests/support/udp_client.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace snbridge::test {

namespace {

socklen_t to_sockaddr(const common::net_address& a, sockaddr_storage& ss) noexcept {
    ss = {};
    if (a.fam == common::net_address::family::v4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(a.port);
        std::memcpy(&sa.sin_addr, a.ip.data(), 4);
        std::memcpy(&ss, &sa, sizeof sa);
        return sizeof sa;
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(a.port);
    std::memcpy(&sa.sin6_addr, a.ip.data(), 16);
    std::memcpy(&ss, &sa, sizeof sa);
    return sizeof sa;
}

common::net_address from_sockaddr(const sockaddr_storage& ss) noexcept {
    common::net_address a;
    if (ss.ss_family == AF_INET) {
        sockaddr_in sa{};
        std::memcpy(&sa, &ss, sizeof sa);
        a.fam = common::net_address::family::v4;
        std::memcpy(a.ip.data(), &sa.sin_addr, 4);
        a.port = ntohs(sa.sin_port);
    } else {
        sockaddr_in6 sa{};
        std::memcpy(&sa, &ss, sizeof sa);
        a.fam = common::net_address::family::v6;
        std::memcpy(a.ip.data(), &sa.sin6_addr, 16);
        a.port = ntohs(sa.sin6_port);
    }
    return a;
}

} // namespace

common::net_address loopback_v4(std::uint16_t port) noexcept {
    return common::net_address::v4(127, 0, 0, 1, port);
}

common::net_address loopback_v6(std::uint16_t port) noexcept {
    common::net_address a;
    a.fam = common::net_address::family::v6;
    a.ip[15] = 1;
    a.port = port;
    return a;
}

udp_client::udp_client(common::net_address::family fam, std::uint16_t local_port) {
    const bool v4 = fam == common::net_address::family::v4;
    fd_ = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error("udp_client: socket() failed");
    }
    sockaddr_storage ss{};
    auto len = to_sockaddr(v4 ? loopback_v4(local_port) : loopback_v6(local_port), ss);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        ::close(fd_);
        throw std::runtime_error(std::string("udp_client: bind failed: ") + std::strerror(errno));
    }
    local_ = from_sockaddr(ss);
}

udp_client::udp_client(const common::net_address& bind_to, bool reuse_address) {
    const bool v4 = bind_to.fam == common::net_address::family::v4;
    fd_ = ::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error("udp_client: socket() failed");
    }
    const int one = 1;
    if (reuse_address) {
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (!v4) {
        ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    sockaddr_storage ss{};
    auto len = to_sockaddr(bind_to, ss);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd_);
        throw std::runtime_error("udp_client: bind " + bind_to.to_string() + " failed: " + why);
    }
    local_ = from_sockaddr(ss);
}

udp_client::~udp_client() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool udp_client::send_to(const common::net_address& to, std::span<const std::uint8_t> bytes) {
    sockaddr_storage ss{};
    const auto len = to_sockaddr(to, ss);
    const auto n =
        ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
    return n >= 0 && static_cast<std::size_t>(n) == bytes.size();
}

std::optional<received_datagram> udp_client::receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> buf(65536);
    sockaddr_storage ss{};
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[256];
    msghdr msg{};
    msg.msg_name = &ss;
    msg.msg_namelen = sizeof ss;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const auto n = ::recvmsg(fd_, &msg, 0);
    if (n < 0) {
        return std::nullopt;
    }
    buf.resize(static_cast<std::size_t>(n));
    received_datagram out{from_sockaddr(ss), std::move(buf), std::nullopt};
    for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
            int value = 0;
            std::memcpy(&value, CMSG_DATA(c), sizeof value);
            out.ttl = value;
        }
    }
    return out;
}

bool udp_client::join_multicast(const common::net_address& group) {
    if (group.fam == common::net_address::family::v4) {
        ip_mreqn req{};
        std::memcpy(&req.imr_multiaddr, group.ip.data(), 4);
        req.imr_address.s_addr = htonl(INADDR_LOOPBACK);
        req.imr_ifindex = static_cast<int>(::if_nametoindex("lo"));
        return ::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &req, sizeof req) == 0;
    }
    ipv6_mreq req{};
    std::memcpy(&req.ipv6mr_multiaddr, group.ip.data(), 16);
    req.ipv6mr_interface = ::if_nametoindex("lo");
    return ::setsockopt(fd_, IPPROTO_IPV6, IPV6_JOIN_GROUP, &req, sizeof req) == 0;
}

bool udp_client::send_multicast_on_loopback(int ttl) {
    if (local_.fam == common::net_address::family::v4) {
        in_addr lo{};
        lo.s_addr = htonl(INADDR_LOOPBACK);
        return ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo) == 0 &&
               ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) == 0;
    }
    const unsigned index = ::if_nametoindex("lo");
    return ::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) == 0 &&
           ::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl) == 0;
}

bool udp_client::enable_receive_ttl() {
    const int one = 1;
    if (local_.fam == common::net_address::family::v4) {
        return ::setsockopt(fd_, IPPROTO_IP, IP_RECVTTL, &one, sizeof one) == 0;
    }
    return ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one) == 0;
}

} // namespace snbridge::test
