#include "common/uv/udp_socket.hpp"

#include <cstring>
#include <net/if.h>

#include <uv.h>

#include "common/uv/loop.hpp"
#include "common/uv/socket_address.hpp"

namespace snbridge::common::uv {

namespace {

/// One queued datagram: the request owns its copy of the bytes and is freed in its
/// completion callback, whatever the status (docs/style.md "libuv ownership").
struct send_request {
    uv_udp_send_t req{};
    std::vector<std::uint8_t> bytes;
};

void on_sent(uv_udp_send_t* req, int /*status*/) noexcept {
    delete static_cast<send_request*>(req->data);
}

/// Datagrams per recvmmsg() call: one system call (and one wake-up) for up to this many.
constexpr std::size_t receive_batch = 16;
/// libuv hands each datagram of a batch a 64 KiB slice (UV__UDP_DGRAM_MAXSIZE).
constexpr std::size_t max_datagram = 65536;

} // namespace

udp_socket::udp_socket(loop& owner, std::size_t max_queued_sends)
    : handle(owner)
    , buffer_(std::make_unique_for_overwrite<std::uint8_t[]>(receive_batch * max_datagram))
    , buffer_size_(receive_batch * max_datagram)
    , max_queued_sends_(max_queued_sends) {
    // The socket itself is created at bind time, when the family is known (AF_UNSPEC).
    // UV_UDP_RECVMMSG: libuv reads up to buffer / 64 KiB datagrams per system call.
    init_done(uv_udp_init_ex(raw_loop(), as<uv_udp_t>(), AF_UNSPEC | UV_UDP_RECVMMSG));
}

result<void> udp_socket::bind(const net_address& address, const udp_bind_options& options) {
    if (!is_open()) {
        return fail(error{"cannot bind " + address.to_string() + ": socket closed"});
    }
    sockaddr_storage ss{};
    to_sockaddr(address, ss);
    unsigned flags = 0;
    family_v6_ = address.fam == net_address::family::v6;
    if (family_v6_ && options.v6_only) {
        flags |= UV_UDP_IPV6ONLY;
    }
    if (options.reuse_address) {
        flags |= UV_UDP_REUSEADDR;
    }
    if (const int rc = uv_udp_bind(as<uv_udp_t>(), reinterpret_cast<sockaddr*>(&ss), flags);
        rc < 0) {
        return fail(error{"cannot bind UDP " + address.to_string() + ": " + error_text(rc)});
    }
    if (options.receive_buffer_bytes > 0) {
        int value = options.receive_buffer_bytes;
        // Not fatal: the kernel caps it at net.core.rmem_max.
        uv_recv_buffer_size(reinterpret_cast<uv_handle_t*>(as<uv_udp_t>()), &value);
    }
    return {};
}

result<net_address> udp_socket::local_address() const {
    if (!is_open()) {
        return fail(error{"socket closed"});
    }
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (const int rc = uv_udp_getsockname(as<uv_udp_t>(), reinterpret_cast<sockaddr*>(&ss), &len);
        rc < 0) {
        return fail(error{"getsockname: " + error_text(rc)});
    }
    if (auto a = from_sockaddr(reinterpret_cast<const sockaddr*>(&ss))) {
        return *a;
    }
    return fail(error{"getsockname: unknown address family"});
}

int udp_socket::receive_buffer_size() const noexcept {
    if (!is_open()) {
        return UV_EBADF;
    }
    int value = 0; // 0 = query
    const int rc = uv_recv_buffer_size(reinterpret_cast<uv_handle_t*>(as<uv_udp_t>()), &value);
    return rc < 0 ? rc : value;
}

int udp_socket::start_receive(receive_callback on_datagram, error_callback on_error) {
    if (!is_open()) {
        return UV_EBADF;
    }
    on_datagram_ = std::move(on_datagram);
    on_error_ = std::move(on_error);
    return uv_udp_recv_start(as<uv_udp_t>(), on_alloc, on_receive);
}

void udp_socket::stop_receive() noexcept {
    if (is_open()) {
        uv_udp_recv_stop(as<uv_udp_t>());
    }
}

void udp_socket::on_alloc(uv_handle_t* h, std::size_t /*suggested*/, uv_buf_t* buf) noexcept {
    auto* self = static_cast<udp_socket*>(h->data);
    if (self == nullptr) {
        *buf = uv_buf_init(nullptr, 0);
        return;
    }
    // The whole buffer: libuv slices it for a recvmmsg() batch, then reports each datagram
    // (UV_UDP_MMSG_CHUNK) and finally the end of the batch (UV_UDP_MMSG_FREE, no address):
    // the buffer is the socket's, nothing to free.
    *buf = uv_buf_init(reinterpret_cast<char*>(self->buffer_.get()),
                       static_cast<unsigned>(self->buffer_size_));
}

void udp_socket::on_receive(uv_udp_t* u, ssize_t nread, const uv_buf_t* buf, const sockaddr* addr,
                            unsigned flags) noexcept {
    auto* self = static_cast<udp_socket*>(u->data);
    if (self == nullptr) {
        return;
    }
    if (nread < 0) {
        if (self->on_error_) {
            self->on_error_(static_cast<int>(nread));
        }
        return;
    }
    if (addr == nullptr) {
        return; // nothing more to read this time (nread == 0)
    }
    if ((flags & UV_UDP_PARTIAL) != 0) {
        if (self->on_error_) {
            self->on_error_(UV_EMSGSIZE);
        }
        return;
    }
    const auto from = from_sockaddr(addr);
    if (!from || !self->on_datagram_) {
        return;
    }
    // An empty datagram (nread == 0 with an address) is a datagram too: the handler counts it.
    self->on_datagram_(
        *from, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf->base),
                                             static_cast<std::size_t>(nread)));
}

