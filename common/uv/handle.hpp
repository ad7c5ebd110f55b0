#pragma once

// The base of every libuv handle wrapper in common/uv/ (docs/style.md "libuv ownership"):
// - the uv handle lives in its own heap block, allocated here and freed only in the close
//   callback, never in a destructor;
// - the wrapper's destructor (or close()) detaches the wrapper and calls uv_close;
// - loop::close_all() may close a handle behind its wrapper's back (shutdown via uv_walk);
//   the wrapper then sees is_open() == false and every call on it becomes a no-op.
// Loop thread only.

#include <string>

struct uv_handle_s;
struct uv_loop_s;
struct uv_timer_s;
struct uv_signal_s;
struct uv_async_s;
struct uv_udp_s;
struct uv_buf_t;
struct sockaddr;

namespace snbridge::common::uv {

class loop;

/// libuv's error name and text for a negative status, e.g. "EADDRINUSE (address already in use)".
[[nodiscard]] std::string error_text(int status);

class handle {
public:
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    handle(handle&&) = delete;
    handle& operator=(handle&&) = delete;

    /// False once closed (by close(), or by loop::close_all()).
    [[nodiscard]] bool is_open() const noexcept { return h_ != nullptr; }
    /// Stops and closes the handle now; its memory is freed by the close callback on a later
    /// loop iteration. Idempotent.
    void close() noexcept;
    /// An unreferenced handle does not keep the loop running (uv_unref).
    void unref() noexcept;

protected:
    /// Allocates the handle block; the subclass initialises it with uv_<type>_init and then
    /// calls init_done(status).
    explicit handle(loop& owner);
    ~handle();

    /// Frees the block when the subclass's uv_<type>_init failed (status < 0), otherwise marks
    /// the handle as ours (data = this). Returns status.
    int init_done(int status) noexcept;
    /// Called from the close callback when someone else (loop::close_all) closed the handle
    /// while this wrapper is alive. The handle is already gone.
    virtual void on_closed_elsewhere() noexcept {}

    template <class T>
    [[nodiscard]] T* as() const noexcept {
        return reinterpret_cast<T*>(h_);
    }
    [[nodiscard]] uv_loop_s* raw_loop() const noexcept { return raw_loop_; }

private:
    friend void close_callback(uv_handle_s* h) noexcept;
    uv_loop_s* raw_loop_;
    uv_handle_s* h_ = nullptr;
};

/// The one close callback of every handle in common/uv (loop::close_all uses it too).
void close_callback(uv_handle_s* h) noexcept;

} // namespace snbridge::common::uv
