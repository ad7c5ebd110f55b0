#pragma once

// A POSIX signal delivered on the loop thread (uv_signal_t). Loop thread only.

#include <functional>

#include "common/uv/handle.hpp"

namespace snbridge::common::uv {

class signal_handle final : public handle {
public:
    explicit signal_handle(loop& owner);
    ~signal_handle() = default;

    /// Calls `callback(signum)` on the loop each time `signum` arrives. Returns 0 or a negative
    /// libuv status.
    int start(int signum, std::function<void(int)> callback);
    void stop() noexcept;

private:
    static void on_signal(uv_signal_s* s, int signum) noexcept;
    std::function<void(int)> callback_;
};

} // namespace snbridge::common::uv
