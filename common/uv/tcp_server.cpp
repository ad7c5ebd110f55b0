#include "common/uv/tcp_server.hpp"

#include <uv.h>

#include "common/uv/loop.hpp"
#include "common/uv/socket_address.hpp"

namespace snbridge::common::uv {

tcp_server::tcp_server(loop& owner)
    : handle(owner)
    , owner_(&owner) {
    init_done(uv_tcp_init(raw_loop(), as<uv_tcp_t>()));
}

result<void> tcp_server::listen(const net_address& address, accept_callback on_accept,
                                error_callback on_error, int backlog) {
    if (!is_open()) {
        return fail(error{"cannot listen on TCP " + address.to_string() + ": socket closed"});
    }
    sockaddr_storage ss{};
    to_sockaddr(address, ss);
    const unsigned flags =
        address.fam == net_address::family::v6 ? static_cast<unsigned>(UV_TCP_IPV6ONLY) : 0u;
    if (const int rc = uv_tcp_bind(as<uv_tcp_t>(), reinterpret_cast<sockaddr*>(&ss), flags);
        rc < 0) {
        return fail(error{"cannot bind TCP " + address.to_string() + ": " + error_text(rc)});
    }
    on_accept_ = std::move(on_accept);
    on_error_ = std::move(on_error);
    if (const int rc = uv_listen(as<uv_stream_t>(), backlog, on_connection); rc < 0) {
        return fail(error{"cannot listen on TCP " + address.to_string() + ": " + error_text(rc)});
    }
    return {};
}

result<net_address> tcp_server::local_address() const {
    if (!is_open()) {
        return fail(error{"socket closed"});
    }
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (const int rc = uv_tcp_getsockname(as<uv_tcp_t>(), reinterpret_cast<sockaddr*>(&ss), &len);
        rc < 0) {
        return fail(error{"getsockname: " + error_text(rc)});
    }
    if (auto a = from_sockaddr(reinterpret_cast<const sockaddr*>(&ss))) {
        return *a;
    }
    return fail(error{"getsockname: unknown address family"});
}

void tcp_server::on_connection(uv_stream_t* server, int status) noexcept {
    auto* self = static_cast<tcp_server*>(server->data);
    if (self == nullptr) {
        return;
    }
    if (status < 0) {
        if (self->on_error_) {
            self->on_error_(status);
        }
        return;
    }
    auto conn = std::make_unique<tcp_stream>(*self->owner_);
    if (!conn->is_open()) {
        if (self->on_error_) {
            self->on_error_(UV_ENOMEM);
        }
        return;
    }
    if (const int rc = uv_accept(server, conn->stream()); rc < 0) {
        if (self->on_error_) {
            self->on_error_(rc);
        }
        return; // conn's destructor closes the unused handle
    }
    if (self->on_accept_) {
        auto cb = self->on_accept_;
        cb(std::move(conn));
    }
}

} // namespace snbridge::common::uv