int udp_socket::send(const net_address& to, std::span<const std::uint8_t> bytes) {
    if (!is_open()) {
        return UV_EBADF;
    }
    sockaddr_storage ss{};
    to_sockaddr(to, ss);
    const auto* dest = reinterpret_cast<const sockaddr*>(&ss);
    // The fast path: straight to the kernel, no copy, when nothing is queued before it.
    uv_buf_t direct = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                                  static_cast<unsigned>(bytes.size()));
    const int sent = uv_udp_try_send(as<uv_udp_t>(), &direct, 1, dest);
    if (sent >= 0) {
        return 0;
    }
    if (sent != UV_EAGAIN) {
        return sent;
    }
    if (queued_sends() >= max_queued_sends_) {
        return UV_ENOBUFS;
    }
    auto* req = new send_request{};
    req->bytes.assign(bytes.begin(), bytes.end());
    req->req.data = req;
    uv_buf_t queued = uv_buf_init(reinterpret_cast<char*>(req->bytes.data()),
                                  static_cast<unsigned>(req->bytes.size()));
    const int rc = uv_udp_send(&req->req, as<uv_udp_t>(), &queued, 1, dest, on_sent);
    if (rc < 0) {
        delete req; // never queued: no callback will come
        return rc;
    }
    return 0;
}

std::size_t udp_socket::queued_sends() const noexcept {
    return is_open() ? uv_udp_get_send_queue_count(as<uv_udp_t>()) : 0;
}

int udp_socket::join_multicast(const net_address& group, const std::string& interface_address) {
    if (!is_open()) {
        return UV_EBADF;
    }
    char text[64] = {};
    std::string g = group.to_string();
    // to_string gives "225.1.1.1:1883" or "[ff02::1]:1883": keep the address part.
    if (group.fam == net_address::family::v6) {
        g = g.substr(1, g.find(']') - 1);
    } else {
        g = g.substr(0, g.rfind(':'));
    }
    std::strncpy(text, g.c_str(), sizeof text - 1);
    return uv_udp_set_membership(as<uv_udp_t>(), text,
                                 interface_address.empty() ? nullptr : interface_address.c_str(),
                                 UV_JOIN_GROUP);
}

int udp_socket::set_multicast_ttl(int ttl) noexcept {
    return is_open() ? uv_udp_set_multicast_ttl(as<uv_udp_t>(), ttl) : UV_EBADF;
}

int udp_socket::set_multicast_loop(bool on) noexcept {
    return is_open() ? uv_udp_set_multicast_loop(as<uv_udp_t>(), on ? 1 : 0) : UV_EBADF;
}

int udp_socket::set_multicast_interface(const std::string& interface_address) noexcept {
    return is_open() ? uv_udp_set_multicast_interface(as<uv_udp_t>(), interface_address.c_str())
                     : UV_EBADF;
}

} // namespace snbridge::common::uv
