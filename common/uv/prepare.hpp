#pragma once

// A libuv prepare handle: a callback once per loop iteration, just before the loop blocks
// for I/O, i.e. after every callback of that iteration ran. Loop thread only.

#include <functional>

#include "common/uv/handle.hpp"

struct uv_prepare_s;

namespace snbridge::common::uv {

class prepare final : public handle {
public:
    explicit prepare(loop& owner);
    ~prepare() = default;

    /// Runs `callback` before each wait for I/O until stop() or close(). No-op once closed.
    /// An active prepare handle keeps the loop running, as a socket does.
    void start(std::function<void()> callback);
    void stop() noexcept;

private:
    static void on_prepare(uv_prepare_s* p) noexcept;
    std::function<void()> callback_;
};

} // namespace snbridge::common::uv
