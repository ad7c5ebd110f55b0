#include "common/uv/tcp_stream.hpp"

#include <array>
#include <cstring>
#include <vector>

#include <uv.h>

#include "common/uv/loop.hpp"
#include "common/uv/socket_address.hpp"

namespace snbridge::common::uv {

namespace {

/// One queued write: the request owns its copy of the bytes and is freed in its completion
/// callback, whatever the status (docs/style.md "libuv ownership").
struct write_request {
    uv_write_t req{};
    std::vector<std::uint8_t> bytes;
};

/// Every read of every stream lands here: libuv reads one stream at a time on the loop thread
/// and the read callback consumes the bytes before the next read, so one buffer serves all
/// connections (a per-connection buffer would cost 64 KiB each).
std::array<char, 65536>& shared_read_buffer() noexcept {
    static std::array<char, 65536> buffer;
    return buffer;
}

} // namespace

tcp_stream::tcp_stream(loop& owner, std::size_t max_queued_bytes)
    : handle(owner)
    , max_queued_bytes_(max_queued_bytes) {
    init_done(uv_tcp_init(raw_loop(), as<uv_tcp_t>()));
}

uv_stream_t* tcp_stream::stream() const noexcept {
    return as<uv_stream_t>();
}

int tcp_stream::start_read(read_callback on_read, end_callback on_end) {
    if (!is_open()) {
        return UV_EBADF;
    }
    on_read_ = std::move(on_read);
    on_end_ = std::move(on_end);
    return uv_read_start(stream(), on_alloc, tcp_stream::on_read);
}

void tcp_stream::stop_read() noexcept {
    if (is_open()) {
        uv_read_stop(stream());
    }
}

int tcp_stream::resume_read() noexcept {
    if (!is_open() || shutting_down_ || !on_read_ || !on_end_) {
        return UV_EBADF;
    }
    return uv_read_start(stream(), on_alloc, tcp_stream::on_read);
}

void tcp_stream::on_alloc(uv_handle_t* /*h*/, std::size_t /*suggested*/, uv_buf_t* buf) noexcept {
    auto& b = shared_read_buffer();
    *buf = uv_buf_init(b.data(), static_cast<unsigned>(b.size()));
}

void tcp_stream::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<tcp_stream*>(s->data);
    if (self == nullptr || nread == 0) {
        return;
    }
    if (nread < 0) {
        self->end(static_cast<int>(nread));
        return;
    }
    if (self->on_read_) {
        // From a copy: the callee may destroy this stream.
        auto cb = self->on_read_;
        cb(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf->base),
                                         static_cast<std::size_t>(nread)));
    }
}

void tcp_stream::end(int status) noexcept {
    stop_read();
    if (on_end_) {
        auto cb = std::move(on_end_);
        on_end_ = nullptr;
        cb(status); // may destroy *this: nothing after this line
    }
}

int tcp_stream::write(std::span<const std::uint8_t> bytes) {
    if (!is_open() || shutting_down_) {
        return UV_EBADF;
    }
    if (bytes.empty()) {
        return 0;
    }
    // The fast path: straight to the kernel, no copy (fails with EAGAIN while writes queue).
    uv_buf_t direct = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                                  static_cast<unsigned>(bytes.size()));
    const int written = uv_try_write(stream(), &direct, 1);
    std::size_t done = 0;
    if (written >= 0) {
        done = static_cast<std::size_t>(written);
        if (done == bytes.size()) {
            return 0;
        }
    } else if (written != UV_EAGAIN) {
        return written;
    }
    const auto rest = bytes.subspan(done);
    if (queued_bytes() + rest.size() > max_queued_bytes_) {
        // Part of the packet may be in the kernel already: the stream is unusable now, which
        // the caller handles by closing it.
        return UV_ENOBUFS;
    }
    auto* req = new write_request{};
    req->bytes.assign(rest.begin(), rest.end());
    req->req.data = req;
    uv_buf_t queued = uv_buf_init(reinterpret_cast<char*>(req->bytes.data()),
                                  static_cast<unsigned>(req->bytes.size()));
    const int rc = uv_write(&req->req, stream(), &queued, 1, on_write);
    if (rc < 0) {
        delete req; // never queued: no callback will come
        return rc;
    }
    return 0;
}

void tcp_stream::on_write(uv_write_t* req, int status) noexcept {
    auto* owned = static_cast<write_request*>(req->data);
    auto* self = static_cast<tcp_stream*>(req->handle->data);
    delete owned;
    if (self != nullptr && status < 0 && status != UV_ECANCELED) {
        self->end(status);
    }
}

std::size_t tcp_stream::queued_bytes() const noexcept {
    return is_open() ? uv_stream_get_write_queue_size(stream()) : 0;
}

void tcp_stream::shutdown_then_close() noexcept {
    if (!is_open() || shutting_down_) {
        return;
    }
    shutting_down_ = true;
    stop_read();
    auto* req = new uv_shutdown_t{};
    if (uv_shutdown(req, stream(), on_shutdown) < 0) {
        delete req;
        end(0);
    }
}

void tcp_stream::on_shutdown(uv_shutdown_t* req, int status) noexcept {
    auto* self = static_cast<tcp_stream*>(req->handle->data);
    delete req;
    if (self != nullptr) {
        self->close();
        self->end(status == UV_ECANCELED ? 0 : status);
    }
}

result<net_address> tcp_stream::peer_address() const {
    if (!is_open()) {
        return fail(error{"stream closed"});
    }
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (const int rc = uv_tcp_getpeername(as<uv_tcp_t>(), reinterpret_cast<sockaddr*>(&ss), &len);
        rc < 0) {
        return fail(error{"getpeername: " + error_text(rc)});
    }
    if (auto a = from_sockaddr(reinterpret_cast<const sockaddr*>(&ss))) {
        return *a;
    }
    return fail(error{"getpeername: unknown address family"});
}

int tcp_stream::set_no_delay(bool on) noexcept {
    return is_open() ? uv_tcp_nodelay(as<uv_tcp_t>(), on ? 1 : 0) : UV_EBADF;
}

} // namespace snbridge::common::uv
