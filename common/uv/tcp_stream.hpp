#pragma once

// One TCP connection (uv_tcp_t as a stream): read into a shared buffer, write with copy only
// when the kernel cannot take the bytes at once, a bound on bytes queued for a slow peer, and
// a graceful "flush then close". Loop thread only; errors are negative libuv status codes
// (see error_text), never exceptions.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "common/net_address.hpp"
#include "common/result.hpp"
#include "common/uv/handle.hpp"

struct uv_stream_s;
struct uv_tcp_s;
struct uv_shutdown_s;
struct uv_write_s;

namespace snbridge::common::uv {

class tcp_stream final : public handle {
public:
    /// Bytes received. The span is valid only during the call.
    using read_callback = std::function<void(std::span<const std::uint8_t> bytes)>;
    /// The stream ended: UV_EOF (peer closed), a read or write error (negative status), or 0
    /// when shutdown_then_close() has flushed everything. Called at most once. The owner may
    /// destroy the tcp_stream from inside this callback.
    using end_callback = std::function<void(int status)>;

    /// `max_queued_bytes`: bytes waiting in user space for a slow peer before write() refuses
    /// with UV_ENOBUFS.
    explicit tcp_stream(loop& owner, std::size_t max_queued_bytes = 1 << 20);
    ~tcp_stream() = default;

    /// Starts reading. The callbacks may destroy this tcp_stream (they run from a copy).
    int start_read(read_callback on_read, end_callback on_end);
    void stop_read() noexcept;
    /// Reads again after stop_read(), with the callbacks of start_read(). UV_EBADF when
    /// closed, shutting down, ended or never started.
    int resume_read() noexcept;

    /// Sends `bytes` (copied if the kernel does not take them all at once). Returns 0, or a
    /// negative status: UV_ENOBUFS when the queue bound is reached (nothing is sent),
    /// UV_EBADF when closed or shutting down.
    int write(std::span<const std::uint8_t> bytes);
    /// Changes the bound of write() (e.g. on a stream handed over by tcp_server).
    void set_max_queued_bytes(std::size_t max_queued_bytes) noexcept {
        max_queued_bytes_ = max_queued_bytes;
    }
    /// Bytes accepted by write() and not yet handed to the kernel.
    [[nodiscard]] std::size_t queued_bytes() const noexcept;

    /// Stops reading, flushes queued writes, shuts the sending side down and closes; then
    /// calls the end callback with 0 (or an error). Idempotent.
    void shutdown_then_close() noexcept;

    [[nodiscard]] result<net_address> peer_address() const;
    int set_no_delay(bool on) noexcept;

private:
    friend class tcp_server;
    [[nodiscard]] uv_stream_s* stream() const noexcept;
    void end(int status) noexcept;
    static void on_alloc(uv_handle_s* h, std::size_t suggested, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_s* s, long nread, const uv_buf_t* buf) noexcept;
    static void on_write(uv_write_s* req, int status) noexcept;
    static void on_shutdown(uv_shutdown_s* req, int status) noexcept;

    std::size_t max_queued_bytes_;
    read_callback on_read_;
    end_callback on_end_;
    bool shutting_down_ = false;
};

} // namespace snbridge::common::uv
