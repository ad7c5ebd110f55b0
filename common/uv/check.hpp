#pragma once

// A libuv check handle: a callback once per loop iteration, right after the loop polled for
// I/O, i.e. after that iteration's I/O callbacks ran. Loop thread only.

#include <functional>

#include "common/uv/handle.hpp"

struct uv_check_s;

namespace snbridge::common::uv {

class check final : public handle {
public:
    explicit check(loop& owner);
    ~check() = default;

    /// Runs `callback` after each poll for I/O until stop() or close(). No-op once closed.
    /// An active check handle keeps the loop running, as a socket does (unless unref()).
    void start(std::function<void()> callback);
    void stop() noexcept;

private:
    static void on_check(uv_check_s* c) noexcept;
    std::function<void()> callback_;
};

} // namespace snbridge::common::uv
